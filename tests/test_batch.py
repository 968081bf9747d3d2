"""`xlrubric batch` end to end: discovery, outputs keeping the folder structure, per-file failures,
the manifest contract, exit codes and the bad-input messages."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from batchbooks import LANXI4_EXPECTED, PASSWORD, XINGHUO_EXPECTED, make_county, result_values
from python_calamine import CalamineWorkbook
from schoolbooks import sha256
from typer.testing import CliRunner

from xlrubric.batch.discover import discover
from xlrubric.batch.manifest import MANIFEST_NAME, load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.cli import app
from xlrubric.pipeline import PARTS, register_part
from xlrubric.process import compute_file


@pytest.fixture(name="county")
def fixture_county(tmp_path: Path) -> Path:
    return make_county(tmp_path / "县域", encrypted=True)


def invoke(*args: str):
    return CliRunner().invoke(app, ["batch", *map(str, args)])


def test_discover_skips_lock_files_outputs_and_outdir(county: Path, tmp_path: Path):
    """Verify lock files, earlier outputs and OUTDIR inside DIR are left out; same names keep their folders."""
    (county / "结果").mkdir()                      # an OUTDIR holding workbooks is refused (test_batch_hostile.py)
    (county / "结果" / "说明.txt").write_bytes(b"x")
    (county / "旧结果").mkdir()
    (county / "旧结果" / MANIFEST_NAME).write_text("{}")
    (county / "旧结果" / "兰西四中.xlsx").write_bytes(b"x")
    (county / "红光镇").mkdir()
    (county / "红光镇" / "学校.xls").write_bytes(b"x")
    (county / "红光镇" / "学校.xlsx").write_bytes(b"x")
    books, notes = discover(county, county / "结果")
    rels = {b.rel: b.out_rel for b in books}
    assert rels == {
        "兰西镇/兰西四中.xlsx": "兰西镇/兰西四中.xlsx",
        "星火乡/中心小学.xlsx": "星火乡/中心小学.xlsx",
        "榆林镇/中心小学.xlsx": "榆林镇/中心小学.xlsx",
        "红星乡/红星乡小学.xls": "红星乡/红星乡小学.xlsx",
        "长岗乡/长岗乡中学.xlsx": "长岗乡/长岗乡中学.xlsx",
        "红光镇/学校.xlsx": "红光镇/学校.xlsx",
        "红光镇/学校.xls": "红光镇/学校_xls.xlsx",       # would clash with its sibling's output
    }
    assert any("旧结果" in n for n in notes) and any("兰西四中_结果" in n for n in notes)
    assert not any("~$" in n for n in notes)             # lock files are skipped silently


def test_batch_processes_county_with_pool(county: Path, tmp_path: Path):
    """Verify a 2-worker batch: outputs per school in their folders, failures listed, figures by hand."""
    before = {p: sha256(p) for p in county.rglob("*") if p.is_file()}
    out = tmp_path / "结果"
    pw = tmp_path / "密码.txt"
    pw.write_text(f"wrong\n{PASSWORD}\n", encoding="utf-8")
    result = invoke(county, "--out", out, "--workers", 2, "--password-file", pw, "--strict")
    assert result.exit_code == 1, result.output          # --strict: some schools have problems / are unreadable
    assert "处理中" in result.output and "批处理结果" in result.output
    # The terminal table (80 columns here) never cuts a figure: 兰西四中's mean with its scale, its 等次 counts
    # (50+49+47+40+38 = 224 / 5 = 44.8 of 50; 优秀 2, 良好 3, worked below from the 考核结果 sheet).
    assert "44.8/50" in result.output and "优秀2 良好3" in result.output and "…" not in result.output
    assert {p: sha256(p) for p in county.rglob("*") if p.is_file()} == before      # originals untouched
    manifest = load_manifest(out)
    status = {k: e.status for k, e in manifest.entries.items()}
    assert status == {"兰西镇/兰西四中.xlsx": "ok", "星火乡/中心小学.xlsx": "ok", "榆林镇/中心小学.xlsx": "problems",
                      "红星乡/红星乡小学.xls": "unreadable", "长岗乡/长岗乡中学.xlsx": "ok"}
    lanxi = manifest.entries["兰西镇/兰西四中.xlsx"].summary
    assert lanxi["school"] == "兰西四中"
    assert {k: lanxi[k] for k in LANXI4_EXPECTED if k != "totals"} == \
        {k: v for k, v in LANXI4_EXPECTED.items() if k != "totals"}
    assert sorted(lanxi["totals"], reverse=True) == LANXI4_EXPECTED["totals"]
    xing = manifest.entries["星火乡/中心小学.xlsx"].summary
    assert (xing["teachers"], xing["mean_total"]) == (XINGHUO_EXPECTED["teachers"], XINGHUO_EXPECTED["mean_total"])
    assert manifest.entries["长岗乡/长岗乡中学.xlsx"].summary["mean_total"] == 29.0   # 2nd password
    html = manifest.entries["红星乡/红星乡小学.xls"]
    assert html.output is None and "网页" in html.message
    # Two schools named 中心小学.xlsx: each output in its own folder.
    assert {p.relative_to(out).as_posix() for p in out.rglob("*.xlsx")} == {
        "兰西镇/兰西四中.xlsx", "星火乡/中心小学.xlsx", "榆林镇/中心小学.xlsx", "长岗乡/长岗乡中学.xlsx", "县汇总.xlsx"}
    sheet = result_values(out / "兰西镇" / "兰西四中.xlsx")["考核结果"]
    assert [r[sheet[0].index("总分（50分）")] for r in sheet[1:]] == [50, 49, 47, 40, 38]
    assert [r[sheet[0].index("等次")] for r in sheet[1:]] == ["优秀", "优秀", "良好", "良好", "良好"]
    summary = CalamineWorkbook.from_path(str(out / "县汇总.xlsx"))
    rows = summary.get_sheet_by_name("学校汇总").to_python()
    by_file = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_file["兰西镇/兰西四中.xlsx"]["平均总分（50分制）"] == 44.8
    lanxi = by_file["兰西镇/兰西四中.xlsx"]
    assert lanxi["优秀（人）"] == 2 and lanxi["等次名额是否符合"] == "符合"
    assert by_file["红星乡/红星乡小学.xls"]["状态"] == "无法读取"
    assert by_file["榆林镇/中心小学.xlsx"]["学校"] == "榆林镇中心小学"
    problems = summary.get_sheet_by_name("问题清单").to_python()
    assert any(r[1] == "榆林镇/中心小学.xlsx" and "3次" in r[6] for r in problems[1:])
    unreadable = summary.get_sheet_by_name("无法读取").to_python()
    assert [r[0] for r in unreadable[1:] if not r[1].startswith("未处理")] == ["红星乡/红星乡小学.xls"]
    assert "另存为" in unreadable[1][2]
    assert [r[0] for r in unreadable[1:] if r[1].startswith("未处理")] == ["兰西镇/兰西四中_结果.xlsx"]


def test_passwordless_encrypted_file_says_what_to_do(county: Path, tmp_path: Path):
    """Verify an encrypted workbook without --password-file is listed with the way to supply the password."""
    run = run_batch(BatchOptions(county, tmp_path / "out", workers=1))
    entry = run.manifest.entries["长岗乡/长岗乡中学.xlsx"]
    assert entry.status == "unreadable" and "--password-file" in entry.message
    assert run.exit_code == 1


def test_bug_in_one_file_is_recorded_and_batch_goes_on(county: Path, tmp_path: Path):
    """Verify an unexpected exception in one workbook becomes that file's message; the others finish."""
    def broken(ctx):
        if ctx.summary.get("school") == "星火乡中心小学":
            raise ZeroDivisionError("division by zero")

    register_part(broken)
    try:
        run = run_batch(BatchOptions(county, tmp_path / "out", workers=1))
    finally:
        PARTS.remove(broken)
    entries = run.manifest.entries
    assert entries["星火乡/中心小学.xlsx"].status == "unreadable"
    assert entries["星火乡/中心小学.xlsx"].message.startswith("程序内部错误（ZeroDivisionError")
    assert entries["兰西镇/兰西四中.xlsx"].status == "ok"
    # A bug entry is never "current": the next run retries it (and now succeeds).
    again = run_batch(BatchOptions(county, tmp_path / "out", workers=1))
    assert [o.entry.input for o in again.done] == ["星火乡/中心小学.xlsx"]
    assert again.manifest.entries["星火乡/中心小学.xlsx"].status == "ok"


def test_manifest_contract_for_mail(county: Path, tmp_path: Path):
    """Verify the manifest format the mail step reads: keys relative to DIR, outputs relative to OUTDIR."""
    out = tmp_path / "out"
    run_batch(BatchOptions(county, out, workers=1))
    head, *lines = (out / MANIFEST_NAME).read_bytes().split(b"\n")
    assert json.loads(head)["format"] == 2 and lines[-1] == b""          # JSON lines, each one complete
    entries = {e["input"]: e for e in (json.loads(line)["entry"] for line in lines[:-1])}
    entry = entries["榆林镇/中心小学.xlsx"]
    assert entry["input"] == "榆林镇/中心小学.xlsx" and entry["output"] == "榆林镇/中心小学.xlsx"
    assert entry["output_sha256"] == sha256(out / "榆林镇" / "中心小学.xlsx")
    assert entry["summary"]["email"] == "school@example.cn" and entry["summary"]["status"] == "problems"
    side = json.loads((out / entry["summary"]["problems_file"]).read_text(encoding="utf-8"))
    assert any(p["cell"] and p["value"] == "3次" for p in side)


@pytest.mark.parametrize("case", ["empty", "missing", "file", "same", "outdir-file", "outdir-above"])
def test_bad_folders_exit_2_with_chinese_message(tmp_path: Path, case: str):
    """Verify each folder mistake is refused with exit 2 and a Chinese message."""
    src = tmp_path / "县域"
    src.mkdir()
    (src / "说明.txt").write_text("x")
    out = tmp_path / "结果"
    expect = {"empty": "没有找到工作簿", "missing": "不存在", "file": "不是文件夹", "same": "不能与输入文件夹相同",
              "outdir-file": "不是文件夹", "outdir-above": "位于输出文件夹"}[case]
    if case == "missing":
        src = tmp_path / "没有这个文件夹"
    elif case == "file":
        src = tmp_path / "县域" / "说明.txt"
    elif case == "same":
        make_county(src)
        out = src
    elif case == "outdir-file":
        make_county(src)
        out.write_text("x")
    elif case == "outdir-above":
        make_county(src)
        out = tmp_path
    result = invoke(src, "--out", out)
    assert result.exit_code == 2, result.output
    assert expect in result.output and "错误" in result.output


def test_outdir_inside_dir_is_excluded(tmp_path: Path):
    """Verify OUTDIR inside DIR works and a re-run does not take its own outputs as inputs."""
    src = make_county(tmp_path / "县域")
    first = run_batch(BatchOptions(src, src / "结果", workers=1))
    second = run_batch(BatchOptions(src, src / "结果", workers=1))
    assert {b.rel for b in second.books} == {b.rel for b in first.books}
    assert not second.done and len(second.skipped) == 4


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    except FileNotFoundError:
        return False
    return done.returncode == 0


@pytest.mark.parametrize("options, expect", [("ro,size=1m", "无法写入"), ("size=48k", "磁盘已满")])
def test_read_only_or_full_outdir_stops_with_exit_2(tmp_path: Path, options: str, expect: str):
    """Verify a read-only or full output folder stops the batch (exit 2) with a Chinese message."""
    src = make_county(tmp_path / "县域")
    out = tmp_path / "挂载"
    if os.geteuid() != 0 or not _mount_tmpfs(out, options):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        result = invoke(src, "--out", out, "--workers", 1)
    finally:
        subprocess.run(["umount", str(out)], check=False)
    assert result.exit_code == 2, result.output
    assert expect in result.output


def test_a_school_file_named_like_our_output_is_processed_and_every_skip_is_reported(county: Path, tmp_path: Path):
    """Verify 学校_结果.xlsx sent by a school (no record of ours, or no original beside it) is an input,
    and our real output beside its original is skipped — and said so in the CLI summary and 县汇总 (issue 13)."""
    (county / "平山镇").mkdir()
    # a school's own workbook that happens to carry our output's name: no record of ours inside
    (county / "平山镇" / "平山镇中学_结果.xlsx").write_bytes((county / "星火乡" / "中心小学.xlsx").read_bytes())
    # a school that ran `compute` itself and sent us its result: our record inside, no original beside it
    (county / "城关镇").mkdir()
    (county / "兰西镇" / "兰西四中_结果.xlsx").rename(county / "城关镇" / "城关中学_结果.xlsx")
    compute_file(county / "兰西镇" / "兰西四中.xlsx", county / "兰西镇" / "兰西四中_结果.xlsx", preset="lanxi4")
    books, notes = discover(county, tmp_path / "结果")
    rels = {b.rel for b in books}
    assert {"平山镇/平山镇中学_结果.xlsx", "城关镇/城关中学_结果.xlsx"} <= rels
    assert "兰西镇/兰西四中_结果.xlsx" not in rels
    result = invoke(county, "--out", tmp_path / "结果", "--workers", 1)
    assert result.exit_code == 0, result.output          # every file handled: problems are in the summary
    assert "未处理 1 个" in result.output and "兰西镇/兰西四中_结果.xlsx" in result.output
    rows = CalamineWorkbook.from_path(str(tmp_path / "结果" / "县汇总.xlsx")).get_sheet_by_name("无法读取").to_python()
    assert any(r[0] == "兰西镇/兰西四中_结果.xlsx" and "结果文件" in r[1] for r in rows[1:])
    schools = CalamineWorkbook.from_path(str(tmp_path / "结果" / "县汇总.xlsx")).get_sheet_by_name("学校汇总")
    files = [r[2] for r in schools.to_python()[1:]]
    assert "平山镇/平山镇中学_结果.xlsx" in files and "城关镇/城关中学_结果.xlsx" in files


def test_default_outdir_is_beside_dir_and_cli_frame_is_chinese(county: Path):
    """Verify `batch DIR` writes to DIR_结果 beside DIR; usage errors, help and --version are Chinese."""
    result = invoke(county, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert (county.parent / f"{county.name}_结果" / "县汇总.xlsx").exists()
    wrong = invoke(county, "--workers", "abc")
    assert wrong.exit_code == 2 and "应为整数" in wrong.output and "用法" in wrong.output
    assert "Usage" not in wrong.output and "Error" not in wrong.output
    missing = CliRunner().invoke(app, ["compute"])
    assert missing.exit_code == 2 and "缺少参数 FILE" in missing.output
    helped = CliRunner().invoke(app, ["batch", "--help"])
    assert "显示本帮助并退出" in helped.output and "Show this message" not in helped.output
    assert "选项" in helped.output and "Options" not in helped.output
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("xlrubric ")


def test_wps_et_is_processed_and_what_is_no_workbook_is_named(county: Path, tmp_path: Path):
    """Verify a school's WPS .et file (here: a real BIFF8 file by LibreOffice, named .et) is computed like a .xls
    into a .xlsx, and every other file a school may send — an archive, a .xlsb, a .pdf — is named in the CLI and
    in 县汇总's 无法读取 with what to do, while system files (Thumbs.db) are not. Until session 10 anything but
    .xlsx/.xlsm/.xls was dropped without a word: that school was simply missing from 县汇总."""
    from badfiles import soffice_convert

    et = soffice_convert(county / "星火乡" / "中心小学.xlsx", tmp_path / "lo", "xls")
    if et is None:
        pytest.skip("LibreOffice is not installed")
    (county / "红光镇").mkdir()
    et.rename(county / "红光镇" / "红光镇小学.et")
    for name, data in (("红光镇中学.rar", b"Rar!\x1a\x07\x00"), ("红光镇二小.xlsb", b"PK\x03\x04"),
                       ("研修总结.pdf", b"%PDF-1.4"), ("Thumbs.db", b"\0"), ("~WRL0003.tmp", b"\0")):
        (county / "红光镇" / name).write_bytes(data)
    result = invoke(county, "--out", tmp_path / "结果", "--workers", 1)
    assert result.exit_code == 0, result.output
    out = tmp_path / "结果" / "红光镇" / "红光镇小学.xlsx"
    got, want = result_values(out), result_values(tmp_path / "结果" / "星火乡" / "中心小学.xlsx")   # same school
    assert got.pop("校验问题")[1][-1] == "这是 WPS 的 .et 文件（内容为旧版 .xls 格式），结果将另存为新的 .xlsx 文件"
    want.pop("校验问题")
    assert got == want
    summary = CalamineWorkbook.from_path(str(tmp_path / "结果" / "县汇总.xlsx"))
    files = [r[2] for r in summary.get_sheet_by_name("学校汇总").to_python()[1:]]
    assert "红光镇/红光镇小学.et" in files
    rows = {r[0]: r[1] + " | " + r[2] for r in summary.get_sheet_by_name("无法读取").to_python()[1:]}
    assert "压缩包" in rows["红光镇/红光镇中学.rar"] and "解压" in rows["红光镇/红光镇中学.rar"]
    assert ".xlsb" in rows["红光镇/红光镇二小.xlsb"] and "另存为" in rows["红光镇/红光镇二小.xlsb"]
    assert "不是 Excel 工作簿" in rows["红光镇/研修总结.pdf"]
    assert not any("Thumbs.db" in k or "WRL" in k for k in rows) and "Thumbs.db" not in result.output
    assert "红光镇/红光镇中学.rar" in result.output


def test_a_school_sent_twice_is_pointed_out(county: Path, tmp_path: Path):
    """Verify a school whose workbook is in the county folder twice (a copy saved twice from the same chat:
    「中心小学(1).xlsx」) is pointed out in the CLI and under 学校汇总 — it stands there twice, and nothing else
    says which copy counts — while schools that differ by name are not."""
    (county / "星火乡" / "中心小学(1).xlsx").write_bytes((county / "星火乡" / "中心小学.xlsx").read_bytes())
    result = invoke(county, "--out", tmp_path / "结果", "--workers", 1)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert ("「星火乡中心小学」出现在 2 个工作簿中：星火乡/中心小学(1).xlsx、星火乡/中心小学.xlsx（内容完全相同）"
            in text)
    assert "榆林镇中心小学」出现在" not in text and "兰西四中」出现在" not in text
    rows = CalamineWorkbook.from_path(str(tmp_path / "结果" / "县汇总.xlsx")).get_sheet_by_name("学校汇总").to_python()
    notes = [r[1] for r in rows if str(r[1]).startswith("注意：")]
    assert notes == ["注意：「星火乡中心小学」有 2 行（文件内容完全相同）。"
                     "同一学校报送了多份的，只保留最后一份后重新运行；不同学校同名的，请写全校名"]
