"""CSV downloads that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells, text index labels and column names are neutralised; numbers, dates and the
    like are untouched (so -3 stays the number -3)."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if _may_hold_text(column.dtype):
            safe.isetitem(position, column.map(neutralise))
    if _may_hold_text(safe.index.dtype):
        safe = safe.rename(index=neutralise)  # every level of a MultiIndex too
    return safe.rename(columns=neutralise)


def _may_hold_text(dtype) -> bool:
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def to_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with every text cell neutralised."""
    # CRLF rows (RFC 4180): a cell holding a lone CR is then quoted too, so it cannot start a new row whose
    # first cell a spreadsheet would read as a formula.
    return neutralised(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
