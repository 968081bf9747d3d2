"""全县: a county folder (directory upload or a zip) through `run_batch`, in a job the service owns.

The batch runs in the service's own worker thread (one at a time: the machine's cores are the batch's),
with `run_batch`'s process pool doing the work exactly as `xlrubric batch` does. The page polls the job
by its id, which it keeps in the URL and localStorage, so closing the tab loses nothing: the job lives as
long as the service. Numbers shown come from the manifest entries (`Results.summary`), never recomputed.
"""

from __future__ import annotations

import secrets
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from xlrubric.errors import XlrubricError
from xlrubric.serve.uploads import UploadError, extract_folder_zip, read_form, safe_relative, save_upload

RESULTS_DIR = "结果"
INPUT_DIR = "学校工作簿"


@dataclass
class Job:
    id: str
    folder: Path
    preset: str | None = None
    passwords: tuple[str, ...] = ()
    state: str = "queued"            # queued → running → done | failed
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    message: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None
    run: Any = None                  # batch.orchestrate.BatchRun when done
    mail: Any = None                 # serve.mailview.MailRun once a send started
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def inputs(self) -> Path:
        return self.folder / INPUT_DIR

    @property
    def outdir(self) -> Path:
        return self.folder / RESULTS_DIR


class Jobs:
    """The service's batches, by id; one runs at a time, the rest wait their turn."""

    def __init__(self, root: Path):
        self.root = root / "jobs"
        self.items: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlrubric-batch")

    def new(self, preset: str | None, passwords: tuple[str, ...]) -> Job:
        job = Job(secrets.token_hex(12), self.root / secrets.token_hex(4), preset or None, passwords)
        job.inputs.mkdir(parents=True)
        self.items[job.id] = job
        return job

    def start(self, job: Job) -> None:
        self.pool.submit(run_job, job)

    def get(self, job_id: str) -> Job | None:
        return self.items.get(job_id)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def run_job(job: Job) -> None:
    """Run the batch exactly as `xlrubric batch INPUT -o RESULTS` would (same function, same options)."""
    from xlrubric.batch.orchestrate import BatchOptions, run_batch

    def on_plan(run, todo: int) -> None:
        with job.lock:
            job.total, job.skipped = todo, len(run.skipped)

    def on_outcome(outcome) -> None:
        with job.lock:
            job.done += 1
            job.failed += outcome.entry.status == "unreadable"

    job.state = "running"
    try:
        job.run = run_batch(BatchOptions(job.inputs, job.outdir, job.preset, None, None, None, job.passwords),
                            on_plan=on_plan, on_outcome=on_outcome)
        job.state = "done"
    except XlrubricError as exc:
        job.message, job.state = str(exc), "failed"
    except Exception as exc:      # a bug: say so on the page instead of spinning forever
        job.message, job.state = f"程序内部错误：{exc!r}", "failed"
    finally:
        job.finished = time.time()


PAGE_PASSWORD_HINT = ("在本页「有设了打开密码的工作簿？」中填写密码（每行一个），再选择一次文件夹；"
                      "或请学校另存为无密码的副本")


def page_message(entry) -> str:
    """An entry's message as the page says it: the batch's password hint names the CLI's --password-file, which
    a director on the page has no use for; the page has its own box for the passwords."""
    from xlrubric.batch.discover import HINT
    from xlrubric.batch.worker import PASSWORD_REASONS

    message = entry.message or ""
    if (entry.summary or {}).get("reason") in PASSWORD_REASONS and HINT in message:
        said = message.partition(HINT)[0].replace("--password-file 中的密码", "填写的密码")
        message = said + HINT + PAGE_PASSWORD_HINT
    return message


def job_view(job: Job) -> dict[str, Any]:
    """What the page shows: progress while running, the county summary when done."""
    from xlrubric.batch.summary import STATUS_TEXT, same_school_notes, school_name

    with job.lock:
        view = {"id": job.id, "state": job.state, "total": job.total, "done": job.done, "failed": job.failed,
                "skipped": job.skipped, "message": job.message,
                "elapsed": round((job.finished or time.time()) - job.started, 1)}
    if job.state != "done" or job.run is None:
        return view
    entries = job.run.entries
    bands: list[str] = []
    for e in entries:
        bands += [b for b in (e.summary.get("bands") or {}) if b not in bands]
    schools = []
    for e in entries:
        s = e.summary
        schools.append({"school": school_name(e), "input": e.input, "status": STATUS_TEXT.get(e.status, e.status),
                        "teachers": s.get("teachers", s.get("hours_teachers")), "mean_total": s.get("mean_total"),
                        "full_marks": s.get("full_marks"), "bands": s.get("bands") or {},
                        "hours_met_rate": s.get("hours_met_rate"), "problems": s.get("problems") or {},
                        "message": page_message(e)})
    counts = {text: sum(1 for e in entries if e.status == key) for key, text in STATUS_TEXT.items()}
    view.update(counts=counts, bands=bands, schools=schools, notes=job.run.notes + same_school_notes(entries),
                unreadable=[{"input": e.input, "message": page_message(e)} for e in entries
                            if e.status == "unreadable"],
                processed=len(job.run.done), county=job.run.summary_path is not None)
    return view


def _jobs(request: Request) -> Jobs:
    return request.app.state.service.jobs


def _job_or_404(request: Request) -> Job | JSONResponse:
    job = _jobs(request).get(request.path_params["job"])
    if job is None:
        return JSONResponse({"ok": False, "message": "找不到这个批处理（服务重启后以前的批处理不再保留），"
                                                     "请重新上传。"}, 404)
    return job


async def start_batch(request: Request) -> JSONResponse:
    service = request.app.state.service
    limits = service.limits
    try:
        form = await read_form(request, max_files=limits.batch_files, max_fields=limits.batch_files + 10)
        uploads = [f for f in form.getlist("files") if not isinstance(f, str)]
        paths = [p for p in form.getlist("paths") if isinstance(p, str)]
        if not uploads:
            raise UploadError("没有收到文件：请选择县里的文件夹，或一个 .zip 压缩包。")
        passwords = tuple(dict.fromkeys(line.strip() for line in str(form.get("passwords") or "").splitlines()
                                        if line.strip()))
        preset = str(form.get("preset") or "") or None
        job = _jobs(request).new(preset, passwords)
        for i, upload in enumerate(uploads):
            name = paths[i] if i < len(paths) and paths[i] else (upload.filename or "")
            rel = safe_relative(name)
            if rel is None:
                continue
            target = job.inputs.joinpath(*rel.parts)
            await save_upload(upload, target, limits.batch_bytes)
            if len(uploads) == 1 and target.suffix.lower() == ".zip":
                extract_folder_zip(target, job.inputs, max_files=limits.batch_files,
                                   max_bytes=limits.batch_unzipped_bytes)
                target.unlink()
    except XlrubricError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    _jobs(request).start(job)
    return JSONResponse({"ok": True, "job": job.id})


def job_status(request: Request) -> JSONResponse:
    job = _job_or_404(request)
    return job if isinstance(job, JSONResponse) else JSONResponse({"ok": True, **job_view(job)})


def county_file(request: Request):
    job = _job_or_404(request)
    if isinstance(job, JSONResponse):
        return job
    if job.run is None or job.run.summary_path is None or not Path(job.run.summary_path).exists():
        return JSONResponse({"ok": False, "message": "县汇总还没有生成。"}, 404)
    return FileResponse(job.run.summary_path, filename="县汇总.xlsx")


def bundle_members(outdir: Path) -> list[str]:
    """What a batch's 结果.zip holds (posix paths under `outdir`): every result workbook, 县汇总.xlsx and the
    complete problem list 县汇总 points to when it was too long for its sheet — not the manifest, not temp files."""
    from xlrubric.batch.problem_list import CSV_NAME

    members = []
    for path in sorted(outdir.rglob("*")):
        rel = path.relative_to(outdir)
        if path.is_file() and (path.suffix.lower() in (".xlsx", ".xlsm") or rel.as_posix() == CSV_NAME) and \
                not any(p.startswith(".") for p in rel.parts):
            members.append(rel.as_posix())
    return members


def results_zip(request: Request):
    """All result workbooks (keeping the 乡镇 folders), 县汇总.xlsx and, when 县汇总 points to it, the complete
    problem list beside it (`县汇总_问题清单.csv`), zipped fresh on each download."""
    job = _job_or_404(request)
    if isinstance(job, JSONResponse):
        return job
    if job.state != "done":
        return JSONResponse({"ok": False, "message": "批处理还没有完成。"}, 409)
    target = job.folder / "结果.zip"
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in bundle_members(job.outdir):
            zf.write(job.outdir / rel, rel)
    tmp.replace(target)
    return FileResponse(target, filename="校本研修考核结果.zip")
