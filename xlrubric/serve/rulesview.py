"""模板 view, second half: a school's own 考核细则 (Word / Excel / pasted text) through `rules import`.

The same function the CLI's `xlrubric rules import` calls (`xlrubric.rulesimport.import_rules`); the reply
carries lint's findings in plain words (open questions stay 待确认, never guessed), and two downloads made
from the imported rules: the editable 本校细则.xlsx, and a blank template the school fills in (the same as
`xlrubric template --rules 本校细则.xlsx`). Files live in the tab's session folder like every upload.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from xlrubric.errors import XlrubricError
from xlrubric.serve.uploads import SESSION_HEADER, UploadError, read_form, safe_relative, save_upload, session_dir

MAX_TEXT = 200_000          # characters of pasted text: a 考核细则 is a page or two


def _import_and_write(source, name: str, folder):
    """Import, then write the rules workbook and a template from it (runs in a worker thread)."""
    from xlrubric.cli.lint import summary
    from xlrubric.rulesimport import import_rules
    from xlrubric.writers.template import write_template
    from xlrubric.writers.xlsx_format import rules_workbook_bytes, save

    spec, findings = import_rules(source, name=name)
    folder.mkdir(parents=True, exist_ok=True)
    save(folder / "本校细则.xlsx", rules_workbook_bytes(spec))
    write_template(spec, folder / "本校模板.xlsx", force=True)
    return spec, findings, summary(findings)


async def import_upload(request: Request) -> JSONResponse:
    service = request.app.state.service
    try:
        folder = session_dir(service.root, request.headers.get(SESSION_HEADER))
        form = await read_form(request, max_files=1, max_fields=4)
        run_id = secrets.token_hex(8)
        out = folder / run_id
        upload, text = form.get("file"), (form.get("text") or "").strip()
        if upload is not None and not isinstance(upload, str) and upload.filename:
            rel = safe_relative(upload.filename)
            if rel is None:
                raise UploadError(f"文件名「{upload.filename}」无法使用，请改名后再上传。")
            path = out / "原文" / rel.name
            await save_upload(upload, path, service.limits.school_bytes)
            source, name = path, rel.name
        elif text:
            if len(text) > MAX_TEXT:
                raise UploadError(f"粘贴的文字太长（{len(text)} 字），考核细则一般不超过 {MAX_TEXT} 字。")
            source, name = text, ""
        else:
            raise UploadError("请选择学校的考核细则文件（Word、Excel 或文本），或把细则表格粘贴到文本框里。")
        spec, findings, said = await run_in_threadpool(_import_and_write, source, name, out)
    except XlrubricError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    rubric = spec.rubric
    base = f"/api/files/{folder.name}/{run_id}"
    return JSONResponse({
        "ok": True, "name": spec.name, "school": spec.school, "summary": said,
        "items": [{"name": i.name, "full": i.full, "rules": len(i.deductions)} for i in rubric.items] if rubric else [],
        "open": sum(not f.resolved for f in findings),
        "findings": [f.as_dict() for f in findings],
        "rules_download": f"{base}/本校细则.xlsx", "template_download": f"{base}/本校模板.xlsx",
    })
