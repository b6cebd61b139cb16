"""Showing suggestions: a list item, the whole suggestion, its history, its conversation, pages of a list.

Everything a person wrote (titles, notes, names, team names) goes through st.text only; labels, captions and
link labels hold fixed words, numbers and dates. Anything the anonymous author did shows its day alone."""

from __future__ import annotations

import datetime

import streamlit as st

from board import i18n
from board.clock import shown as when
from board.feedback.workflow import KINDS, LEVEL_LABELS, LIKELIHOODS, OPEN, STATUS_LABELS
from board.i18n import N_, _, category_name, format_day, label, language_of_text, ngettext
from board.web.ui import links

ANONYMOUS_AUTHOR = "Anonymous author"  # the actor name the store gives the anonymous author (a value, not shown as is)
CONVERSATION = ("reply", "comment", "author_reply")  # the messages of the thread; the rest is its history
EVENT_LABELS = {"submitted": N_("Raised"), "status": N_("Status changed"), "reply": N_("Replied"),
                "comment": N_("Commented"), "assigned": N_("Owner set"), "due": N_("Due date set"),
                "escalated": N_("Escalated"), "author_reply": N_("The author replied"),
                "duplicate_votes": N_("+1s moved"), "discussed": N_("Discussed")}
WAITING_LABELS = {"author_reply": N_("Your reply"), "escalated": N_("Your escalation to the region")}
# Who did what in the conversation, one sentence each ("Ana Manager replied").
VERBS = {"reply": N_("{who} replied"), "comment": N_("{who} commented"), "author_reply": N_("{who} replied")}
TEXTS = (("description", N_("Description")), ("customer_impact", N_("Customer impact")),
         ("proposed_solution", N_("Proposed solution")))


def plus_ones(count: int) -> str:
    return _("no +1s yet") if not count else ngettext("{n} +1", "{n} +1s", count)


def owner_text(row: dict) -> str:
    return _("owner: {owner}", owner=row["owner"]) if row["owner"] else _("no owner yet")


def raised(row: dict) -> str:
    """"raised 02 Dec 2026": the day a suggestion was raised."""
    return _("raised {day}", day=format_day(row["created_at"]))


def _anonymous(event: dict) -> bool:
    return event["actor"] == ANONYMOUS_AUTHOR


def _who(event: dict, author_id: int | None = None, *, yours: bool = False) -> str:
    """Who did it, as the viewer may see it: the named author marked as such; `yours` (the anonymous author
    reading through their code) calls their own events "You"."""
    if _anonymous(event):
        return _("You (anonymous)") if yours else _("Anonymous author")
    if event["actor"] == "system":
        return _("the board")
    if author_id is not None and event.get("actor_id") == author_id:
        return _("{name} (author)", name=event["actor"])
    return event["actor"]


def describe(event: dict) -> str:
    """What an event did, in words, without who or when ("New → Acknowledged", "Escalated from Team to Region")."""
    kind, before, after = event["kind"], event["from_value"], event["to_value"]
    if kind == "status":
        return f"{label(STATUS_LABELS, before)} → {label(STATUS_LABELS, after)}"
    if kind == "escalated":
        return _("Escalated from {before} to {after}", before=label(LEVEL_LABELS, before),
                 after=label(LEVEL_LABELS, after))
    if kind == "assigned":
        return _("Owner set to {owner}", owner=after)
    if kind == "due" and after:
        return _("Due date set to {day}", day=format_day(datetime.date.fromisoformat(after)))
    if kind in ("duplicate_votes", "discussed") and event["note"]:
        return event["note"]  # written by the board itself ("3 +1(s) moved to #12", "Discussed in the ...")
    return _(EVENT_LABELS[kind]) if kind in EVENT_LABELS else _("Updated")


def own_note(event: dict) -> str:
    """The note a person wrote with an event (a reply, a reason), not the board's own wording."""
    return "" if event["kind"] in ("duplicate_votes", "discussed") else (event["note"] or "")


def headline(event: dict) -> str:
    """Who did what, in a sentence for an inbox ("Ana Manager replied", "Ana Manager changed the status: New →
    Acknowledged")."""
    who, kind = _who(event), event["kind"]
    if kind in CONVERSATION:
        return _(VERBS[kind], who=who)
    if kind == "status":
        return _("{who} changed the status: {change}", who=who, change=describe(event))
    return _("{what} (by {who})", what=describe(event), who=who)


# --- a suggestion in a list -------------------------------------------------------------------

def summary(row: dict) -> None:
    """One suggestion of a list, narrow enough for a phone: its number as a link, title, status, +1s, day raised."""
    with st.container(border=True):
        links.suggestion(row["id"], label=f"#{row['id']}")
        st.text(row["title"])
        st.text(f"{_(STATUS_LABELS[row['status']])} · {plus_ones(row['votes'])} · {raised(row)}")


# --- one suggestion ---------------------------------------------------------------------------

def written_in(row: dict) -> str:
    """"Written in Spanish" when the suggestion's text is in another language than the page's (the pseudo-locale
    reads as English); empty otherwise, and for a suggestion whose language nobody gave."""
    language = str(row.get("language") or "")
    viewer = i18n.SOURCE if i18n.current() == i18n.PSEUDO else i18n.current()
    if not language or language.replace("-", "_").split("_")[0].lower() == viewer.split("_")[0]:
        return ""
    return _("Written in {language}", language=language_of_text(language))


def card(row: dict) -> None:
    """The whole suggestion as plain text: number and title, what it is, who raised it, where it stands, its texts."""
    st.text(f"#{row['id']} · {row['title']}")
    st.text(f"{_(KINDS[row['kind']])} · {category_name(row['category'])} · "
            + _("{level} level", level=_(LEVEL_LABELS[row['level']])))
    st.text(_("By {author}", author=row["author"]) + f" · {row['team']}, {row['office']} · {raised(row)}")
    st.text(_("Status: {status}", status=_(STATUS_LABELS[row["status"]])) + f" · {owner_text(row)}"
            + (" · " + _("due {day}", day=format_day(row["due_date"])) if row["due_date"] else "")
            + f" · {plus_ones(row['votes'])}")
    if row.get("likelihood"):
        st.text(_("How real: {likelihood}", likelihood=_(LIKELIHOODS[row["likelihood"]])))
    if language := written_in(row):
        st.caption(language)
    for name, caption in TEXTS:
        if row.get(name):
            st.caption(_(caption))
            st.text(row[name])
    if row.get("duplicate_of"):
        links.suggestion(row["duplicate_of"],
                         label=_("Duplicate of #{number}: open the original", number=row["duplicate_of"]))


def history(events: list[dict], *, yours: bool = False) -> None:
    """Where the suggestion went, in the order it happened: each step with when and by whom, and a person's
    note (a reason, an escalation note) whole beneath it."""
    st.subheader(_("History"))
    for event in (e for e in events if e["kind"] not in CONVERSATION):
        moment = when(event["created_at"], day_only=_anonymous(event))
        st.text(_("{what}, {when}, by {who}", what=describe(event), when=moment, who=_who(event, yours=yours)))
        if own_note(event):
            st.text(own_note(event))


def thread(events: list[dict], *, author_id: int | None = None, yours: bool = False) -> None:
    """The conversation in the order it was written: replies, comments and the author's replies, each whole,
    with who and when (the anonymous author's with the day alone)."""
    st.subheader(_("Conversation"))
    messages = [e for e in events if e["kind"] in CONVERSATION]
    if not messages:
        st.text(_("No replies or comments yet."))
    for event in messages:
        with st.container(border=True):
            st.text(f"{_(VERBS[event['kind']], who=_who(event, author_id, yours=yours))} · "
                    f"{when(event['created_at'], day_only=_anonymous(event))}")
            st.text(event["note"])


def timeline(events: list[dict], *, author_id: int | None = None, yours: bool = False) -> None:
    """The history, then the conversation."""
    history(events, yours=yours)
    thread(events, author_id=author_id, yours=yours)


def minutes(meetings: list[dict]) -> None:
    """The minutes of the meetings that discussed the suggestion, as links."""
    if meetings:
        st.subheader(_("Discussed in meetings"))
        for meeting in meetings:
            links.meeting(meeting["id"], meeting["meeting_date"])


def is_open(row: dict) -> bool:
    return row["status"] in OPEN


def waiting(items: list[dict]) -> None:
    """What the anonymous author wrote that waits for the next release, as text (day only)."""
    st.subheader(_("Waiting to be passed on"))
    for item in items:
        with st.container(border=True):
            what = _(WAITING_LABELS[item["kind"]]) if item["kind"] in WAITING_LABELS else _("Yours")
            st.text(f"{what} · " + _("written {day}", day=format_day(item["written_on"])))
            if item["note"]:
                st.text(item["note"])
