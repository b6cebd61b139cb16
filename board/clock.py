"""Time as the board keeps it: UTC without a zone, and the day alone for anything anonymous (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from board.i18n import format_day, format_moment


def utcnow() -> datetime:
    """Now, in UTC, without a zone (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def day_only(moment: date) -> datetime:
    """The day of a date or time, at its midnight: the only time an anonymous suggestion, or what its author
    wrote, ever carries (stored so, shown as the day alone), so no time of day can point at the author."""
    return datetime.combine(moment, time())


def shown(moment: datetime, *, day_only: bool) -> str:
    """A stored time as the viewer reads it: in their time zone, the zone named, their language's month names
    ("02 Dec 2026 22:05 UTC+8"); the day alone ("02 Dec 2026") for anything anonymous, which carries no time of
    day (see day_only), and is its stored day in every zone (converting a day alone would invent a time)."""
    return format_day(moment) if day_only else format_moment(moment)
