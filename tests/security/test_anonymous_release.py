"""Anonymous suggestions give no time window (issue 12, finding 4 and the code and session parts of finding 3).

Each test is written as the attack it stops: a colleague or manager placing an anonymous suggestion between named
ones of the same day by its number, position or time; a manager reloading triage to see when one arrives; a
database reader reading who typed wrong follow-up codes or exact session times; the author's own +1."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, time, timedelta

import pytest

from board import store as db
from board.errors import Invalid
from board.feedback import inbox, receipts, release, triage
from board.feedback import suggestions as sg
from board.org import accounts
from board.org.access import ROLES
from board.reporting import dashboard
from tests.conftest import store_before
from tests.support.anonymity import PERSON_COLUMNS, new_rows, snapshot
from tests.support.pages import open_page, texts
from tests.support.suggestions import CATEGORIES, draft, submit, submit_released

DAY = date(2026, 11, 10)  # a Tuesday
NEXT = DAY + timedelta(days=1)
MIDNIGHT = datetime.combine(DAY, time())
EVERYTHING = dashboard.Filters(start=date(2020, 1, 1), end=date(2032, 1, 1))
TRIAGERS = ("manager", "regional_manager", "leader")
SECRET = "Overtime is logged under the wrong code"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute))


def raise_(store, person, key: str, when: datetime, **changes) -> sg.Receipt:
    return sg.submit(store, person, draft(**changes), categories=CATEGORIES, submission_key=key, now=when)


def views(store, known: dict, today: date) -> dict:
    """Everything each role can read about suggestions, in the order shown: lists, numbers, times, counts."""
    seen = {}
    for role in ROLES:
        person = known[role]
        found = sg.browse(store, person)
        seen[role, "browse"] = (found.total, found.rows)
        seen[role, "similar"] = sg.similar(store, person, SECRET, "overtime logged wrong code")
        seen[role, "mine"] = sg.mine(store, person)
        seen[role, "inbox"] = inbox.updates(store, person)
        if role in TRIAGERS:
            for sort in triage.SORTS:
                seen[role, "queue", sort] = triage.queue(store, person, sort=sort, today=today, sla_days=5,
                                                         include_closed=True)
            seen[role, "counts"] = triage.queue_counts(store, person, today=today, sla_days=5)
            frames = dashboard.tab_tables(store, person, EVERYTHING, today=today,
                                          sla_cutoff=today - timedelta(days=7), k=5)  # every tab
            seen[role, "dashboard"] = {name: v if isinstance(v, dict) else v.to_dict("records")
                                       for name, v in frames.items()}
            seen[role, "drill"] = dashboard.drill(store, person, EVERYTHING, status="new", today=today)
    return seen


def between(ids: list[int], anonymous: int, first: int, last: int) -> bool:
    """Whether the anonymous one sits strictly between the two named ones in a list as shown."""
    low, high = sorted((ids.index(first), ids.index(last)))
    return low < ids.index(anonymous) < high


# --- (a) numbering, order and time ---------------------------------------------------------------------

@pytest.mark.slow
def test_a_days_anonymous_suggestion_cannot_be_placed_between_named_ones_by_any_role(org_store, known):
    staff, manager = known["staff"], known["manager"]
    first = raise_(org_store, staff, "named-9", at(9)).id
    held = raise_(org_store, staff, "anonymous-10", at(10), anonymous=True, title=SECRET)
    last = raise_(org_store, manager, "named-11", at(11)).id

    # Before the release nobody but the code holder sees it, in any view of any role.
    assert held.id is None and held.held
    assert SECRET not in repr(views(org_store, known, DAY))
    opened = sg.follow(org_store, staff, held.code)
    assert opened["held"] and opened["title"] == SECRET and opened["submitted_on"] == DAY

    assert release.release_anonymous(org_store, NEXT) == 1
    with org_store.read() as con:
        row = con.one("SELECT id, created_at FROM suggestions WHERE title = ?", (SECRET,))
    assert row["id"] > last > first and row["created_at"] == MIDNIGHT  # numbered after the day, dated at midnight
    assert [(e["kind"], e["created_at"]) for e in sg.timeline(org_store, row["id"])] == [("submitted", MIDNIGHT)]
    for role in ROLES:  # every list as every role: never between the named ones of its day
        listed = [r["id"] for r in sg.browse(org_store, known[role]).rows]
        if row["id"] in listed:
            assert not between(listed, row["id"], first, last), role
    for role in TRIAGERS:
        for sort in triage.SORTS:
            queue = [r["id"] for r in triage.queue(org_store, known[role], sort=sort, today=NEXT, sla_days=5)]
            if row["id"] in queue and first in queue and last in queue:
                assert not between(queue, row["id"], first, last), (role, sort)
        drilled = [r["id"] for r in dashboard.drill(org_store, known[role], EVERYTHING, status="new", today=NEXT)]
        if row["id"] in drilled:
            assert not between(drilled, row["id"], first, last), role
    newest = [r["id"] for r in dashboard.newest(org_store, known["leader"], EVERYTHING)]
    assert not between(newest, row["id"], first, last)


@pytest.mark.slow
def test_a_days_anonymous_suggestions_are_numbered_in_no_particular_order(org_store, known):
    keys = [f"anonymous-{n}" for n in range(10)]
    for n, key in enumerate(keys):  # written one after another through the day
        raise_(org_store, known["staff"], key, at(8, 5 * n), anonymous=True, title=f"Batch item {n:02}")
    release.release_anonymous(org_store, NEXT)
    with org_store.read() as con:
        rows = con.rows("SELECT id, title, created_at FROM suggestions ORDER BY id")
    assert {r["created_at"] for r in rows} == {MIDNIGHT} and len(rows) == 10
    # 1 chance in 10! (3.6 million) that a random order equals the order of writing
    assert [r["title"] for r in rows] != [f"Batch item {n:02}" for n in range(10)]


def test_the_release_is_idempotent_and_waits_for_the_day_to_end(org_store, known):
    receipt = raise_(org_store, known["staff"], "once", at(14), anonymous=True)
    assert raise_(org_store, known["staff"], "once", at(14, 1), anonymous=True).repeated  # a double click
    assert release.release_due(org_store, DAY) == 0  # the day is not over: nothing goes out
    assert release.release_due(org_store, NEXT) == 1 and release.release_due(org_store, NEXT) == 0
    again = raise_(org_store, known["staff"], "once", at(14, 2), anonymous=True)  # a browser retry after release
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestions") == 1
        assert con.scalar("SELECT count(*) FROM held_suggestions") == 0
    assert again.repeated and again.id == sg.follow(org_store, known["staff"], receipt.code)["id"]


@pytest.mark.slow
def test_two_servers_releasing_at_once_release_each_suggestion_once(org_store, known):
    for n in range(6):
        raise_(org_store, known["staff"], f"race-{n}", at(12, n), anonymous=True, title=f"Race item {n}")
    # A second server: on PostgreSQL another pool (the advisory lock is what serialises them); on DuckDB the
    # one process-wide store, shared by its threads as the app shares it.
    other = db.make_store(org_store.url) if org_store.dialect == "postgres" else org_store
    counts, start = [], threading.Barrier(2)

    def run(store) -> None:
        start.wait()
        counts.append(release.release_anonymous(store, NEXT))

    threads = [threading.Thread(target=run, args=(s,)) for s in (org_store, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if other is not org_store:
        other.close()
    assert sorted(counts) == [0, 6]
    with org_store.read() as con:
        assert con.scalar("SELECT count(DISTINCT title) FROM suggestions") == 6
        assert con.scalar("SELECT count(*) FROM suggestion_events WHERE kind = 'submitted'") == 6


@pytest.mark.slow
def test_the_authors_messages_wait_for_the_release_and_keep_their_order(org_store, known):
    receipt = raise_(org_store, known["staff"], "talk", at(9), anonymous=True)
    sg.author_reply(org_store, known["staff"], receipt.code, "First, while it is held.", now=at(9, 30))
    release.release_anonymous(org_store, NEXT)
    sid = sg.follow(org_store, known["staff"], receipt.code)["id"]
    triage.reply(org_store, known["manager"], sid, "Which code?", now=datetime.combine(NEXT, time(9)))
    sg.author_reply(org_store, known["staff"], receipt.code, "Second.", now=datetime.combine(NEXT, time(9, 5)))
    sg.author_reply(org_store, known["staff"], receipt.code, "Third.", now=datetime.combine(NEXT, time(9, 6)))
    before = sg.timeline(org_store, sid)
    assert [e["note"] for e in before] == ["", "First, while it is held.", "Which code?"]
    release.release_anonymous(org_store, NEXT + timedelta(days=1))
    after = sg.timeline(org_store, sid)
    assert [e["note"] for e in after][3:] == ["Second.", "Third."]
    assert {e["created_at"] for e in after if e["actor"] == "Anonymous author"} == {
        MIDNIGHT, datetime.combine(NEXT, time())}  # their days, no time


def test_held_rows_keep_no_time_and_no_person(org_store, known):
    """A database reader finds the day and the routing, nothing that places the author in time."""
    before = snapshot(org_store)
    receipt = raise_(org_store, known["staff"], "held", at(10, 17), anonymous=True)
    sg.author_reply(org_store, known["staff"], receipt.code, "A detail.", now=at(10, 21))
    with org_store.read() as con:
        columns = con.rows("SELECT table_name, column_name, data_type FROM information_schema.columns"
                           " WHERE table_schema = current_schema() AND table_name LIKE 'held%'")
    assert columns and not [c for c in columns if "TIME" in c["data_type"].upper()]
    assert not [c for c in columns if c["column_name"] in PERSON_COLUMNS]
    rows = new_rows(before, snapshot(org_store))
    assert sorted(r.get("submitted_on") or r.get("written_on") for r in rows) == [DAY, DAY]


# --- (b) reloading triage (and every other view) shows nothing new the same day ---------------------------

@pytest.mark.slow
def test_reading_every_view_before_and_after_an_anonymous_submit_on_the_same_day_shows_no_change(org_store, known):
    now = accounts.utcnow()
    submit_released(org_store, known["staff"], key="older")  # an older anonymous one, already out
    raise_(org_store, known["staff"], "named", now - timedelta(minutes=1))
    before = views(org_store, known, now.date())
    raise_(org_store, known["staff"], "now", now, anonymous=True, title=SECRET)
    assert views(org_store, known, now.date()) == before


@pytest.mark.slow
def test_the_triage_page_reloaded_after_an_anonymous_raise_shows_no_change(org_store, known):
    submit(org_store, known["staff"], key="named")

    def shown() -> list:
        page = open_page(org_store, known["manager"], "triage")
        return [texts(page), *[frame.value.to_dict("records") for frame in page.dataframe]]

    before = shown()
    page = open_page(org_store, known["staff"], "raise")
    page.toggle(key="raise_anonymous").set_value(True).run()
    page.text_input(key="raise_title").input(SECRET)
    page.text_area(key="raise_description").input("Overtime from the weekend shifts is logged under training.")
    page.button(key="FormSubmitter:raise_form-Continue").click().run()
    assert page.code and "passed on together" in texts(page)
    assert shown() == before


# --- (c) wrong follow-up codes name nobody --------------------------------------------------------------

@pytest.mark.slow
def test_wrong_codes_are_counted_for_everyone_without_a_person(org_store, known, monkeypatch):
    receipt = submit_released(org_store, known["staff"])
    now = datetime.combine(accounts.utcnow().date(), time(10, 7, 30))
    before = snapshot(org_store)
    for person in (known["staff"], known["manager"], known["staff"]):
        with pytest.raises(receipts.BoardError):
            sg.follow(org_store, person, "AAAAAA-BBBB-CCCC-DDDD-EEEE", now=now, tried=[])
    assert new_rows(before, snapshot(org_store)) == [{"window_start": now.replace(minute=0, second=0),
                                                      "failures": 3}]
    with org_store.read() as con:
        assert {r["column_name"] for r in con.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'code_attempts'")} == {"window_start", "failures"}
        assert not con.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                              " AND table_name = 'code_failures'")
    # The organisation-wide limit stops a guesser who opens new sessions; the next window starts afresh.
    monkeypatch.setattr(receipts, "MAX_FAILURES_EVERYONE", 3)
    with pytest.raises(receipts.CodeThrottled):
        sg.follow(org_store, known["leader"], receipt.code, now=now, tried=[])
    later = now + receipts.PAUSE
    assert sg.follow(org_store, known["leader"], receipt.code, now=later, tried=[])["id"] == receipt.id
    with pytest.raises(receipts.BoardError):
        sg.follow(org_store, known["leader"], "AAAAAA-BBBB-CCCC-DDDD-EEEE", now=later, tried=[])
    with org_store.read() as con:  # only the current window is kept
        assert con.rows("SELECT * FROM code_attempts") == [{"window_start": later.replace(minute=15, second=0),
                                                            "failures": 1}]


# --- (d) sessions keep 5 minutes ------------------------------------------------------------------------

def test_sessions_store_times_to_the_nearest_five_minutes(org_store, known):
    person = known["staff"]
    token = accounts.start_session(org_store, person.id, now=datetime(2026, 11, 10, 10, 7, 31, 123456))

    def raw() -> dict:
        with org_store.read() as con:
            return con.one("SELECT created_at, last_seen_at, ended_at FROM sessions WHERE person_id = ?",
                           (person.id,))

    assert raw() == {"created_at": datetime(2026, 11, 10, 10, 5), "last_seen_at": datetime(2026, 11, 10, 10, 5),
                     "ended_at": None}
    assert accounts.resume_session(org_store, token, now=datetime(2026, 11, 10, 10, 13, 2)) == person
    assert raw()["last_seen_at"] == datetime(2026, 11, 10, 10, 10)
    accounts.end_session(org_store, token)
    ended = raw()["ended_at"]
    assert (ended.minute % 5, ended.second, ended.microsecond) == (0, 0, 0)


def test_the_migration_rounds_the_sessions_already_stored(request, backend, tmp_path):
    """Sessions written before this version lose their exact times when the database is upgraded."""
    with store_before(request, backend, tmp_path, "0008") as store:
        store.write(lambda con: con.execute(
            "INSERT INTO regions (id, name) VALUES (1, 'R');"
            " INSERT INTO offices (id, region_id, name) VALUES (1, 1, 'O');"
            " INSERT INTO teams (id, office_id, name) VALUES (1, 1, 'T');"
            " INSERT INTO people (id, email, name, role, team_id) VALUES (1, 'a@b.c', 'A', 'staff', 1);"
            " INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, ended_at) VALUES"
            " ('x', 1, TIMESTAMP '2026-11-10 10:07:31.5', TIMESTAMP '2026-11-10 10:59:59', NULL)"))
        assert db.migrate(store)[0] == "0008_anonymous_release.sql"  # then any later ones
        with store.read() as con:
            assert con.one("SELECT created_at, last_seen_at, ended_at FROM sessions") == {
                "created_at": datetime(2026, 11, 10, 10, 5), "last_seen_at": datetime(2026, 11, 10, 10, 55),
                "ended_at": None}


# --- (e) no +1 on your own anonymous suggestion --------------------------------------------------------

def test_a_vote_through_a_code_opened_view_is_refused(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    with pytest.raises(Invalid) as refused:
        sg.vote(org_store, known["staff"], receipt.id, own_anonymous={receipt.id})
    assert refused.value.errors == {"vote": "You cannot +1 your own suggestion."}
    assert sg.get(org_store, known["manager"], receipt.id)["votes"] == 0


@pytest.mark.slow
def test_the_follow_page_and_then_browse_offer_the_author_no_plus_one(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    page = open_page(org_store, known["staff"], "follow")
    page.text_input[0].input(receipt.code)
    page.button(key="FormSubmitter:code_form-Open").click().run()
    assert f"#{receipt.id}" in texts(page) and "+1" not in [b.label for b in page.button]
    page.switch_page("app_pages/browse.py")
    page.query_params["id"] = str(receipt.id)
    page.run()
    assert not page.exception and f"#{receipt.id}" in texts(page)
    assert "+1" not in [b.label for b in page.button]  # this session opened it with its code
    other = open_page(org_store, known["manager"], "browse")  # anyone else is offered the +1
    other.query_params["id"] = str(receipt.id)
    other.run()
    assert "+1" in [b.label for b in other.button]


@pytest.mark.slow
def test_the_follow_page_explains_a_held_suggestion_and_takes_a_reply_for_the_release(org_store, known):
    page = open_page(org_store, known["staff"], "raise")
    page.toggle(key="raise_anonymous").set_value(True).run()
    page.text_input(key="raise_title").input(SECRET)
    page.text_area(key="raise_description").input("Overtime from the weekend shifts is logged under training.")
    page.button(key="FormSubmitter:raise_form-Continue").click().run()
    code = page.code[0].value
    page.switch_page("app_pages/follow.py")
    page.run()
    page.text_input[0].input(code)
    page.button(key="FormSubmitter:code_form-Open").click().run()
    shown = texts(page) + "\n".join(i.value for i in page.info)
    assert "passed on together" in shown and "nobody can tell from the time who wrote one" in shown
    assert SECRET in shown and "+1" not in [b.label for b in page.button]
    page.text_area[0].input("It started in October.")
    page.button(key="FormSubmitter:author_reply-Send reply").click().run()
    lines = [t.value for t in page.text]
    assert not page.exception and lines[lines.index("It started in October.") - 1].startswith("Your reply · written ")


# --- the day, never a time, wherever an anonymous suggestion is shown ------------------------------------

def test_pages_show_an_anonymous_suggestion_with_its_day_only(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    submit(org_store, known["staff"], key="named")
    page = open_page(org_store, known["manager"], "browse")
    listed = [t.value for t in page.text if " · raised " in t.value]
    assert len(listed) == 2 and all(re.fullmatch(r".* · raised \d\d \w{3} \d{4}", t) for t in listed)
    page = open_page(org_store, known["manager"], "suggestion", query={"id": receipt.id})
    history = [t.value for t in page.text if t.value.startswith("Raised, ")]
    assert len(history) == 1 and re.fullmatch(r"Raised, \d\d \w{3} \d{4}, by Anonymous author", history[0])
    triage_page = open_page(org_store, known["manager"], "triage")
    raised = [t.value for t in triage_page.text if " · raised " in t.value]
    assert len(raised) == 2 and not any(":" in line for line in raised)  # the queue shows the day raised, no time


def test_the_demo_has_no_held_suggestions_and_dates_its_anonymous_ones_at_midnight(demo_store):
    with demo_store.read() as con:
        assert con.scalar("SELECT count(*) FROM held_suggestions") == 0
        times = con.rows("SELECT DISTINCT CAST(created_at AS TIME) AS t FROM suggestions WHERE anonymous")
    assert [r["t"] for r in times] == [time()]


def test_the_leaders_feed_and_drill_downs_show_an_anonymous_suggestion_by_its_day_only(org_store, known):
    leader = known["leader"]
    raise_(org_store, known["staff"], "named-feed", at(9, 41), title="A named one at 09:41")
    raise_(org_store, known["staff"], "anonymous-feed", at(10, 17), anonymous=True, title=SECRET)
    release.release_anonymous(org_store, NEXT)
    for rows in (dashboard.newest(org_store, leader, EVERYTHING),
                 dashboard.drill(org_store, leader, EVERYTHING, status="new", today=NEXT)):
        shown = {r["title"]: r["submitted"] for r in rows}
        assert shown[SECRET] == "10 Nov 2026"  # no time at all, not a false 00:00
        assert shown["A named one at 09:41"] == "10 Nov 2026 09:41 UTC"  # a time names its zone
        assert all("created_at" not in r for r in rows)
