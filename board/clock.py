"""Time as the board keeps it: UTC without a zone, and the day alone for anything anonymous (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def utcnow() -> datetime:
    """Now, in UTC, without a zone (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def day_only(moment: date) -> datetime:
    """The day of a date or time, at its midnight: the only time an anonymous suggestion, or what its author
    wrote, ever carries (stored so, shown as the day alone), so no time of day can point at the author."""
    return datetime.combine(moment, time())


def shown(moment: datetime, *, day_only: bool) -> str:
    """A time as people read it ("02 Dec 2026 14:05"); the day alone ("02 Dec 2026") for anything anonymous,
    which carries no time of day (see day_only)."""
    return f"{moment:%d %b %Y}" if day_only else f"{moment:%d %b %Y %H:%M}"
