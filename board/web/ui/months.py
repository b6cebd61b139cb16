"""Calendar months for monthly views (pure, no I/O): the last n months up to today's, and how each is labelled."""

from __future__ import annotations

from datetime import date

from board.i18n import _, format_date


def months_back(today: date, n: int) -> list[date]:
    """The first days of the n calendar months ending with today's month, oldest first: every month once,
    whatever the months' lengths (2026-12-02, 3 -> 2026-10-01, 2026-11-01, 2026-12-01)."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - n + 1, index + 1)]


def month_label(month: date, today: date) -> str:
    """A month as people read it: "Nov 2026"; today's month, which is not over yet, as "Dec 2026 (so far)"."""
    label = format_date(month, "MMM y")
    return _("{month} (so far)", month=label) if (month.year, month.month) == (today.year, today.month) else label
