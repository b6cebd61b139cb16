"""The suggestion workflow, and Monday-to-Friday working-day arithmetic for what has no office (pure: no I/O)."""

from __future__ import annotations

from datetime import date

from board.i18n import N_, _
from board.org.calendar import OfficeCalendar

KINDS = {"improvement": N_("Improvement"), "anticipated_problem": N_("Anticipated problem")}
LIKELIHOODS = {"happening_now": N_("Happening now"), "likely": N_("Likely"), "possible": N_("Possible"),
               "brainstormed": N_("Brainstormed")}
PATH = ("new", "acknowledged", "under_review", "planned", "in_progress", "implemented")
CLOSING = ("declined", "duplicate")
STATUSES = PATH + CLOSING
OPEN = PATH[:-1]
STATUS_LABELS = {"new": N_("New"), "acknowledged": N_("Acknowledged"), "under_review": N_("Under review"),
                 "planned": N_("Planned"), "in_progress": N_("In progress"), "implemented": N_("Implemented"),
                 "declined": N_("Declined"), "duplicate": N_("Duplicate")}
LEVELS = ("team", "office", "region", "leadership")
LEVEL_LABELS = {"team": N_("Team"), "office": N_("Office"), "region": N_("Region"), "leadership": N_("Leadership")}


def allowed_transitions(status: str) -> tuple[str, ...]:
    """Where a suggestion may go from a status: the next step, or declined / duplicate while open."""
    if status not in OPEN:
        return ()
    return (PATH[PATH.index(status) + 1],) + CLOSING


def transition_error(status: str, to: str) -> str | None:
    """Why status -> to is not allowed (naming what is), or None."""
    allowed = allowed_transitions(status)
    if to in allowed:
        return None
    return _unreachable(status, allowed)


def _status_word(status: str) -> str:
    """A status as a word inside a sentence ("under review")."""
    return _(STATUS_LABELS[status]).lower()


def _unreachable(status: str, options: tuple[str, ...]) -> str:
    """Why a status cannot change as asked: where it can go (`options`), or that it cannot change at all."""
    if not options:
        return _("This suggestion is {status}: its status can no longer change.", status=_status_word(status))
    return _("From {status} it can go to: {statuses}.", status=_status_word(status),
             statuses=", ".join(_status_word(s) for s in options))


def path_to(status: str, target: str) -> tuple[str, ...] | None:
    """The statuses a suggestion passes through from `status` to `target` along allowed transitions, the target
    last (shortest first, breadth-first); () when it is already there, None when the target cannot be reached."""
    if status == target:
        return ()
    paths: dict[str, tuple[str, ...]] = {status: ()}
    frontier = [status]
    while frontier:
        following = []
        for current in frontier:
            for step in allowed_transitions(current):
                if step not in paths:
                    paths[step] = (*paths[current], step)
                    following.append(step)
        frontier = following
    return paths.get(target)


def reachable(status: str) -> tuple[str, ...]:
    """Every status a suggestion can still reach from `status`, in workflow order (STATUSES)."""
    return tuple(s for s in STATUSES if s != status and path_to(status, s) is not None)


def path_error(status: str, target: str) -> str | None:
    """Why `target` cannot be reached from `status` (naming what can), or None."""
    if path_to(status, target) is not None:
        return None
    return _unreachable(status, reachable(status))


def escalation_target(level: str) -> str | None:
    """The next level up: team and office escalate to the region, the region to leadership."""
    return {"team": "region", "office": "region", "region": "leadership"}.get(level)


# Monday to Friday, without holidays: an office's own calendar (board.org.calendar) holds the rules.
_WEEKDAYS = OfficeCalendar()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after start (OfficeCalendar.add_working_days)."""
    return _WEEKDAYS.add_working_days(start, days)


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after start up to and including end (0 when end <= start)."""
    return _WEEKDAYS.working_days_between(start, end)


def sla_cutoff(today: date, sla_days: int) -> date:
    """Suggestions created before this day and still new are overdue for acknowledgement (Monday to Friday)."""
    return _WEEKDAYS.sla_cutoff(today, sla_days)
