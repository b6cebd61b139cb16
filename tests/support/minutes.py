"""Minutes documents as the editor sends them, and the draft and publish calls the pages make."""

from __future__ import annotations

from board.meetings import minutes
from board.org import settings
from tests.support.pages import local_today

TODAY = local_today()  # the known people's office's day, as their pages count from it


def item(discussed="Refund approvals take ten days.", solution="", kind="real_problem", category="policy",
         acts=(), links=()):
    return {**minutes.empty_item(), "kind": kind, "category": category, "discussed": discussed,
            "solution": solution, "actions": list(acts), "suggestion_ids": list(links)}


def action(owner, due=TODAY, description="Ask finance for the refund numbers"):
    return {**minutes.empty_action(None), "description": description, "owner_id": owner.id,
            "due_date": due.isoformat()}


def document(chair, *items, day=TODAY, attendees=()):
    return {"meeting_date": day.isoformat() if day else None, "chair_id": chair.id,
            "attendee_ids": [p.id for p in attendees], "items": list(items) or [item()]}


def draft(store, author, office_id=None):
    team_id = author.team_id if author.role == "manager" else None
    return minutes.start_draft(store, author, team_id=team_id, office_id=office_id or author.office_id, today=TODAY)


def publish(store, author, meeting_id, doc, how=minutes.publish):
    return how(store, author, meeting_id, doc, today=TODAY, categories=settings.load(store).categories)
