"""Property test: `teacher_ids` / `person_names` (text cells through plain dicts, issue 16) give exactly what
`teacher_id` / `person_name` give cell by cell, for any mix of cell types, in any order, with the memo cold or
already holding values: a dict keyed by the text must never hand a text's answer to an equal cell of another
type (1 == 1.0 == True in Python, three different cells in Excel), nor keep a stale answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xlrubric.schemas import teachers
from xlrubric.schemas.teachers import person_name, person_names, teacher_id, teacher_ids

CELLS = st.lists(st.one_of(
    st.sampled_from(["T1", " T1 ", "Ｔ１", "1001", "1", "True", "王 芳", "王芳", "", "  ", 1001, 1001.0, 1, 1.0, True,
                     False, 0, None, float("nan")]),
    st.text(max_size=4), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=False, width=16)),
    max_size=30)


@given(CELLS, CELLS, st.booleans())
def test_same_as_cell_by_cell(first: list, second: list, cold: bool):
    if cold:
        teachers._TEXT_IDS.clear()
        teachers._TEXT_NAMES.clear()
    for cells in (first, second, first + second):
        assert teacher_ids(cells) == [teacher_id(v) for v in cells]
        assert person_names(cells) == [person_name(v) for v in cells]


def test_text_never_answers_for_a_number():
    # the hand-worked case: "1.0" as text is kept as typed, the number 1.0 reads as 1 (cell_text drops ".0")
    teachers._TEXT_IDS.clear()
    assert teacher_ids(["1.0", 1.0, "1.0", True]) == [teacher_id("1.0"), teacher_id(1.0), teacher_id("1.0"),
                                                       teacher_id(True)]
    assert teacher_ids([1.0])[0] == "1" and teacher_ids(["1.0"])[0] == "1.0"


def test_unhashable_cell_is_read_one_by_one():
    assert teacher_ids([["T1"], "T1"]) == [teacher_id(["T1"]), "T1"]
