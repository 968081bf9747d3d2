"""Upload plumbing without a server: names from a director's disk or a zip can never leave the folder,
and a tab's idle folder is swept while an active one is kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.serve.uploads import SESSION_IDLE, UploadError, safe_relative, session_dir

PARTS = st.sampled_from(["..", ".", "", "~$锁.xlsx", ".hidden", "__MACOSX", "兰西镇", "学校.xlsx", "C:", "a\\b",
                         "con", "x" * 300, "名字 有空格", "\x00", "/", "\\"])


@given(st.lists(st.one_of(PARTS, st.text(max_size=20)), max_size=6), st.sampled_from(["/", "\\"]))
def test_safe_relative_never_escapes(parts, sep):
    rel = safe_relative(sep.join(parts))
    if rel is None:
        return
    root = Path("/srv/上传")
    target = root.joinpath(*rel.parts)
    assert not rel.is_absolute() and ".." not in rel.parts
    assert os.path.normpath(target).startswith(str(root) + os.sep)
    assert all(p and not p.startswith((".", "~$")) and "\x00" not in p and "/" not in p for p in rel.parts)


def test_safe_relative_keeps_ordinary_chinese_paths():
    assert str(safe_relative("县里/兰西镇/兰西四中.xlsx")) == "县里/兰西镇/兰西四中.xlsx"
    assert str(safe_relative("县里\\兰西镇\\兰西四中.xlsx")) == "县里/兰西镇/兰西四中.xlsx"
    assert safe_relative("兰西镇/~$兰西四中.xlsx") is None and safe_relative("../x.xlsx") is None


def test_idle_sessions_are_swept(tmp_path):
    old = session_dir(tmp_path, "o" * 20)
    (old / "run").mkdir()
    long_ago = time.time() - SESSION_IDLE - 60
    os.utime(old, (long_ago, long_ago))
    recent = session_dir(tmp_path, "r" * 20)
    mine = session_dir(tmp_path, "m" * 20)
    assert not old.exists() and recent.exists() and mine.exists()


@pytest.mark.parametrize("bad", ["", "short", "../../etc", "a" * 65, "有中文的会话标识符号码一二三四五六"])
def test_session_ids_are_checked(tmp_path, bad):
    with pytest.raises(UploadError, match="刷新页面"):
        session_dir(tmp_path, bad)
