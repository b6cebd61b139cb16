"""Suggestions made through the real service, for tests that need one: a valid draft, a named submission, an
anonymous one already released (as everyone sees it from the morning after)."""

from __future__ import annotations

from datetime import timedelta

from board.feedback import release
from board.feedback import suggestions as sg
from board.feedback.suggestions import Draft
from board.org import settings
from board.org.accounts import utcnow

CATEGORIES = settings.DEFAULT_CATEGORIES


def draft(**changes) -> Draft:
    values = {"kind": "improvement", "category": "policy", "title": "Refunds under 20 dollars take ten days",
              "description": "Customers call back three times while a small refund waits for approval."}
    return Draft(**{**values, **changes})


def submit(store, person, key="k", *, now=None, **changes) -> sg.Receipt:
    return sg.submit(store, person, draft(**changes), categories=CATEGORIES, submission_key=key, now=now)


def submit_released(store, person, key="k", *, replies: tuple[str, ...] = (), **changes) -> sg.Receipt:
    """An anonymous suggestion (and its author's replies) written yesterday and released today, as everyone
    sees it from this morning; the receipt gets the id it was released under."""
    yesterday = utcnow() - timedelta(days=1)
    receipt = sg.submit(store, person, draft(anonymous=True, **changes), categories=CATEGORIES,
                        submission_key=key, now=yesterday)
    for text in replies:
        sg.author_reply(store, person, receipt.code, text, now=yesterday)
    release.release_anonymous(store, utcnow().date())
    with store.read() as con:
        receipt.id = con.scalar("SELECT id FROM suggestions WHERE submission_key = ?", (key,))
    return receipt
