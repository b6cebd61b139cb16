"""Showing suggestions: a list item, the whole suggestion, its history, its conversation, pages of a list.

Everything a person wrote (titles, notes, names, team names) goes through st.text only; labels, captions and
link labels hold fixed words, numbers and dates. Anything the anonymous author did shows its day alone."""

from __future__ import annotations

import datetime

import streamlit as st

from board.clock import shown as when
from board.feedback.workflow import KINDS, LEVEL_LABELS, LIKELIHOODS, OPEN, STATUS_LABELS
from board.web.ui import links

ANONYMOUS_AUTHOR = "Anonymous author"
CONVERSATION = ("reply", "comment", "author_reply")  # the messages of the thread; the rest is its history
EVENT_LABELS = {"submitted": "Raised", "status": "Status changed", "reply": "Replied", "comment": "Commented",
                "assigned": "Owner set", "due": "Due date set", "escalated": "Escalated",
                "author_reply": "The author replied", "duplicate_votes": "+1s moved", "discussed": "Discussed"}
WAITING_LABELS = {"author_reply": "Your reply", "escalated": "Your escalation to the region"}
VERBS = {"reply": "replied", "comment": "commented", "author_reply": "replied"}


def plus_ones(count: int) -> str:
    return "no +1s yet" if not count else f"{count} +1" + ("s" if count != 1 else "")


def owner_text(row: dict) -> str:
    return f"owner: {row['owner']}" if row["owner"] else "no owner yet"


def _anonymous(event: dict) -> bool:
    return event["actor"] == ANONYMOUS_AUTHOR


def _who(event: dict, author_id: int | None = None, *, yours: bool = False) -> str:
    """Who did it, as the viewer may see it: the named author marked as such; `yours` (the anonymous author
    reading through their code) calls their own events "You"."""
    if yours and _anonymous(event):
        return "You (anonymous)"
    if event["actor"] == "system":
        return "the board"
    if author_id is not None and event.get("actor_id") == author_id:
        return f"{event['actor']} (author)"
    return event["actor"]


def describe(event: dict) -> str:
    """What an event did, in words, without who or when ("New → Acknowledged", "Escalated from Team to Region")."""
    kind, before, after = event["kind"], event["from_value"], event["to_value"]
    if kind == "status":
        return f"{STATUS_LABELS.get(before, before)} → {STATUS_LABELS.get(after, after)}"
    if kind == "escalated":
        return f"Escalated from {LEVEL_LABELS.get(before, before)} to {LEVEL_LABELS.get(after, after)}"
    if kind == "assigned":
        return f"Owner set to {after}"
    if kind == "due" and after:
        return f"Due date set to {datetime.date.fromisoformat(after):%d %b %Y}"
    if kind in ("duplicate_votes", "discussed") and event["note"]:
        return event["note"]  # written by the board itself ("3 +1(s) moved to #12", "Discussed in the ...")
    return EVENT_LABELS.get(kind, "Updated")


def own_note(event: dict) -> str:
    """The note a person wrote with an event (a reply, a reason), not the board's own wording."""
    return "" if event["kind"] in ("duplicate_votes", "discussed") else (event["note"] or "")


def headline(event: dict) -> str:
    """Who did what, in a sentence for an inbox ("Ana Manager replied", "Ana Manager changed the status: New →
    Acknowledged")."""
    who, kind = _who(event), event["kind"]
    if kind in CONVERSATION:
        return f"{who} {VERBS[kind]}"
    if kind == "status":
        return f"{who} changed the status: {describe(event)}"
    return f"{describe(event)} (by {who})"


# --- a suggestion in a list -------------------------------------------------------------------

def summary(row: dict) -> None:
    """One suggestion of a list, narrow enough for a phone: its number as a link, title, status, +1s, day raised."""
    with st.container(border=True):
        links.suggestion(row["id"], label=f"#{row['id']}")
        st.text(row["title"])
        st.text(f"{STATUS_LABELS[row['status']]} · {plus_ones(row['votes'])} · raised {row['created_at']:%d %b %Y}")


# --- one suggestion ---------------------------------------------------------------------------

def card(row: dict) -> None:
    """The whole suggestion as plain text: number and title, what it is, who raised it, where it stands, its texts."""
    st.text(f"#{row['id']} · {row['title']}")
    st.text(f"{KINDS[row['kind']]} · {row['category']} · {LEVEL_LABELS[row['level']]} level")
    st.text(f"By {row['author']} · {row['team']}, {row['office']} · raised {row['created_at']:%d %b %Y}")
    st.text(f"Status: {STATUS_LABELS[row['status']]} · {owner_text(row)}"
            + (f" · due {row['due_date']:%d %b %Y}" if row["due_date"] else "") + f" · {plus_ones(row['votes'])}")
    if row.get("likelihood"):
        st.text(f"How real: {LIKELIHOODS[row['likelihood']]}")
    for name, label in (("description", "Description"), ("customer_impact", "Customer impact"),
                        ("proposed_solution", "Proposed solution")):
        if row.get(name):
            st.caption(label)
            st.text(row[name])
    if row.get("duplicate_of"):
        links.suggestion(row["duplicate_of"], label=f"Duplicate of #{row['duplicate_of']}: open the original")


def history(events: list[dict], *, yours: bool = False) -> None:
    """Where the suggestion went, in the order it happened: each step with when and by whom, and a person's
    note (a reason, an escalation note) whole beneath it."""
    st.subheader("History")
    for event in (e for e in events if e["kind"] not in CONVERSATION):
        moment = when(event["created_at"], day_only=_anonymous(event))
        st.text(f"{describe(event)}, {moment}, by {_who(event, yours=yours)}")
        if own_note(event):
            st.text(own_note(event))


def thread(events: list[dict], *, author_id: int | None = None, yours: bool = False) -> None:
    """The conversation in the order it was written: replies, comments and the author's replies, each whole,
    with who and when (the anonymous author's with the day alone)."""
    st.subheader("Conversation")
    messages = [e for e in events if e["kind"] in CONVERSATION]
    if not messages:
        st.text("No replies or comments yet.")
    for event in messages:
        with st.container(border=True):
            st.text(f"{_who(event, author_id, yours=yours)} {VERBS[event['kind']]} · "
                    f"{when(event['created_at'], day_only=_anonymous(event))}")
            st.text(event["note"])


def timeline(events: list[dict], *, author_id: int | None = None, yours: bool = False) -> None:
    """The history, then the conversation."""
    history(events, yours=yours)
    thread(events, author_id=author_id, yours=yours)


def minutes(meetings: list[dict]) -> None:
    """The minutes of the meetings that discussed the suggestion, as links."""
    if meetings:
        st.subheader("Discussed in meetings")
        for meeting in meetings:
            links.meeting(meeting["id"], meeting["meeting_date"])


def is_open(row: dict) -> bool:
    return row["status"] in OPEN


def waiting(items: list[dict]) -> None:
    """What the anonymous author wrote that waits for the next release, as text (day only)."""
    st.subheader("Waiting to be passed on")
    for item in items:
        with st.container(border=True):
            st.text(f"{WAITING_LABELS.get(item['kind'], 'Yours')} · written {item['written_on']:%d %b %Y}")
            if item["note"]:
                st.text(item["note"])
