"""Triage: the queue of what a manager, regional manager or leader answers, what needs attention first, filtered
and paged; "Answer" opens the one triage form in place (also at /triage?id=N), each number opens the suggestion."""

from datetime import date

import streamlit as st

from board.clock import shown, utcnow
from board.feedback import suggestions, triage
from board.feedback.workflow import OPEN, STATUS_LABELS, STATUSES
from board.i18n import N_, _, category_name, format_day, ngettext
from board.org import calendar, settings
from board.web.ui import forms, links, paging, session, triage_form
from board.web.ui.choose import select_or_none
from board.web.ui.suggestion import plus_ones

PER_PAGE = 25
STATUS_CHOICES = {"open": N_("Open ones"), **{s: STATUS_LABELS[s] for s in STATUSES}, "any": N_("Any status")}
QUEUES = {"manager": N_("Your team's suggestions and those routed to your whole office."),
          "regional_manager": N_("Suggestions escalated to your region (and from there to leadership)."),
          "leader": N_("Suggestions escalated to leadership.")}
SORTS = {"age": N_("Oldest first"), "votes": N_("Most +1s"), "category": N_("Category")}
NOBODY = -1  # the owner filter's "No owner yet"

person = session.page_person("triage")
db = session.store()
now, calendars = utcnow(), calendar.load(db)  # overdue and due dates follow each office's calendar
config = settings.load(db)
st.title(_("Triage"))
st.caption(_(QUEUES[person.role]))
counts = triage.queue_counts(db, person, now=now, sla_days=config.ack_sla_days)
st.text(_("{open} open in your queue, {overdue} overdue. Overdue ones come first, then new ones.",
          open=counts["open"], overdue=counts["overdue"]))


def answer(suggestion_id: int | None) -> None:
    if suggestion_id is None:
        st.query_params.pop("id", None)
    else:
        st.query_params["id"] = str(suggestion_id)


def local_today(row: dict) -> date:
    """The local day of the suggestion's office."""
    return calendars.of(row["office_id"]).today(now)


def due_words(row: dict) -> str:
    if row["due_date"] and row["due_date"] < local_today(row) and row["status"] in OPEN:
        return _("overdue: was due {day}", day=format_day(row["due_date"]))
    if row["overdue"]:
        return ngettext("overdue: not acknowledged within {n} working day",
                        "overdue: not acknowledged within {n} working days", config.ack_sla_days)
    return _("due {day}", day=format_day(row["due_date"])) if row["due_date"] else _("no due date")


def item(row: dict, chosen: int | None) -> None:
    """One suggestion of the queue, narrow enough for a phone; the form opens inside it."""
    with st.container(border=True):
        links.suggestion(row["id"], label=_("#{number} · overdue", number=row["id"]) if row["overdue"]
                         else f"#{row['id']}")
        st.text(row["title"])
        st.text(f"{_(STATUS_LABELS[row['status']])} · {plus_ones(row['votes'])} · "
                + _("raised {day}", day=shown(row["created_at"], day_only=True))
                + f" · {category_name(row['category'])}")
        st.text(_("Owner: {owner}", owner=row["owner"] or _("no owner")) + f" · {due_words(row)}")
        if row["id"] == chosen:
            st.button(_("Close"), key=f"close_{row['id']}", on_click=answer, args=(None,))
            triage_form.render(db, person, row, today=local_today(row))
        else:
            st.button(_("Answer"), key=f"answer_{row['id']}", on_click=answer, args=(row["id"],))


with st.expander(_("Filter and sort"), expanded=False):
    left, right = st.columns(2)
    status = left.selectbox(_("Status"), list(STATUS_CHOICES), format_func=lambda s: _(STATUS_CHOICES[s]),
                            key="triage_status")
    category = select_or_none(right, _("Category"), config.categories, none=_("Any"), format_func=category_name,
                              key="triage_category")
    owners = {o["id"]: o["name"] for o in triage.queue_owners(db, person)}
    owner = select_or_none(left, _("Owner"), [NOBODY, *owners], none=_("Anyone"), key="triage_owner",
                           format_func=lambda o: _("No owner yet") if o == NOBODY else owners[o])
    sort = right.selectbox(_("Then sort by"), list(SORTS), key="triage_sort",
                           format_func=lambda s: _(SORTS[s])) or "age"
    overdue_only = st.toggle(_("Overdue only"), key="triage_overdue")
filters = {"include_closed": status == "any", "status": None if status in ("open", "any") else status,
           "category": category, "overdue_only": overdue_only, "unassigned": owner == NOBODY,
           "owner_id": None if owner in (None, NOBODY) else owner}
page = paging.current("triage_queue", (tuple(filters.items()), sort))
total = triage.queue_total(db, person, now=now, sla_days=config.ack_sla_days, **filters)
pages = max(1, -(-total // PER_PAGE))
rows = triage.queue(db, person, sort=sort, now=now, sla_days=config.ack_sla_days, **filters,
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
            st.text(f"{_(STATUS_LABELS[focused.value['status']])} · {plus_ones(focused.value['votes'])}")
            st.button(_("Close"), key="close_focused", on_click=answer, args=(None,))
            triage_form.render(db, person, focused.value, today=local_today(focused.value))

st.text(ngettext("{n} match · page {page} of {pages}", "{n} match · page {page} of {pages}", total,
                 page=min(page, pages), pages=pages) if total else _("Nothing matches: try other filters."))
for row in rows:
    item(row, chosen)
paging.controls("triage_queue", total, per_page=PER_PAGE, noun="suggestions")
