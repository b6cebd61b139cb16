"""Roles, the person making a request, which pages each role may open, and who sees what (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from board.errors import NotAllowed
from board.i18n import N_, _

# The line roles in increasing reach, then the admin: a system role beside them, not above them. It manages people,
# roles, settings and imports, and otherwise reads and acts as staff of its own team (no pulse results, no
# dashboards, no other office's suggestions or minutes: see SCOPES). Whole-database backups are the server
# operator's, on the command line.
ROLES = ("staff", "manager", "regional_manager", "leader", "admin")
ROLE_LABELS = {
    "staff": N_("Staff"),
    "manager": N_("Manager"),
    "regional_manager": N_("Regional manager"),
    "leader": N_("Leader"),
    "admin": N_("Admin"),
}

EVERYONE = frozenset(ROLES)
MANAGERS_UP = frozenset({"manager", "regional_manager", "leader"})
ADMINS = frozenset({"admin"})

# page key -> roles allowed to open it. The router registers only these pages.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "home": EVERYONE,
    "raise": EVERYONE,
    "my_suggestions": EVERYONE,
    "inbox": EVERYONE,
    "browse": EVERYONE,
    "suggestion": EVERYONE,  # one suggestion at /suggestion?id=N (its scope is checked when it is read)
    "follow": EVERYONE,
    "triage": MANAGERS_UP,
    "dashboard": MANAGERS_UP,
    "pulse": EVERYONE,
    "minutes": EVERYONE,
    "my_actions": EVERYONE,
    "action": EVERYONE,  # one action item at /action?id=N (its scope is checked when it is read)
    "playbook": EVERYONE,
    "account": EVERYONE,
    "review": frozenset({"regional_manager"}),
    "overview": frozenset({"regional_manager", "leader"}),
    "people": MANAGERS_UP | ADMINS,
    "admin_people": ADMINS,
    "admin_roster": ADMINS,
    "admin_settings": ADMINS,
    "admin_outbox": ADMINS,
}


@dataclass(frozen=True, kw_only=True)
class Person:
    """A signed-in person as read from the roster on this request."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    team_id: int
    team: str
    office_id: int
    office: str
    region_id: int
    region: str
    locale: str | None = None  # their own choice of language (None: their browser's, else the organisation's)

    @property
    def role_label(self) -> str:
        """The role in words, in the current language."""
        return _(ROLE_LABELS[self.role])


def role_and_place(you: Person) -> str:
    """The person's role and place in words: a regional manager or leader is not a member of the team they are
    filed under in the roster."""
    team, office, region = you.team, you.office, you.region
    if you.role == "staff":
        return _("Staff in {team}, {office} ({region}).", team=team, office=office, region=region)
    if you.role == "manager":
        return _("Manager of {team}, {office} ({region}).", team=team, office=office, region=region)
    if you.role == "regional_manager":
        return _("Regional manager for {region}.", region=region)
    if you.role == "leader":
        return _("Leader of the whole organisation.")
    if you.role == "admin":
        return _("Admin. Your own suggestions and pulse answers count with {team}, {office} ({region}).",
                 team=team, office=office, region=region)
    raise KeyError(you.role)


def can_open(role: str, page: str) -> bool:
    """Whether a role may open a page."""
    return role in PAGE_ROLES.get(page, frozenset())


def require(person: Person | None, page: str) -> Person:
    """The person, if they may open the page; otherwise NotAllowed."""
    if person is None or not person.active or not can_open(person.role, page):
        raise NotAllowed()
    return person


# --- who sees what: one table, read by `where` (SQL) and `in_scope` (Python) -------------------------------------

# rule -> role -> the part of the organisation the role reaches under that rule, around the person's own unit:
# one of REACHES: "all", "region", "office", "team", "team_or_office" (their team's rows and their office's rows
# that belong to no team), or None: nothing (`where` refuses with NotAllowed; `in_scope` says no).
REACHES = ("all", "region", "office", "team", "team_or_office")
SCOPES: dict[str, dict[str, str | None]] = {
    # browse, open, +1 and comment on suggestions (suggestions.py) and open them from the playbook
    "read_suggestions": {"staff": "office", "manager": "office", "regional_manager": "region", "leader": "all",
                         "admin": "office"},
    # triage actions on one suggestion (triage.py): change status, assign, due date, reply, escalate
    "act_on_suggestion": {"staff": None, "manager": "team_or_office", "regional_manager": "region",
                          "leader": "all", "admin": None},
    # the triage queue: what the role may act on, at the levels it answers (triage.QUEUE_LEVELS)
    "triage_queue": {"staff": None, "manager": "team_or_office", "regional_manager": "region", "leader": "all",
                     "admin": None},
    # published minutes (minutes.py) and opening them from the playbook
    "read_minutes": {"staff": "team_or_office", "manager": "team_or_office", "regional_manager": "region",
                     "leader": "all", "admin": "team_or_office"},
    # the regional review of minutes (review.py)
    "review_minutes": {"staff": None, "manager": None, "regional_manager": "region", "leader": None,
                       "admin": None},
    # the open actions of a manager's unit (actions.team_open)
    "team_actions": {"staff": None, "manager": "team", "regional_manager": "region", "leader": "all",
                     "admin": None},
    # dashboards: suggestions, minutes and the units to filter by (dashboard.py)
    "dashboard": {"staff": None, "manager": "team", "regional_manager": "region", "leader": "all", "admin": None},
    # pulse results (reports.Morale): staff get none; an admin is refused them outright (morale.rollup.Units.reached)
    "pulse_results": {"staff": None, "manager": "team", "regional_manager": "region", "leader": "all",
                      "admin": None},
    # the office overview of minutes (reports.minutes_overview)
    "office_overview": {"staff": None, "manager": None, "regional_manager": "region", "leader": "all",
                        "admin": None},
    # people, teams and offices (people.list_people, reports.teams_without_manager and offices_in_scope): admins
    # get the whole roster because they manage it; never the scope of anything else
    "roster": {"staff": None, "manager": "team", "regional_manager": "region", "leader": "all", "admin": "all"},
}

# (alias, unit) -> the column holding that unit's id, for each alias `where` writes conditions on: suggestions s,
# meetings m, teams t joined to their offices o (teams have no region column), offices o (no team).
UNIT_COLUMNS = {
    ("s", "region"): "s.region_id", ("s", "office"): "s.office_id", ("s", "team"): "s.team_id",
    ("m", "region"): "m.region_id", ("m", "office"): "m.office_id", ("m", "team"): "m.team_id",
    ("t", "region"): "o.region_id", ("t", "office"): "t.office_id", ("t", "team"): "t.id",
    ("o", "region"): "o.region_id", ("o", "office"): "o.id",
    ("c", "region"): "c.region_id", ("c", "office"): "c.office_id", ("c", "team"): "c.team_id",  # summaries
    ("a", "region"): "a.region_id", ("a", "office"): "a.office_id",  # each office's times to acknowledgement
}


def scope(viewer: Person, rule: str) -> str | None:
    """The viewer's reach under a rule (SCOPES); None for nothing, and for a role the table does not know."""
    return SCOPES[rule].get(viewer.role)


def where(viewer: Person, rule: str, alias: str = "s", *, refuse: bool = True) -> tuple[str, tuple]:
    """The rows a viewer reaches under a rule, as an SQL condition on an alias of UNIT_COLUMNS and its
    parameters. Nothing reached: NotAllowed (nothing read), or with refuse=False a condition no row meets."""
    reach = scope(viewer, rule)
    if reach is None:
        if refuse:
            raise NotAllowed()
        return "FALSE", ()
    if reach == "all":
        return "TRUE", ()
    if reach == "region":
        return f"{UNIT_COLUMNS[alias, 'region']} = ?", (viewer.region_id,)
    if reach == "office":
        return f"{UNIT_COLUMNS[alias, 'office']} = ?", (viewer.office_id,)
    if reach == "team":
        return f"{UNIT_COLUMNS[alias, 'team']} = ?", (viewer.team_id,)
    if reach == "team_or_office":
        return (f"({UNIT_COLUMNS[alias, 'team']} = ? OR ({UNIT_COLUMNS[alias, 'team']} IS NULL"
                f" AND {UNIT_COLUMNS[alias, 'office']} = ?))", (viewer.team_id, viewer.office_id))
    raise ValueError(reach)


def in_scope(viewer: Person, rule: str, row: Mapping) -> bool:
    """Whether a row (with region_id, office_id and team_id) is within the viewer's reach under a rule: `where`
    in Python, for rows already in memory. Given numpy arrays of ids (-1 for none), an array of answers, one per
    group (morale.rollup.Units), except under "team_or_office", which compares with None."""
    reach = scope(viewer, rule)
    if reach is None:
        return False
    if reach == "all":
        return True
    if reach == "region":
        return row["region_id"] == viewer.region_id
    if reach == "office":
        return row["office_id"] == viewer.office_id
    if reach == "team":
        return row["team_id"] == viewer.team_id
    if reach == "team_or_office":
        return row["team_id"] == viewer.team_id or (row["team_id"] is None and row["office_id"] == viewer.office_id)
    raise ValueError(reach)
