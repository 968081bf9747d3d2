"""Generate samples/county/: a county folder as the 教师进修学校 receives it, mistakes included.

    python samples/make_county.py            # rewrites samples/county/

Deterministic content (seeded random). Byte-for-byte reproducible except the two files made by other
programs: the legacy .xls files (LibreOffice stamps the time) and the encrypted one (random salt).
The mistakes, one school each (see MISTAKES below and README「县域批量处理」):
  a real legacy .xls; a .xls renamed to .xlsx; a web page saved as .xls; a password-protected
  workbook (password in samples/county-passwords.txt); a missing 考核记录 sheet; numbers typed as
  text; a teacher entered twice; last year's template (a renamed and a missing column); a teacher not
  in the roster; a malformed e-mail; an Excel lock file ~$…; two schools whose files are both named
  中心小学.xlsx in different 乡镇 folders.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import hour_samples

from sample_schools import School, school_workbook
from xlrubric.spec.load import load_preset, preset_ids

HERE = Path(__file__).resolve().parent
COUNTY = HERE / "county"
PASSWORD = "lx2025"
EXTRA_PRESETS = ("baiwanzi", "weicun", "tisheng2")   # added when the spec engineer's presets exist

# (folder, file name, school, preset, teachers, 签到登记 rows, stage, mistakes)
SCHOOLS = [
    ("兰西镇", "兰西县第三中学.xlsx", "兰西县第三中学", "lanxi4", 42, 420, "初中", ()),
    ("兰西镇", "兰西四中.xlsx", "兰西四中", "lanxi4", 36, 360, "初中", ("text_numbers",)),
    ("兰西镇", "兰西县第二中学.xlsx", "兰西县第二中学", "lanxi4", 30, 0, "高中", ("encrypted",)),
    ("星火乡", "星火乡第一中学.xlsx", "兰西县星火乡第一中学", "xinghuo", 28, 280, "初中", ("dup_teacher",)),
    ("星火乡", "星火乡中心小学.xlsx", "星火乡中心小学", "xinghuo", 24, 0, "小学", ("old_template",)),
    ("榆林镇", "中心小学.xlsx", "榆林镇中心小学", "lanxi4", 26, 260, "小学", ("bad_email",)),
    ("临江镇", "中心小学.xlsx", "临江镇中心小学", "xinghuo", 22, 0, "小学", ("unknown_teacher",)),
    ("平山镇", "平山镇中学.xlsx", "平山镇中学", "lanxi4", 33, 0, "初中", ("missing_record",)),
    ("红光镇", "红光镇中心学校.xls", "红光镇中心学校", "xinghuo", 20, 0, "小学、初中", ("legacy_xls",)),
    ("长岗乡", "长岗乡中学.xlsx", "长岗乡中学", "lanxi4", 18, 0, "初中", ("renamed_xls",)),
    ("红星乡", "红星乡小学.xls", "红星乡小学", "xinghuo", 16, 0, "小学", ("html_xls",)),
    ("远大镇", "远大镇中学.xlsx", "远大镇中学", "lanxi4", 31, 310, "初中", ()),
    ("康荣镇", "康荣镇中心小学.xlsx", "康荣镇中心小学", "xinghuo", 27, 270, "小学", ()),
    ("燎原乡", "燎原乡中心小学.xlsx", "燎原乡中心小学", "lanxi4", 19, 190, "小学", ()),
]
EXTRA = [  # one school per 学时/达标 preset: its workbook is that preset's sample (samples/hour_samples.py),
    # whose 学时登记 is filled in, so the county's 学时达标率 means something
    ("白湾子镇", "白湾子镇学校.xlsx", "白湾子镇学校", "baiwanzi", 40, 0, "小学、初中", ()),
    ("魏村镇", "魏村小学.xlsx", "魏村小学", "weicun", 50, 0, "小学", ()),
    ("城关镇", "城关第二小学.xlsx", "城关第二小学", "tisheng2", 30, 0, "小学、初中", ()),
]
LOCK_FILE = ("兰西镇", "~$兰西县第三中学.xlsx")


def legacy_xls(data: bytes) -> bytes | None:
    """A real BIFF .xls of the workbook, made by LibreOffice (None when soffice is not installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "book.xlsx"
        src.write_bytes(data)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to",
                        "xls", "--outdir", tmp, str(src)], check=False, capture_output=True, timeout=180)
        out = Path(tmp) / "book.xls"
        return out.read_bytes() if out.exists() else None    # soffice exits 0 even when it failed


def html_xls(school: str) -> bytes:
    """What "另存为网页" gives when a director then renames it .xls."""
    rows = "".join(f"<tr><td>{1000 + i}</td><td>教师{i}</td><td></td></tr>" for i in range(5))
    return (f'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8">'
            f"<title>{school}</title></head><body><table><tr><td>工号</td><td>姓名</td><td>缺签到次数</td></tr>"
            f"{rows}</table></body></html>").encode()


def encrypted(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(PASSWORD, out)
    return out.getvalue()


def main() -> int:
    have = set(preset_ids())
    schools = SCHOOLS + [s for s in EXTRA if s[3] in have]
    if COUNTY.exists():
        shutil.rmtree(COUNTY)
    notes, made = [], 0
    for n, (folder, file, name, preset, teachers, signin, stage, mistakes) in enumerate(schools, start=1):
        spec = load_preset(preset)
        school = School(name, preset, teachers, signin, stage, f"xy{n:02d}@lanxi.example.cn", mistakes, seed=100 + n)
        try:
            data = hour_samples.SAMPLES[preset]()[0] if preset in hour_samples.SAMPLES else \
                school_workbook(spec, school)
        except Exception as exc:  # noqa: BLE001 — a preset still being built: leave its school out
            if preset not in EXTRA_PRESETS:
                raise
            notes.append(f"{file}: 预设 {preset} 暂时无法写出考核细则表（{type(exc).__name__}），未生成")
            continue
        if "legacy_xls" in mistakes or "renamed_xls" in mistakes:
            xls = legacy_xls(data)
            if xls is None:
                notes.append(f"{file}: 没有 LibreOffice，改用网页格式代替真正的 .xls")
                data = html_xls(name)
            else:
                data = xls
        elif "html_xls" in mistakes:
            data = html_xls(name)
        elif "encrypted" in mistakes:
            data = encrypted(data)
        path = COUNTY / folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        made += 1
    # Excel's owner file: 165 bytes, the user name padded with spaces (Excel leaves it after a crash).
    lock = COUNTY / LOCK_FILE[0] / LOCK_FILE[1]
    lock.write_bytes((b"\x08" + "教务处".encode("utf-16-le")).ljust(165, b"\x20"))
    (HERE / "county-passwords.txt").write_text(f"{PASSWORD}\n", encoding="utf-8")
    for note in notes:
        print(note, file=sys.stderr)
    print(f"已生成 {made} 所学校的工作簿：{COUNTY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
