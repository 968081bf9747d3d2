"""The WPS button's request: compute into the saved workbook exactly as `xlrubric compute --in-place PATH`.

The add-in saves the book, posts its path here, shows `title`/`message` and activates `result_sheet`.
The same `compute_file(..., in_place=True)` the CLI calls does the work (lossless writer, backup first);
this module only checks the path the way a director's situation needs (missing, a folder, read-only,
held open by another program) and turns `Results.summary` into the Chinese reply — it computes nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from xlrubric.errors import XlrubricError
from xlrubric.results import Results

log = logging.getLogger("xlrubric.serve")
RESULT_SHEET = "考核结果"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The few lines a director reads first: 人数、平均分、等次、学时达标、问题 counts (as `compute` prints)."""
    lines = []
    if "teachers" in summary:
        full = summary.get("full_marks")
        lines.append(f"教师 {summary['teachers']} 人，平均总分 {summary.get('mean_total')}"
                     + (f"（满分 {full:g}）" if isinstance(full, int | float) else ""))
    if summary.get("bands"):
        lines.append("等次：" + "，".join(f"{k} {v} 人" for k, v in summary["bands"].items()))
    if summary.get("hours_met_rate") is not None:
        met = summary.get("hours_met")
        lines.append(f"学时达标：{summary['hours_met_rate']:.0%}" + (f"（{met} 人）" if met is not None else ""))
    probs = summary.get("problems") or {}
    lines.append(f"问题：错误 {probs.get('错误', 0)}，警告 {probs.get('警告', 0)}，提示 {probs.get('提示', 0)}"
                 + ("（详见「校验问题」表）" if any(probs.values()) else ""))
    return lines


def _failure(message: str, code: int = 2) -> dict[str, Any]:
    return {"ok": False, "exit_code": code, "title": "无法计算", "message": message, "result_sheet": None,
            "backup": None, "summary": {}}


def _backups(path: Path) -> set[Path]:
    """The `--in-place` backups beside `path` (`<name>.<stamp>.bak<ext>`, see atomic.backup_copy)."""
    return set(path.parent.glob(f"{path.name}.*.bak{path.suffix}"))


def _check_writable(path: Path) -> str | None:
    """A Chinese reason the file cannot be written back, or None."""
    if not os.access(path, os.W_OK):
        return f"文件「{path.name}」是只读的，无法写回结果。\n处理办法：在文件属性中取消“只读”，或另存一份后再计算。"
    try:
        with open(path, "r+b"):
            pass
    except PermissionError:
        return (f"文件「{path.name}」正被其他程序占用（已锁定），无法写回结果。\n"
                "处理办法：关闭占用它的程序（或在 WPS 中先保存并关闭），再点「计算考核」。")
    except OSError as exc:
        return f"文件「{path.name}」无法打开写入（{exc.strerror or exc}）。"
    return None


def compute_in_place(path_text: str, password: str | None = None) -> dict[str, Any]:
    """The reply of `POST /api/wps/compute` (see the contract in the module docstring of serve.app)."""
    from xlrubric.process import compute_file

    if not isinstance(path_text, str) or not path_text.strip():
        return _failure("没有收到工作簿的路径。\n处理办法：先保存工作簿，再点「计算考核」。")
    path = Path(path_text)
    if not path.is_absolute():
        return _failure(f"工作簿路径「{path_text}」不是完整路径。\n处理办法：先保存工作簿，再点「计算考核」。")
    if not path.exists():
        return _failure(f"文件「{path}」不存在。\n处理办法：先保存工作簿，再点「计算考核」。")
    if not path.is_file():
        return _failure(f"「{path}」是文件夹，不是工作簿。")
    reason = _check_writable(path)
    if reason:
        return _failure(reason)
    before = _backups(path)
    try:
        results, _target = compute_file(path, password=password or None, in_place=True)
    except XlrubricError as exc:
        return _failure(str(exc), exc.exit_code)
    except Exception:  # a bug: the add-in still gets an answer, the log gets the traceback
        log.exception("wps compute failed for %s", path)
        return _failure("程序内部错误，工作簿未改动。请把这个工作簿发给技术支持。")
    made = sorted(_backups(path) - before, key=lambda p: p.stat().st_mtime)
    backup = str(made[-1]) if made else None
    return success_reply(results, backup)


def success_reply(results: Results, backup: str | None) -> dict[str, Any]:
    lines = summary_lines(results.summary)
    school = results.summary.get("school")
    if school:
        lines.insert(0, f"学校：{school}")
    if backup:
        lines.append(f"原文件已备份为：{backup}")
    names = [t.name for t in results.tables]
    return {"ok": True, "exit_code": results.exit_code, "title": "计算完成", "message": "\n".join(lines),
            "result_sheet": RESULT_SHEET if RESULT_SHEET in names else (names[0] if names else None),
            "backup": backup, "summary": results.summary}
