"""The page's routes: 一所学校, 模板, 全县, 发回学校 (the WPS and ping routes are in `app`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from xlrubric.serve import jobs, mailview, rulesview, school


def info(request: Request) -> JSONResponse:
    """What the page needs to set itself up: the batch's workbook suffixes and the upload caps."""
    from xlrubric.batch.discover import SUFFIXES

    limits = request.app.state.service.limits
    return JSONResponse({"suffixes": list(SUFFIXES), "school_mb": limits.school_bytes // 1024 // 1024,
                         "batch_mb": limits.batch_bytes // 1024 // 1024, "batch_files": limits.batch_files})


ROUTES = [
    Route("/api/info", info),
    Route("/api/school", school.compute_upload, methods=["POST"]),
    Route("/api/files/{sid}/{rid}/{name}", school.session_file),
    Route("/api/presets", school.presets),
    Route("/api/template/{preset}", school.template_file),
    Route("/api/lint/{preset}", school.lint_findings),
    Route("/api/rules/import", rulesview.import_upload, methods=["POST"]),
    Route("/api/batch", jobs.start_batch, methods=["POST"]),
    Route("/api/jobs/{job}", jobs.job_status),
    Route("/api/jobs/{job}/county.xlsx", jobs.county_file),
    Route("/api/jobs/{job}/results.zip", jobs.results_zip),
    Route("/api/jobs/{job}/mail", mailview.mail_status),
    Route("/api/jobs/{job}/mail/preview", mailview.preview, methods=["POST"]),
    Route("/api/jobs/{job}/mail/send", mailview.send, methods=["POST"]),
    Route("/api/jobs/{job}/mail/eml/{name}", mailview.preview_file),
    Route("/api/mail/settings", mailview.get_settings),
    Route("/api/mail/settings", mailview.save_settings, methods=["POST"]),
]
