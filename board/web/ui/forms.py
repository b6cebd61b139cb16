"""The one way a page runs a service and shows what it refused (board.errors, and the store's errors, which are
BoardErrors too): an Invalid's messages beside the fields they name, with a summary; anything else as one line.

    form = forms.Form("settings")            # one per form and run of the page
    with st.form("settings"):
        k = st.number_input(...)
        form.field_error("anonymity_k")      # the place beside the field
        if st.form_submit_button("Save") and form.attempt(lambda: settings.save(...)):
            st.success("Settings saved.")

    if st.button("+1") and forms.attempt(lambda: suggestions.vote(...)):   # no fields: one line each
        st.rerun()
    row = forms.attempt(lambda: suggestions.get(...)).or_stop()          # a read: on refusal the page stops

Both return an Outcome: true when the action succeeded, with what it returned as `value`. Errors that are not
BoardErrors are bugs: they are left to Streamlit, which shows no details (.streamlit/config.toml)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from board.errors import BoardError, Invalid
from board.i18n import N_, _

SUMMARY = N_("Please correct what is marked above; nothing was changed.")


@dataclass(frozen=True)
class Outcome:
    """What an attempt gave: true when the action succeeded; `value` is what it returned."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok

    def or_stop(self) -> Any:
        """The value; after a refusal (already shown) the page stops here."""
        if not self.ok:
            st.stop()
        return self.value


def attempt(action: Callable[[], Any], *, as_table: bool = False) -> Outcome:
    """Run a service call that has no fields on the page (a button, a read, an upload). A refusal is shown here:
    each of an Invalid's messages as one line, or with `as_table` its summary as one line and its messages (which
    may quote an uploaded file) in a plain-text table; any other BoardError as its one line."""
    try:
        return Outcome(True, action())
    except Invalid as error:
        if as_table:
            st.error(one_line(error))
            rest = {where: message for where, message in error.errors.items() if message != str(error)}
            if rest:  # pandas and the table only here: the sign-in page, the first a visitor runs, needs neither
                import pandas as pd

                from board.web.ui import tables
                tables.table(pd.DataFrame({_("where"): list(rest), _("problem"): list(rest.values())}), hide_index=True)
        else:
            for message in error.errors.values():
                st.error(message)
    except BoardError as error:
        st.error(one_line(error))
    return Outcome(False)


class Form:
    """A form's messages for one run of the page. `field_error` marks the place beside a field; `attempt` runs the
    service and fills those places. The messages are remembered until the next success, or until the person opens
    another page (forget_errors_on_page_change), so they stay beside the fields while the person corrects them."""

    def __init__(self, key: str):
        self.key = key
        self._places: dict[str, Any] = {}
        self._shown_elsewhere: set[str] = set()

    def field_error(self, field: str) -> None:
        """The place for one field's message, right under the field. Messages are ours, never user text."""
        if field in self._shown_elsewhere:
            return
        place = self._places[field] = st.empty()
        message = _remembered(self.key).get(field)
        if message:
            place.error(message)

    def attempt(self, action: Callable[[], Any]) -> Outcome:
        """Run the form's service call. On an Invalid, each message goes beside its field (a message for a field
        this page does not draw is shown here instead) with a summary here; any other BoardError is one line here.
        On success the form's messages are cleared."""
        try:
            value = action()
        except Invalid as error:
            self._show(error.errors)
            return Outcome(False)
        except BoardError as error:
            st.error(one_line(error))
            return Outcome(False)
        self._show({})
        return Outcome(True, value)

    def forget(self) -> None:
        """Drop the form's remembered messages (e.g. when its editor closes)."""
        st.session_state[f"{self.key}__errors"] = {}

    def _show(self, errors: dict[str, str]) -> None:
        st.session_state[f"{self.key}__errors"] = dict(errors)
        for field, place in self._places.items():
            if field in errors:
                place.error(errors[field])
            else:
                place.empty()
        elsewhere = {field: message for field, message in errors.items() if field not in self._places}
        for message in elsewhere.values():
            st.error(message)
        self._shown_elsewhere |= set(elsewhere)
        if len(elsewhere) < len(errors):
            st.warning(_(SUMMARY))


def one_line(error: BaseException) -> str:
    """An error's message as one line (the first); str() of a BoardError is always safe to show."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else _("That could not be done. Please try again.")


def _remembered(form: str) -> dict[str, str]:
    return st.session_state.get(f"{form}__errors", {})


def forget_errors_on_page_change(page_key: str) -> None:
    """Drop every form's errors when the person opens another page: coming back, the fields show the
    saved values again, so an old error under them would describe a value that is no longer there."""
    if st.session_state.get("forms__page") != page_key:
        for key in [k for k in st.session_state if str(k).endswith("__errors")]:
            del st.session_state[key]
        st.session_state["forms__page"] = page_key
