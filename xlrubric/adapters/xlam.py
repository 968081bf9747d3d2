"""Build the 计算考核 add-in (macros/xlrubric.xlam) from the ribbon add-in shipped in the xlwings wheel.

Why this way: the classic xlwings add-in is BSD-licensed, needs no key and no server, and its VBA already
does what the button needs — `RibbonMyAddin.RunMain` runs
`RunPython "import <stem>; <stem>.main()"`, where <stem> is the add-in file's own name. Naming the file
`xlrubric.xlam` therefore makes the button call `xlrubric.main()`. Rebuilding a VBA project by hand is
error-prone and would hide what runs, so we replace exactly one part, `customUI/customUI.xml` (our tab
and button), and copy every other part byte for byte. Zip entries keep the source's order and get a
fixed timestamp, so a build is a function of the xlwings version alone; `test_xlam` checks that the
checked-in file matches a fresh build part by part.

The add-in reads its settings (e.g. which Python to start) under the VBA constant PROJECT_NAME of the
template, "myaddin": sheet `myaddin.conf` in the workbook, then `myaddin.conf` next to it, then the
user file `CONFIG_PATHS` below — the one `xlrubric addin install` writes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ADDIN_STEM = "xlrubric"                       # must equal the package name: the VBA imports the file's stem
ADDIN_NAME = f"{ADDIN_STEM}.xlam"
TEMPLATE = "quickstart_addin_ribbon.xlam"     # what `xlwings quickstart NAME --addin --ribbon` copies
CUSTOM_UI_PART = "customUI/customUI.xml"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
CUSTOM_UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CALLBACK = "RibbonMyAddin.RunMain"            # the template's VBA Sub, left as shipped
PROJECT_NAME = "myaddin"                      # the template's VBA constant that names its config
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TAB_LABEL = "校本研修"
BUTTON_LABEL = "计算考核"
BUTTON_ICON = "CalculateNow"                  # built-in Office icon (imageMso)

CUSTOM_UI = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="{CUSTOM_UI_NS}">
  <ribbon>
    <tabs>
      <tab id="xlrubricTab" label="{TAB_LABEL}">
        <group id="xlrubricGroup" label="考核">
          <button id="xlrubricCompute" label="{BUTTON_LABEL}" size="large" imageMso="{BUTTON_ICON}"
                  onAction="{CALLBACK}"
                  screentip="{BUTTON_LABEL}"
                  supertip="按本工作簿的「考核细则」计算每位教师的得分和等次，把结果写回本工作簿，并标出有问题的单元格。"/>
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""

# Where the add-in's VBA (GetConfigFilePath) looks for the user's settings file.
CONFIG_PATHS = {
    "win": r"%USERPROFILE%\.myaddin\myaddin.conf",
    "mac": "~/Library/Containers/com.microsoft.Excel/Data/myaddin.conf",
}
INTERPRETER_KEYS = {"win": "INTERPRETER_WIN", "mac": "INTERPRETER_MAC"}


def template_path() -> Path:
    """The ribbon add-in inside the installed xlwings wheel."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE


def xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


def build_parts(source: Path | None = None) -> list[tuple[str, bytes]]:
    """The add-in's parts in zip order: the template's, with only customUI.xml replaced."""
    source = source or template_path()
    with zipfile.ZipFile(source) as zf:
        parts = [(info.filename, zf.read(info)) for info in zf.infolist() if not info.is_dir()]
    names = [n for n, _ in parts]
    if CUSTOM_UI_PART not in names:
        raise ValueError(f"{source.name} 中没有 {CUSTOM_UI_PART}：xlwings 的加载项模板改变了，请检查")
    return [(n, CUSTOM_UI.encode("utf-8") if n == CUSTOM_UI_PART else data) for n, data in parts]


def write_xlam(parts: list[tuple[str, bytes]], target: Path) -> Path:
    """Write `parts` as a zip with fixed timestamps and attributes (same input -> same bytes)."""
    from xlrubric.atomic import write_atomic

    def write(f) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            for name, data in parts:
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                zf.writestr(info, data, compresslevel=6)

    write_atomic(Path(target), write)
    return Path(target)


def vba_modules(xlam: Path | bytes) -> dict[str, str]:
    """The VBA source of every module in the add-in, as olevba reads it (module file name -> text)."""
    import warnings

    with warnings.catch_warnings():      # oletools 0.60 uses pyparsing names pyparsing now deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    data = xlam if isinstance(xlam, bytes) else Path(xlam).read_bytes()
    parser = VBA_Parser(ADDIN_NAME, data=data)
    try:
        out: dict[str, str] = {}
        for _f, _stream, vba_name, code in parser.extract_macros():
            text = code.decode("utf-8", "replace") if isinstance(code, bytes) else code
            out[vba_name] = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"
        return out
    finally:
        parser.close()


@dataclass
class BuildResult:
    xlam: Path
    vba_files: list[Path]


def build(out_dir: Path, *, vba: bool = True) -> BuildResult:
    """Write `<out_dir>/xlrubric.xlam` and (with `vba`, which needs oletools) its VBA source as text
    under `<out_dir>/vba/`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlam = write_xlam(build_parts(), out_dir / ADDIN_NAME)
    if not vba:
        return BuildResult(xlam, [])
    vba_dir = out_dir / "vba"
    vba_dir.mkdir(exist_ok=True)
    files = []
    for name, text in sorted(vba_modules(xlam).items()):
        path = vba_dir / PurePosixPath(name).name
        path.write_text(text, encoding="utf-8", newline="\n")
        files.append(path)
    return BuildResult(xlam, files)


def matches_installed_xlwings(path: Path) -> bool:
    """Whether the add-in at `path` carries the VBA of the installed xlwings (its RunPython must match)."""
    try:
        with zipfile.ZipFile(path) as ours, zipfile.ZipFile(template_path()) as theirs:
            return ours.read("xl/vbaProject.bin") == theirs.read("xl/vbaProject.bin")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def repo_macros_dir() -> Path | None:
    """`macros/` of a source checkout (where the built add-in is checked in), if there is one."""
    here = Path(__file__).resolve().parents[2] / "macros"
    return here if here.is_dir() else None
