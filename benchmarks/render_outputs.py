"""Render every kind of output xlrubric writes to PDF and PNG pages, to look at them as a director would.

    python benchmarks/render_outputs.py [OUT]          # default OUT: /tmp/xlrubric-render

Runs the real command line in real processes on the shipped samples — `compute` for each preset's
sample, `template` for each preset and style, `batch` on samples/county (县汇总.xlsx), `archive` for every
preset with a 学时登记, `mail` (the preview .eml; its text body is what the school reads) — then prints
each file with LibreOffice headless (`soffice --convert-to pdf`, a second program that honours our page
setup) and turns the PDF into PNG pages with `pdftoppm`. Look at every page: OUT/png/<file>-<page>.png.
`tests/test_print_layout.py` and `tests/test_print_templates.py` assert what can be asserted from the
same PDFs without eyes.
"""

from __future__ import annotations

import email
import html
import shutil
import subprocess
import sys
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PRESETS = ("xinghuo", "lanxi4", "baiwanzi", "weicun", "tisheng2")
ARCHIVE_PRESETS = ("baiwanzi", "weicun", "tisheng2", "lanxi4")
RUBRIC_PRESETS = ("xinghuo", "lanxi4")      # the presets with a 考核记录, so a 评分 style too


def xlrubric(*args: str | Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("xlrubric")
    # cwd: the repository, whose package is the one installed (a process pool's workers put the working
    # folder first on sys.path, so another checkout's folder would lend them its code)
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, check=False, cwd=ROOT)


def to_pdf(files: list[Path], pdf_dir: Path, profile: Path) -> list[Path]:
    """Print workbooks with LibreOffice (it exits 0 even when it cannot load a file, so check each PDF)
    and the mail pages with chromium, which prints HTML as a mail client shows it."""
    pdf_dir.mkdir(parents=True, exist_ok=True)
    for page in [f for f in files if f.suffix == ".html"]:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf_dir / (page.stem + '.pdf')}", page.as_uri()],
                       capture_output=True, check=False, timeout=120)
    books = [f for f in files if f.suffix != ".html"]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(pdf_dir), *map(str, books)], capture_output=True, check=False, timeout=900)
    pdfs = [pdf_dir / (f.stem + ".pdf") for f in files]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise SystemExit(f"LibreOffice 没有生成：{'、'.join(missing)}")
    return pdfs


def to_png(pdf: Path, png_dir: Path, dpi: int = 60) -> list[Path]:
    png_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(png_dir / pdf.stem)], check=True)
    return sorted(png_dir.glob(f"{pdf.stem}-*.png"))


def build_outputs(out: Path) -> list[Path]:
    """Every output kind, written by the command line into `out/files`; returns the files to print."""
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for preset in PRESETS:
        target = files / f"{preset}_结果.xlsx"
        xlrubric("compute", SAMPLES / f"{preset}.xlsx", "-o", target, "--preset", preset)
        made.append(target)
    for preset in PRESETS:           # blank templates: what a school fills in, or prints and fills by hand
        for style in ("扣分事项", "评分") if preset in RUBRIC_PRESETS else ("扣分事项",):
            target = files / f"模板_{preset}_{style}.xlsx"
            xlrubric("template", preset, "-o", target, "--style", style, "--force")
            made.append(target)
    county = files / "county"
    xlrubric("batch", SAMPLES / "county", "--out", county, "--workers", "2")
    made.append(county / "县汇总.xlsx")
    for preset in ARCHIVE_PRESETS:
        folder = files / f"档案_{preset}"
        xlrubric("archive", SAMPLES / f"{preset}.xlsx", "--out", folder, "--preset", preset)
        for book in sorted(folder.glob("*.xlsx")):
            renamed = files / f"档案_{preset}_{book.name}"
            shutil.copyfile(book, renamed)
            made.append(renamed)
    xlrubric("mail", county, "--from", "county@example.cn", "--from-name", "兰西县教师进修学校")
    for eml in sorted((county / "邮件预览").glob("*.eml"))[:3]:
        msg = email.message_from_bytes(eml.read_bytes(), policy=default)
        body = msg.get_body(("plain",)).get_content()
        names = [part.get_filename() for part in msg.iter_attachments()]
        page = files / f"邮件_{eml.stem}.html"
        head = f"主题：{msg['Subject']}\n收件人：{msg['To']}\n附件：{'、'.join(names)}\n\n"
        page.write_text('<html><head><meta charset="utf-8"></head><body style="font-size:12pt">'
                        f'<pre style="white-space:pre-wrap;font-family:sans-serif">{html.escape(head + body)}</pre>'
                        "</body></html>", encoding="utf-8")
        made.append(page)
    missing = [p for p in made if not p.exists()]
    if missing:
        raise SystemExit(f"没有生成：{'、'.join(map(str, missing))}")
    return made


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    files = build_outputs(out)
    pdfs = to_pdf(files, out / "pdf", out / "lo-profile")
    total = 0
    for pdf in pdfs:
        pages = to_png(pdf, out / "png")
        total += len(pages)
        print(f"{pdf.name}: {len(pages)} 页")
    print(f"共 {len(pdfs)} 个文件、{total} 页：{out / 'png'}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):     # not a folder to delete and fill
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/xlrubric-render"))
