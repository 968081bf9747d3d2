"""A hostile county folder (issue 12): no input may overwrite an original, crash the batch or fail another
school. Real processes throughout: the CLI in a subprocess, real pool workers killed mid-file, two batches
at once, FIFOs and links on the real file system."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from batchbooks import XINGHUO_TEACHERS, make_county, school_book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schoolbooks import sha256

from xlrubric.atomic import TMP_SUFFIX
from xlrubric.batch.discover import BatchError, discover
from xlrubric.batch.lock import outdir_lock
from xlrubric.batch.manifest import MANIFEST_NAME, Entry, Manifest, load_manifest
from xlrubric.batch.summary import write_county_summary


def cli(*args: object, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "xlrubric", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, errors="replace")


def snapshot(root: Path) -> dict[Path, str]:
    return {p: sha256(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink()}


# --- case 1: --out at every folder of the input tree ---------------------------------------------------

def test_out_at_every_folder_of_the_input_tree(tmp_path: Path) -> None:
    """Verify --out pointed at each folder of the tree (the tree itself, every school folder, an empty one,
    a new one inside a school folder, the parent) is refused with exit 2, or writes only into a dedicated
    output tree: no original changes, no file appears in any school folder."""
    src = make_county(tmp_path / "县")
    school_book(src / "中心小学.xlsx", "xinghuo", "县直中心小学", XINGHUO_TEACHERS)     # same name as 临江镇's
    school_book(src / "临江镇" / "中心小学.xlsx", "xinghuo", "临江镇中心小学", XINGHUO_TEACHERS)
    (src / "空文件夹").mkdir()
    folders = [src, tmp_path, *sorted(p for p in src.rglob("*") if p.is_dir()), src / "临江镇" / "新结果"]
    originals = snapshot(src)
    for out in folders:
        existed = {p for p in src.rglob("*")}
        done = cli("batch", src, "--out", out, "--workers", "1")
        assert snapshot(src).items() >= originals.items(), out          # no original changed
        if done.returncode == 2:
            assert "错误" in done.stderr, (out, done.stderr)
            continue
        assert done.returncode in (0, 1), (out, done.stdout, done.stderr)
        assert out in (src / "空文件夹", src / "临江镇" / "新结果"), f"--out {out} should have been refused"
        new = {p for p in src.rglob("*")} - existed
        assert all(p == out or out in p.parents for p in new), sorted(new)   # only inside the output tree
        manifest = load_manifest(out)
        assert {"临江镇/中心小学.xlsx", "中心小学.xlsx"} <= set(manifest.entries)   # no school skipped
    refused = cli("batch", src, "--out", src / "临江镇")
    assert refused.returncode == 2 and "已有工作簿" in refused.stderr


# --- cases 2, 4, 5: names that break encoders, markup parsers and quadratic code -----------------------

def test_gbk_name_markup_and_huge_school_name_through_batch_and_mail(tmp_path: Path) -> None:
    """Verify a GBK file name, a school named `[/]第一中学` and a 5 MB school name go through batch, mail
    preview and mail --status: manifest, 县汇总 and every table written, nothing crashes, and mail is fast."""
    src = make_county(tmp_path / "县")
    gbk = os.fsdecode(bytes(src / "兰西镇") + b"/" + "测试学校".encode("gbk") + b".xlsx")
    school_book(Path(gbk), "xinghuo", "[/]第一中学", XINGHUO_TEACHERS, email="a@school.example.cn")
    school_book(src / "长名.xlsx", "xinghuo", "长" * 5_000_000, XINGHUO_TEACHERS, email="b@school.example.cn")
    out = tmp_path / "结果"
    done = cli("batch", src, "--out", out, "--workers", "2", "--strict")
    assert done.returncode == 1, done.stderr                # --strict: one HTML file is unreadable
    assert "Traceback" not in done.stderr and "[/]第一中学" in done.stdout and "测试学校" in done.stdout
    manifest = load_manifest(out)
    key = Path(gbk).relative_to(src).as_posix()
    assert manifest.entries[key].status == "ok"                        # the key is the exact name on disk
    assert (out / manifest.entries[key].output).exists()
    assert (out / "县汇总.xlsx").exists()
    start = time.perf_counter()
    preview = cli("mail", out)
    assert preview.returncode in (0, 1) and "Traceback" not in preview.stderr, preview.stderr
    assert time.perf_counter() - start < 30                           # the 5 MB name was quadratic before
    subjects = {BytesParser(policy=default).parsebytes(p.read_bytes())["Subject"]
                for p in (out / "邮件预览").glob("*.eml")}
    assert any(s.startswith("[/]第一中学") for s in subjects), subjects
    long_subject = next(s for s in subjects if s.startswith("长长"))
    assert "…（共 32,767 字）" in long_subject and len(long_subject) < 300     # a cell holds 32,767 characters
    status = cli("mail", out, "--status")
    assert status.returncode in (0, 1) and "Traceback" not in status.stderr, status.stderr


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(min_size=1, max_size=200), school=st.text(max_size=300))
def test_any_file_or_school_name_reaches_manifest_and_summary(tmp_path_factory, raw: bytes, school: str) -> None:
    """Verify any file name bytes and any school name are discovered, saved in the manifest (read back
    exactly) and written to 县汇总.xlsx without an error."""
    root = tmp_path_factory.mktemp("names")
    src, out = root / "县", root / "结果"
    src.mkdir()
    stem = raw.replace(b"/", b"_").replace(b"\0", b"_").lstrip(b".~")[:200] or b"x"
    path = Path(os.fsdecode(bytes(src) + b"/" + stem + b".xlsx"))
    try:
        path.write_bytes(b"PK")
    except OSError:
        return                                                         # a name the file system refuses
    books, _ = discover(src, out)
    out.mkdir()
    manifest = Manifest(out)
    for book in books:
        manifest.record(Entry(book.rel, "0", "r", manifest.program_version, "ok", output=book.out_rel,
                              summary={"school": school, "teachers": 1, "problems": {"错误": 0}}))
    manifest.save()
    assert set(load_manifest(out).entries) == {b.rel for b in books}
    write_county_summary(out, manifest)


# --- case 3: a worker that dies mid-file ----------------------------------------------------------------

def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
                found += kids
                todo += kids
        except OSError:
            continue
    return found


def _kill_workers_writing(batch_pid: int, target: str, times: int, stop: threading.Event) -> list[int]:
    """SIGKILL the batch's worker that holds `target`'s workbook or a temp file of its results open (it is
    mid-file), up to `times` times (each time another worker process). The workbook counts too since session 8:
    the worker no longer fsyncs, so its temp file is open for a few ms only; the source package stays open for
    the whole write (ooxml/package.py)."""
    killed: list[int] = []
    while not stop.is_set() and len(killed) < times:
        for pid in _descendants(batch_pid):
            try:
                links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            except OSError:
                continue
            if pid not in killed and any(target in link and link.endswith((TMP_SUFFIX, ".xlsx")) for link in links):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.001)
    return killed


def _county_for_kills(root: Path) -> Path:
    """Five xinghuo schools; 学校2 is big (1,500 teachers) so that writing its result takes a while."""
    src = root / "县"
    big = [(f"X{n:04d}", f"教师{n}", {}) for n in range(1500)]
    for i in range(5):
        school_book(src / f"镇{i}" / f"学校{i}.xlsx", "xinghuo", f"学校{i}", big if i == 2 else XINGHUO_TEACHERS)
    return src


def _batch_with_kills(src: Path, out: Path, times: int) -> tuple[list[int], str, str]:
    """Run `xlrubric batch` on two workers while killing the worker writing 学校2 up to `times` times."""
    stop = threading.Event()
    killed: list[int] = []
    batch = subprocess.Popen([sys.executable, "-m", "xlrubric", "batch", str(src), "--out", str(out), "--workers",
                              "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = threading.Thread(target=lambda: killed.extend(_kill_workers_writing(batch.pid, "学校2", times, stop)))
    watcher.start()
    try:
        stdout, stderr = batch.communicate(timeout=240)
    finally:
        stop.set()
        watcher.join()
    return killed, stdout, stderr


@pytest.mark.parametrize("times, expect", [(1, "ok"), (2, "unreadable")])
def test_worker_killed_mid_file_loses_no_other_school(tmp_path: Path, times: int, expect: str) -> None:
    """Verify a worker killed while writing one school: killed once, the school is redone alone and ends
    ok; killed again alone, it is recorded unreadable with a Chinese reason. Every other school is ok."""
    src = _county_for_kills(tmp_path)
    for attempt in range(3):     # the watcher polls /proc: on a loaded machine it can miss the write's window,
        out = tmp_path / f"结果{attempt}"     # and a run without the kill proves nothing, so it is run again
        killed, stdout, stderr = _batch_with_kills(src, out, times)
        if len(killed) == times:
            break
    assert len(killed) == times, (killed, stdout, stderr)
    entries = load_manifest(out).entries
    assert {k: e.status for k, e in entries.items() if k != "镇2/学校2.xlsx"} == \
        {f"镇{i}/学校{i}.xlsx": "ok" for i in (0, 1, 3, 4)}
    victim = entries["镇2/学校2.xlsx"]
    assert victim.status == expect
    if expect == "unreadable":
        assert victim.summary["reason"] == "crashed" and "异常终止" in victim.message and "程序内部错误" not in \
            victim.message


def test_case_renamed_shared_strings_bomb_fails_only_its_school(tmp_path: Path) -> None:
    """Verify `xl/SharedStrings.XML` declaring four billion strings (calamine aborts the process on it) is
    refused by the reader's guard and no other school in the batch is affected."""
    import zipfile

    src = _county_for_kills(tmp_path)
    good = src / "镇0" / "学校0.xlsx"
    bad = src / "镇9" / "坏学校.xlsx"
    bad.parent.mkdir()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(b'uniqueCount="', b'uniqueCount="4000000000" x="', 1)
                zout.writestr("xl/SharedStrings.XML", data)
            else:
                zout.writestr(info, data)
    done = cli("batch", src, "--out", tmp_path / "结果", "--workers", "2")
    entries = load_manifest(tmp_path / "结果").entries
    assert entries["镇9/坏学校.xlsx"].status == "unreadable", done.stderr
    assert "SharedStrings.XML" in entries["镇9/坏学校.xlsx"].message
    assert all(e.status == "ok" for k, e in entries.items() if k != "镇9/坏学校.xlsx")


# --- cases 6 and 10: FIFOs, devices and links --------------------------------------------------------------

def test_fifo_device_and_outside_links_are_never_read(tmp_path: Path) -> None:
    """Verify a FIFO named .xlsx, a link to /dev/zero and a link to a workbook outside the county folder are
    skipped with a note each (the batch finishes promptly), while a link inside the folder is not counted twice."""
    src = make_county(tmp_path / "县")
    os.mkfifo(src / "管道.xlsx")
    (src / "零.xlsx").symlink_to("/dev/zero")
    outside = school_book(tmp_path / "别处" / "外校.xlsx", "xinghuo", "外校", XINGHUO_TEACHERS)
    (src / "外校.xlsx").symlink_to(outside)
    (src / "链接.xlsx").symlink_to(src / "兰西镇" / "兰西四中.xlsx")
    (src / "链接文件夹").symlink_to(tmp_path / "别处", target_is_directory=True)
    books, notes = discover(src, tmp_path / "结果")
    rels = {b.rel for b in books}
    assert not rels & {"管道.xlsx", "零.xlsx", "外校.xlsx", "链接.xlsx"} and "兰西镇/兰西四中.xlsx" in rels
    text = "\n".join(notes)
    assert "管道.xlsx" in text and "不是普通文件" in text
    assert "零.xlsx" in text and "外校.xlsx" in text and "县域文件夹之外" in text
    assert "链接.xlsx" in text and "不重复计算" in text and "链接文件夹" in text
    done = cli("batch", src, "--out", tmp_path / "结果", "--workers", "2", "--strict", timeout=180)
    assert done.returncode == 1 and "管道.xlsx" in done.stdout        # --strict: files were left out


def test_reader_refuses_fifo_and_oversized_file(tmp_path: Path, monkeypatch) -> None:
    """Verify `compute` on a FIFO returns at once with a message, and a file over the size cap is refused
    before it is read."""
    from xlrubric.readers import workbook
    from xlrubric.readers.limits import Limits

    os.mkfifo(tmp_path / "管道.xlsx")
    done = cli("compute", tmp_path / "管道.xlsx", timeout=60)
    assert done.returncode == 2 and "不是普通文件" in done.stderr
    big = school_book(tmp_path / "大.xlsx", "xinghuo", "大", XINGHUO_TEACHERS)
    monkeypatch.setattr(workbook, "LIMITS", Limits(file_bytes=1000))
    with pytest.raises(Exception, match="超过上限") as err:
        workbook.open_workbook(big, settle=0)
    assert err.value.reason == "file-too-large"


# --- case 7: two batches on one output folder -------------------------------------------------------------

def test_two_batches_at_once_one_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    """Verify two batches started together on one OUTDIR: one runs, the other is refused naming the
    holder's pid; the finished run lost nothing. A lock left by a killed run is taken over."""
    src = _county_for_kills(tmp_path)
    out = tmp_path / "结果"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    args = [sys.executable, "-m", "xlrubric", "batch", str(src), "--out", str(out), "--workers", "2"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [(p.pid, *p.communicate(timeout=240), p.returncode) for p in procs]   # (pid, out, err, code)
    assert sorted(r[3] for r in results) == [0, 2], results
    loser = next(r for r in results if r[3] == 2)
    winner = next(r for r in results if r[3] == 0)
    assert "另一个 xlrubric batch 正在使用" in loser[2] and f"进程 {winner[0]}" in loser[2], loser[2]
    assert {e.status for e in load_manifest(out).entries.values()} == {"ok"}
    assert len(load_manifest(out).entries) == 5
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from pathlib import Path\nfrom xlrubric.batch.lock import outdir_lock\n"
                               f"with outdir_lock(Path({str(out)!r})):\n    print('held', flush=True)\n"
                               "    time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    refused = cli("batch", src, "--out", out)
    assert refused.returncode == 2 and f"进程 {holder.pid}" in refused.stderr
    holder.kill()
    holder.wait()
    with outdir_lock(out):                                             # the dead holder's lock is free
        info = json.loads((out / ".xlrubric" / "batch.lock").read_text(encoding="utf-8"))
        assert info["pid"] == os.getpid()


# --- class: output targets ---------------------------------------------------------------------------------

def test_planted_link_in_outdir_back_to_an_input_is_refused(tmp_path: Path) -> None:
    """Verify no output is written through a link inside OUTDIR that leads back onto the school's original."""
    src = make_county(tmp_path / "县")
    out = tmp_path / "结果"
    (out / "兰西镇").mkdir(parents=True)
    (out / MANIFEST_NAME).write_text("{}")
    (out / "兰西镇" / "兰西四中.xlsx").symlink_to(src / "兰西镇" / "兰西四中.xlsx")
    before = sha256(src / "兰西镇" / "兰西四中.xlsx")
    with pytest.raises(BatchError, match="原文件"):
        discover(src, out)
    assert sha256(src / "兰西镇" / "兰西四中.xlsx") == before


def test_pool_worker_memory_backstop() -> None:
    """Verify a pool worker's data memory is capped (the last guard behind the reader's limits): allocating
    past it raises MemoryError there instead of swapping the county PC to a halt."""
    code = ("from xlrubric.batch.executors import WORKER_DATA_LIMIT, _ignore_sigint\n"
            "_ignore_sigint()\n"
            "try:\n    b = bytearray(WORKER_DATA_LIMIT + (1 << 20))\nexcept MemoryError:\n    print('refused')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "refused", done.stderr
