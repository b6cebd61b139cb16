"""Showing validation errors beside the fields they belong to, and domain errors as one message."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def set_errors(form: str, errors: dict[str, str]) -> None:
    """Remember a form's errors for the next run (empty clears them)."""
    st.session_state[f"{form}__errors"] = dict(errors)


def field_error(form: str, field: str) -> None:
    """Show the error for one field right under it, if any. Messages are ours, never user text."""
    message = st.session_state.get(f"{form}__errors", {}).get(field)
    if message:
        st.error(message)


def problem_table(errors: dict[str, str]) -> None:
    """Problems that may quote user text (e.g. a CSV cell), shown as plain text in a table."""
    st.dataframe(pd.DataFrame({"where": list(errors), "problem": list(errors.values())}), hide_index=True)
