"""Scheduled notifications (board.notify.schedule): each job at its time in the organisation's time zone and not
before, once per period however often it runs; daily digests carry and mark their items; weekly digests hold the
figures the person's pages show; acknowledgement warnings reach the queues that hold the suggestion; action owners
hear of due and overdue actions once; pulse reminders reach only those who have not answered, never at weekends,
never saying anything about anyone else. Time is passed as `now`, never slept."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from board.feedback import suggestions as sg
from board.feedback import triage
from board.feedback.workflow import OPEN
from board.meetings import actions, review
from board.morale import pulse
from board.notify import outbox, preferences, schedule
from board.org import people, settings
from board.org.access import MANAGERS_UP, Person
from tests.support.pulse import good
from tests.support.suggestions import CATEGORIES, draft

MONDAY = date(2026, 11, 2)  # the demo's organisation is seeded on Sunday 1 November 2026
AT_EIGHT = datetime(2026, 11, 2, 8, 0)
KUALA_LUMPUR_EIGHT = datetime(2026, 11, 2, 0, 0)  # 08:00 in Kuala Lumpur (UTC+8) is midnight UTC


def configure(store, admin, **changes) -> settings.Settings:
    """Save settings: these changes, the rest as they are."""
    current = settings.load(store)
    kept = {"anonymity_k": current.anonymity_k, "ack_sla_days": current.ack_sla_days,
            "categories": current.categories, "pulse_period_days": current.pulse_period_days,
            "session_days": current.session_days}
    return settings.save(store, admin, **{**kept, **changes})


def rows(store, kind: str | None = None) -> list[dict]:
    with store.read() as con:
        return con.rows("SELECT * FROM outbox" + (" WHERE kind = ?" if kind else "") + " ORDER BY id",
                        (kind,) if kind else ())


def runs(store) -> dict[str, int]:
    with store.read() as con:
        return {r["key"]: r["added"] for r in con.rows("SELECT key, added FROM schedule_runs")}


def active(store, roles) -> list[Person]:
    """The active people of some roles, by id."""
    with store.read() as con:
        return [Person(**r) for r in con.rows(people.person_sql() + " WHERE p.active ORDER BY p.id")
                if r["role"] in roles]


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


# --- when ------------------------------------------------------------------------------------------------------

def test_jobs_run_at_the_digest_hour_of_the_organisations_time_zone_and_not_before(org_store, known):
    assert settings.load(org_store).time_zone == "UTC"
    assert set(schedule.run_due(org_store, now=KUALA_LUMPUR_EIGHT).values()) == {0}  # midnight in UTC: not yet
    configure(org_store, known["admin"], time_zone="Asia/Kuala_Lumpur")
    assert set(schedule.run_due(org_store, now=KUALA_LUMPUR_EIGHT - timedelta(minutes=1)).values()) == {0}
    assert not rows(org_store) and not runs(org_store)

    done = schedule.run_due(org_store, now=KUALA_LUMPUR_EIGHT)  # Monday 08:00 in Kuala Lumpur
    managing = active(org_store, MANAGERS_UP)
    assert done["weekly_digest"] == len(managing) > 0
    assert done["pulse_reminder"] == len(active(org_store, {"staff", *MANAGERS_UP}))  # nobody has answered yet
    assert {r["person_id"] for r in rows(org_store, "weekly_digest")} == {p.id for p in managing}
    assert {"weekly:2026-W45", "queue_sla:2026-11-02", "action_due:2026-11-02"} <= set(runs(org_store))


@pytest.mark.parametrize("zone, before, after", [
    # Europe/London leaves GMT for BST on Sunday 29 March 2026: 08:00 local is 08:00 UTC before, 07:00 UTC after.
    ("Europe/London", date(2026, 3, 27), date(2026, 3, 30)),
    # America/New_York leaves EDT for EST on Sunday 1 November 2026: 08:00 local is 12:00 UTC before, 13:00 after.
    ("America/New_York", date(2026, 10, 30), date(2026, 11, 2)),
])
def test_the_digest_hour_stays_at_local_time_across_a_clock_change(org_store, known, zone, before, after):
    current = configure(org_store, known["admin"], time_zone=zone, pulse_reminders=())
    offsets = {}
    for day in (before, after):
        moment = schedule.digest_moment(day, current)
        offsets[day] = moment - at(day, 8)
        assert schedule.due_day(moment - timedelta(minutes=1), current) is None, (day, moment)
        assert schedule.due_day(moment, current) == day
    assert offsets[before] != offsets[after]  # the same local hour is another UTC hour after the change
    assert abs(offsets[before] - offsets[after]) == timedelta(hours=1)
    # the Monday after the change: its jobs run at its own 08:00 (not at the old UTC hour), once
    monday = schedule.digest_moment(after, current)
    assert set(schedule.run_due(org_store, now=monday - timedelta(minutes=1)).values()) == {0}
    done = schedule.run_due(org_store, now=monday)
    assert done["weekly_digest"] > 0 and f"queue_sla:{after.isoformat()}" in runs(org_store)
    assert set(schedule.run_due(org_store, now=monday + timedelta(hours=12)).values()) == {0}


def test_running_again_the_same_day_or_the_next_adds_nothing_twice(org_store, known):
    first = schedule.run_due(org_store, now=AT_EIGHT)
    assert first["weekly_digest"] > 0 and first["pulse_reminder"] > 0
    before, recorded = len(rows(org_store)), runs(org_store)
    for later in (AT_EIGHT, AT_EIGHT + timedelta(minutes=1), AT_EIGHT + timedelta(hours=15, minutes=59),
                  AT_EIGHT + timedelta(days=1)):
        again = schedule.run_due(org_store, now=later)
        assert again["weekly_digest"] == again["pulse_reminder"] == 0, later
    assert len(rows(org_store)) == before
    assert {k: v for k, v in runs(org_store).items() if k in recorded} == recorded
    keys = [r["key"] for r in rows(org_store, "weekly_digest")]
    assert len(keys) == len(set(keys)) and all(k.endswith(":weekly:2026-W45") for k in keys)


def test_the_weekly_digest_goes_on_its_day_once_a_week(org_store, known):
    current = configure(org_store, known["admin"], weekly_digest_day=2, pulse_reminders=())
    assert schedule.weekly_digests(org_store, now=AT_EIGHT, settings=current) == 0  # Monday
    wednesday = AT_EIGHT + timedelta(days=2)
    assert schedule.weekly_digests(org_store, now=wednesday - timedelta(minutes=1), settings=current) == 0
    sent = schedule.weekly_digests(org_store, now=wednesday, settings=current)
    assert sent > 0 and runs(org_store) == {"weekly:2026-W45": sent}
    assert schedule.weekly_digests(org_store, now=wednesday + timedelta(hours=3), settings=current) == 0
    assert schedule.weekly_digests(org_store, now=wednesday + timedelta(days=7), settings=current) == sent
    assert runs(org_store) == {"weekly:2026-W45": sent, "weekly:2026-W46": sent}


def test_a_day_missed_whole_is_not_sent_late(org_store, known):
    """A job runs from the digest hour to local midnight: a worker down all Monday sends no Monday digest on
    Tuesday (the next one comes the next week)."""
    current = settings.load(org_store)
    assert schedule.weekly_digests(org_store, now=AT_EIGHT + timedelta(days=1), settings=current) == 0
    assert schedule.weekly_digests(org_store, now=at(MONDAY, 23, 59), settings=current) > 0


# --- daily digest ----------------------------------------------------------------------------------------------

def enqueue(store, person, key, *, kind="queue_new", now, subject=None, link="suggestion?id=7") -> bool:
    current = settings.load(store)
    return store.write(lambda con: outbox.enqueue(con, key=key, kind=kind, subject=subject or f"About {key}",
                                                  body="Body", link=link, now=now, person_id=person.id,
                                                  settings=current))


def test_the_daily_digest_carries_the_daily_rows_and_marks_them(org_store, known):
    manager = known["manager"]  # new suggestions in the queue come in a daily digest by default
    assert enqueue(org_store, manager, "first", now=at(MONDAY, 10), subject="New in your queue: #7")
    assert enqueue(org_store, manager, "second", now=at(MONDAY, 15), subject="New in your queue: #8",
                   link="suggestion?id=8")
    assert enqueue(org_store, manager, "at-once", kind="status", now=at(MONDAY, 16))
    daily = {r["key"]: r for r in rows(org_store) if r["mode"] == "daily"}
    assert set(daily) == {"first", "second"}
    assert {r["next_at"] for r in daily.values()} == {at(MONDAY + timedelta(days=1))}
    current = settings.load(org_store)

    assert schedule.daily_digests(org_store, now=at(MONDAY + timedelta(days=1), 7, 59), settings=current) == 0
    assert schedule.run_due(org_store, now=at(MONDAY + timedelta(days=1)))["daily_digest"] == 1
    digests = rows(org_store, "daily_digest")
    assert len(digests) == 1
    digest = digests[0]
    assert (digest["person_id"], digest["mode"], digest["state"]) == (manager.id, "now", "pending")
    assert digest["key"] == f"p{manager.id}:daily:2026-11-03"
    assert digest["subject"] == "Your daily summary: 2 updates"
    assert digest["body"] == "New in your queue: #7\nsuggestion?id=7\n\nNew in your queue: #8\nsuggestion?id=8"
    after = {r["key"]: r for r in rows(org_store)}
    assert [(after[k]["state"], after[k]["digest_id"]) for k in ("first", "second")] == [
        ("digested", digest["id"])] * 2
    assert after["at-once"]["state"] == "pending" and after["at-once"]["digest_id"] is None

    assert schedule.daily_digests(org_store, now=at(MONDAY + timedelta(days=1), 9), settings=current) == 0
    assert enqueue(org_store, manager, "third", now=at(MONDAY + timedelta(days=1), 9))
    assert schedule.daily_digests(org_store, now=at(MONDAY + timedelta(days=1), 23), settings=current) == 0
    assert schedule.daily_digests(org_store, now=at(MONDAY + timedelta(days=2)), settings=current) == 1
    assert rows(org_store, "daily_digest")[-1]["subject"] == "Your daily summary: 1 update"


def test_the_daily_digest_follows_the_organisations_zone(org_store, known):
    current = configure(org_store, known["admin"], time_zone="Asia/Kuala_Lumpur")
    assert enqueue(org_store, known["manager"], "one", now=at(MONDAY, 3))  # 11:00 in Kuala Lumpur
    tuesday_eight = at(MONDAY, 0) + timedelta(days=1)  # Tuesday 08:00 in Kuala Lumpur
    assert rows(org_store)[0]["next_at"] == tuesday_eight
    assert schedule.daily_digests(org_store, now=tuesday_eight - timedelta(seconds=1), settings=current) == 0
    assert schedule.daily_digests(org_store, now=tuesday_eight, settings=current) == 1
    assert rows(org_store, "daily_digest")[0]["key"].endswith(":daily:2026-11-03")


def test_the_daily_items_of_someone_who_left_are_skipped(org_store, known):
    staff = known["staff"]
    preferences.save(org_store, staff, {"reply": "daily"})
    assert enqueue(org_store, staff, "reply-1", kind="reply", now=at(MONDAY, 10))
    people.change_person(org_store, known["admin"], staff.id, role="staff", active=False)
    tuesday = at(MONDAY + timedelta(days=1))
    assert schedule.daily_digests(org_store, now=tuesday, settings=settings.load(org_store)) == 0
    assert [r["state"] for r in rows(org_store)] == ["skipped"]


# --- weekly digest ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_weekly_digest_figures_are_those_of_each_persons_pages(demo_store):
    """The queue, its first three, the review queue and the unit's actions, for every recipient, equal what
    triage, review and actions return for that person (the rules are the pages' own)."""
    current = settings.load(demo_store)
    figures = schedule.weekly_figures(demo_store, today=MONDAY, settings=current)
    assert set(figures) == {p.id for p in active(demo_store, MANAGERS_UP)}
    regionals = {}
    for f in figures.values():
        person = f["person"]
        assert f["queue"] == triage.queue_counts(demo_store, person, today=MONDAY, sla_days=current.ack_sla_days)
        assert [r["id"] for r in f["first"]] == [r["id"] for r in triage.queue(
            demo_store, person, today=MONDAY, sla_days=current.ack_sla_days, limit=3)]
        own = actions.team_open(demo_store, person, today=MONDAY)
        week = [a for a in own if MONDAY <= a["due_date"] < MONDAY + timedelta(days=7)]
        assert f["actions"] == {"open": len(own), "overdue": sum(1 for a in own if a["overdue"]),
                                "due_this_week": len(week)}
        if person.role == "regional_manager":
            assert [r["id"] for r in f["review"]] == [r["id"] for r in review.queue(demo_store, person)]
            regionals[person.region] = f
    assert {f["person"].role for f in figures.values()} == set(MANAGERS_UP)
    assert any(f["queue"]["overdue"] for f in figures.values()) and any(f["first"] for f in figures.values())
    assert any(f["actions"]["due_this_week"] for f in figures.values())
    with demo_store.read() as con:
        escalated = {r["name"]: r["n"] for r in con.rows(
            "SELECT g.name, count(s.id) AS n FROM regions g LEFT JOIN suggestions s ON s.region_id = g.id"
            f" AND s.level = 'region' AND s.status IN ({', '.join('?' * len(OPEN))}) GROUP BY g.name", OPEN)}
    for f in figures.values():
        if f["person"].role == "leader":
            assert {r["region"]: r["escalated"] for r in f["regions"]} == escalated
            assert {r["region"]: r["awaiting_review"] for r in f["regions"]} == {
                region: len(rf["review"]) for region, rf in regionals.items()}


def test_weekly_digests_say_the_figures_link_into_the_app_and_name_nobody(demo_store, known):
    current = settings.load(demo_store)
    preferences.save(demo_store, known["manager"], {"weekly_digest": "never"})
    figures = schedule.weekly_figures(demo_store, today=MONDAY, settings=current)
    sent = schedule.weekly_digests(demo_store, now=AT_EIGHT, settings=current)
    digests = {r["person_id"]: r for r in rows(demo_store, "weekly_digest")}
    assert sent == len(digests) == len(figures) - 1 and known["manager"].id not in digests
    with demo_store.read() as con:
        names = [r["name"] for r in con.rows("SELECT name FROM people")]
    for person_id, digest in digests.items():
        f, body = figures[person_id], digest["body"]
        assert f"{f['queue']['open']} open, {f['queue']['overdue']} overdue" in body
        assert digest["link"] == "triage" and "\ntriage\n" in body
        for row in f["first"]:
            assert f"#{row['id']} {row['title']}" in body and f"suggestion?id={row['id']}" in body
        for row in f.get("review", [])[:3]:
            assert f"review?id={row['id']}" in body
        acts = f["actions"]
        assert (f"{acts['open']} open, {acts['due_this_week']} due this week, {acts['overdue']} overdue") in body
        assert not any(word in body.lower() for word in ("mood", "enps", "pulse", "morale"))
        assert not [name for name in names if name in body]  # no author, no owner, nobody
        assert "None" not in body and not any(raw in body for raw in ("under_review", "in_progress", "anticipated"))


# --- acknowledgement-time warnings -----------------------------------------------------------------------------

def test_a_suggestion_about_to_pass_the_acknowledgement_time_warns_its_queue_once(org_store, known):
    current = settings.load(org_store)
    assert current.ack_sla_days == 5
    raised = {}
    for key, title in (("waits", "Refund approvals wait for days"), ("answered", "Callbacks get lost at handover")):
        sg.submit(org_store, known["staff"], draft(title=title), categories=CATEGORIES, submission_key=key,
                  now=at(MONDAY, 10))
        with org_store.read() as con:
            raised[key] = con.scalar("SELECT id FROM suggestions WHERE submission_key = ?", (key,))
    triage.change_status(org_store, known["manager"], raised["answered"], "acknowledged", now=at(MONDAY, 11))
    # Raised Monday 2 Nov and still new, it is overdue from Tuesday 10 Nov (5 working days): the warning goes on
    # Monday 9 Nov at the digest hour, not before, never at the weekend, and once.
    for early in (at(date(2026, 11, 6)), at(date(2026, 11, 7)), at(date(2026, 11, 8)), at(date(2026, 11, 9), 7, 59)):
        assert schedule.sla_warnings(org_store, now=early, settings=current) == 0, early
    sent = schedule.sla_warnings(org_store, now=at(date(2026, 11, 9)), settings=current)
    warned = rows(org_store, "queue_sla")
    holders = {p.id for p in active(org_store, MANAGERS_UP) if raised["waits"] in
               [r["id"] for r in triage.queue(org_store, p, today=date(2026, 11, 9), sla_days=5)]}
    assert sent == len(warned) == len(holders) > 0
    assert {r["person_id"] for r in warned} == holders and known["manager"].id in holders
    assert {r["key"] for r in warned} == {f"p{p}:sla:{raised['waits']}" for p in holders}  # not the answered one
    assert {(r["subject"], r["link"]) for r in warned} == {
        (f"Suggestion #{raised['waits']} needs an acknowledgement today", f"suggestion?id={raised['waits']}")}
    assert schedule.sla_warnings(org_store, now=at(date(2026, 11, 9), 12), settings=current) == 0
    assert schedule.sla_warnings(org_store, now=at(date(2026, 11, 10)), settings=current) == 0  # overdue now
    assert len(rows(org_store, "queue_sla")) == sent
    assert runs(org_store) == {"queue_sla:2026-11-06": 0, "queue_sla:2026-11-09": sent, "queue_sla:2026-11-10": 0}


# --- actions ---------------------------------------------------------------------------------------------------

def test_action_owners_hear_the_day_before_it_is_due_and_once_when_overdue(demo_store):
    current = settings.load(demo_store)
    with demo_store.read() as con:
        found = [r for r in con.rows(actions.ACTION_SQL + " AND a.status = 'open' AND a.due_date > ?"
                                     " ORDER BY a.due_date, a.id", (MONDAY, MONDAY + timedelta(days=1)))
                 if r["due_date"].weekday() == 2]  # due on a Wednesday: the days around it are working days
    action = found[0]
    due = action["due_date"]
    before, after = due - timedelta(days=1), due + timedelta(days=1)

    def mine() -> list[dict]:
        return [r for r in rows(demo_store, "action_due") if r["link"] == f"action?id={action['id']}"]

    schedule.action_reminders(demo_store, now=at(before - timedelta(days=1)), settings=current)
    assert not mine()
    schedule.action_reminders(demo_store, now=at(before), settings=current)
    assert [(r["person_id"], r["key"]) for r in mine()] == [
        (action["owner_id"], f"p{action['owner_id']}:due:{action['id']}:{due.isoformat()}")]
    assert mine()[0]["subject"].startswith("Your action is due tomorrow: ")
    schedule.action_reminders(demo_store, now=at(before, 17), settings=current)
    schedule.action_reminders(demo_store, now=at(due), settings=current)
    assert len(mine()) == 1
    schedule.action_reminders(demo_store, now=at(after), settings=current)
    assert [r["key"] for r in mine()][1:] == [f"p{action['owner_id']}:overdue:{action['id']}"]
    assert mine()[1]["subject"].startswith("Your action is overdue by 1 day: ")
    schedule.action_reminders(demo_store, now=at(after + timedelta(days=1)), settings=current)
    assert len(mine()) == 2


def test_an_action_first_seen_on_its_day_is_due_today_and_long_overdue_ones_are_left_alone(demo_store):
    current = settings.load(demo_store)
    with demo_store.read() as con:
        day = con.scalar("SELECT min(a.due_date) FROM action_items a WHERE a.status = 'open' AND NOT a.removed"
                         " AND a.due_date >= ? AND extract(isodow FROM a.due_date) <= 5", (MONDAY,))
        open_actions = con.rows(actions.ACTION_SQL + " AND a.status = 'open'", (day,))
    schedule.action_reminders(demo_store, now=at(day), settings=current)  # the job's first run: a working day
    told = {r["link"]: r for r in rows(demo_store, "action_due")}
    expected = {f"action?id={a['id']}" for a in open_actions if day - timedelta(days=7) <= a["due_date"] <= day
                + timedelta(days=1)}
    assert set(told) == expected and any(a["due_date"] < day - timedelta(days=7) for a in open_actions)
    today = [r for r in open_actions if r["due_date"] == day]
    assert today and all(told[f"action?id={a['id']}"]["subject"].startswith("Your action is due today: ")
                         for a in today)


# --- pulse reminders -------------------------------------------------------------------------------------------

def test_reminder_days_move_off_the_weekend_or_are_dropped():
    steps = tuple(settings.REMINDER_STEPS)
    monday = date(2026, 11, 2)
    assert schedule.reminder_days(monday, monday + timedelta(days=14), steps) == {
        "start": monday, "halfway": date(2026, 11, 9), "two_days_before_end": date(2026, 11, 13)}
    saturday = date(2026, 11, 7)  # ten days from a Saturday to Monday 16: the weekend steps move to the Mondays
    assert schedule.reminder_days(saturday, saturday + timedelta(days=10), steps) == {
        "start": date(2026, 11, 9), "halfway": date(2026, 11, 12), "two_days_before_end": date(2026, 11, 16)}
    friday = date(2026, 11, 6)  # Friday to Sunday: halfway falls on Saturday, and Monday is past its end
    assert schedule.reminder_days(friday, friday + timedelta(days=3), ("halfway",)) == {}
    assert schedule.reminder_days(monday, monday + timedelta(days=14), ("halfway",)) == {"halfway": date(2026, 11, 9)}


def open_period(store, day: date) -> dict:
    with store.read() as con:
        period = pulse.open_period(con, day)
    assert period is not None, day
    return period


def reminded(store) -> set[int]:
    return {r["person_id"] for r in rows(store, "pulse_reminder")}


@pytest.mark.slow
def test_pulse_reminders_reach_only_those_who_have_not_answered_at_each_step(org_store, known):
    current = settings.load(org_store)
    everyone = active(org_store, {"staff", *MANAGERS_UP})
    quiet = known["leader"]
    answered = [p for p in everyone if p.id != quiet.id][:5]
    leaving = next(p for p in everyone[6:] if p.role == "staff" and p not in known.values())
    late = next(p for p in everyone[5:] if p not in (quiet, leaving))
    for person in answered:
        pulse.submit(org_store, person, good(), today=MONDAY, length_days=14)
    preferences.save(org_store, quiet, {"pulse_reminder": "never"})
    people.change_person(org_store, known["admin"], leaving.id, role="staff", active=False)

    assert schedule.pulse_reminders(org_store, now=at(MONDAY, 7, 59), settings=current) == 0
    sent = schedule.pulse_reminders(org_store, now=at(MONDAY), settings=current)
    expected = {p.id for p in everyone} - {p.id for p in answered} - {quiet.id, leaving.id}
    assert reminded(org_store) == expected and sent == len(expected)
    assert known["admin"].id not in reminded(org_store)  # admins are not asked the pulse (kinds.ROLE_KINDS)
    period_id = open_period(org_store, MONDAY)["id"]
    assert runs(org_store) == {f"pulse:{period_id}:start": sent}
    texts = {(r["subject"], r["body"], r["link"]) for r in rows(org_store, "pulse_reminder")}
    assert texts == {("The morale pulse is open until Sunday 15 Nov",
                      "How is work going? The morale pulse takes about a minute. Answers are anonymous: results are "
                      "shown only for groups large enough, after the period ends on Sunday 15 Nov 2026.", "pulse")}
    assert schedule.pulse_reminders(org_store, now=at(MONDAY, 20), settings=current) == 0
    for day in (MONDAY + timedelta(days=1), date(2026, 11, 7), date(2026, 11, 8)):
        assert schedule.pulse_reminders(org_store, now=at(day), settings=current) == 0, day

    pulse.submit(org_store, late, good(), today=date(2026, 11, 5), length_days=14)
    halfway = schedule.pulse_reminders(org_store, now=at(date(2026, 11, 9)), settings=current)
    halfway_to = {r["person_id"] for r in rows(org_store, "pulse_reminder") if r["key"].endswith(":halfway")}
    assert halfway_to == expected - {late.id} and halfway == len(halfway_to)
    assert runs(org_store)[f"pulse:{period_id}:halfway"] == halfway


def test_a_missed_reminder_step_gives_way_to_the_latest_one(org_store, known):
    current = configure(org_store, known["admin"], pulse_reminders=("start", "halfway"))
    sent = schedule.pulse_reminders(org_store, now=at(date(2026, 11, 10)), settings=current)  # first run: Tuesday
    assert sent > 0
    period_id = open_period(org_store, MONDAY)["id"]
    assert runs(org_store) == {f"pulse:{period_id}:start": 0, f"pulse:{period_id}:halfway": sent}
    assert {r["key"].rsplit(":", 1)[1] for r in rows(org_store, "pulse_reminder")} == {"halfway"}
    assert schedule.pulse_reminders(org_store, now=at(date(2026, 11, 13)), settings=current) == 0


def test_a_step_added_after_a_later_one_ran_is_not_sent(org_store, known):
    current = configure(org_store, known["admin"], pulse_reminders=("halfway",))
    assert schedule.pulse_reminders(org_store, now=at(date(2026, 11, 9)), settings=current) > 0
    current = configure(org_store, known["admin"], pulse_reminders=("start", "halfway"))
    assert schedule.pulse_reminders(org_store, now=at(date(2026, 11, 10)), settings=current) == 0
    assert {r["key"].rsplit(":", 1)[1] for r in rows(org_store, "pulse_reminder")} == {"halfway"}


def test_a_reminder_missed_on_friday_is_not_sent_at_the_weekend(org_store, known):
    current = configure(org_store, known["admin"], pulse_reminders=("two_days_before_end",))
    for weekend in (date(2026, 11, 14), date(2026, 11, 15)):  # the period's last Friday was 13 November
        assert schedule.pulse_reminders(org_store, now=at(weekend), settings=current) == 0
    assert schedule.pulse_reminders(org_store, now=at(date(2026, 11, 13)), settings=current) > 0


def test_a_reminder_due_on_a_saturday_goes_on_monday(org_store, known):
    current = configure(org_store, known["admin"], pulse_period_days=10, pulse_reminders=("start",))
    start = next(day for day in (MONDAY + timedelta(days=i) for i in range(70))
                 if pulse.period_bounds(day, 10)[0] == day and day.weekday() == 5)
    for weekend in (start, start + timedelta(days=1)):
        assert schedule.pulse_reminders(org_store, now=at(weekend), settings=current) == 0
    assert not runs(org_store)
    monday = start + timedelta(days=2)
    assert schedule.pulse_reminders(org_store, now=at(monday), settings=current) > 0
    period = open_period(org_store, monday)
    assert period["starts_on"] == start and list(runs(org_store)) == [f"pulse:{period['id']}:start"]


def test_no_reminders_when_the_admin_chose_none(org_store, known):
    current = configure(org_store, known["admin"], pulse_reminders=())
    assert schedule.pulse_reminders(org_store, now=at(MONDAY), settings=current) == 0
    assert not rows(org_store) and not runs(org_store)
