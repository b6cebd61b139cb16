"""Chat channels: Microsoft Teams and Slack incoming webhooks per team or office, added and removed by admins. A
webhook's address lets anyone post to the channel, so it is a secret: lists show it masked."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from board.clock import utcnow
from board.errors import Invalid, NotFound
from board.i18n import N_, _
from board.org import audit
from board.org.access import Person, require
from board.store import Conn, Database
from board.text import clean

SERVICES = {"teams": "Microsoft Teams", "slack": "Slack"}
# Teams: the connector webhooks (…webhook.office.com) and the Power Automate workflows that replace them.
HOSTS = {"teams": (".webhook.office.com", ".logic.azure.com", ".powerplatform.com"), "slack": ("hooks.slack.com",)}
LOCAL = ("127.0.0.1", "localhost")  # plain http only to this machine: the tests' webhook server
URL_HELP = {
    "teams": N_("Paste the webhook address Teams gave you: https://…webhook.office.com/… or a workflow address."),
    "slack": N_("Paste the incoming webhook address Slack gave you: https://hooks.slack.com/…"),
}
MAX_URL = 2000
PAGE = "admin_settings"
PLACE_SQL = "CASE WHEN t.name IS NULL THEN o.name || ' (whole office)' ELSE t.name || ', ' || o.name END"


def url_error(service: str, url: str) -> str | None:
    """Why a webhook address cannot be used for a service (in the current language), or None."""
    problem = _url_problem(service, url)
    return _(problem) if problem else None


def _url_problem(service: str, url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.port == 0:  # reading the port raises ValueError when it is not a number
            return URL_HELP[service]
    except ValueError:
        return URL_HELP[service]
    if len(url) > MAX_URL or any(c.isspace() for c in url) or parts.username or parts.password or not parts.path:
        return URL_HELP[service]
    if parts.scheme == "http" and host in LOCAL:
        return None
    # "hooks.slack.com" is that host exactly; ".webhook.office.com" any host below it
    if parts.scheme != "https" or not any(host.endswith(h) if h.startswith(".") else host == h
                                          for h in HOSTS[service]):
        return URL_HELP[service]
    return None


def _errors(con: Conn, service: str | None, url: str, office_id: int | None,
            team_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if service is None or service not in SERVICES:
        errors["service"] = _("Choose Microsoft Teams or Slack.")
    else:
        problem = url_error(service, url)
        if problem:
            errors["url"] = problem
    if office_id is None or not con.scalar("SELECT count(*) FROM offices WHERE id = ?", (office_id,)):
        errors["office_id"] = _("Choose an office.")
    elif team_id is not None and con.scalar("SELECT office_id FROM teams WHERE id = ?", (team_id,)) != office_id:
        errors["team_id"] = _("Choose a team of that office, or the whole office.")
    return errors


def add(db: Database, admin: Person, service: str | None, url: str | None, office_id: int | None,
        team_id: int | None = None, *, now: datetime | None = None) -> dict:
    """Add a channel for a team, or a whole office (admins only); the result, for the form that added it, is the
    only place its full address is shown again."""
    require(admin, PAGE)
    url = clean(url)

    def apply(con: Conn) -> dict:
        errors = _errors(con, service, url, office_id, team_id)
        if errors:
            raise Invalid(errors)
        hook_id = con.scalar("INSERT INTO chat_hooks (service, office_id, team_id, url, created_at)"
                             " VALUES (?, ?, ?, ?, ?) RETURNING id",
                             (service, office_id, team_id, url, now or utcnow()))
        row = _listed(con, hook_id)
        audit.record(con, admin.id, "chat channel added", f"{SERVICES[row['service']]}, {row['place']}")
        return {**row, "url": url, "place": place_words(row["team"], row["office"])}

    return db.write(apply, lock=("chat_hooks",))


def remove(db: Database, admin: Person, hook_id: int) -> None:
    """Remove a channel (admins only); messages already written for it stay in the outbox and are not sent."""
    require(admin, PAGE)

    def apply(con: Conn) -> None:
        row = _listed(con, hook_id)
        con.execute("DELETE FROM chat_hooks WHERE id = ?", (hook_id,))
        audit.record(con, admin.id, "chat channel removed", f"{SERVICES[row['service']]}, {row['place']}")

    db.write(apply, lock=("chat_hooks",))


def place_words(team: str | None, office: str) -> str:
    """Where a channel hears from, in the current language: "Billing, Dublin", or "Dublin (whole office)"."""
    return _("{team}, {office}", team=team, office=office) if team else _("{office} (whole office)", office=office)


def masked(url: str) -> str:
    """The address as lists show it: the service's host and the last four characters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}"


LIST_SQL = (f"SELECT h.id, h.service, h.url, h.created_at, {PLACE_SQL} AS place, o.name AS office, t.name AS team"
            " FROM chat_hooks h JOIN offices o ON o.id = h.office_id LEFT JOIN teams t ON t.id = h.team_id")


def _listed(con: Conn, hook_id: int) -> dict:
    row = con.one(LIST_SQL + " WHERE h.id = ?", (hook_id,))
    if row is None:
        raise NotFound(_("There is no such chat channel."))
    return {**row, "url": masked(row["url"])}


def listing(db: Database, admin: Person) -> list[dict]:
    """Every channel by office and team (admins only): id, service ('teams' or 'slack'), office, team (None for
    the whole office), place in words, the address masked, when added."""
    require(admin, PAGE)
    with db.read() as con:
        rows = con.rows(LIST_SQL + " ORDER BY o.name, t.name NULLS FIRST, h.id")
    return [{**row, "url": masked(row["url"]), "place": place_words(row["team"], row["office"])} for row in rows]


def for_unit(con: Conn, team_id: int | None, office_id: int) -> list[int]:
    """The channels that hear about a team's items (the team's and its office's) or, for an item of the whole
    office (team_id None), the office's only: a team's channel never hears of an office-level item."""
    return [r["id"] for r in con.rows("SELECT id FROM chat_hooks WHERE team_id = ? OR (team_id IS NULL AND"
                                      " office_id = ?) ORDER BY id", (team_id, office_id))]


def destination(con: Conn, hook_id: int) -> dict | None:
    """Where the worker posts a channel's message (service and full address), or None once it was removed."""
    return con.one("SELECT service, url FROM chat_hooks WHERE id = ?", (hook_id,))
