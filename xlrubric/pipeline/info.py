"""基本信息: the school's own description of itself (name, contact, e-mail, term).

Batch summaries and mail use it; a missing or malformed value is a problem on its cell, never a guess.
"""

from __future__ import annotations

import re

from xlrubric.pipeline.context import Context
from xlrubric.readers.table import find_label_values
from xlrubric.schemas.layout import INFO_FIELDS, INFO_SHEET, STAGES

EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}([- ]?\d{1,5})?)$")


def run(ctx: Context) -> None:
    sheet = ctx.book.sheet(INFO_SHEET)
    info: dict[str, str] = {}
    if sheet is not None:
        found = find_label_values(sheet, INFO_FIELDS)
        for label, (value, cell) in found.items():
            text = "" if value is None else str(value).strip()
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            info[label] = text
            if not text:
                continue
            if label == "电子邮箱" and not EMAIL.match(text):
                ctx.problem("bad-email", f"电子邮箱「{text}」格式不对，如 school@example.cn", "错误",
                            sheet.name, cell, value)
            elif label == "联系电话" and not PHONE.match(text.replace(" ", "")):
                ctx.problem("bad-phone", f"联系电话「{text}」格式不对，应为11位手机号或带区号的座机号", "警告",
                            sheet.name, cell, value)
            elif label == "所涉学段":
                parts = [p for p in re.split(r"[、,，/\s]+", text) if p]
                wrong = [p for p in parts if p not in STAGES]
                if wrong:
                    ctx.problem("bad-stage", f"所涉学段只能是{'、'.join(STAGES)}，填的是「{text}」", "错误",
                                sheet.name, cell, value)
    school = info.get("学校名称") or ctx.spec.school or ctx.book.name.rsplit(".", 1)[0]
    ctx.summary.update({"school": school, "email": info.get("电子邮箱", ""), "term": info.get("学期") or ctx.spec.term,
                        "year": info.get("学年", ""), "contact": info.get("项目联络人", ""), "info": info})
    ctx.report["school"] = info
