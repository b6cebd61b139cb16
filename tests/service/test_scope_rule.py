"""Who sees what is one table, access.SCOPES, read by access.where (SQL) and access.in_scope (Python).

Checked here: the table gives every role a reach under every rule; the admin reads as staff of its own team but
manages the whole roster; and, on the demo database on both backends, `where` gives each of the five known people
exactly the rows the rules gave before they were written once (spelled out below as they were), and `in_scope`
agrees with `where` on every row.
"""

from __future__ import annotations

import pytest

from board.errors import NotAllowed
from board.feedback import triage
from board.org.access import REACHES, ROLES, SCOPES, UNIT_COLUMNS, in_scope, scope, where
from board.reporting import dashboard, reports

# alias -> the rows `where` is tried on, with the columns in_scope reads (teams t come with their offices o)
SOURCES = {
    "s": "SELECT s.id, s.region_id, s.office_id, s.team_id FROM suggestions s",
    "m": "SELECT m.id, m.region_id, m.office_id, m.team_id FROM meetings m",
    "t": "SELECT t.id, o.region_id, t.office_id, t.id AS team_id FROM teams t JOIN offices o ON o.id = t.office_id",
    "o": "SELECT o.id, o.region_id, o.id AS office_id, NULL AS team_id FROM offices o",
}
# rule -> the alias its callers give `where`
ALIASES = {"read_suggestions": "s", "act_on_suggestion": "s", "triage_queue": "s", "read_minutes": "m",
           "review_minutes": "m", "team_actions": "m", "dashboard": "s", "pulse_results": "t",
           "office_overview": "o", "roster": "t"}


def old_condition(rule: str, p) -> tuple[str, tuple] | None:
    """Each rule as the code had it before SCOPES (None where it refused): suggestions.scope,
    triage._acting_scope / may_act and queue_scope (without its levels), minutes.visible (without 'published'),
    review.queue, actions.team_open, dashboard.scope_sql, reports._Units.in_scope and participation,
    reports.minutes_overview, access.scope_filter."""
    role = p.role
    team_or_office = "(team_id = ? OR (team_id IS NULL AND office_id = ?))", (p.team_id, p.office_id)
    if rule == "read_suggestions":
        return {"leader": ("TRUE", ()), "regional_manager": ("region_id = ?", (p.region_id,))}.get(
            role, ("office_id = ?", (p.office_id,)))
    if rule in ("act_on_suggestion", "triage_queue"):
        return {"manager": team_or_office, "regional_manager": ("region_id = ?", (p.region_id,)),
                "leader": ("TRUE", ())}.get(role)
    if rule == "read_minutes":
        return {"leader": ("TRUE", ()), "regional_manager": ("region_id = ?", (p.region_id,))}.get(role, team_or_office)
    if rule == "review_minutes":
        return ("region_id = ?", (p.region_id,)) if role == "regional_manager" else None
    if rule in ("team_actions", "dashboard", "pulse_results"):
        return {"manager": ("team_id = ?", (p.team_id,)), "regional_manager": ("region_id = ?", (p.region_id,)),
                "leader": ("TRUE", ())}.get(role)
    if rule == "office_overview":
        return {"regional_manager": ("region_id = ?", (p.region_id,)), "leader": ("TRUE", ())}.get(role)
    if rule == "roster":
        return {"manager": ("team_id = ?", (p.team_id,)), "regional_manager": ("region_id = ?", (p.region_id,)),
                "leader": ("TRUE", ()), "admin": ("TRUE", ())}.get(role)
    raise AssertionError(rule)


def ids(store, sql: str, params=()) -> set[int]:
    with store.read() as con:
        return {r["id"] for r in con.rows(sql, params)}


# --- the table ------------------------------------------------------------------------------------

def test_the_table_gives_every_role_a_reach_or_nothing_under_every_rule():
    for rule, reaches in SCOPES.items():
        assert set(reaches) == set(ROLES), rule
        assert all(reach in (*REACHES, None) for reach in reaches.values()), rule


def test_every_rule_is_tried_here_and_every_alias_names_a_column_for_each_unit_it_is_used_with():
    assert set(ALIASES) == set(SCOPES)
    for rule, alias in ALIASES.items():
        units = {reach for reach in SCOPES[rule].values() if reach not in (None, "all")}
        needed = {unit for reach in units for unit in (("team", "office") if reach == "team_or_office" else (reach,))}
        assert {(alias, unit) for unit in needed} <= set(UNIT_COLUMNS), rule


def test_the_admin_reads_as_staff_of_its_own_team_and_manages_the_whole_roster_only():
    for rule in ("read_suggestions", "read_minutes"):
        assert SCOPES[rule]["admin"] == SCOPES[rule]["staff"], rule
    assert SCOPES["roster"]["admin"] == "all"
    assert {rule for rule, reaches in SCOPES.items() if reaches["admin"] == "all"} == {"roster"}
    assert {rule for rule, reaches in SCOPES.items() if reaches["admin"] is None} == {
        rule for rule in SCOPES if rule not in ("read_suggestions", "read_minutes", "roster")}


def test_the_triage_queue_holds_what_the_role_may_act_on():
    assert SCOPES["triage_queue"] == SCOPES["act_on_suggestion"]
    assert set(triage.QUEUE_LEVELS) == {role for role, reach in SCOPES["triage_queue"].items() if reach}


# --- the rows, on the demo database (both backends) -----------------------------------------------------

@pytest.mark.parametrize("rule", sorted(SCOPES))
def test_where_gives_each_role_the_rows_the_rule_gave_before_it_was_written_once(demo_store, known, rule):
    alias = ALIASES[rule]
    source = SOURCES[alias]
    for role in ROLES:
        person = known[role]
        old = old_condition(rule, person)
        if old is None:
            with pytest.raises(NotAllowed):
                where(person, rule, alias)
            assert scope(person, rule) is None
            continue
        condition, params = where(person, rule, alias)
        got = ids(demo_store, f"{source} WHERE {condition}", params)
        expected = ids(demo_store, f"SELECT id FROM ({source}) x WHERE {old[0]}", old[1])
        assert got == expected, (rule, role)
        assert got, (rule, role)  # the demo gives every reach something to find


@pytest.mark.parametrize("rule", sorted(SCOPES))
def test_in_scope_agrees_with_where_on_every_row(demo_store, known, rule):
    alias = ALIASES[rule]
    with demo_store.read() as con:
        rows = con.rows(SOURCES[alias])
    for role in ROLES:
        person = known[role]
        condition, params = where(person, rule, alias, refuse=False)
        found = ids(demo_store, f"{SOURCES[alias]} WHERE {condition}", params)
        assert found == {r["id"] for r in rows if in_scope(person, rule, r)}, (rule, role)
        if scope(person, rule) is None:
            assert found == set()


def test_the_readers_of_the_table_give_what_the_old_rules_gave(demo_store, known):
    """A few readers end to end: the dashboard's units, the roster reads and the pulse results per role."""
    units = ("SELECT o.region_id, o.id AS office_id, t.id AS team_id FROM teams t JOIN offices o"
             " ON o.id = t.office_id")
    for role in ROLES:
        person = known[role]
        old = old_condition("dashboard", person)
        if old is None:
            with pytest.raises(NotAllowed):
                dashboard.units_in_scope(demo_store, person)
        else:
            with demo_store.read() as con:
                expected = {r["team_id"] for r in con.rows(f"SELECT * FROM ({units}) x WHERE {old[0]}", old[1])}
            assert {u["team_id"] for u in dashboard.units_in_scope(demo_store, person)} == expected, role
        old = old_condition("roster", person)
        if old is None:
            with pytest.raises(NotAllowed):
                reports.offices_in_scope(demo_store, person)
        else:
            with demo_store.read() as con:
                offices = {r["office_id"] for r in con.rows(f"SELECT * FROM ({units}) x WHERE {old[0]}", old[1])}
                expected = {r["name"] for r in con.rows("SELECT name FROM offices WHERE id = ANY(CAST(? AS INTEGER[]))",
                                                         (sorted(offices),))}
            assert {r["office"] for r in reports.offices_in_scope(demo_store, person)} == expected, role
    morale = reports.Morale(demo_store, k=1)
    assert morale.units.in_scope(known["staff"], "team") == set()  # staff see no pulse results
    with pytest.raises(NotAllowed):
        morale.units.in_scope(known["admin"], "team")  # and an admin is refused them outright
    manager, regional = known["manager"], known["regional_manager"]
    assert morale.units.in_scope(manager, "team") == {("team", manager.team_id)}
    assert morale.units.in_scope(manager, "office") == set() == morale.units.in_scope(manager, "org")
    with demo_store.read() as con:
        offices = {("office", r["id"]) for r in con.rows("SELECT id FROM offices WHERE region_id = ?",
                                                          (regional.region_id,))}
    assert morale.units.in_scope(regional, "office") == offices and offices
    assert ("org", 0) in morale.units.in_scope(known["leader"], "org")
