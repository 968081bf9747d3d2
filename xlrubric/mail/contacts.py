"""Who gets which workbook: the address in the school's own 基本信息, or the county's 通讯录, never a guess.

A 通讯录 (`--contacts`, .xlsx/.xlsm/.xls or .csv) has a 学校名称 column and an 电子邮箱 column anywhere in
its first rows; it wins over the workbook because the county keeps it up to date, and the table says
which source each address came from. Addresses are checked with the same pattern the 基本信息 check uses
(one address, no spaces, no full-width ＠): a bad one is reported and the school skipped, because mailing
"almost" the right address is how a school's results reach a stranger.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from xlrubric.mail.errors import MailError
from xlrubric.readers.text import cell_text, normalize_label
from xlrubric.schemas.contact import EMAIL

SCHOOL_HEADERS = {normalize_label(h) for h in ("学校名称", "学校", "单位名称", "单位")}
EMAIL_HEADERS = {normalize_label(h) for h in ("电子邮箱", "邮箱", "电子邮件", "E-mail", "Email")}
# Optional: which workbook is the school's, when two workbooks write the same 学校名称.
WORKBOOK_HEADERS = {normalize_label(h) for h in ("工作簿", "工作簿文件", "文件", "文件名")}
SOURCE_INFO = "基本信息"
SOURCE_CONTACTS = "通讯录"


@dataclass(frozen=True)
class Address:
    """The address a school's mail goes to (empty when none), where it came from and why it is unusable."""

    email: str
    source: str                 # 基本信息 / 通讯录 / ""
    problem: str = ""           # Chinese reason the school is skipped; "" when the address is usable
    workbook: str = ""          # the 通讯录's 工作簿 column: the school's own file (settles a name two files claim)

    @property
    def ok(self) -> bool:
        return not self.problem


def check_email(text: str) -> str:
    """The Chinese reason `text` is not one usable address, or "" when it is."""
    if not text:
        return "没有电子邮箱"
    if not EMAIL.match(text):
        return f"电子邮箱「{text}」格式不对"
    return ""


def choose_address(school: str, own: str, contacts: dict[str, Address] | None) -> Address:
    """The 通讯录's address when it lists the school, else the workbook's own 电子邮箱."""
    if contacts is not None:
        listed = contacts.get(normalize_label(school))
        if listed is not None:
            return listed
    own = (own or "").strip()
    problem = check_email(own)
    if problem and contacts is not None:
        problem += "（通讯录里也没有这所学校）"
    return Address(own, SOURCE_INFO if own else "", problem)


def load_contacts(path: Path) -> dict[str, Address]:
    """normalized 学校名称 → its Address (a bad or conflicting one carries its problem, reported per school)."""
    path = Path(path)
    if not path.is_file():
        raise MailError(f"找不到通讯录文件：{path}", hint="检查 --contacts 给的路径。")
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        rows = _book_rows(path)
    else:
        raise MailError("通讯录只能是 .xlsx/.xls 工作簿或 .csv 文件", file=path.name)
    return _parse(rows, path.name)


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    # Excel in a Chinese locale saves CSV as GBK; newer versions and WPS may save UTF-8 with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:   # pragma: no cover - gb18030 decodes any byte string
        raise MailError("通讯录 CSV 的编码无法识别", file=path.name, hint="请用 Excel 另存为“CSV UTF-8”。")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _book_rows(path: Path) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        wanted = next((n for n in names if normalize_label(n) == normalize_label("通讯录")), names[0])
        data = book.get_sheet_by_name(wanted).to_python(skip_empty_area=False)
    except Exception as exc:   # calamine raises several unrelated types for a bad file
        raise MailError(f"通讯录无法读取（{exc}）", file=path.name, hint="请确认它是正常的 Excel 工作簿。") from exc
    return [[cell_text(v) for v in row] for row in data]


def _header(rows: list[list[str]]) -> tuple[int, int, int, int | None] | None:
    """(row, school column, email column, workbook column or None) of the header, in the first 20 rows."""
    for r, row in enumerate(rows[:20]):
        labels = [normalize_label(v) for v in row]
        school_col = next((i for i, v in enumerate(labels) if v in SCHOOL_HEADERS), None)
        email_col = next((i for i, v in enumerate(labels) if v in EMAIL_HEADERS), None)
        if school_col is not None and email_col is not None:
            return r, school_col, email_col, next((i for i, v in enumerate(labels) if v in WORKBOOK_HEADERS), None)
    return None


def _parse(rows: list[list[str]], name: str) -> dict[str, Address]:
    header = _header(rows)
    if header is None:
        raise MailError("通讯录里没有找到「学校名称」和「电子邮箱」两列", file=name,
                        hint="在第一行写上列名：学校名称、电子邮箱。")
    start, school_col, email_col, book_col = header
    found: dict[str, Address] = {}
    for row in rows[start + 1:]:
        school = row[school_col].strip() if school_col < len(row) else ""
        email = row[email_col].strip() if email_col < len(row) else ""
        book = row[book_col].strip() if book_col is not None and book_col < len(row) else ""
        if not school:
            continue
        key = normalize_label(school)
        before = found.get(key)
        if before is not None and before.email != email:
            # Two rows disagree: choosing one would be a guess.
            found[key] = Address(before.email, SOURCE_CONTACTS,
                                 f"通讯录里「{school}」有两个不同的邮箱（{before.email}、{email}）", before.workbook)
        elif before is None:
            found[key] = Address(email, SOURCE_CONTACTS, check_email(email), book)
    return found
