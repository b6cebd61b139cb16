"""Showing validation errors beside the fields they belong to, and domain errors as one message."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from board.errors import BoardError, Invalid
from board.web.ui import tables


def set_errors(form: str, errors: dict[str, str]) -> None:
    """Remember a form's errors for the next run (empty clears them)."""
    st.session_state[f"{form}__errors"] = dict(errors)


def forget_errors_on_page_change(page_key: str) -> None:
    """Drop every form's errors when the person opens another page: coming back, the fields show the
    saved values again, so an old error under them would describe a value that is no longer there."""
    if st.session_state.get("forms__page") != page_key:
        for key in [k for k in st.session_state if str(k).endswith("__errors")]:
            del st.session_state[key]
        st.session_state["forms__page"] = page_key


def field_error(form: str, field: str) -> None:
    """Show the error for one field right under it, if any. Messages are ours, never user text."""
    message = st.session_state.get(f"{form}__errors", {}).get(field)
    if message:
        st.error(message)


def problem_table(errors: dict[str, str]) -> None:
    """Problems that may quote user text (e.g. a CSV cell), shown as plain text in a table."""
    tables.table(pd.DataFrame({"where": list(errors), "problem": list(errors.values())}), hide_index=True)


def run(form: str, action) -> None:
    """Run a form's action: on success clear its errors and rerun; field errors go beside their fields,
    any other refusal is shown as one message."""
    try:
        action()
    except Invalid as error:
        set_errors(form, error.errors)
        st.rerun()
    except BoardError as error:
        st.error(str(error))
        return
    set_errors(form, {})
    st.rerun()
