"""Meeting minutes: the minutes in my scope, newest first, each opening at its own link (/minutes?id=N);
managers and regional managers record and amend theirs."""


import streamlit as st

from board.errors import BoardError
from board.feedback import attachments
from board.i18n import _, format_day, ngettext, today_in_zone
from board.meetings import minutes, review
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links, minutes_editor, minutes_view, session

PAGE_SIZE = 20  # minutes listed at first, and added by each "Show more"
person = session.page_person("minutes")
db = session.store()
today = today_in_zone()
chosen = links.requested_id()
st.title(_("Meeting minutes"))

units = minutes.recordable_units(db, person)
drafts = minutes.my_drafts(db, person) if units else []
if drafts and chosen is None and not st.session_state.get("minutes_opened_draft"):
    st.session_state["minutes_opened_draft"] = True  # a reload never loses a draft: the newest one opens again
    minutes_editor.open_editor(drafts[0]["id"], person)


def editable(state: dict) -> bool:
    """Whether the editor holds the person's own draft or own published minutes. Session state is not trusted:
    both checks read only within the person's scope, so another unit's minutes are never loaded."""
    try:
        if state.get("amend"):
            return minutes.get_meeting(db, person, state["meeting_id"])["author_id"] == person.id
        return state.get("meeting_id") in {d["id"] for d in drafts}
    except (BoardError, AttributeError, KeyError, TypeError):
        return False


if "minutes_edit" in st.session_state:
    if not editable(st.session_state["minutes_edit"]):
        minutes_editor.close_editor()
        st.error(_("You are not allowed to read these minutes, or they do not exist."))
        st.stop()
    minutes_editor.editor()  # a fragment: a change in the editor reruns the editor alone, not this page
    st.stop()

if chosen is not None:  # the link wins: the page shows exactly the minutes it names, or says it may not
    if st.session_state.pop("minutes_published", None):
        st.success(_("Published. Your regional manager will review them."))
    meeting_id: int = chosen
    meeting = forms.attempt(lambda: minutes.get_meeting(db, person, meeting_id)).or_stop()
    st.page_link(links.MEETING, label=_("All minutes"))
    minutes_view.heading(meeting)
    recorder = meeting["author_id"] == person.id
    if minutes_view.items(
            meeting["items"], today, files=attachments.for_meeting(db, person, meeting_id),
            open_file=attachment_ui.reader(db, person), remove=lambda file: attachments.remove(db, person, file),
            attach=(lambda item_id, uploads: attachments.attach_to_item(db, person, item_id, uploads))
            if recorder else None):
        st.rerun()
    minutes_view.reviews(meeting)
    minutes_view.history(db, person, meeting, today)
    if recorder and st.button(_("Amend these minutes")):
        minutes_editor.open_editor(meeting_id, person)
        st.rerun()
    st.stop()

for draft in drafts:
    if st.button(_("Continue draft #{number} (started {day})", number=draft["id"], day=format_day(draft["created_at"])),
                 key=f"draft_{draft['id']}"):
        minutes_editor.open_editor(draft["id"], person)
        st.rerun()
if units:
    with st.expander(_("Record new minutes")):
        labels = {i: u["label"] for i, u in enumerate(units)}
        unit = st.selectbox(_("For"), list(labels), format_func=lambda i: labels[i])
        if st.button(_("Start")) and (started := forms.attempt(lambda: minutes.start_draft(
                db, person, team_id=units[unit]["team_id"], office_id=units[unit]["office_id"], today=today))):
            minutes_editor.open_editor(started.value, person)
            st.rerun()


shown = st.session_state.setdefault("minutes_shown", PAGE_SIZE)
rows = minutes.list_minutes(db, person, limit=shown + 1)  # one more than shown: whether there are more
if not rows:
    st.info(_("No published minutes in your scope yet."))
    st.stop()
for row in rows[:shown]:
    with st.container(border=True):
        links.meeting(row["id"], row["meeting_date"])
        status = row["review_status"]
        verdict = _(review.VERDICTS[status]) if status in review.VERDICTS else _("Not reviewed yet")
        st.text(_("{unit} · chair: {chair}\n{problems}, {solutions} · {verdict}", unit=row["unit"], chair=row["chair"],
                  problems=ngettext("{n} problem", "{n} problems", row["problems"]),
                  solutions=ngettext("{n} solution", "{n} solutions", row["solutions"]), verdict=verdict))
if len(rows) > shown:
    st.button(ngettext("Show {n} more", "Show {n} more", PAGE_SIZE),
              on_click=lambda: st.session_state.update(minutes_shown=shown + PAGE_SIZE))
