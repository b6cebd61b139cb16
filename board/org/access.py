"""Roles, the person making a request, and which pages each role may open (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from board.errors import NotAllowed

ROLES = ("staff", "manager", "regional_manager", "leader", "admin")
ROLE_LABELS = {
    "staff": "Staff",
    "manager": "Manager",
    "regional_manager": "Regional manager",
    "leader": "Leader",
    "admin": "Admin",
}
# Line roles in increasing reach; admin is a system role beside them, not above them: it manages people, roles,
# settings and imports, and otherwise reads and acts as staff of its own team (no pulse results, no dashboards,
# no other office's suggestions or minutes). Whole-database backups are the server operator's, on the command line.
LINE_RANK = {"staff": 0, "manager": 1, "regional_manager": 2, "leader": 3}

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
    "follow": EVERYONE,
    "triage": MANAGERS_UP,
    "dashboard": MANAGERS_UP,
    "pulse": EVERYONE,
    "minutes": EVERYONE,
    "my_actions": EVERYONE,
    "playbook": EVERYONE,
    "account": EVERYONE,
    "review": frozenset({"regional_manager"}),
    "overview": frozenset({"regional_manager", "leader"}),
    "people": MANAGERS_UP | ADMINS,
    "admin_people": ADMINS,
    "admin_roster": ADMINS,
    "admin_settings": ADMINS,
}


@dataclass(frozen=True)
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

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def can_open(role: str, page: str) -> bool:
    """Whether a role may open a page."""
    return role in PAGE_ROLES.get(page, frozenset())


def require(person: Person | None, page: str) -> Person:
    """The person, if they may open the page; otherwise NotAllowed."""
    if person is None or not person.active or not can_open(person.role, page):
        raise NotAllowed()
    return person


def scope_filter(person: Person) -> tuple[str, tuple]:
    """SQL condition (on aliases t=teams, o=offices) limiting roster rows (people, teams, offices) to what the
    person may see. Admins get the whole roster because they manage it; this is never the scope of suggestions,
    minutes, pulse or dashboards, where an admin reads as a staff member of their own team (tests check its
    callers)."""
    if person.role in ("leader", "admin"):
        return "TRUE", ()
    if person.role == "regional_manager":
        return "o.region_id = ?", (person.region_id,)
    if person.role == "manager":
        return "t.id = ?", (person.team_id,)
    raise NotAllowed()
