"""Outbox (admins): every message the board has sent or will send, so an admin sees what went out and what failed
(and sends it again), and, with no mail server configured, reads what would have been sent."""

import streamlit as st

from board.clock import shown
from board.i18n import _, format_number, ngettext
from board.notify import config, events, kinds, outbox
from board.web.ui import forms, paging, session
from board.web.ui.choose import select_or_none

PAGE = 25  # messages on one page
ORDER = ("sent", "pending", "sending", "local", "digested", "skipped", "failed")  # how the counts read
STATES = {state: outbox.STATE_LABELS[state] for state in ORDER}

admin = session.page_person("admin_outbox")
db = session.store()
st.title(_("Outbox"))

forms.attempt(lambda: events.fan_out(db))  # the latest events' messages, not only those the worker wrote already
counts = forms.attempt(lambda: outbox.counts(db, admin)).or_stop()
st.text(" · ".join(f"{_(label)} {format_number(counts[state])}" for state, label in STATES.items() if counts.get(state))
        or _("No message yet. Messages appear here as soon as something happens that someone should hear of."))
delivery = forms.attempt(config.load)
if delivery:
    host = delivery.value.smtp_host
    st.caption(_("Sending through {host}:{port}", host=host, port=delivery.value.smtp_port) if host else
               _("No mail server is configured: messages are kept here so you can read what would have been sent."))

left, right = st.columns(2)
state = select_or_none(left, _("State"), STATES, none=_("Every state"), format_func=lambda s: _(STATES[s]),
                       key="outbox_state")
kind = select_or_none(right, _("Kind"), kinds.SHORT, none=_("Every kind"), format_func=lambda k: _(kinds.SHORT[k]),
                      key="outbox_kind")
page = paging.current("outbox", (state, kind))
total = forms.attempt(lambda: outbox.count(db, admin, state=state, kind=kind)).or_stop()
rows = forms.attempt(lambda: outbox.listing(db, admin, state=state, kind=kind, offset=(page - 1) * PAGE,
                                            limit=PAGE)).or_stop()
if not rows and (state or kind):
    st.text(_("No message matches."))


def how_it_went(row: dict) -> str:
    """The message's kind, when it was written, and where it stands, in words."""
    what = _(kinds.SHORT[row["kind"]]) if row["kind"] in kinds.SHORT else _("Message")
    state = _(STATES[row["state"]]) if row["state"] in STATES else _("Unknown state")
    if row["sent_at"] and row["state"] == "sent":
        state = _("{state} {time}", state=state, time=shown(row["sent_at"], day_only=False))
    elif row["state"] == "pending" and row["mode"] == "daily":
        state = _("{state} for the daily digest of {time}", state=state, time=shown(row["next_at"], day_only=False))
    elif row["state"] == "pending" and row["attempts"]:
        state = _("{state} to be tried again at {time}", state=state, time=shown(row["next_at"], day_only=False))
    return " · ".join((what, _("written {time}", time=shown(row["created_at"], day_only=False)), state))


def card(row: dict) -> None:
    """One message as its recipient gets it: to whom, what, how it went; its body and link as plain text."""
    with st.container(border=True):
        st.text(_("To: {recipient}", recipient=row["to"]))
        st.text(row["subject"])
        st.caption(how_it_went(row))
        if row["attempts"] and (row["state"] in ("failed", "pending") or row["last_error"]):
            st.text(ngettext("{n} attempt. Last error: {error}", "{n} attempts. Last error: {error}", row["attempts"],
                             error=row["last_error"]) if row["last_error"] else
                    ngettext("{n} attempt", "{n} attempts", row["attempts"]))
        if row["body"]:
            with st.expander(_("Read the message")):
                st.text(row["body"])
                if row["link"]:  # as the recipient gets it: on the app's address, when it is configured
                    st.text(_("Link: {link}", link=delivery.value.url(row["link"]) if delivery else row["link"]))
        if row["state"] == "failed" and st.button(_("Retry"), key=f"retry_{row['id']}") \
                and forms.attempt(lambda: outbox.retry(db, admin, row["id"])):
            st.rerun()


for row in rows:
    card(row)
paging.controls("outbox", total, PAGE, "messages")
