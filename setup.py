"""Ship the two add-ins (macros/) inside the wheel as `xlrubric/_addins/`, so an offline install has them.

All metadata lives in pyproject.toml; this file only adds one copy step to `build_py`, because setuptools'
package-data cannot take files from a folder outside the package, and `macros/` is where the add-ins live
(docs/design.md). An editable install does not need the copy: `xlrubric.adapters.addins` then finds `macros/`.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithAddins(build_py):
    def run(self) -> None:
        super().run()
        macros = Path(__file__).resolve().parent / "macros"
        target = Path(self.build_lib) / "xlrubric" / "_addins"
        if not macros.is_dir() or self.editable_mode:
            return
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(macros / "wps", target / "wps", ignore=shutil.ignore_patterns("test", "*.md"))
        shutil.copy2(macros / "xlrubric.xlam", target / "xlrubric.xlam")


setup(cmdclass={"build_py": BuildPyWithAddins})
