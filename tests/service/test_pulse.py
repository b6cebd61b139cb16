"""The morale pulse: one answer per period, no identity in a response, results only for groups of k."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from board.clock import utcnow
from board.errors import Invalid
from board.morale import pulse, rollup
from board.org import roster, settings
from board.reporting import dashboard, reports
from tests.support.anonymity import new_rows, snapshot
from tests.support.pages import open_page
from tests.support.pulse import good, same_shown, team_members

DAY = date(2026, 11, 18)
LENGTH = 14


def test_periods_line_up_and_cover_every_day():
    start, end = pulse.period_bounds(DAY, LENGTH)
    assert start <= DAY < end and (end - start).days == LENGTH and (start - pulse.ANCHOR).days % LENGTH == 0
    assert pulse.period_bounds(end, LENGTH)[0] == end


def test_one_answer_per_person_per_period(org_store, known):
    staff = known["staff"]
    assert not pulse.has_answered(org_store, staff, today=DAY, length_days=LENGTH)
    pulse.submit(org_store, staff, good(), today=DAY, length_days=LENGTH)
    assert pulse.has_answered(org_store, staff, today=DAY, length_days=LENGTH)
    with pytest.raises(pulse.AlreadyAnswered, match="already answered"):
        pulse.submit(org_store, staff, good(mood=1), today=DAY, length_days=LENGTH)
    _, end = pulse.period_bounds(DAY, LENGTH)
    pulse.submit(org_store, staff, good(), today=end, length_days=LENGTH)  # the next period is open again
    with org_store.read() as con:  # the first period closed with one answer in all: too few to keep
        assert con.scalar("SELECT count(*) FROM pulse_responses") == 1
        assert con.scalar("SELECT sum(answered) FROM pulse_turnout") == 1


@pytest.mark.parametrize("changes, field", [({"mood": 0}, "mood"), ({"enps": 11}, "enps"), ({"tools": None}, "tools"),
                                            ({"comment": "x" * 1001}, "comment")])
def test_invalid_answers_are_named_and_nothing_is_stored(org_store, known, changes, field):
    with pytest.raises(Invalid) as invalid:
        pulse.submit(org_store, known["staff"], good(**changes), today=DAY, length_days=LENGTH)
    assert list(invalid.value.errors) == [field]
    assert not pulse.has_answered(org_store, known["staff"], today=DAY, length_days=LENGTH)


def test_a_response_cannot_be_joined_back_to_the_person(org_store, known):
    staff, marker = known["staff"], "PULSE-MARKER-42"
    before = snapshot(org_store)
    pulse.submit(org_store, staff, good(comment=marker), today=DAY, length_days=LENGTH)
    rows = new_rows(before, snapshot(org_store))
    response = next(r for r in rows if r.get("comment") == marker)
    assert set(response) == {"id", "period_id", "team_id", "office_id", "region_id", "mood", "enps", "empowered",
                             "tools", "acted_on", "workload", "proud", "comment"}  # no person, no time
    assert len(response["id"]) == 32  # random, not a sequence
    participation = next(r for r in rows if "voter" in r)
    assert set(participation) == {"period_id", "voter", "team_id"}  # a keyed hash: no person id anywhere
    period = participation["period_id"]  # the hash needs the server's key: without it, no person can be tried
    assert participation["voter"] == pulse.voter(pulse.voter_key(), period, staff.id)
    assert participation["voter"] != pulse.voter(b"", period, staff.id)
    assert not any(staff.id in (r.get("person_id"), r.get("actor_id")) for r in rows)


def show_unsealed(store) -> None:
    """Mark every period closed without closing it (no generalisation), as a period is whose cells are below a
    k raised after it closed: the suppression that applies on top of generalisation is then what decides."""
    def mark(con) -> None:
        con.execute("UPDATE pulse_periods SET closed_at = now()")
        pulse.rebuild_cells(con)  # the counts the dashboards read, as sealing would have written them

    store.write(mark)


def close_periods(store, day: date = DAY) -> list[int]:
    """Close every period that ended by the end of the period containing day, as the app does."""
    return pulse.close_due(store, pulse.period_bounds(day, LENGTH)[1])


def answer_team(store, team_people, n: int, mood: int, enps: int) -> None:
    for person in team_people[:n]:
        pulse.submit(store, person, good(mood=mood, enps=enps), today=DAY, length_days=LENGTH)


def test_morale_figures_and_small_groups_suppressed_with_their_complement(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    answer_team(org_store, billing, 6, mood=4, enps=10)   # 6 promoters
    answer_team(org_store, care, 2, mood=2, enps=3)       # 2 detractors: a small group
    show_unsealed(org_store)
    leader = known["leader"]
    teams = {r["group"]: r for r in reports.morale(org_store, leader, k=5, level="team")}
    assert (teams["Customer Care, Kuala Lumpur"]["suppressed"]
            and teams["Customer Care, Kuala Lumpur"]["responses"] is None)
    # Billing (6) beside Kuala Lumpur (8) would reveal Customer Care's 2 by subtraction: suppressed too.
    assert teams["Billing, Kuala Lumpur"]["suppressed"]
    office = next(r for r in reports.morale(org_store, leader, k=5, level="office") if r["group"] == "Kuala Lumpur")
    assert (office["responses"], office["mood"], office["enps"]) == (8, 3.5, 50)  # (6*4+2*2)/8; (6-2)/8


def test_morale_is_shown_only_within_scope(org_store, known):
    answer_team(org_store, team_members(org_store, known, "Billing"), 6, mood=4, enps=8)
    show_unsealed(org_store)
    assert reports.morale(org_store, known["staff"], k=5, level="team") == []
    mine = reports.morale(org_store, known["manager"], k=5, level="team")
    assert [r["group"] for r in mine] == ["Billing, Kuala Lumpur"]
    assert {r["group"] for r in reports.morale(org_store, known["regional_manager"], k=5, level="region")} == {
        "Asia Pacific"}


def test_pulse_page_answers_once_and_home_reminds_until_then(org_store, known):
    at = open_page(org_store, known["staff"])
    assert any("morale pulse" in link.label for link in at.get("page_link"))
    at.switch_page("app_pages/pulse.py").run()
    radios = at.radio
    for radio in radios:
        radio.set_value(radio.options and int(radio.options[-1]))
    at.button(key="FormSubmitter:pulse_form-Send my answer").click().run()
    assert not at.exception and "You have answered the pulse for this period" in [s.value for s in at.success][0]
    assert pulse.has_answered(org_store, known["staff"], today=date.today(), length_days=LENGTH)
    at.switch_page("app_pages/home.py").run()
    assert not any("morale pulse" in link.label for link in at.get("page_link"))


def test_pulse_page_names_missing_answers(org_store, known):
    at = open_page(org_store, known["staff"], "pulse")
    at.button(key="FormSubmitter:pulse_form-Send my answer").click().run()
    assert "Choose a mood from 1 to 5." in [e.value for e in at.error]
    assert not pulse.has_answered(org_store, known["staff"], today=date.today(), length_days=LENGTH)


def test_a_closed_period_is_rewritten_in_random_order(org_store, known, backend):
    team = team_members(org_store, known, "Billing") + team_members(org_store, known, "Customer Care")
    for number, person in enumerate(team):
        pulse.submit(org_store, person, good(comment=f"c{number:02d}"), today=DAY, length_days=LENGTH)
    _, end = pulse.period_bounds(DAY, LENGTH)
    pulse.submit(org_store, known["leader"], good(), today=end, length_days=LENGTH)  # opens the next period
    with org_store.read() as con:
        position = "ctid" if backend == "postgres" else "rowid"  # where each row physically is
        order = [r["comment"] for r in con.rows(
            f"SELECT comment FROM pulse_responses WHERE comment <> '' ORDER BY {position}")]
    assert sorted(order) == [f"c{n:02d}" for n in range(len(team))] and order != sorted(order)


def test_comments_only_for_groups_that_are_shown(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    for person in billing[:6]:
        pulse.submit(org_store, person, good(comment="Billing note"), today=DAY, length_days=LENGTH)
    for person in care[:2]:
        pulse.submit(org_store, person, good(comment="Care note"), today=DAY, length_days=LENGTH)
    show_unsealed(org_store)
    with org_store.read() as con:
        period = con.scalar("SELECT id FROM pulse_periods")
    leader, office = known["leader"], known["staff"].office_id
    assert reports.pulse_comments(org_store, leader, k=5, period_id=period, level="team",
                                  group_id=billing[0].team_id) == []
    office_comments = reports.pulse_comments(org_store, leader, k=5, period_id=period, level="office", group_id=office)
    assert sorted(office_comments) == ["Billing note"] * 6 + ["Care note"] * 2


def test_morale_for_a_period_range_matches_the_same_periods_unfiltered(demo_store, known):
    leader, start, end = known["leader"], date(2026, 1, 1), date(2026, 7, 1)
    ranged = reports.morale(demo_store, leader, k=5, level="team", start=start, end=end)
    everything = [r for r in reports.morale(demo_store, leader, k=5, level="team") if start <= r["starts_on"] < end]
    assert ranged == everything and ranged  # suppression is per period, so the range changes nothing shown


def test_mood_of_counts_only_the_periods_where_the_group_is_shown(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    answer_team(org_store, billing, 6, mood=4, enps=8)
    answer_team(org_store, care, 5, mood=2, enps=8)
    later = DAY + timedelta(days=LENGTH)
    for person in billing[:2]:  # a second period in which Billing alone answers, too few to be shown
        pulse.submit(org_store, person, good(mood=1), today=later, length_days=LENGTH)
    show_unsealed(org_store)
    figures = reports.Morale(org_store, k=5)
    teams = figures.mood_of(known["leader"])
    assert {t["group"]: (t["responses"], t["mood"]) for t in teams.values()} == {
        "Billing, Kuala Lumpur": (6, 4.0), "Customer Care, Kuala Lumpur": (5, 2.0)}
    assert list(figures.mood_of(known["manager"])) == [known["manager"].team_id]
    assert figures.mood_of(known["staff"]) == {}
    offices = figures.mood_of(known["leader"], "office")  # both teams are in one office: their answers pooled
    assert {o["group"]: (o["responses"], o["mood"]) for o in offices.values()} == {"Kuala Lumpur": (11, 3.09)}
    billing_rows = [r for r in figures.rows(known["leader"], "team") if r["group"] == "Billing, Kuala Lumpur"]
    assert [(r["responses"], r["suppressed"]) for r in billing_rows] == [(6, False), (None, True)]


def test_rows_within_a_unit_are_the_scopes_rows_of_that_unit(demo_store, known):
    """Narrowed in arrays (an office of 40,000 teams without a row of the others built): the same rows as the
    viewer's whole scope filtered afterwards, for every level and unit, and nothing above the unit."""
    figures = reports.Morale(demo_store, k=5)
    leader, regional = known["leader"], known["regional_manager"]
    units = dashboard.units_in_scope(demo_store, leader)
    some = {"region_id": units[0]["region_id"]}, {"office_id": units[-1]["office_id"]}, \
        {"team_id": units[len(units) // 2]["team_id"]}, {"region_id": regional.region_id, "office_id": None}
    for viewer in (leader, regional):
        for level in ("org", "region", "office", "team"):
            for within in some:
                given = {key: value for key, value in within.items() if value is not None}
                expected = [r for r in figures.rows(viewer, level) if all(r[key] == given[key] for key in given)]
                assert figures.rows(viewer, level, within) == expected, (viewer.role, level, within)
            office = units[-1]["office_id"]
            teams = {team: t for team, t in figures.mood_of(viewer).items() if t["office_id"] == office}
            assert figures.mood_of(viewer, "team", {"office_id": office}) == teams
    office_teams = figures.rows(leader, "team", {"office_id": units[-1]["office_id"]})
    assert office_teams and {r["office_id"] for r in office_teams} == {units[-1]["office_id"]}
    assert figures.rows(leader, "region", {"office_id": units[-1]["office_id"]}) == []  # a region is above it


def test_the_roll_up_counts_every_level_as_sql_does(demo_store):
    figures = reports.Morale(demo_store, k=5, kept=False)  # counted from the cells (kept ones: next tests)
    column = {key: i for i, key in enumerate(figures.keys)}
    row = {period_id: i for i, (period_id, _) in enumerate(figures.periods)}
    total = 0
    with demo_store.read() as con:
        for level, group in (("team", "team_id"), ("office", "office_id"), ("region", "region_id"), ("org", "0")):
            truth = con.rows(  # generalised answers count from their lowest remaining level up
                f"SELECT r.period_id, {group} AS unit, count(*) AS n, sum(r.mood) AS mood FROM pulse_responses r"
                " JOIN pulse_periods p ON p.id = r.period_id WHERE p.closed_at IS NOT NULL"
                f" AND {group} IS NOT NULL GROUP BY 1, 2")
            for t in truth:
                cell = (row[t["period_id"]], column[(level, t["unit"])])
                assert (figures.sums["n"][cell], figures.sums["mood"][cell]) == (t["n"], t["mood"]), (level, t)
                total += t["n"]
    assert figures.sums["n"].sum() == total and total  # every level counted, no more


def same_figures(a: reports.Morale, b: reports.Morale) -> bool:
    """Every level's figures a viewer can read equal (read from what was kept or counted anew)."""
    return a.periods == b.periods and all(same_shown(a.figures(level), b.figures(level)) for level in rollup.LEVELS)


def test_viewers_share_the_figures_until_another_period_closes_and_they_equal_a_fresh_count(org_store, known):
    reports.forget_shared_morale()
    billing = team_members(org_store, known, "Billing")
    answer_team(org_store, billing, 6, mood=4, enps=8)
    assert close_periods(org_store)
    first = reports.Morale(org_store, k=5)
    again = reports.Morale(org_store, k=5)
    assert again.figures("team") is first.figures("team")  # read once, shared with the next viewer
    later = DAY + timedelta(days=LENGTH)
    for person in billing:  # answers to the open period change nothing shown: the figures stay
        pulse.submit(org_store, person, good(mood=2), today=later, length_days=LENGTH)
    assert reports.Morale(org_store, k=5).figures("team") is first.figures("team")
    assert close_periods(org_store, later)
    after = reports.Morale(org_store, k=5)
    reports.forget_shared_morale()
    counted = reports.Morale(org_store, k=5, kept=False)
    assert after.figures("team") is not first.figures("team") and len(counted.periods) == 2
    assert same_figures(after, counted) and counted.sums["n"].sum() > 0
    assert reports.Morale(org_store, k=3).figures("team") is not after.figures("team")  # another k on its own
    with pytest.raises(ValueError):
        counted.figures("team").n[0, 0] = 1  # shared between viewers: nobody writes into them


def kept_rows(store) -> list[dict]:
    with store.read() as con:
        return con.rows("SELECT r.*, m.structure, m.k FROM pulse_rollup r JOIN pulse_rollup_made m"
                        " ON m.period_id = r.period_id ORDER BY r.period_id, r.level, r.group_id")


def test_closing_a_period_keeps_its_figures(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    answer_team(org_store, billing, 6, mood=4, enps=10)
    answer_team(org_store, care, 5, mood=2, enps=3)
    [period] = close_periods(org_store)
    rows = kept_rows(org_store)
    assert {r["period_id"] for r in rows} == {period} and {r["k"] for r in rows} == {5}
    shown = {(r["level"], r["group_id"]): (r["answers"], r["mood"], r["promoters"], r["detractors"])
             for r in rows if r["shown"]}
    assert shown[("team", billing[0].team_id)] == (6, 24, 6, 0) and shown[("org", 0)] == (11, 34, 6, 5)
    # the dashboards read those rows: the same figures as counted from the cells
    assert same_figures(reports.Morale(org_store, k=5), reports.Morale(org_store, k=5, kept=False))


def test_a_hidden_groups_row_keeps_no_figures(org_store, known):
    """Cells below k (a period counted without generalisation, as after k was raised): Customer Care's 2 are
    hidden, and Billing's 6 beside their office's 8 would reveal them by subtraction; both rows hold no figures."""
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    answer_team(org_store, billing, 6, mood=4, enps=10)
    answer_team(org_store, care, 2, mood=2, enps=3)
    show_unsealed(org_store)  # its figures kept as pulse.rebuild_cells keeps them
    rows = kept_rows(org_store)
    hidden = {(r["level"], r["group_id"]): r for r in rows if not r["shown"]}
    assert set(hidden) == {("team", billing[0].team_id), ("team", care[0].team_id)}
    assert all(row[name] is None for row in hidden.values() for name in ("answers", "mood", "promoters", "detractors"))
    assert {(r["level"], r["answers"]) for r in rows if r["shown"]} == {("org", 8), ("region", 8), ("office", 8)}
    assert same_figures(reports.Morale(org_store, k=5), reports.Morale(org_store, k=5, kept=False))


def test_kept_figures_go_stale_when_the_structure_or_k_changes_and_the_worker_keeps_them_again(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    answer_team(org_store, billing, 6, mood=4, enps=10)
    answer_team(org_store, care, 3, mood=2, enps=3)
    close_periods(org_store)
    reports.forget_shared_morale()
    with org_store.read() as con:
        kept = rollup.Units(con)
        assert rollup.stored(con, kept, [r["id"] for r in con.rows("SELECT id FROM pulse_periods")], "team", 5)

    # a new office and team (teams never move between offices: the hierarchy only grows)
    assert roster.import_org(org_store, b"region,office,team\nAsia Pacific,Penang,Billing\n") == 1
    with org_store.read() as con:
        units = rollup.Units(con)
        periods = [r["id"] for r in con.rows("SELECT id FROM pulse_periods WHERE closed_at IS NOT NULL")]
        assert units.structure() != kept.structure() and rollup.stored(con, units, periods, "office", 5) is None
    grown = reports.Morale(org_store, k=5)  # counted anew, under the new structure
    assert same_figures(grown, reports.Morale(org_store, k=5, kept=False))
    assert "Penang" not in {r["group"] for r in grown.rows(known["leader"], "office")}  # no answers: no row
    assert rollup.refresh(org_store) == len(periods) and rollup.refresh(org_store) == 0
    with org_store.read() as con:
        assert rollup.stored(con, units, periods, "office", 5) is not None
    reports.forget_shared_morale()
    assert same_figures(reports.Morale(org_store, k=5), grown)
    current = settings.load(org_store)  # the admin lowers the minimum group size
    settings.save(org_store, known["admin"], anonymity_k=3, ack_sla_days=current.ack_sla_days,
                  categories=list(current.categories))
    with org_store.read() as con:
        assert rollup.stored(con, units, periods, "team", 3) is None
    assert rollup.refresh(org_store) == len(periods)
    assert {r["k"] for r in kept_rows(org_store)} == {3}
    reports.forget_shared_morale()
    assert same_figures(reports.Morale(org_store, k=3), reports.Morale(org_store, k=3, kept=False))


def test_the_whole_organisations_participation_is_the_sum_of_its_regions(demo_store, known):
    """The leader's unfiltered participation skips the joins to teams and offices (they drop nothing): it must
    count what each region's narrowed, joined count adds up to, for closed periods and the open one alike."""
    leader = known["leader"]
    regions = {u["region_id"] for u in dashboard.units_in_scope(demo_store, leader)}
    whole = reports.participation(demo_store, leader)
    parts = [reports.participation(demo_store, leader, region_id=region) for region in regions]
    assert len(regions) > 1 and {r["closed"] for r in whole} == {True, False}
    assert all(r["answered"] for r in whole if r["closed"])
    for i, row in enumerate(whole):
        assert [p[i]["starts_on"] for p in parts] == [row["starts_on"]] * len(parts)
        assert (row["answered"], row["people"]) == (sum(p[i]["answered"] for p in parts),
                                                    sum(p[i]["people"] for p in parts)), row


def test_a_database_made_before_kept_figures_counts_them_until_the_worker_keeps_them(request, backend, tmp_path,
                                                                                     demo_store, monkeypatch):
    """Migration 0024 adds the tables empty (the figures are counted in numpy, not SQL): the dashboards count
    Morale from the cells as before, and the notification worker's next run keeps every closed period's."""
    from board import store as db
    from board.notify import worker
    from board.notify.config import NotifyConfig
    from tests.conftest import load_rows, store_before
    from tests.support.pulse import kept_equals_counted

    with demo_store.read() as con:
        tables = {table: con.rows(f"SELECT * FROM {table}") for table in (
            "regions", "offices", "teams", "pulse_periods", "pulse_cells")}
    closed = len([p for p in tables["pulse_periods"] if p["closed_at"] is not None])
    with store_before(request, backend, tmp_path, "0024_pulse_rollup.sql") as older:
        load_rows(older, tables)
        db.migrate(older)
        reports.forget_shared_morale()
        before = reports.Morale(older, k=5)  # nothing kept yet: counted from the cells
        assert before.figures("org").n.sum() > 0
        assert same_figures(before, reports.Morale(older, k=5, kept=False))
        config = NotifyConfig(secret="tests-only-notify-secret-0123456789abcdef")
        monkeypatch.setattr(rollup, "MOST_REFRESHED", 16)  # a run keeps at most so many; the next goes on
        runs = [worker.run_once(older, config, now=utcnow())["morale"] for _ in range(closed // 16 + 2)]
        assert runs == [16] * (closed // 16) + [closed % 16, 0] and closed > 16  # then nothing stale: no write
        with older.read() as con:
            assert kept_equals_counted(con) == closed
        reports.forget_shared_morale()
        assert same_figures(reports.Morale(older, k=5), before)


def test_a_kept_row_of_a_unit_the_reader_does_not_know_is_left_out(org_store, known):
    """A row whose group the reader's hierarchy lacks (never written so; a guard) is dropped, never placed in
    another group's column."""
    billing = team_members(org_store, known, "Billing")
    answer_team(org_store, billing, 6, mood=4, enps=10)
    [period] = close_periods(org_store)

    def stray(con) -> None:
        con.execute("INSERT INTO pulse_rollup (period_id, level, group_id, shown, answers, mood, promoters, detractors)"
                    " VALUES (?, 'team', 999999, TRUE, 50, 200, 50, 0)", (period,))

    org_store.write(stray)
    reports.forget_shared_morale()
    with org_store.read() as con:
        units = rollup.Units(con)
        kept = rollup.stored(con, units, [period], "team", 5)
        assert kept is not None and kept.n.sum() == 6
    assert same_figures(reports.Morale(org_store, k=5), reports.Morale(org_store, k=5, kept=False))
