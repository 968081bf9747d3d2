"""一所学校 and 模板: one uploaded workbook through `compute_file`, blank templates, and `lint` in plain words.

The upload is saved under its own name in the tab's session folder and `compute_file` writes the filled
copy beside it (the school's file on her disk is never touched); the reply carries what `compute` prints,
the 考核结果 table, every problem with sheet and cell, and a download link.
"""

from __future__ import annotations

import math
import secrets
import shutil
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from xlrubric.errors import UnreadableWorkbook, XlrubricError
from xlrubric.serve.uploads import (
    SESSION_HEADER,
    UploadError,
    read_form,
    safe_relative,
    save_upload,
    session_dir,
)
from xlrubric.serve.wps import RESULT_SHEET, summary_lines

KEEP_RESULTS = 5          # per tab; older uploads are removed as new ones arrive
NEEDS_PASSWORD = {"encrypted", "wrong-password"}


def plain(value: Any) -> Any:
    """A cell value as JSON can carry it (NaN → null, dates → ISO text)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def error_reply(exc: XlrubricError) -> dict[str, Any]:
    reason = getattr(exc, "reason", None)
    return {"ok": False, "exit_code": exc.exit_code, "message": str(exc),
            "need_password": isinstance(exc, UnreadableWorkbook) and reason in NEEDS_PASSWORD,
            "wrong_password": reason == "wrong-password"}


def _prune(folder: Path) -> None:
    runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-KEEP_RESULTS]:
        shutil.rmtree(old, ignore_errors=True)


async def compute_upload(request: Request) -> JSONResponse:
    from xlrubric.process import compute_file

    service = request.app.state.service
    try:
        folder = session_dir(service.root, request.headers.get(SESSION_HEADER))
        form = await read_form(request, max_files=1, max_fields=5)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UploadError("没有收到工作簿文件。")
        rel = safe_relative(upload.filename or "")
        if rel is None:
            raise UploadError(f"文件名「{upload.filename}」无法使用，请改名后再上传。")
        run_id = secrets.token_hex(8)
        path = folder / run_id / rel.name
        await save_upload(upload, path, service.limits.school_bytes)
        _prune(folder)
    except XlrubricError as exc:
        return JSONResponse(error_reply(exc))
    password = form.get("password") or None
    preset = form.get("preset") or None
    try:
        results, target = await run_in_threadpool(compute_file, path, None, password=password, preset=preset)
    except XlrubricError as exc:
        return JSONResponse(error_reply(exc))
    # The page shows 考核结果; the other result sheets are in the downloaded workbook (JSON stays small).
    tables = {t.name: {"header": t.header, "rows": [[plain(v) for v in row] for row in t.rows]}
              for t in results.tables if t.name == RESULT_SHEET}
    return JSONResponse({
        "ok": True, "exit_code": results.exit_code, "file": results.file, "rules": results.rules_source,
        "school": results.summary.get("school"), "lines": summary_lines(results.summary),
        "summary": {k: plain(v) if not isinstance(v, dict | list) else v for k, v in results.summary.items()},
        "tables": tables, "problems": [p.as_dict() for p in results.problems],
        "download": f"/api/files/{folder.name}/{run_id}/{target.name}", "output_name": target.name,
    })


def session_file(request: Request):
    service = request.app.state.service
    sid, run_id, name = (request.path_params[k] for k in ("sid", "rid", "name"))
    try:
        folder = session_dir(service.root, sid)
    except UploadError:
        return JSONResponse({"ok": False, "message": "页面会话无效。"}, 404)
    path = folder / run_id / name
    if not path.resolve().is_relative_to(folder.resolve()) or not path.is_file() or path.parent == folder:
        return JSONResponse({"ok": False, "message": "文件不存在或已清理，请重新计算。"}, 404)
    return FileResponse(path, filename=name)


# ---- 模板 ----

def presets(request: Request) -> JSONResponse:
    from xlrubric.spec.load import load_preset, preset_ids

    items = []
    for pid in preset_ids():
        spec = load_preset(pid)
        items.append({"id": pid, "name": spec.name, "school": spec.school})
    return JSONResponse(items)


def _preset_or_404(request: Request):
    from xlrubric.spec.load import load_preset, preset_ids

    pid = request.path_params["preset"]
    if pid not in preset_ids():
        return pid, None
    return pid, load_preset(pid)


async def template_file(request: Request):
    from xlrubric.writers.template import write_template

    pid, spec = _preset_or_404(request)
    if spec is None:
        return JSONResponse({"ok": False, "message": f"没有名为「{pid}」的内置预设。"}, 404)
    target = request.app.state.service.root / "templates" / f"{pid}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        await run_in_threadpool(write_template, spec, target, force=True)
    return FileResponse(target, filename=f"校本研修考核_{spec.school or spec.name}_{pid}.xlsx")


def lint_findings(request: Request) -> JSONResponse:
    from xlrubric.cli.lint import summary
    from xlrubric.spec.lint import lint

    pid, spec = _preset_or_404(request)
    if spec is None:
        return JSONResponse({"ok": False, "message": f"没有名为「{pid}」的内置预设。"}, 404)
    findings = lint(spec)
    return JSONResponse({"ok": True, "name": spec.name, "school": spec.school, "summary": summary(findings),
                         "findings": [f.as_dict() for f in findings]})
