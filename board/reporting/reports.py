"""Read-only queries for home pages and dashboards; every function limits rows to the viewer's scope."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from board.clock import utcnow
from board.errors import NotAllowed
from board.i18n import N_, _
from board.morale import rollup
from board.org import settings, throttle
from board.org.access import ADMINS, ROLE_LABELS, Person, require, scope, where
from board.org.people import team_size
from board.store import Database


def team_summary(db: Database, person: Person) -> dict:
    """The person's own team: size and active managers (names)."""
    with db.read() as con:
        size = team_size(con, person.team_id)
        managers = [r["name"] for r in con.rows(
            "SELECT p.name FROM team_members tm JOIN people p ON p.id = tm.person_id"
            " WHERE tm.team_id = ? AND p.active AND p.role = 'manager' ORDER BY p.name", (person.team_id,))]
    return {"size": size, "managers": managers}


def teams_without_manager(db: Database, viewer: Person) -> list[dict]:
    """Teams in the viewer's scope that have no active manager."""
    condition, params = where(viewer, "roster", "t")
    with db.read() as con:
        return con.rows(
            "SELECT o.name AS office, t.name AS team FROM teams t JOIN offices o ON o.id = t.office_id"
            f" WHERE {condition} AND NOT EXISTS (SELECT 1 FROM team_members tm JOIN people p ON p.id = tm.person_id"
            "  WHERE tm.team_id = t.id AND p.active AND p.role = 'manager')"
            " ORDER BY office, team",
            params,
        )


def offices_in_scope(db: Database, viewer: Person) -> list[dict]:
    """Offices in the viewer's scope with their teams and active people."""
    condition, params = where(viewer, "roster", "t")
    with db.read() as con:
        return con.rows(
            "SELECT r.name AS region, o.name AS office, count(DISTINCT t.id) AS teams,"
            " count(p.id) FILTER (WHERE p.active) AS people"
            " FROM offices o JOIN regions r ON r.id = o.region_id JOIN teams t ON t.office_id = o.id"
            " LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN people p ON p.id = tm.person_id"
            f" WHERE {condition}"
            " GROUP BY r.name, o.name ORDER BY r.name, o.name",
            params,
        )


def admin_attention(db: Database, viewer: Person, *, now: datetime | None = None) -> dict:
    """What an admin should look at: people who cannot sign in yet, roster emails whose sign-in waits right now
    after repeated failures (admins only; text typed as an email that is nobody's is never shown)."""
    require(viewer, "admin_people")
    now = now or utcnow()
    with db.read() as con:
        without_password = con.scalar(
            "SELECT count(*) FROM people p WHERE p.active"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)")
        locked = [r["email"] for r in con.rows(
            "SELECT w.email FROM sign_in_waits w JOIN people p ON p.email = w.email"
            " WHERE w.failures >= ? AND w.wait_until > ? ORDER BY w.email", (throttle.MAX_FAILURES, now))]
    return {"without_password": without_password, "locked": locked}


# "You said, we did": the statuses that say something changed, or will, because of a suggestion
ACTED_ON = ("planned", "in_progress", "implemented")


def you_said_we_did(db: Database, viewer: Person, *, limit: int = 5) -> list[dict]:
    """The suggestions of the viewer's office (their team's among them) that were planned or implemented, most
    recently moved first, within read_suggestions: what changed (the note written with the move to its status, ''
    when none) and the latest answer (reply or status note), the day it moved (the day only), and the author's
    name only when it was raised by name."""
    condition, params = where(viewer, "read_suggestions", refuse=False)
    acted = ", ".join("?" * len(ACTED_ON))
    with db.read() as con:  # ordered by the time it moved (a manager's act); shown as its day only
        rows = con.rows(
            "SELECT s.id, s.title, s.status, s.anonymous, CASE WHEN s.anonymous THEN NULL ELSE a.name END AS author,"
            " t.name AS team, o.name AS office, coalesce(s.team_id = ?, FALSE) AS own_team,"
            " (SELECT max(e.created_at) FROM suggestion_events e WHERE e.suggestion_id = s.id"
            "  AND e.kind = 'status' AND e.to_value = s.status) AS moved_at,"
            " (SELECT e.note FROM suggestion_events e WHERE e.suggestion_id = s.id AND e.kind = 'status'"
            "  AND e.to_value = s.status ORDER BY e.id DESC LIMIT 1) AS what_changed,"
            " (SELECT e.note FROM suggestion_events e WHERE e.suggestion_id = s.id"
            "  AND e.kind IN ('status', 'reply') AND e.note <> '' ORDER BY e.id DESC LIMIT 1) AS latest_answer"
            " FROM suggestions s JOIN offices o ON o.id = s.office_id LEFT JOIN teams t ON t.id = s.team_id"
            " LEFT JOIN people a ON a.id = s.author_id"
            f" WHERE {condition} AND s.office_id = ? AND s.status IN ({acted})"
            " ORDER BY moved_at DESC NULLS LAST, s.id DESC LIMIT ?",
            (viewer.team_id, *params, viewer.office_id, *ACTED_ON, limit))
    for row in rows:
        moved = row.pop("moved_at")
        row["moved_on"] = moved.date() if moved else None
        row["what_changed"] = row["what_changed"] or ""
        row["team"] = row["team"] if row["team"] is not None else _("Whole office")
    return rows


def own_team_morale(db: Database, viewer: Person, *, k: int, periods: int = 3) -> list[dict]:
    """The viewer's own team's mood and eNPS in the latest closed pulse periods (newest first), exactly as its
    manager sees them (Morale: at least k respondents, no small complement): figures only, never comments, never
    an open period, never another team. One row per closed period, `suppressed=True` and no figures where the team
    is not shown (too few answered, or its answers were combined into a wider group). Admins: NotAllowed."""
    if viewer.role in ADMINS:
        raise NotAllowed()
    with db.read() as con:
        latest = con.rows("SELECT id, starts_on, ends_on FROM pulse_periods WHERE closed_at IS NOT NULL"
                          " ORDER BY starts_on DESC LIMIT ?", (periods,))
    if not latest:
        return []
    morale = Morale(db, k=k, start=latest[-1]["starts_on"])
    shown = {row["period_id"]: row for row in morale.group_rows({("team", viewer.team_id)}, "team")}
    found = []
    for period in latest:
        row = shown.get(period["id"])
        figures = {} if row is None or row["suppressed"] else {
            "responses": row["responses"], "mood": row["mood"], "enps": row["enps"]}
        found.append({"period_id": period["id"], "starts_on": period["starts_on"],
                      "ends_on": period["ends_on"] - timedelta(days=1), "suppressed": not figures,
                      "responses": None, **figures})
    return found


# setting -> (its name, how its value reads with its unit: {value} is the value in words; None: the value alone)
SETTING_LABELS: dict[str, tuple[str, str | None]] = {"anonymity_k": (N_("Minimum group size"), None),
                  "ack_sla_days": (N_("Acknowledgement time"), N_("{value} working days")),
                  "categories": (N_("Categories"), None), "pulse_period_days": (N_("Pulse period"), N_("{value} days")),
                  "session_days": (N_("Sign-in lasts"), N_("{value} days")),
                  "time_zone": (N_("Time zone"), None),
                  "digest_hour": (N_("Digests sent at"), N_("{value}:00")),
                  "weekly_digest_day": (N_("Weekly digest day"), None),
                  "pulse_reminders": (N_("Pulse reminders"), None),
                  "sessions_kept_days": (N_("Ended sign-ins kept"), N_("{value} days")),
                  "throttle_kept_days": (N_("Sign-in throttle kept"), N_("{value} days")),
                  "audit_kept_days": (N_("Audit entries kept"), N_("{value} days")),
                  "outbox_kept_days": (N_("Sent messages kept"), N_("{value} days"))}
# Settings stored as codes, shown in the words the settings page uses.
SETTING_WORDS: dict[str, Callable[[Any], str]] = {
    "weekly_digest_day": lambda day: _(settings.WEEKDAYS[day]) if 0 <= day < 7 else str(day),
    "pulse_reminders": lambda step: _(settings.REMINDER_STEPS[step]) if step in settings.REMINDER_STEPS
    else str(step)}


def readable_change(action: str, detail: str) -> str:
    """An audit entry's detail in words: settings by their names, roles by their labels, yes and no for active."""
    if action == "settings changed":
        try:
            changed = json.loads(detail or "{}")
        except ValueError:
            return detail
        if not isinstance(changed, dict) or not changed:
            return _("nothing changed") if changed == {} else detail
        parts = []
        for key, value in changed.items():
            label, unit = SETTING_LABELS.get(key, (None, None))
            name = _(label) if label else key.replace("_", " ").capitalize()
            words = SETTING_WORDS.get(key, str)
            if key == "digest_hour" and isinstance(value, int):
                value = f"{value:02d}"
            if isinstance(value, list):
                shown = ", ".join(map(words, value)) or _("none")
            else:
                shown = _(unit, value=words(value)) if unit else words(value)
            parts.append(_("{setting}: {value}", setting=name, value=shown))
        return "; ".join(parts)
    if action == "person changed":
        detail = re.sub(r"\brole (\w+) -> (\w+)",
                        lambda m: _("role {before} → {after}", before=_role(m[1]), after=_role(m[2])), detail)
        return re.sub(r"\bactive (True|False) -> (True|False)",
                      lambda m: _("active {before} → {after}", before=_(_YES_NO[m[1]]), after=_(_YES_NO[m[2]])),
                      detail)
    return detail


_YES_NO = {"True": N_("yes"), "False": N_("no")}


def _role(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def minutes_overview(db: Database, viewer: Person, *, months: list[date], today: date) -> list[dict]:
    """Per office in scope and month: meetings held, problems discussed, solutions recorded, and the share
    of due actions closed on time. Offices without meetings appear with zeros, never missing."""
    condition, params = where(viewer, "office_overview", "o")
    if not months:
        return []
    first = min(months).replace(day=1)  # only the meetings and actions of the months shown are counted
    last = max(months)
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    with db.read() as con:
        return con.rows(
            "WITH month AS (SELECT unnest(?::DATE[]) AS month),"
            " held AS (SELECT m.office_id, date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) AS month,"
            "  count(*) AS meetings, sum(m.problems) AS problems, sum(m.solutions) AS solutions FROM meetings m"
            "  WHERE m.status = 'published' AND m.meeting_date >= ? AND m.meeting_date < ? GROUP BY 1, 2),"
            " due AS (SELECT m.office_id, date_trunc('month', CAST(a.due_date AS TIMESTAMP)) AS month, count(*) AS due,"
            "  count(*) FILTER (WHERE a.status = 'done' AND CAST(a.closed_at AS DATE) <= a.due_date) AS on_time"
            "  FROM action_items a JOIN meetings m ON m.id = a.meeting_id"
            "  WHERE NOT a.removed AND m.status = 'published' AND a.due_date >= ? AND a.due_date < ? GROUP BY 1, 2)"
            " SELECT r.name AS region, o.name AS office, month.month,"
            "  coalesce(held.meetings, 0) AS meetings, coalesce(held.problems, 0) AS problems,"
            "  coalesce(held.solutions, 0) AS solutions, coalesce(due.due, 0) AS actions_due,"
            "  CASE WHEN due.due > 0 THEN round(100.0 * due.on_time / due.due) END AS closed_on_time_pct"
            " FROM offices o JOIN regions r ON r.id = o.region_id CROSS JOIN month"
            " LEFT JOIN held ON held.office_id = o.id AND held.month = month.month"
            " LEFT JOIN due ON due.office_id = o.id AND due.month = month.month"
            f" WHERE {condition} ORDER BY r.name, o.name, month.month",
            ([m.replace(day=1) for m in months], first, after, first, min(today, after), *params))


MORALE_LEVELS = ("team", "office", "region", "org")


def morale(db: Database, viewer: Person, *, k: int, level: str = "team", start: date | None = None,
           end: date | None = None) -> list[dict]:
    """Mood and eNPS per period (those starting in [start, end) when given) for each group of a level in the
    viewer's scope (see Morale)."""
    return Morale(db, k=k, start=start, end=end).rows(viewer, level)


# Morale's figures are the same for every viewer: the last few counts are kept, per store object (one per process
# and database), level by level, for as long as the closed periods, their cells and the units' structure are
# unchanged (the key says each). A level read from what pulse.seal kept takes milliseconds (its few rows, at the
# organisation's or the regions' level); counted anew, every level at once: 0.4 s at 40,000 teams on DuckDB.
SHARED_MORALE = 4
_SHARED: WeakKeyDictionary = WeakKeyDictionary()  # store -> OrderedDict(key -> {level: rollup.Figures})
_SHARED_LOCK = threading.Lock()


def forget_shared_morale() -> None:
    """Read or count Morale anew on its next use (the benchmarks measure the first view after a change)."""
    with _SHARED_LOCK:
        _SHARED.clear()


class Morale:
    """Mood and eNPS of every team, office, region and the organisation for each pulse period starting in
    [start, end), and which of them may be shown (morale.rollup: decided per period on the whole organisation, so
    no two views, filters or roles can be combined to reveal a small group, and the range asked for changes
    nothing shown). What a viewer gets is limited to their scope. Each level's figures are read when first asked
    for, from what was kept when the periods closed, or counted anew (every level) where that is stale."""

    def __init__(self, db: Database, *, k: int, start: date | None = None, end: date | None = None,
                 kept: bool = True):
        with db.read() as con:
            self.units = units = rollup.Units(con)
            periods = con.rows("SELECT id, starts_on FROM pulse_periods WHERE starts_on >= ? AND starts_on < ?"
                               " AND closed_at IS NOT NULL ORDER BY starts_on", (start or date.min, end or date.max))
            key = (k, kept, tuple(p["id"] for p in periods), units.structure(),
                   tuple(con.one("SELECT count(*) AS closed, max(closed_at) AS last FROM pulse_periods"
                                 " WHERE closed_at IS NOT NULL").values()),  # type: ignore[union-attr]
                   con.change_counts(("pulse_cells",))["pulse_cells"])
        with _SHARED_LOCK:
            counted = _SHARED.setdefault(db, OrderedDict())
            self._levels = counted.setdefault(key, {})
            counted.move_to_end(key)
            while len(counted) > SHARED_MORALE:
                counted.popitem(last=False)
        self._db, self._k, self._kept = db, k, kept
        self.keys = units.keys
        self.periods = [(p["id"], p["starts_on"]) for p in periods]

    def figures(self, level: str) -> rollup.Figures:
        """One level's figures (rollup.Figures): shared with every viewer of the same periods. `kept=False`
        counts every level anew rather than reading what was kept (the tests compare the two)."""
        with _SHARED_LOCK:
            found = self._levels.get(level)
        if found is None:
            ids = [period_id for period_id, _ in self.periods]
            with self._db.read() as con:
                found = rollup.stored(con, self.units, ids, level, self._k) if self._kept else None
                every = {level: found} if found is not None else rollup.count(con, self.units, ids, self._k)
            with _SHARED_LOCK:
                self._levels.update(every)
            found = every[level]
        return found

    @property
    def sums(self) -> dict[str, np.ndarray]:
        """Every level's figures side by side, a column per group in Units' order (for tests and checks)."""
        return {name: np.concatenate([getattr(self.figures(level), name) for level in rollup.LEVELS], axis=1)
                for name in rollup.FIGURES}

    def rows(self, viewer: Person, level: str, within: Mapping[str, int | None] | None = None) -> list[dict]:
        """Each group of the level in the viewer's scope (and `within`: region_id, office_id and team_id, those
        given), for each period it has answers in: its figures, or `suppressed=True` and no figures."""
        if level not in MORALE_LEVELS:
            raise ValueError(level)
        return self._rows(self.units.reached(viewer) & self.units.at(level) & self.units.inside(within), level)

    def group_rows(self, allowed: set, level: str) -> list[dict]:
        """`rows` for the given groups of a level (the caller has decided the viewer may see them)."""
        wanted = np.zeros(len(self.keys), dtype=bool)
        columns = self.units.columns(level, [group for at, group in allowed if at == level])
        wanted[columns[columns >= 0]] = True
        return self._rows(wanted, level)

    def _rows(self, wanted: np.ndarray, level: str) -> list[dict]:
        units, part, found = self.units, self.units.part(level), []
        if not wanted[part].any():
            return []
        figures = self.figures(level)
        net = figures.promoters - figures.detractors
        for p, g in zip(*np.nonzero(figures.present & wanted[part]), strict=True):
            period_id, starts_on = self.periods[p]
            column = part.start + g
            row = {"period_id": period_id, "starts_on": starts_on, "level": level, "group": units.label[column],
                   "group_id": units.keys[column][1], **units.ids(column), "responses": None,
                   "suppressed": not figures.shown[p, g]}
            if figures.shown[p, g]:
                count = int(figures.n[p, g])
                row.update(responses=count, mood=round(int(figures.mood[p, g]) / count, 2),
                           enps=round(100 * int(net[p, g]) / count))
            found.append(row)
        return sorted(found, key=lambda r: (r["group"], r["starts_on"]))

    def mood_of(self, viewer: Person, level: str = "team",
                within: Mapping[str, int | None] | None = None) -> dict[int, dict]:
        """Per team (or office) in the viewer's scope (and `within`, as in `rows`) with at least one shown period,
        by its id: its name ("group"), the mean mood over its shown periods (weighted by responses) and their
        responses. Other groups are left out, never shown as 0."""
        if level not in ("team", "office"):
            raise ValueError(level)
        units, part = self.units, self.units.part(level)
        wanted = (units.reached(viewer) & units.at(level) & units.inside(within))[part]
        if not wanted.any():
            return {}
        figures = self.figures(level)
        responses = (figures.n * figures.shown).sum(axis=0)
        mood = (figures.mood * figures.shown).sum(axis=0)
        groups = part.start + np.flatnonzero(wanted & (responses > 0))
        local = groups - part.start
        columns = (groups, units.group[groups], units.office_id[groups], units.region_id[groups], responses[local],
                   mood[local])  # plain ints, read once
        return {unit: {"group": units.label[g], "region_id": region, "office_id": office, "responses": count,
                       "mood": round(total / count, 2)}
                for g, unit, office, region, count, total in zip(*(c.tolist() for c in columns), strict=True)}


def participation(db: Database, viewer: Person, *, region_id: int | None = None, office_id: int | None = None,
                  team_id: int | None = None, start: date | None = None, end: date | None = None) -> list[dict]:
    """Per period (those starting in [start, end) when given): how many people of the viewer's (filtered)
    scope answered, out of how many were active when it closed (or are active now, while it is open). Counts
    only: nothing stored says who answered once a period has closed."""
    condition, scoped = where(viewer, "pulse_results", "t")
    reach = scope(viewer, "pulse_results")  # the viewer's own unit stands in for a filter on that unit
    parts, params = [condition], list(scoped)
    for unit, column, value in (("region", "o.region_id", region_id), ("office", "o.id", office_id),
                                ("team", "t.id", team_id)):
        if value is not None and unit != reach:
            parts.append(f"{column} = ?")
            params.append(value)
    narrowed = " AND ".join(parts)
    # The units are joined where they are needed, not read from a list of team ids: PostgreSQL guesses such a
    # list at 200 rows and looks each team up on its own (at 40,000 teams, 6 s instead of a hash join's 0.3 s).
    units = f"JOIN teams t ON t.id = x.team_id JOIN offices o ON o.id = t.office_id WHERE {narrowed}"
    if narrowed == "TRUE":  # the whole organisation: every team is in an office and none is ever deleted, so the
        units = "WHERE TRUE"  # joins drop nothing (at 10x on PostgreSQL they were two thirds of the time)
    period = (start or date.min, end or date.max)
    with db.read() as con:
        rows = con.rows(
            "WITH periods AS (SELECT id FROM pulse_periods WHERE starts_on >= ? AND starts_on < ?),"
            " live AS (SELECT period_id, team_id FROM pulse_voters UNION ALL"
            "  SELECT pa.period_id, tm.team_id FROM pulse_participation pa"
            "  JOIN team_members tm ON tm.person_id = pa.person_id),"
            " counts AS (SELECT x.period_id, sum(x.answered) AS answered, sum(x.people) AS people"
            f"  FROM pulse_turnout x {units} AND x.period_id IN (SELECT id FROM periods) GROUP BY x.period_id"
            f"  UNION ALL SELECT x.period_id, count(*), NULL FROM live x {units}"
            "  AND x.period_id IN (SELECT id FROM periods) GROUP BY x.period_id)"
            " SELECT pp.starts_on, pp.closed_at IS NOT NULL AS closed, coalesce(sum(c.answered), 0) AS answered,"
            " CASE WHEN pp.closed_at IS NOT NULL THEN coalesce(sum(c.people), 0) ELSE (SELECT count(*) FROM people p"
            f"  JOIN team_members x ON x.person_id = p.id {units} AND p.active)"
            " END AS people"
            " FROM pulse_periods pp LEFT JOIN counts c ON c.period_id = pp.id"
            " WHERE pp.starts_on >= ? AND pp.starts_on < ? GROUP BY pp.id, pp.starts_on, pp.closed_at"
            " ORDER BY pp.starts_on", [*period, *params * 3, *period])
    for row in rows:
        row["answered"], row["people"] = int(row["answered"]), int(row["people"])
        row["participation_pct"] = round(100.0 * row["answered"] / row["people"], 1) if row["people"] else None
    return rows


def pulse_comments(db: Database, viewer: Person, *, k: int, period_id: int, level: str, group_id: int) -> list[str]:
    """The comments of one group and period, only if its figures are shown (at least k respondents and no
    small complement), in random order and without any date finer than the period."""
    with db.read() as con:
        starts_on = con.scalar("SELECT starts_on FROM pulse_periods WHERE id = ?", (period_id,))
    if starts_on is None:
        return []
    shown = {(r["level"], r["group_id"]) for r in morale(db, viewer, k=k, level=level, start=starts_on,
                                                          end=starts_on + timedelta(days=1))
             if r["period_id"] == period_id and not r["suppressed"]}
    if (level, group_id) not in shown:
        return []
    column = {"team": "team_id", "office": "office_id", "region": "region_id", "org": "0"}[level]
    with db.read() as con:
        return [r["comment"] for r in con.rows(
            f"SELECT comment FROM pulse_responses WHERE period_id = ? AND {column} = ? AND comment <> ''"
            " ORDER BY random()", (period_id, group_id))]
