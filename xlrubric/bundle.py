"""`xlrubric bundle`: everything a school computer without internet needs to get the 计算考核 button.

The bundle folder holds `wheels/` (xlrubric's own wheel, built with `pip wheel --no-deps .`, and the wheel of
every dependency for the target platform and Python version, fetched by pip's own
`pip download --only-binary=:all: --platform … --python-version …`), `addins/` (the Excel .xlam and the WPS
加载项; the same files are inside xlrubric's wheel, which is what `xlrubric addin install` uses), a Chinese
安装说明.txt and double-click installers (install.bat / install.command / install.sh) that run
`pip install --no-index --find-links wheels "xlrubric[excel]"`, `xlrubric addin install` and
`xlrubric serve --install-shortcut` with the machine's Python and print what they did.

One thing pip cannot do is hand-written here (`missing_requirements`): when downloading for another platform,
pip evaluates environment markers against the *running* interpreter, so a Windows-only dependency (e.g.
`colorama; platform_system == "Windows"`, which click needs there) is silently left out of a bundle built on
Linux. We read every downloaded wheel's `Requires-Dist`, evaluate the markers for the target platform with
`packaging`, and download what is missing, until nothing is.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xlrubric.errors import XlrubricError

EXTRAS = ("excel",)


@dataclass(frozen=True)
class Target:
    """A platform a bundle is for: pip's platform tags and the values of environment markers there."""

    name: str
    tags: tuple[str, ...]
    markers: dict[str, str] = field(hash=False)
    installer: str


PLATFORMS = {
    "win_amd64": Target("win_amd64", ("win_amd64",),
                        {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                         "platform_machine": "AMD64"}, "install.bat"),
    # Apple silicon; pip expands macosx_11_0_arm64 to the compatible arm64 / universal2 tags itself.
    "macosx": Target("macosx", ("macosx_11_0_arm64",),
                     {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                      "platform_machine": "arm64"}, "install.command"),
    # pip expands manylinux2014 to manylinux2010/1 but not the PEP 600 names, so list those it should take.
    "linux": Target("linux", tuple(f"manylinux_2_{v}_x86_64" for v in range(28, 16, -1)) + ("manylinux2014_x86_64",),
                    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "platform_machine": "x86_64"}, "install.sh"),
}


def source_root() -> Path:
    """The source checkout xlrubric runs from (a bundle is built from source, not from an installed copy)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "macros" / "wps").is_dir():
        raise XlrubricError("安装包只能在 xlrubric 的源代码目录中生成（需要 pyproject.toml 和 macros/）",
                            hint="git clone 源代码后，在其中 pip install -e . 再运行 xlrubric bundle")
    return root


def _pip(args: list[str], log: list[str]) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    log.append(" ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise XlrubricError(f"pip 运行失败：{' '.join(args[:2])}\n{tail}",
                            hint="确认这台电脑能访问 Python 软件包索引（PyPI），再运行一次")


def wheel_metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return email.parser.BytesParser().parsebytes(zf.read(name))


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def requirements_of(wheel: Path, extras: set[str], env: dict[str, str]) -> list:
    """The wheel's Requires-Dist that apply on the target (markers evaluated there, with `extras`)."""
    from packaging.requirements import Requirement

    out = []
    for line in wheel_metadata(wheel).get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({**env, "extra": e}) for e in (extras or {""})):
            out.append(req)
    return out


def missing_requirements(wheels: Path, roots: list, env: dict[str, str]) -> list:
    """Requirements reachable from `roots` (following extras) that no wheel in `wheels` provides."""
    from packaging.utils import parse_wheel_filename

    have = {}
    for w in wheels.glob("*.whl"):
        have[_canonical(parse_wheel_filename(w.name)[0])] = w
    missing, seen, todo = {}, set(), list(roots)
    while todo:
        req = todo.pop()
        key = (_canonical(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        wheel = have.get(key[0])
        if wheel is None:
            missing[key[0]] = req
            continue
        todo.extend(requirements_of(wheel, set(req.extras), env))
    return sorted(missing.values(), key=lambda r: r.name.lower())


def _without_marker(req) -> str:
    """`name[extras]specifier`: the marker was evaluated for the target; pip would evaluate it for this machine."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def _env(target: Target, python_version: str) -> dict[str, str]:
    return {"python_version": python_version, "python_full_version": python_version + ".0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "platform_release": "", "platform_version": "", **target.markers}


def download(target: Target, python_version: str, wheels: Path, requirements: list[str], log: list[str]) -> None:
    args = ["download", "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
            "--dest", str(wheels), "--no-input"]
    for tag in target.tags:
        args += ["--platform", tag]
    _pip(args + requirements, log)


def build(target_name: str, out: Path, python_version: str | None = None) -> list[str]:
    """Write the bundle for `target_name` to the new folder `out` (atomically); return the log lines."""
    from packaging.requirements import Requirement

    if target_name not in PLATFORMS:
        raise XlrubricError(f"不认识的平台「{target_name}」，可选：{'、'.join(PLATFORMS)}")
    if out.exists() and any(out.iterdir()):
        raise XlrubricError("输出文件夹已存在且不是空的，没有改动它", file=str(out))
    target = PLATFORMS[target_name]
    python_version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    if not re.fullmatch(r"3\.\d{1,2}", python_version):
        raise XlrubricError(f"Python 版本「{python_version}」的写法不对，应写成 3.11 这样的“主版本.次版本”")
    out.parent.mkdir(parents=True, exist_ok=True)
    root = source_root()
    log: list[str] = []
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    wheels = tmp / "wheels"
    wheels.mkdir(parents=True)
    try:
        _pip(["wheel", "--no-deps", "--wheel-dir", str(wheels), str(root)], log)
        ours = next(wheels.glob("xlrubric-*.whl"))
        roots = [Requirement(f"xlrubric[{','.join(EXTRAS)}]")]
        env = _env(target, python_version)
        for _ in range(10):
            missing = missing_requirements(wheels, roots, env)
            if not missing:
                break
            download(target, python_version, wheels, [_without_marker(r) for r in missing], log)
        else:
            raise XlrubricError("依赖关系在 10 轮下载后仍不完整：" + "、".join(r.name for r in missing))
        write_addins(root, tmp / "addins")
        write_installers(tmp, target, python_version, ours.name)
        if out.exists():
            out.rmdir()                        # empty: checked above
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return log


def write_addins(root: Path, folder: Path) -> None:
    shutil.copytree(root / "macros" / "wps", folder / "wps", ignore=shutil.ignore_patterns("test"))
    shutil.copy2(root / "macros" / "xlrubric.xlam", folder / "xlrubric.xlam")


def write_installers(folder: Path, target: Target, python_version: str, wheel_name: str) -> None:
    from xlrubric import bundle_text

    readme = bundle_text.readme(target.name, python_version, wheel_name, target.installer)
    (folder / "安装说明.txt").write_bytes(readme.replace("\n", "\r\n").encode("utf-8-sig"))
    path = folder / target.installer
    if target.installer.endswith(".bat"):
        path.write_bytes(bundle_text.install_bat(python_version).replace("\n", "\r\n").encode("utf-8"))
    else:
        path.write_text(bundle_text.install_sh(python_version), encoding="utf-8")
        path.chmod(0o755)
