"""The one way a page shows a table: every text cell is neutralised as in our CSV downloads, because the
table's own download and copy buttons hand the cells to a spreadsheet exactly as they are sent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from board.reporting.export import neutralised


def table(data, **options):
    """st.dataframe of `data` (a DataFrame or rows) with text that a spreadsheet would run as a formula
    prefixed by an apostrophe (board.export's rule); numbers, dates and booleans are sent unchanged."""
    frame = neutralised(data if isinstance(data, pd.DataFrame) else pd.DataFrame(data))
    return st.dataframe(_mixed_as_text(frame), **options)


def _mixed_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing text and numbers (a figure or "fewer than k responses") are sent as text, as Streamlit
    would do itself after a failed Arrow conversion; converted after neutralising, a number never gains a prefix."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object:
            kinds = {type(v) for v in column.dropna()}
            if str in kinds and len(kinds) > 1:
                frame.isetitem(position, column.astype("string"))
    return frame
