"""A small county folder for the batch tests, with hand-computed expectations.

Every school workbook carries its own 考核细则 sheet (so one batch mixes presets, as a county does).
The expected figures are worked out by hand from the seeds, in comments next to each school.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from schoolbooks import record_sheet, write_book

from xlrubric.process import compute_file
from xlrubric.spec.load import load_preset
from xlrubric.spec.sheet import spec_to_rows

RESULT_SHEETS = ("考核结果", "扣分明细", "校验问题")
PASSWORD = "密码123"

# lanxi4 (seed 003): 50 points; "迟到、间缺、早退一次扣0.5分", "每少参加一次研修活动扣1分", 心得体会未交 → item
# 心得体会 (10) scores 0. Bands on the 40-point scale (total × 40/50): 优秀 ≥ 36 (≤ 40% of teachers), 良好 24–35.9.
LANXI4_TEACHERS = [
    ("L01", "王芳", {}),                                          # 50 → 40.0
    ("L02", "李娜", {"迟到间缺早退次数": 2}),                      # 50 − 2×0.5 = 49 → 39.2
    ("L03", "张伟", {"缺席研修活动次数": 3}),                      # 50 − 3×1 = 47 → 37.6
    ("L04", "刘洋", {"心得体会未交": 1}),                          # 50 − 10 = 40 → 32.0 良好
    ("L05", "陈静", {"心得体会未交": 1, "迟到间缺早退次数": 4}),    # 50 − 10 − 2 = 38 → 30.4 良好
]
# Totals 50, 49, 47, 40, 38: mean 224 / 5 = 44.8. Quota 40% × 5 = 2 优秀 (L01, L02); L03 reaches the 优秀
# line but is placed 良好 by the quota → 优秀 2, 良好 3, 一般 0, quota held.
LANXI4_EXPECTED = {"teachers": 5, "mean_total": 44.8, "totals": [50, 49, 47, 40, 38],
                   "bands": {"优秀": 2, "良好": 3, "一般": 0}, "quota_ok": True}

# xinghuo (seed 000): 30 points; 缺签到 "每次扣1分" within 出勤 (3 points).
XINGHUO_TEACHERS = [
    ("X01", "赵敏", {}),                      # 30
    ("X02", "孙强", {"缺签到次数": 2}),        # 30 − 2 = 28
]                                             # mean (30 + 28) / 2 = 29
XINGHUO_EXPECTED = {"teachers": 2, "mean_total": 29.0, "totals": [30, 28]}


def school_book(path: Path, preset: str, school: str, teachers: list[tuple[str, str, dict[str, Any]]],
                *, email: str = "school@example.cn") -> Path:
    """A school's workbook: 基本信息, 教师名册, 考核记录 (two-row header) and its own 考核细则."""
    spec = load_preset(preset)
    record, merges = record_sheet(spec, teachers)
    sheets = {
        "基本信息": [["一、基本信息"], ["学校名称", school], ["电子邮箱", email], ["学期", spec.term]],
        "教师名册": [["教师名册"], ["工号", "姓名"], *[[t, n] for t, n, _ in teachers]],
        "考核记录": record,
        "考核细则": [["考核细则"], *spec_to_rows(spec)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_book(path, sheets, {"考核记录": merges})


def encrypt(path: Path, password: str = PASSWORD) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with path.open("rb") as fh:
        OOXMLFile(fh).encrypt(password, out)
    path.write_bytes(out.getvalue())


def make_county(root: Path, *, encrypted: bool = False) -> Path:
    """兰西镇/兰西四中 (lanxi4), 星火乡/中心小学 and 榆林镇/中心小学 (xinghuo, same file name), a web page
    saved as .xls, a lock file and an earlier `compute` output beside its original (both skipped)."""
    school_book(root / "兰西镇" / "兰西四中.xlsx", "lanxi4", "兰西四中", LANXI4_TEACHERS)
    school_book(root / "星火乡" / "中心小学.xlsx", "xinghuo", "星火乡中心小学", XINGHUO_TEACHERS)
    # Same file name, another school; "3次" typed as text → a 警告 → status 有问题.
    school_book(root / "榆林镇" / "中心小学.xlsx", "xinghuo", "榆林镇中心小学",
                [("Y01", "周杰", {"缺签到次数": "3次"}), ("Y02", "吴霞", {})])
    (root / "红星乡").mkdir(parents=True, exist_ok=True)
    (root / "红星乡" / "红星乡小学.xls").write_text("<html><body><table><tr><td>工号</td></tr></table></body></html>",
                                                 encoding="utf-8")
    (root / "兰西镇" / "~$兰西四中.xlsx").write_bytes(b"\x06owner".ljust(165, b" "))
    compute_file(root / "兰西镇" / "兰西四中.xlsx", root / "兰西镇" / "兰西四中_结果.xlsx", preset="lanxi4")
    if encrypted:
        path = school_book(root / "长岗乡" / "长岗乡中学.xlsx", "xinghuo", "长岗乡中学", XINGHUO_TEACHERS)
        encrypt(path)
    return root


def result_values(path: Path) -> dict[str, list[list[Any]]]:
    """The result sheets of an output, as values read back by a second reader (python-calamine).

    An encrypted school's output keeps the school's password; it is decrypted here to be read.
    """
    data = path.read_bytes()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        import io

        import msoffcrypto

        office, plain = msoffcrypto.OfficeFile(io.BytesIO(data)), io.BytesIO()
        office.load_key(password=PASSWORD)
        office.decrypt(plain)
        data = plain.getvalue()
    wb = CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
    return {name: wb.get_sheet_by_name(name).to_python() for name in RESULT_SHEETS if name in wb.sheet_names}


def outputs(outdir: Path) -> dict[str, dict[str, list[list[Any]]]]:
    """Every school output under OUTDIR (not the summary), keyed by its relative path."""
    return {p.relative_to(outdir).as_posix(): result_values(p) for p in sorted(outdir.rglob("*.xls[xm]"))
            if p.name != "县汇总.xlsx" and not p.name.startswith(".")}
