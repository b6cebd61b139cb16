"""Rendering a suggestion and its timeline. All user-written text goes through st.text or a table cell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from board.clock import shown as when
from board.feedback.workflow import KINDS, LEVEL_LABELS, LIKELIHOODS, STATUS_LABELS
from board.web.ui import tables

EVENT_LABELS = {"submitted": "submitted", "status": "status changed", "reply": "replied", "comment": "commented",
                "assigned": "owner set", "due": "due date set", "escalated": "escalated",
                "author_reply": "author replied", "duplicate_votes": "+1s moved", "discussed": "discussed in a meeting"}


def card(row: dict) -> None:
    """The suggestion's fields, as plain text."""
    st.text(f"#{row['id']} · {row['title']}")
    st.text(f"{KINDS[row['kind']]} · {row['category']} · status: {STATUS_LABELS[row['status']]}"
            f" · level: {LEVEL_LABELS[row['level']]} · {row['votes']} +1")
    st.text(f"By {row['author']} · {row['team']}, {row['office']} · raised {row['created_at']:%d %b %Y}"
            f" · owner: {row['owner'] or 'not yet named'}"
            + (f" · due {row['due_date']:%d %b %Y}" if row["due_date"] else ""))
    if row.get("likelihood"):
        st.text(f"How real: {LIKELIHOODS[row['likelihood']]}")
    for name, label in (("description", "Description"), ("customer_impact", "Customer impact"),
                        ("proposed_solution", "Proposed solution")):
        if row.get(name):
            st.caption(label)
            st.text(row[name])
    if row.get("duplicate_of"):
        st.text(f"Duplicate of #{row['duplicate_of']}")


def timeline(events: list[dict]) -> None:
    """Every event, oldest first, in a table (plain text cells); the anonymous author's events show their day."""
    st.caption("History")
    tables.table(pd.DataFrame([{
        "when": when(e["created_at"], day_only=e["actor"] == "Anonymous author"), "who": e["actor"],
        "what": EVENT_LABELS.get(e["kind"], e["kind"]), "change": change_text(e), "note": e["note"]}
        for e in events]), hide_index=True)


def change_text(event: dict) -> str:
    if event["kind"] in ("status", "submitted"):
        return " -> ".join(STATUS_LABELS.get(v, v) for v in (event["from_value"], event["to_value"]) if v)
    if event["kind"] == "escalated":
        return f"{LEVEL_LABELS.get(event['from_value'], '')} -> {LEVEL_LABELS.get(event['to_value'], '')}"
    return event["to_value"] or ""


def summary_table(rows: list[dict], extra: tuple[str, ...] = ()) -> None:
    """A list of suggestions as a table."""
    columns = ["id", "title", "status", "category", "kind", "author", "team", "votes", "created_at", *extra]
    frame = pd.DataFrame(rows, columns=columns)
    frame["created_at"] = [when(r["created_at"], day_only=r["anonymous"]) for r in rows]
    frame["status"] = frame["status"].map(STATUS_LABELS)
    frame["kind"] = frame["kind"].map(KINDS)
    tables.table(frame, hide_index=True)
