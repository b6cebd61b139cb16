"""CSV downloads that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with every text cell neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    # CRLF rows (RFC 4180): a cell holding a lone CR is then quoted too, so it cannot start a new row whose
    # first cell a spreadsheet would read as a formula.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
