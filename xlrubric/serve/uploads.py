"""Where uploads live: per-tab session folders, safe relative paths, capped copies, zip folders.

Each browser tab sends its own random session id (kept in sessionStorage), so two tabs never see each
other's files; a session folder not used for `SESSION_IDLE` seconds is removed, and the whole temp root
goes when the service stops. Names come from the director's disk (or a zip made on a Chinese Windows,
whose names are GBK without the UTF-8 flag), so every path is rebuilt from cleaned parts, never joined raw.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from pathlib import Path, PurePosixPath

from xlrubric.atomic import safe_output_name
from xlrubric.errors import XlrubricError

SESSION_HEADER = "X-Xlrubric-Session"
SESSION_IDLE = 6 * 3600
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CHUNK = 1024 * 1024


class UploadError(XlrubricError):
    """An upload that is too big, has too many files, or is not what the page expects."""


def session_dir(root: Path, session_id: str | None) -> Path:
    """The tab's own folder (created on demand); idle sessions of other tabs are swept on the way."""
    if not session_id or not _SESSION_ID.match(session_id):
        raise UploadError("页面会话无效，请刷新页面后重试。")
    base = root / "sessions"
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for other in base.iterdir():
        if other.name != session_id and now - other.stat().st_mtime > SESSION_IDLE:
            shutil.rmtree(other, ignore_errors=True)
    folder = base / session_id
    folder.mkdir(exist_ok=True)
    folder.touch()
    return folder


def safe_relative(name: str) -> PurePosixPath | None:
    """A relative path made only of safe parts, or None for names to skip (hidden, lock, empty, `..`)."""
    parts = [p for p in re.split(r"[\\/]+", name or "") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    if any(p.startswith((".", "~$")) or p == "__MACOSX" for p in parts):
        return None
    cleaned = [safe_output_name(Path("."), p, default="文件").name for p in parts]
    return PurePosixPath(*cleaned)


async def read_form(request, *, max_files: int, max_fields: int):
    """The multipart form, with the parser's own limits turned into the page's Chinese message."""
    from starlette.exceptions import HTTPException

    try:
        return await request.form(max_files=max_files, max_fields=max_fields)
    except HTTPException as exc:
        if "files" in str(exc.detail).lower():
            raise UploadError(f"一次最多上传 {max_files} 个文件。",
                              hint="请分几批处理，每批一个乡镇的文件夹。") from exc
        raise UploadError(f"上传的内容无法读取（{exc.detail}），请刷新页面后重试。") from exc


async def save_upload(upload, target: Path, cap: int) -> int:
    """Copy an UploadFile to `target`, refusing (and removing it) beyond `cap` bytes; return the size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with open(target, "wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > cap:
                out.close()
                target.unlink(missing_ok=True)
                raise UploadError(f"文件「{upload.filename}」太大，上限是 {cap / CHUNK:.0f} MB。")
            out.write(chunk)
    return size


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A member's real name: without the UTF-8 flag Python decodes as cp437; Chinese Windows wrote GBK."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def extract_folder_zip(zip_path: Path, dest: Path, *, max_files: int, max_bytes: int) -> int:
    """Unpack a zipped county folder, refusing too many files or too many bytes (a zip bomb) up front."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError("压缩包无法打开（可能已损坏，或不是 .zip 文件）。", file=zip_path.name) from exc
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) > max_files:
            raise UploadError(f"压缩包里有 {len(members)} 个文件，超过上限 {max_files} 个。", file=zip_path.name,
                              hint="请分几批处理，每批一个乡镇的文件夹。")
        total = sum(i.file_size for i in members)
        if total > max_bytes:
            raise UploadError(f"压缩包解压后约 {total / CHUNK:.0f} MB，超过上限 {max_bytes / CHUNK:.0f} MB。",
                              file=zip_path.name)
        count = 0
        for info in members:
            rel = safe_relative(_zip_name(info))
            if rel is None:
                continue
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:       # zipfile stops at the recorded size and checks the CRC: a lying header fails here
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                raise UploadError(f"压缩包中的「{rel}」无法解压（{exc}）。", file=zip_path.name) from exc
            count += 1
    return count
