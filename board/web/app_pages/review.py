"""Review queue (regional managers): the region's unreviewed minutes, oldest first; each read whole (attendees,
items, linked suggestions, actions with their owners) and marked reviewed or needing follow-up. The minutes under
review are in the URL (/review?id=N): saving a verdict stays on them until the reviewer moves on."""


import pandas as pd
import streamlit as st

from board.feedback import attachments
from board.i18n import N_, _, format_day, ngettext, today_in_zone
from board.meetings import minutes, review
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links, minutes_view, session, tables

person = session.page_person("review")
db = session.store()
today = today_in_zone()
HEADERS = {"meeting_date": N_("Meeting"), "unit": N_("Unit"), "chair": N_("Chair"), "problems": N_("Problems"),
           "solutions": N_("Solutions")}
st.title(_("Review queue"))

rows = review.queue(db, person)
waiting = [r["id"] for r in rows]
asked = links.requested_id() or (waiting[0] if waiting else None)
if rows:
    st.text(ngettext("{n} waiting, oldest first; {none} discussed no problem at all",
                     "{n} waiting, oldest first; {none} discussed no problem at all", len(rows),
                     none=sum(r["no_problems"] for r in rows)))
    frame = pd.DataFrame(rows, columns=list(HEADERS))
    frame["meeting_date"] = [format_day(r["meeting_date"]) for r in rows]
    tables.table(frame.rename(columns={column: _(header) for column, header in HEADERS.items()}), hide_index=True)
else:
    st.success(_("Every published minutes of your region has been reviewed."))
if asked is None:
    st.stop()
current: int = asked
meeting = forms.attempt(lambda: minutes.get_meeting(db, person, current)).or_stop()
following = [i for i in waiting if i != current]


def show(meeting_id: int) -> None:
    st.query_params["id"] = str(meeting_id)


titles = {r["id"]: f"{format_day(r['meeting_date'])} · {r['unit']}" for r in rows}
titles.setdefault(current, _("{day} · {unit} (reviewed)", day=format_day(meeting["meeting_date"]),
                             unit=meeting["unit"]))
options = [current, *following] if current not in waiting else waiting
# Keyed by the minutes shown, so that the box shows exactly them: a choice kept in the session never wins over
# the URL. A new choice goes into the URL before the page runs again.
key = f"review_pick_{current}"
st.selectbox(_("Review"), options, index=options.index(current), key=key, format_func=lambda i: titles[i],
             on_change=lambda: show(st.session_state[key]))
if following:
    st.button(_("Next in the queue"), key="next_top", on_click=show, args=(following[0],))

links.meeting(meeting["id"], meeting["meeting_date"])
minutes_view.heading(meeting)
if meeting["problems"] == 0:
    st.text(_("No real or anticipated problem was discussed."))
minutes_view.items(meeting["items"], today, files=attachments.for_meeting(db, person, current),
                   open_file=attachment_ui.reader(db, person))
minutes_view.reviews(meeting)

form = forms.Form("review_form")
with st.form("review_form", clear_on_submit=True):
    verdict = st.radio(_("Verdict"), list(review.VERDICTS), format_func=lambda v: _(review.VERDICTS[v]),
                       horizontal=True)
    form.field_error("verdict")
    comment = st.text_area(_("Comment for the author (required for follow-up)"), max_chars=2000)
    form.field_error("comment")
    if st.form_submit_button(_("Save review"), type="primary") and form.attempt(
            lambda: review.review(db, person, current, verdict, comment)):
        st.session_state["review_saved"] = current
        show(current)  # stay on these minutes: the reviewer reads the confirmation, then moves on with "Next"
        st.rerun()
if st.session_state.pop("review_saved", None) == current and meeting["reviews"]:
    last = meeting["reviews"][-1]
    said = _(review.VERDICTS[last["verdict"]]) if last["verdict"] in review.VERDICTS else _("Reviewed")
    st.success(_("Review saved: {verdict}, for the meeting of {day}.", verdict=said,
                 day=format_day(meeting["meeting_date"])))
    st.text(_("{unit}, reviewed by {reviewer}", unit=meeting["unit"], reviewer=last["reviewer"]))
    if following:
        st.button(_("Next in the queue"), key="next_after_save", type="primary", on_click=show, args=(following[0],))
    else:
        st.text(_("That was the last minutes waiting for review."))
