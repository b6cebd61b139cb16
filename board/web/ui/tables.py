"""The one way a page shows a table: every text cell is neutralised as in our CSV downloads, because the
table's own download and copy buttons hand the cells to a spreadsheet exactly as they are sent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from board.i18n import _
from board.reporting.export import neutralised
from board.web.ui import links


def table(data, *, open_with: dict[str, str] | None = None, **options):
    """st.dataframe of `data` (a DataFrame or rows) with text that a spreadsheet would run as a formula
    prefixed by an apostrophe (board.export's rule); numbers, dates and booleans are sent unchanged.
    `open_with` {column: url path} makes a column of ids links that open each item on its page ({"id":
    "suggestion"}: the number links to /suggestion?id=N, which checks the viewer's scope again)."""
    frame = neutralised(data if isinstance(data, pd.DataFrame) else pd.DataFrame(data))
    frame = frame.rename(columns=heading).rename_axis(index=heading_or_none(frame.index.name))
    config = dict(options.pop("column_config", None) or {})
    for column, url_path in (open_with or {}).items():
        header = heading(column)
        frame[header] = [links.href(url_path, item_id) for item_id in frame[header]]
        config[header] = st.column_config.LinkColumn(header, display_text=links.SHOWN_ID,
                                                     help=_(links.OPENS_HELP[url_path]))
    return st.dataframe(_mixed_as_text(frame), column_config=config or None, **options)


def heading(column) -> str:
    """A column as people read its header: a name left as in the code ("days_waiting") becomes "Days waiting";
    a header already written for people ("eNPS", "Participation %") is kept as it is; an id is "#"."""
    text = str(column)
    if text == "id":
        return "#"
    if text != text.lower():
        return text
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def heading_or_none(name):
    return None if name is None else heading(name)


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
