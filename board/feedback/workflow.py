"""The suggestion workflow and working-day arithmetic (pure: no I/O)."""

from __future__ import annotations

from datetime import date, timedelta

KINDS = {"improvement": "Improvement", "anticipated_problem": "Anticipated problem"}
LIKELIHOODS = {"happening_now": "Happening now", "likely": "Likely", "possible": "Possible",
               "brainstormed": "Brainstormed"}
PATH = ("new", "acknowledged", "under_review", "planned", "in_progress", "implemented")
CLOSING = ("declined", "duplicate")
STATUSES = PATH + CLOSING
OPEN = PATH[:-1]
STATUS_LABELS = {s: s.replace("_", " ").capitalize() for s in STATUSES}
LEVELS = ("team", "office", "region", "leadership")
LEVEL_LABELS = {"team": "Team", "office": "Office", "region": "Region", "leadership": "Leadership"}


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
    if not allowed:
        return f"This suggestion is {STATUS_LABELS[status].lower()}: its status can no longer change."
    names = ", ".join(STATUS_LABELS[s].lower() for s in allowed)
    return f"From {STATUS_LABELS[status].lower()} it can go to: {names}."


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
    options = reachable(status)
    if not options:
        return f"This suggestion is {STATUS_LABELS[status].lower()}: its status can no longer change."
    return f"From {STATUS_LABELS[status].lower()} it can go to: {', '.join(STATUS_LABELS[s].lower() for s in options)}."


def escalation_target(level: str) -> str | None:
    """The next level up: team and office escalate to the region, the region to leadership."""
    return {"team": "region", "office": "region", "region": "leadership"}.get(level)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after start."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after start up to and including end (0 when end <= start)."""
    if end <= start:
        return 0
    full_weeks, extra = divmod((end - start).days, 7)
    count = full_weeks * 5
    for i in range(1, extra + 1):
        if (start + timedelta(days=i)).weekday() < 5:
            count += 1
    return count


def sla_cutoff(today: date, sla_days: int) -> date:
    """Suggestions created before this day and still new are overdue for acknowledgement."""
    current, days = today, sla_days
    while days > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
