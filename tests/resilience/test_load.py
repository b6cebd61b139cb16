"""Load: 50 concurrent sessions (threads in one process, as Streamlit runs them) call the service functions the
pages call for DURATION seconds on a copy of the demo: raise (named and anonymous), +1, status moves,
minutes with actions, pulse answers and dashboard views. No error may reach a person for something that
should succeed, and every acknowledged write must be in the database exactly once afterwards."""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from board.errors import BoardError, Invalid
from board.feedback import release, triage
from board.feedback import suggestions as sg
from board.feedback.workflow import OPEN, allowed_transitions, sla_cutoff
from board.meetings import minutes
from board.morale import pulse
from board.org import accounts, people, settings
from board.org.access import Person
from board.reporting import dashboard
from tests.support import paths

pytestmark = pytest.mark.slow  # 50 sessions for a fixed time

DURATION = 60.0  # seconds of load (the issue fixes 60)
SESSIONS = {"staff": 32, "manager": 12, "regional_manager": 3, "leader": 3}
THINK = (0.5, 2.5)  # seconds between one session's actions: a click every 1.5 s, busier than a person
SEED = 6
ARTIFACTS = paths.ARTIFACTS  # load_duckdb.json, load_postgres.json
MIX = {  # relative weights of what each role does next
    "staff": {"raise": 12, "raise_anonymous": 3, "vote": 30, "browse": 15, "pulse": 4},
    "manager": {"status": 30, "minutes": 8, "dashboard": 6, "vote": 5, "raise": 3, "pulse": 2},
    "regional_manager": {"status": 10, "minutes": 4, "dashboard": 10, "pulse": 1},
    "leader": {"status": 10, "dashboard": 10, "pulse": 1},
}
STALE = ("Someone changed this suggestion meanwhile", "Only open suggestions take +1s")


@dataclass
class Ledger:
    """What the sessions were told succeeded, what was refused as expected, and what went wrong."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    submits: dict[str, tuple[int, bool]] = field(default_factory=dict)  # key -> (id, anonymous)
    votes: list[tuple[int, int]] = field(default_factory=list)
    statuses: list[tuple[int, str, str]] = field(default_factory=list)  # (id, from, to)
    drafts: list[int] = field(default_factory=list)
    meetings: dict[int, dict] = field(default_factory=dict)  # id -> token, items, actions, links
    pulses: list[tuple[int, str]] = field(default_factory=list)  # (person, comment token)
    refusals: Counter = field(default_factory=Counter)  # expected, clearly worded refusals
    shown: list[str] = field(default_factory=list)  # any other message a person would have seen
    crashes: list[str] = field(default_factory=list)  # exceptions that are not messages at all

    def add(self, name: str, value) -> None:
        with self.lock:
            getattr(self, name).append(value)


class Session:
    """One signed-in person clicking through the pages."""

    def __init__(self, store, person: Person, ledger: Ledger, rng: random.Random, config, answered: bool):
        self.db, self.person, self.ledger, self.rng, self.config = store, person, ledger, rng, config
        self.answered = answered  # has answered this period's pulse
        self.n = 0

    def timed(self, name: str, call, *args, **kwargs):
        started = time.perf_counter()
        result = call(*args, **kwargs)
        elapsed = time.perf_counter() - started
        with self.ledger.lock:
            self.ledger.times[name].append(elapsed)
        return result

    def refused(self, kind: str) -> None:
        with self.ledger.lock:
            self.ledger.refusals[kind] += 1

    def key(self) -> str:
        self.n += 1
        return f"load-{self.person.id}-{self.n}"

    # --- what each page does -----------------------------------------------------------------

    def raise_(self, anonymous: bool = False) -> None:
        key = self.key()
        draft = sg.Draft(kind="improvement", category=self.rng.choice(self.config.categories),
                         title=f"Load {key} refunds wait", anonymous=anonymous,
                         description=f"Customers wait ten days for small refunds ({key}).")
        self.timed("similar", sg.similar, self.db, self.person, draft.title, draft.description)
        receipt = self.timed("raise_anonymous" if anonymous else "raise", sg.submit, self.db, self.person, draft,
                             categories=self.config.categories, submission_key=key)
        assert not receipt.repeated and (receipt.code is not None) == anonymous
        with self.ledger.lock:
            self.ledger.submits[key] = (receipt.id, anonymous)

    def browse(self) -> list[dict]:
        return self.timed("browse", sg.browse, self.db, self.person).rows

    def vote(self) -> None:
        rows = [r for r in self.browse() if r["status"] in OPEN and r["author_id"] != self.person.id]
        if not rows:
            return
        row = self.timed("open", sg.get, self.db, self.person, self.rng.choice(rows)["id"])
        if row["voted"] or row["author_id"] == self.person.id:
            return  # the page shows "your +1 is counted" and no button
        try:
            counted = self.timed("vote", sg.vote, self.db, self.person, row["id"])
        except Invalid as refusal:  # closed between reading and pressing +1
            assert any(s in str(refusal.errors) for s in STALE), refusal.errors
            self.refused("vote: closed meanwhile")
            return
        assert counted, "a first +1 was not counted"
        self.ledger.add("votes", (row["id"], self.person.id))

    def status(self) -> None:
        queue = self.timed("queue", triage.queue, self.db, self.person, today=date.today(),
                           sla_days=self.config.ack_sla_days)
        movable = [r for r in queue if allowed_transitions(r["status"])]
        if not movable:
            return
        row = self.rng.choice(movable)
        to = "declined" if self.rng.random() < 0.05 else allowed_transitions(row["status"])[0]
        try:
            self.timed("status", triage.change_status, self.db, self.person, row["id"], to,
                       note="Not this year." if to == "declined" else "", expected=row["status"])
        except Invalid as refusal:  # another manager or leader moved it first: the page says so
            assert any(s in str(refusal.errors) for s in STALE), refusal.errors
            self.refused("status: changed meanwhile")
            return
        self.ledger.add("statuses", (row["id"], row["status"], to))

    def minutes(self) -> None:
        unit = self.rng.choice(minutes.recordable_units(self.db, self.person))
        today = date.today()
        meeting = self.timed("minutes_draft", minutes.start_draft, self.db, self.person, team_id=unit["team_id"],
                             office_id=unit["office_id"], today=today)
        self.ledger.add("drafts", meeting)
        token = uuid.uuid4().hex
        links = []
        if self.person.role == "manager":  # link one suggestion of the team's queue, as the editor offers
            queue = triage.queue(self.db, self.person, today=today, sla_days=self.config.ack_sla_days)
            links = [self.rng.choice(queue)["id"]] if queue else []
        items = [{**minutes.empty_item(), "category": self.rng.choice(self.config.categories),
                  "discussed": f"Discussed {token} {i}", "solution": "Agreed a fix.",
                  "suggestion_ids": links if i == 0 else [],
                  "actions": [{**minutes.empty_action(today.isoformat()), "description": f"Act {token} {i} {j}",
                               "owner_id": self.person.id, "due_date": (today + timedelta(days=7)).isoformat()}
                              for j in range(self.rng.randint(1, 2))]}
                 for i in range(self.rng.randint(1, 2))]
        doc = {"meeting_date": today.isoformat(), "chair_id": self.person.id, "attendee_ids": [self.person.id],
               "items": items}
        self.timed("minutes_save", minutes.save_draft, self.db, self.person, meeting, doc)
        version = self.timed("minutes_publish", minutes.publish, self.db, self.person, meeting, doc, today=today,
                             categories=self.config.categories)
        assert version == 1
        with self.ledger.lock:
            self.ledger.meetings[meeting] = {"token": token, "items": len(items),
                                             "actions": sum(len(i["actions"]) for i in items), "links": len(links)}

    def pulse(self) -> None:
        token = uuid.uuid4().hex
        answer = pulse.Answer(mood=self.rng.randint(1, 5), enps=self.rng.randint(0, 10), empowered=4, tools=3,
                              acted_on=self.rng.randint(1, 5), workload=2, proud=5, comment=f"pulse {token}")
        try:
            self.timed("pulse", pulse.submit, self.db, self.person, answer, today=date.today(),
                       length_days=self.config.pulse_period_days)
        except pulse.AlreadyAnswered as refusal:  # a second tab: refused with a thank-you, nothing stored
            assert self.answered and "already answered" in str(refusal)
            self.refused("pulse: already answered")
            return
        assert not self.answered, "a second pulse answer in one period was accepted"
        self.answered = True
        self.ledger.add("pulses", (self.person.id, token))

    def dashboard(self) -> None:
        """What the dashboard page reads on a first visit and a click on its Suggestions tab (its cache misses:
        writes change the data version)."""
        def view():
            today = date.today()
            first = today.replace(day=1)
            start = (first - timedelta(days=335)).replace(day=1)
            filters = dashboard.Filters(start, (first + timedelta(days=31)).replace(day=1))
            dashboard.units_in_scope(self.db, self.person, offices=True)
            dashboard.data_version(self.db)
            data = dashboard.tab_tables(self.db, self.person, filters, today=today,
                                        sla_cutoff=sla_cutoff(today, self.config.ack_sla_days),
                                        k=self.config.anonymity_k, tabs=("suggestions",))
            level = "region" if self.person.role == "leader" else "team"
            morale = dashboard.morale_view(self.db, self.person, filters, k=self.config.anonymity_k, level=level)
            return data, morale
        data, _ = self.timed(f"dashboard_{self.person.role}", view)
        assert len(data["funnel"])

    def act(self, action: str) -> None:
        {"raise": self.raise_, "raise_anonymous": lambda: self.raise_(anonymous=True), "vote": self.vote,
         "browse": self.browse, "status": self.status, "minutes": self.minutes, "pulse": self.pulse,
         "dashboard": self.dashboard}[action]()


def run_session(session: Session, start: threading.Barrier, deadline: list[float]) -> None:
    mix = MIX[session.person.role]
    start.wait()
    while time.monotonic() < deadline[0]:
        action = session.rng.choices(list(mix), weights=list(mix.values()))[0]
        try:
            session.act(action)
        except BoardError as error:  # a message the person would see: none is expected here
            session.ledger.add("shown", f"{action}: {type(error).__name__}: {error} {getattr(error, 'errors', '')}")
        except Exception as error:  # noqa: BLE001 - a traceback page: the worst outcome
            session.ledger.add("crashes", f"{action}: {type(error).__name__}: {error}")
        time.sleep(session.rng.uniform(*THINK))


class RetryCounter:
    """Stands in for the store's `time` module to count its backoff sleeps: each is one write conflict that
    the store retried without the person seeing it (the sleep itself still happens)."""

    def __init__(self):
        self.retries, self._lock = 0, threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.retries += 1
        time.sleep(seconds)

    def __getattr__(self, name: str):
        return getattr(time, name)


def people_for_sessions(store) -> list[Person]:
    """Managers of distinct teams, staff of those teams, and every regional manager and leader (up to the mix)."""
    with store.read() as con:
        managers = con.rows("SELECT min(id) AS id, team_id FROM people WHERE active AND role = 'manager'"
                            " GROUP BY team_id ORDER BY team_id LIMIT ?", (SESSIONS["manager"],))
        teams = [m["team_id"] for m in managers]
        staff = con.rows("SELECT id FROM people WHERE active AND role = 'staff' AND team_id = ANY(CAST(? AS INTEGER[]))"
                         " ORDER BY id", (teams,))
        others = {role: con.rows("SELECT id FROM people WHERE active AND role = ? ORDER BY id LIMIT ?",
                                 (role, SESSIONS[role])) for role in ("regional_manager", "leader")}
    rows = managers + random.Random(SEED).sample(staff, SESSIONS["staff"]) + [r for v in others.values() for r in v]
    return [people.get_person(store, r["id"]) for r in rows]


def snapshot(store) -> dict:
    with store.read() as con:
        return {
            "suggestion": con.scalar("SELECT coalesce(max(id), 0) FROM suggestions"),
            "event": con.scalar("SELECT coalesce(max(id), 0) FROM suggestion_events"),
            "meeting": con.scalar("SELECT coalesce(max(id), 0) FROM meetings"),
            "action": con.scalar("SELECT coalesce(max(id), 0) FROM action_items"),
            "votes": {(r["suggestion_id"], r["person_id"]) for r in con.rows("SELECT * FROM votes")},
            "voters": {r["voter"] for r in con.rows("SELECT voter FROM pulse_voters")},
            "responses": con.scalar(TODAYS_RESPONSES, (date.today(), date.today())),
        }


TODAYS_RESPONSES = ("SELECT count(*) FROM pulse_responses r JOIN pulse_periods p ON p.id = r.period_id"
                    " WHERE p.starts_on <= ? AND ? < p.ends_on")


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(ledger: Ledger, elapsed: float, writes: int, retries: int, backend: str) -> dict:
    actions = {name: {"count": len(v), "p50_ms": round(percentile(v, 50) * 1000, 1),
                      "p95_ms": round(percentile(v, 95) * 1000, 1), "max_ms": round(max(v) * 1000, 1),
                      "per_s": round(len(v) / elapsed, 2)} for name, v in sorted(ledger.times.items())}
    result = {"sessions": sum(SESSIONS.values()), "seconds": round(elapsed, 1), "actions": actions,
              "calls_per_s": round(sum(len(v) for v in ledger.times.values()) / elapsed, 1),
              "acknowledged_writes": writes, "writes_per_s": round(writes / elapsed, 1),
              "conflicts_retried": retries,
              "expected_refusals": dict(ledger.refusals), "errors_shown": len(ledger.shown),
              "crashes": len(ledger.crashes)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"load_{backend}.json").write_text(json.dumps(result, indent=2))
    lines = [f"{'action':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'per s':>8}"]
    lines += [f"{n:<28}{a['count']:>7}{a['p50_ms']:>9}{a['p95_ms']:>9}{a['max_ms']:>9}{a['per_s']:>8}"
              for n, a in actions.items()]
    print(f"\nload: {result['sessions']} sessions, {elapsed:.1f} s, {result['calls_per_s']} calls/s,"
          f" {writes} acknowledged writes"
          f" ({result['writes_per_s']}/s), {retries} write conflicts retried unseen,"
          f" refusals {dict(ledger.refusals)}\n" + "\n".join(lines))
    return result


def test_fifty_sessions_lose_nothing_and_show_no_errors(demo_store, monkeypatch):
    store, config, counter = demo_store, settings.load(demo_store), RetryCounter()
    monkeypatch.setattr("board.store.base.time", counter)  # the one retry helper sleeps between tries
    persons = people_for_sessions(store)
    assert Counter(p.role for p in persons) == SESSIONS
    ledger, before = Ledger(), snapshot(store)
    sessions = [Session(store, p, ledger, random.Random(SEED * 1000 + i), config,
                        pulse.has_answered(store, p, today=date.today(), length_days=config.pulse_period_days))
                for i, p in enumerate(persons)]
    barrier, deadline = threading.Barrier(len(sessions) + 1), [0.0]
    threads = [threading.Thread(target=run_session, args=(s, barrier, deadline), daemon=True) for s in sessions]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + DURATION
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join(DURATION + 120)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a session hung"

    writes = (len(ledger.submits) + len(ledger.votes) + len(ledger.statuses) + len(ledger.drafts)
              + 2 * len(ledger.meetings) + len(ledger.pulses))  # minutes: saved, then published
    result = report(ledger, elapsed, writes, counter.retries, store.dialect)
    assert ledger.crashes == [] and ledger.shown == [], (ledger.crashes + ledger.shown)[:10]
    for action in ("raise", "raise_anonymous", "vote", "status", "minutes_publish", "pulse",
                   "dashboard_leader", "dashboard_regional_manager", "dashboard_manager"):
        assert result["actions"].get(action, {}).get("count", 0) > 0, f"no {action} happened"
    assert ledger.refusals["pulse: already answered"] > 0  # second attempts were made, and refused

    # The anonymous ones are held (no id) until the next day's release: release them to check them too.
    release.release_anonymous(store, accounts.utcnow().date() + timedelta(days=1))
    with store.read() as con:
        # Suggestions: each acknowledged key once, with its "submitted" event; nothing unacknowledged.
        new = con.rows("SELECT id, submission_key AS key, author_id FROM suggestions WHERE id > ?",
                       (before["suggestion"],))
        assert sorted(r["key"] for r in new) == sorted(ledger.submits)
        assert all(ledger.submits[r["key"]][0] == (None if ledger.submits[r["key"]][1] else r["id"])
                   and (r["author_id"] is None) == ledger.submits[r["key"]][1] for r in new)
        events = con.rows("SELECT suggestion_id AS sid, kind, from_value, to_value FROM suggestion_events"
                          " WHERE id > ? ORDER BY id", (before["event"],))
        kinds = Counter(e["kind"] for e in events)
        assert kinds["submitted"] == len(ledger.submits)
        assert Counter((e["sid"], e["from_value"], e["to_value"]) for e in events if e["kind"] == "status") \
            == Counter(ledger.statuses)
        assert kinds["discussed"] == sum(m["links"] for m in ledger.meetings.values())
        # Status equals the last status event for every suggestion that moved.
        moved = sorted({sid for sid, _, _ in ledger.statuses})
        last = {r["sid"]: r["to_value"] for r in con.rows(
            "SELECT e.suggestion_id AS sid, e.to_value FROM suggestion_events e WHERE e.id = (SELECT max(x.id)"
            " FROM suggestion_events x WHERE x.suggestion_id = e.suggestion_id AND x.kind = 'status')"
            " AND e.suggestion_id = ANY(CAST(? AS INTEGER[]))", (moved,))}
        now = {r["id"]: r["status"] for r in con.rows(
            "SELECT id, status FROM suggestions WHERE id = ANY(CAST(? AS INTEGER[]))", (moved,))}
        assert now == last
        # +1s: exactly the acknowledged ones were added (a pair can only exist once: primary key).
        votes = {(r["suggestion_id"], r["person_id"]) for r in con.rows("SELECT * FROM votes")}
        assert before["votes"] <= votes and votes - before["votes"] == set(ledger.votes)
        assert len(ledger.votes) == len(set(ledger.votes))
        # Minutes: every draft exists, every published one once with its items, actions and first events.
        meetings = {r["id"]: r for r in con.rows("SELECT id, status, version FROM meetings WHERE id > ?",
                                                 (before["meeting"],))}
        assert sorted(meetings) == sorted(ledger.drafts)
        assert {m for m, r in meetings.items() if r["status"] == "published"} == set(ledger.meetings)
        assert all(meetings[m]["version"] == 1 for m in ledger.meetings)
        counts = {r["meeting_id"]: r for r in con.rows(
            "SELECT i.meeting_id, count(DISTINCT i.id) AS items, count(a.id) AS actions FROM meeting_items i"
            " LEFT JOIN action_items a ON a.item_id = i.id WHERE i.meeting_id > ? GROUP BY 1", (before["meeting"],))}
        for meeting_id, m in ledger.meetings.items():
            assert (counts[meeting_id]["items"], counts[meeting_id]["actions"]) == (m["items"], m["actions"])
            assert con.scalar("SELECT count(*) FROM meeting_items WHERE strpos(discussed, ?) > 0",
                              (m["token"],)) == m["items"]
        assert con.scalar("SELECT count(*) FROM action_items a WHERE id > ? AND (SELECT count(*) FROM action_events e"
                          " WHERE e.action_id = a.id) <> 1", (before["action"],)) == 0
        # Pulse: one voter hash per acknowledged answer (the server's key tells whose), each answer's comment once.
        voters = {r["voter"] for r in con.rows("SELECT voter FROM pulse_voters")} - before["voters"]
        period = con.scalar("SELECT id FROM pulse_periods WHERE starts_on <= ? AND ? < ends_on",
                            (date.today(), date.today()))
        key = pulse.voter_key(store.dialect)
        assert voters == {pulse.voter(key, period, person) for person, _ in ledger.pulses}
        assert len(voters) == len(ledger.pulses)
        assert con.scalar(TODAYS_RESPONSES, (date.today(), date.today())) - before["responses"] == len(ledger.pulses)
        comments = Counter(r["comment"] for r in con.rows(
            "SELECT comment FROM pulse_responses WHERE starts_with(comment, 'pulse ')"))
        assert all(comments[f"pulse {token}"] == 1 for _, token in ledger.pulses)
