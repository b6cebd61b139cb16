"""The dashboards' summaries (feedback.counts, pulse_cells, each meeting's problems and solutions) always equal what
the raw rows give, on both backends: after any sequence of real writes (submissions named and anonymous, releases,
status moves, one-act triage, escalations, pulse answers and closes, the worker's merging of new summary rows,
minutes published and amended), after the demo's bulk load, and after the migrations that created them."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import store as db
from board.errors import BoardError
from board.feedback import counts, release, triage
from board.feedback.workflow import STATUSES
from board.meetings import minutes
from board.morale import pulse, rollup
from board.org import people
from tests.conftest import load_rows, store_before
from tests.support.minutes import document, draft, item, publish
from tests.support.pulse import kept_equals_counted
from tests.support.suggestions import submit

START = datetime(2026, 1, 5, 9)
LENGTH = 14
CATEGORIES = ("policy", "system", "process")


def pulse_cells_match(con: db.Conn) -> None:
    """pulse_cells holds exactly the closed periods' answers per cell, and nothing of an open period."""
    stored = {tuple(r.values()) for r in con.rows(
        "SELECT period_id, team_id, office_id, region_id, answers, mood, promoters, detractors FROM pulse_cells")}
    recounted = {tuple(r.values()) for r in con.rows(
        f"{pulse.CELLS} WHERE period_id IN (SELECT id FROM pulse_periods WHERE closed_at IS NOT NULL)"
        " GROUP BY 1, 2, 3, 4")}
    assert stored == recounted


def meeting_counts_match(con: db.Conn) -> None:
    """Each meeting's problems and solutions are those of its items still in the minutes (counted here anew)."""
    stored = {r["id"]: (r["problems"], r["solutions"]) for r in con.rows(
        "SELECT id, problems, solutions FROM meetings")}
    items: dict[int, list[int]] = {meeting: [0, 0] for meeting in stored}
    for r in con.rows("SELECT meeting_id, kind, solution FROM meeting_items WHERE NOT removed"):
        items[r["meeting_id"]][0] += r["kind"] in minutes.PROBLEM_KINDS
        items[r["meeting_id"]][1] += r["solution"] != ""
    assert stored == {meeting: tuple(n) for meeting, n in items.items()}


def summaries_match(store: db.Database) -> None:
    with store.read() as con:
        assert counts.stored(con) == counts.recounted(con)
        pulse_cells_match(con)
        kept_equals_counted(con)
        meeting_counts_match(con)
        assert counts.ack_times_stored(con) == counts.ack_times_recounted(con)


def funnels_match(store: db.Database, who: dict) -> None:
    """What the dashboard's funnel reads (settled rows of a grain, and rows added since at their own grain) equals
    a count of the raw rows, for each role and for an office and a team filter."""
    from board.reporting import dashboard

    period = dashboard.Filters(start=date(2025, 12, 1), end=date(2026, 7, 1))
    staff = who["staff"][0]
    views = [(who["leader"][0], period), (who["regional_manager"][0], period), (who["manager"][0], period),
             (who["leader"][0], dataclasses.replace(period, office_id=staff.office_id)),
             (who["leader"][0], dataclasses.replace(period, team_id=staff.team_id, category="policy"))]
    for viewer, filters in views:
        condition, params = dashboard.scope_sql(viewer, filters)
        with store.read() as con:
            raw = {r["status"]: r["n"] for r in con.rows(
                f"SELECT s.status, count(*) AS n FROM suggestions s WHERE {condition} AND s.created_at >= ?"
                " AND s.created_at < ? GROUP BY 1", [*params, filters.start, filters.end])}
        assert {r["status"]: r["suggestions"] for r in dashboard.funnel(store, viewer, filters)} == raw


def cast(store: db.Database) -> dict[str, list[people.Person]]:
    """Active people of the demo organisation by role, a few teams' worth."""
    with store.read() as con:
        ids = {role: [r["id"] for r in con.rows(
            "SELECT id FROM people WHERE role = ? AND active ORDER BY id LIMIT 12", (role,))]
            for role in ("staff", "manager", "regional_manager", "leader")}
    return {role: [people.get_person(store, i) for i in found] for role, found in ids.items()}


writes = st.lists(st.one_of(
    st.tuples(st.just("submit"), st.integers(0, 11), st.sampled_from(CATEGORIES), st.booleans(), st.integers(0, 90)),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(STATUSES)),
    st.tuples(st.just("act"), st.integers(0, 50), st.sampled_from(STATUSES)),
    st.tuples(st.just("escalate"), st.integers(0, 50), st.sampled_from(("manager", "regional_manager"))),
    st.tuples(st.just("release"), st.integers(0, 90)),
    st.tuples(st.just("pulse"), st.integers(0, 11), st.integers(1, 5), st.integers(0, 10), st.integers(0, 90)),
    st.tuples(st.just("close"), st.integers(0, 120)),
    st.tuples(st.just("compact")),
    # a manager's minutes: items (kind, solution recorded or not), published anew or amending their last minutes
    # (the first item kept with the new kind, the others dropped); none at all is refused
    st.tuples(st.just("minutes"), st.integers(0, 11), st.lists(st.tuples(st.sampled_from(sorted(minutes.ITEM_KINDS)),
                                                                          st.booleans()), max_size=4), st.booleans()),
), min_size=1, max_size=25)


def write_minutes(store: db.Database, manager: people.Person, items: list, amend: bool) -> None:
    doc = document(manager, *(item(f"Item {n}", solution="Agreed" if solved else "", kind=kind)
                              for n, (kind, solved) in enumerate(items)))
    doc["items"] = doc["items"][:len(items)]  # document() adds an item to an empty list: none stays none
    with store.read() as con:
        last = con.scalar("SELECT max(id) FROM meetings WHERE author_id = ? AND status = 'published'", (manager.id,))
        kept = con.scalar("SELECT min(id) FROM meeting_items WHERE meeting_id = ? AND NOT removed", (last,))
    if amend and last:
        if kept and doc["items"]:
            doc["items"][0]["id"] = kept
        publish(store, manager, last, doc, how=minutes.amend)
    else:
        publish(store, manager, draft(store, manager), doc)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=writes)
def test_summaries_equal_the_raw_rows_after_any_writes(org_store, steps):
    """Each example adds its writes to the same database, so later examples check ever longer histories;
    a write the service refuses must leave the summaries as they were."""
    who = cast(org_store)
    keys = iter(range(10**9))
    for step in steps:
        kind, *args = step
        with org_store.read() as con:
            ids = [r["id"] for r in con.rows("SELECT id FROM suggestions ORDER BY id")]
        try:
            if kind == "submit":
                person, category, anonymous, day = args
                submit(org_store, who["staff"][person], key=f"p{next(keys)}-{id(step)}", category=category,
                       anonymous=anonymous, now=START + timedelta(days=day))
            elif kind in ("status", "act") and ids:
                pick, to = args
                leader, suggestion_id = who["leader"][0], ids[pick % len(ids)]
                if kind == "status":
                    triage.change_status(org_store, leader, suggestion_id, to, note="Reason",
                                         duplicate_of=ids[0], now=START + timedelta(days=pick))
                else:  # the one-act form: several steps, a reply and the reason at once
                    triage.act(org_store, leader, suggestion_id, to=to, reply="Done", duplicate_of=ids[0],
                               now=START + timedelta(days=pick))
            elif kind == "escalate" and ids:
                pick, role = args
                suggestion_id = ids[pick % len(ids)]
                with org_store.read() as con:
                    team = con.scalar("SELECT team_id FROM suggestions WHERE id = ?", (suggestion_id,))
                actor = next((p for p in who[role] if p.team_id == team), who[role][0])
                triage.escalate(org_store, actor, suggestion_id, now=START + timedelta(days=pick))
            elif kind == "release":
                release.release_anonymous(org_store, (START + timedelta(days=args[0])).date())
            elif kind == "pulse":
                person, mood, enps, day = args
                pulse.submit(org_store, who["staff"][person], pulse.Answer(mood, enps, 3, 3, 3, 3, 3),
                             today=(START + timedelta(days=day)).date(), length_days=LENGTH)
            elif kind == "close":
                pulse.close_due(org_store, (START + timedelta(days=args[0])).date())
            elif kind == "minutes":
                manager, items, amend = args
                write_minutes(org_store, who["manager"][manager], items, amend)
            elif kind == "compact":
                counts.compact(org_store)
                with org_store.read() as con:
                    assert con.scalar("SELECT count(*) FROM suggestion_cells WHERE NOT settled") == 0
        except BoardError:
            pass  # refused (a move the workflow does not allow, an answer already given): nothing may change
        summaries_match(org_store)
    funnels_match(org_store, who)


def test_the_demo_bulk_load_counts_its_summaries(demo_store):
    summaries_match(demo_store)
    with demo_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestion_cells WHERE grain = 'org'") > 0
        assert con.scalar("SELECT count(*) FROM pulse_cells") > 0


def test_every_grain_adds_up_to_the_organisation(demo_store):
    """Each grain counts every suggestion once: the teams add up to their offices but for suggestions raised
    to a whole office, and the offices and regions to the whole organisation."""
    with demo_store.read() as con:
        total = {r["grain"]: r["n"] for r in con.rows(
            "SELECT grain, CAST(sum(n) AS BIGINT) AS n FROM suggestion_cells WHERE measure = 'status'"
            " GROUP BY grain")}
        everything = con.scalar("SELECT count(*) FROM suggestions")
        teamless = con.scalar("SELECT count(*) FROM suggestions WHERE team_id IS NULL")
    assert total["org"] == total["region"] == total["office"] == everything
    assert total["team"] == everything - teamless


@pytest.mark.parametrize("migration", ["0018_summaries.sql", "0023_ack_times.sql"])
def test_the_migration_counts_what_is_already_stored(request, backend, tmp_path, migration, demo_store, monkeypatch):
    """A database made before the summaries (or each office's times to acknowledgement) existed gets them filled
    from its rows by the migration."""
    with demo_store.read() as con:
        tables = {table: con.rows(f"SELECT * FROM {table}") for table in (
            "regions", "offices", "teams", "people", "suggestions", "suggestion_events", "pulse_periods",
            "pulse_responses", *(("suggestion_cells", "pulse_cells") if migration > "0018_summaries.sql" else ()))}
    for cell in tables.get("suggestion_cells", []):
        del cell["seconds"]  # 0023 adds it
    with store_before(request, backend, tmp_path, migration) as older:
        load_rows(older, tables)
        db.migrate(older)
        # Morale's figures are not kept by a migration (they are counted in numpy): the worker's next run keeps them
        assert rollup.refresh(older) == len([p for p in tables["pulse_periods"] if p["closed_at"] is not None]) > 0
        summaries_match(older)
        with older.read() as con:
            assert con.scalar("SELECT count(*) FROM suggestion_cells") > 0
            acknowledged = con.scalar("SELECT count(*) FROM ack_times WHERE seconds IS NOT NULL")
        # the worker merges the migration's row per acknowledgement, a batch of offices at a time
        monkeypatch.setattr(counts, "MERGED_OFFICES", 2)
        assert counts.compact(older) >= acknowledged > 0
        summaries_match(older)
        with older.read() as con:
            assert con.scalar("SELECT count(*) FROM ack_times WHERE seconds IS NOT NULL") == 0
            assert con.scalar("SELECT count(*) FROM ack_times") < acknowledged


def test_response_times_from_buckets_are_within_a_percent_of_the_exact_ones(demo_store, known):
    """The demo's 18 months: every month's median and p90 read from the buckets against percentile_cont over the
    raw rows, for the whole organisation and one team."""
    from board.reporting import dashboard

    period = dashboard.Filters(start=date(2025, 1, 1), end=date(2027, 1, 1))
    days = lambda column: f"CAST(extract(epoch FROM {column} - created_at) AS DOUBLE PRECISION) / 86400"  # noqa: E731
    for viewer in (known["leader"], known["manager"]):
        condition = "TRUE" if viewer.role == "leader" else f"team_id = {viewer.team_id}"
        with demo_store.read() as con:
            exact = {r["month"]: r for r in con.rows(
                "SELECT date_trunc('month', created_at) AS month,"
                + ", ".join(f" percentile_cont({share}) WITHIN GROUP (ORDER BY {days(column)}) AS {name}"
                            for name, column, share in (
                                ("ack_median_days", "acknowledged_at", 0.5), ("ack_p90_days", "acknowledged_at", 0.9),
                                ("resolution_median_days", "resolved_at", 0.5),
                                ("resolution_p90_days", "resolved_at", 0.9)))
                + f" FROM suggestions WHERE {condition} AND (acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL)"
                " GROUP BY 1")}
        bucketed = dashboard.response_times(demo_store, viewer, period)
        assert len(bucketed) == len(exact) > 6
        for row in bucketed:
            for name, value in row.items():
                if name != "month":
                    truth = exact[row["month"]][name]
                    assert (value is None) == (truth is None)
                    if truth is not None:
                        assert abs(value - truth) <= 0.01 * truth + 1 / 1440, (viewer.role, row["month"], name)


def test_the_period_must_run_from_month_to_month(demo_store, known):
    from board.reporting import dashboard

    with pytest.raises(ValueError, match="first of a month"):
        dashboard.funnel(demo_store, known["leader"], dashboard.Filters(start=date(2026, 1, 15),
                                                                        end=date(2026, 3, 1)))


def test_the_migration_counts_each_meetings_problems_and_solutions(request, backend, tmp_path, demo_store):
    """Minutes published before meetings kept their counts get them from their items (removed items left out)."""
    with demo_store.read() as con:
        tables = {table: con.rows(f"SELECT * FROM {table} ORDER BY id") for table in (
            "regions", "offices", "teams", "people", "meetings", "meeting_items")}
    for meeting in tables["meetings"]:
        del meeting["problems"], meeting["solutions"]
    for n, row in enumerate(tables["meeting_items"]):
        row["removed"] = n % 7 == 0  # some items dropped by an amendment
    with store_before(request, backend, tmp_path, "0021_meeting_counts.sql") as older:
        load_rows(older, tables)
        db.migrate(older)
        with older.read() as con:
            meeting_counts_match(con)
            assert con.scalar("SELECT sum(problems) FROM meetings") > 0
            assert con.scalar("SELECT sum(solutions) FROM meetings") > 0
