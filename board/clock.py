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
    """A time as the board shows it: the day alone for anything anonymous (see day_only), else to the minute."""
    return f"{moment:%Y-%m-%d}" if day_only else f"{moment:%Y-%m-%d %H:%M}"
