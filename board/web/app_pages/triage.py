"""Triage: the queue of what a manager, regional manager or leader answers, what needs attention first, filtered
and paged; "Answer" opens the one triage form in place (also at /triage?id=N), each number opens the suggestion."""

import datetime

import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import OPEN, STATUS_LABELS, STATUSES
from board.org import settings
from board.web.ui import forms, links, paging, session, triage_form
from board.web.ui.suggestion import plus_ones

PER_PAGE = 25
STATUS_CHOICES = {"open": "Open ones", **{s: STATUS_LABELS[s] for s in STATUSES}, "any": "Any status"}
NOBODY = -1  # the owner filter's "No owner yet"

person = session.page_person("triage")
db = session.store()
today = datetime.date.today()
config = settings.load(db)
st.title("Triage")
st.caption({"manager": "Your team's suggestions and those routed to your whole office.",
            "regional_manager": "Suggestions escalated to your region (and from there to leadership).",
            "leader": "Suggestions escalated to leadership."}[person.role])
counts = triage.queue_counts(db, person, today=today, sla_days=config.ack_sla_days)
st.text(f"{counts['open']} open in your queue, {counts['overdue']} overdue. Overdue ones come first, then new ones.")


def answer(suggestion_id: int | None) -> None:
    if suggestion_id is None:
        st.query_params.pop("id", None)
    else:
        st.query_params["id"] = str(suggestion_id)


def due_words(row: dict) -> str:
    if row["due_date"] and row["due_date"] < today and row["status"] in OPEN:
        return f"overdue: was due {row['due_date']:%d %b %Y}"
    if row["overdue"]:
        return f"overdue: not acknowledged within {config.ack_sla_days} working days"
    return f"due {row['due_date']:%d %b %Y}" if row["due_date"] else "no due date"


def item(row: dict, chosen: int | None) -> None:
    """One suggestion of the queue, narrow enough for a phone; the form opens inside it."""
    with st.container(border=True):
        links.suggestion(row["id"], label=f"#{row['id']}" + (" · overdue" if row["overdue"] else ""))
        st.text(row["title"])
        st.text(f"{STATUS_LABELS[row['status']]} · {plus_ones(row['votes'])} · raised {row['created_at']:%d %b %Y}"
                f" · {row['category']}")
        st.text(f"Owner: {row['owner'] or 'no owner'} · {due_words(row)}")
        if row["id"] == chosen:
            st.button("Close", key=f"close_{row['id']}", on_click=answer, args=(None,))
            triage_form.render(db, person, row, today=today)
        else:
            st.button("Answer", key=f"answer_{row['id']}", on_click=answer, args=(row["id"],))


with st.expander("Filter and sort", expanded=False):
    left, right = st.columns(2)
    status = left.selectbox("Status", list(STATUS_CHOICES), format_func=lambda s: STATUS_CHOICES[s],
                          key="triage_status")
    category = right.selectbox("Category", [None, *config.categories], format_func=lambda c: c or "Any",
                               key="triage_category")
    owners = {NOBODY: "No owner yet", **{o["id"]: o["name"] for o in triage.queue_owners(db, person)}}
    owner = left.selectbox("Owner", [None, *owners], format_func=lambda o: "Anyone" if o is None else owners[o],
                           key="triage_owner")
    sorts = {"age": "Oldest first", "votes": "Most +1s", "category": "Category"}
    sort = right.selectbox("Then sort by", list(sorts), key="triage_sort", format_func=lambda s: sorts[s]) or "age"
    overdue_only = st.toggle("Overdue only", key="triage_overdue")
filters = {"include_closed": status == "any", "status": None if status in ("open", "any") else status,
           "category": category, "overdue_only": overdue_only, "unassigned": owner == NOBODY,
           "owner_id": None if owner in (None, NOBODY) else owner}
page = paging.current("triage_queue", (tuple(filters.items()), sort))
total = triage.queue_total(db, person, today=today, sla_days=config.ack_sla_days, **filters)
pages = max(1, -(-total // PER_PAGE))
rows = triage.queue(db, person, sort=sort, today=today, sla_days=config.ack_sla_days, **filters,
                    limit=PER_PAGE, offset=(min(page, pages) - 1) * PER_PAGE)

chosen = links.requested_id()
if chosen is not None and chosen not in [r["id"] for r in rows]:  # a link to one not on this page: answer it here
    focus: int = chosen
    with st.container(border=True):
        focused = forms.attempt(lambda: suggestions.get(db, person, focus))
        if not focused:  # not one the viewer may see: the message stays, the link goes
            st.query_params.pop("id", None)
        else:
            links.suggestion(focus, label=f"#{focus}")
            st.text(focused.value["title"])
            st.text(f"{STATUS_LABELS[focused.value['status']]} · {plus_ones(focused.value['votes'])}")
            st.button("Close", key="close_focused", on_click=answer, args=(None,))
            triage_form.render(db, person, focused.value, today=today)

st.text(f"{total} match · page {min(page, pages)} of {pages}" if total else "Nothing matches: try other filters.")
for row in rows:
    item(row, chosen)
paging.controls("triage_queue", total, per_page=PER_PAGE, noun="suggestions")
