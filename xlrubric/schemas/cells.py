"""A read table's columns as plain lists, taken out of its frame at once (no pandera here: the roster and the
validation both use it, and the roster is read where pandera need not be imported)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["column_lists"]


def column_lists(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[Any]]:
    """The cells of these columns of a read table (those it has), each column as a list: the frame is turned
    into one object array once and the columns cut from it (a pandas column lookup costs as much as a few
    hundred cells), the same values `frame[column].tolist()` gives."""
    present = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not present:
        return {}
    if not frame.columns.is_unique:
        return {c: frame[c].tolist() for c in present}
    values = frame.to_numpy(dtype=object)
    at = frame.columns.get_loc            # per name: `get_indexer(list)` first builds (infers) an Index of the list
    return {c: values[:, at(c)].tolist() for c in present}
