"""Eighteen months of demo suggestions with realistic histories, replies, +1s, escalations and an inbox."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta

import pandas as pd

from board.clock import day_only
from board.feedback.suggestions import after_bulk_load
from board.feedback.workflow import PATH, add_working_days
from board.store import Conn

# (category, kind, title, description, customer impact, proposed solution)
IDEAS = [
    ("policy", "improvement", "Let us refund small amounts without approval",
     "Refunds under 20 dollars wait up to ten days for a supervisor's approval.",
     "Customers call back two or three times about small refunds.", "Allow agents to refund up to 20 dollars."),
    ("system", "improvement", "Show the customer's last three contacts on one screen",
     "We open four tools to see what happened on the customer's last calls and chats.",
     "Customers repeat their story on every contact.", "A contact history panel in the CRM."),
    ("process", "improvement", "Hand over open cases at shift change",
     "Cases opened late in the day sit untouched overnight because nobody owns them.",
     "Promised callbacks are missed.", "A ten-minute handover with a shared list."),
    ("training", "improvement", "Teach the new billing codes before launch",
     "The new billing codes went live before anyone explained them to the team.",
     "Wrong answers about invoices for a week.", "A short session before every billing change."),
    ("product", "improvement", "Let customers pause their subscription online",
     "Customers who want a break have to call us to pause a subscription.",
     "Long calls for a simple request; some cancel instead.", "A pause button in the customer portal."),
    ("system", "anticipated_problem", "Billing system slows down at month end",
     "Every month end the billing screens take 30 seconds to load and it is getting worse.",
     "Queues grow and calls drop at the busiest time.", "Add capacity before month end, or batch jobs at night."),
    ("process", "anticipated_problem", "December holiday volume will overflow the phone queue",
     "Last December call volume doubled and we had the same number of people.",
     "Hour-long waits in the week before the holidays.", "Plan overtime and a callback option now."),
    ("policy", "anticipated_problem", "New return policy will confuse marketplace customers",
     "The new 14-day return policy does not say what happens to marketplace orders.",
     "Disputes and chargebacks after the change.", "Clarify marketplace returns before launch."),
    ("training", "anticipated_problem", "Nobody knows the backup process if the CRM is down",
     "Only two people have ever used the paper fallback and one of them has left.",
     "We would turn customers away during an outage.", "Rehearse the fallback each quarter."),
    ("product", "anticipated_problem", "The new app login will lock out older phones",
     "The app update needs a newer operating system than many of our customers have.",
     "Customers who cannot log in will flood the phone lines.", "Keep the old login for a transition period."),
    ("other", "improvement", "A quiet room for difficult calls",
     "After an abusive call there is nowhere to take five minutes before the next one.",
     "Stress shows in the next customer's call.", "Turn the small meeting room into a quiet room."),
    ("process", "improvement", "One template for complaint replies",
     "Every team writes complaint replies differently and some miss the legal wording.",
     "Inconsistent answers and avoidable escalations.", "A shared reply template reviewed by legal."),
]
REPLIES = ["Thanks for raising this: we are looking at it this week.",
           "Good catch. I have asked the systems team for the numbers.",
           "We discussed this in the team meeting; see the plan in the status.",
           "This needs a policy change, so I have taken it to the region.",
           "Could you give an example case number?"]
DECLINES = ["The vendor contract does not allow this change before next year.",
            "Legal advised against it; we will look at the alternative in the next review."]
LIKELIHOOD = ["happening_now", "likely", "possible", "brainstormed"]


def seed(con: Conn, rng: random.Random, today: date, months: int) -> None:
    """Insert suggestions, events, votes and notifications for every team over `months` months."""
    state = _State(con, rng, datetime.combine(today, datetime.min.time()))
    start = state.now - timedelta(days=30 * months)
    for team in state.teams:
        for month in range(months):
            for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
                created = start + timedelta(days=30 * month + rng.randint(0, 29), hours=rng.randint(8, 17))
                if created < state.now - timedelta(hours=2):
                    state.suggestion(team, created)
    state.known_staff_suggestions()
    for table, rows in (("suggestions", state.suggestions), ("suggestion_events", state.events),
                        ("votes", state.votes), ("notifications", state.notifications)):
        con.insert_frame(table, pd.DataFrame(rows))
    after_bulk_load(con)
    _advance_sequences(con, len(state.suggestions), len(state.events), len(state.notifications))


def _advance_sequences(con: Conn, suggestions: int, events: int, notifications: int) -> None:
    """Move the id sequences past the ids the bulk insert used."""
    for name, used in (("suggestion_id_seq", suggestions), ("suggestion_event_id_seq", events),
                       ("notification_id_seq", notifications)):
        if used:
            con.execute("SELECT setval(?, ?)", (name, used))


class _State:
    """The rows being generated, with ids assigned in order."""

    def __init__(self, con: Conn, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.teams = con.rows("SELECT t.id AS team_id, t.office_id, o.region_id FROM teams t"
                              " JOIN offices o ON o.id = t.office_id ORDER BY t.id")
        members = con.rows("SELECT p.id, p.role, tm.team_id, t.office_id, o.region_id, p.email FROM people p"
                           " JOIN team_members tm ON tm.person_id = p.id JOIN teams t ON t.id = tm.team_id"
                           " JOIN offices o ON o.id = t.office_id WHERE p.active")
        self.staff = {t["team_id"]: [m["id"] for m in members if m["team_id"] == t["team_id"]
                                     and m["role"] == "staff"] for t in self.teams}
        demo_last = sorted(members, key=lambda m: m["email"].endswith("@demo.board"))
        self.manager = {m["team_id"]: m["id"] for m in demo_last if m["role"] == "manager"}
        self.regional = {m["region_id"]: m["id"] for m in demo_last if m["role"] == "regional_manager"}
        self.leader = next(m["id"] for m in members if m["email"] == "leader@demo.board")
        self.office_people: dict[int, list[int]] = {}
        for m in members:
            self.office_people.setdefault(m["office_id"], []).append(m["id"])
        self.known_staff = next(m for m in members if m["email"] == "staff@demo.board")
        self.suggestions: list[dict] = []
        self.events: list[dict] = []
        self.votes: list[dict] = []
        self.notifications: list[dict] = []
        self.voters: dict[int, set[int]] = {}

    def suggestion(self, team: dict, created: datetime, author: int | None = None) -> None:
        rng = self.rng
        category, kind, title, description, impact, solution = rng.choice(IDEAS)
        anonymous = author is None and rng.random() < 0.2
        author = None if anonymous else (author or rng.choice(self.staff[team["team_id"]]))
        if anonymous:
            created = day_only(created)  # as the daily release dates it
        sid = len(self.suggestions) + 1
        office_level = anonymous and rng.random() < 0.3
        row = {"id": sid, "kind": kind, "category": category, "title": title, "description": description,
               "customer_impact": impact, "proposed_solution": solution if rng.random() < 0.7 else "",
               "likelihood": rng.choice(LIKELIHOOD) if kind == "anticipated_problem" else None,
               "author_id": author, "anonymous": anonymous,
               "team_id": None if office_level else team["team_id"], "office_id": team["office_id"],
               "region_id": team["region_id"], "status": "new", "level": "office" if office_level else "team",
               "owner_id": None, "due_date": None, "duplicate_of": None, "receipt_lookup": None,
               "receipt_hash": None, "submission_key": secrets.token_hex(8), "created_at": created}
        self.suggestions.append(row)
        self.event(row, author, "submitted", None, "new", "", created)
        for voter in rng.sample(self.office_people[team["office_id"]], rng.choice([0, 0, 1, 2, 3, 5, 8])):
            if voter != author:
                self.voters.setdefault(sid, set()).add(voter)
                self.votes.append({"suggestion_id": sid, "person_id": voter,
                                   "created_at": created + timedelta(hours=rng.randint(1, 72))})
        self.history(row, team)

    def history(self, row: dict, team: dict) -> None:
        """Walk the workflow forward with realistic gaps; stop at today."""
        rng, when = self.rng, row["created_at"]
        manager = self.manager[team["team_id"]]
        if rng.random() < 0.1:
            return  # never acknowledged: overdue once the SLA has passed
        if rng.random() < 0.12:
            when = self._step(when, 3, 9)
            if when < self.now:
                row["level"] = "region"
                self.event(row, manager, "escalated", "team", "region", REPLIES[3], when)
                manager = self.regional[team["region_id"]]
                if rng.random() < 0.3:
                    row["level"] = "leadership"
                    self.event(row, manager, "escalated", "region", "leadership", "", self._step(when, 1, 4))
        final = rng.choices(PATH[1:] + ("declined",), weights=[2, 2, 2, 2, 5, 2])[0]
        for status in PATH[1:]:
            when = self._step(when, 1, 12)
            if when >= self.now:
                return
            if status == "under_review" and final == "declined":
                self.event(row, manager, "status", row["status"], "declined", rng.choice(DECLINES), when)
                row["status"] = "declined"
                return
            self.event(row, manager, "status", row["status"], status, "", when)
            row["status"] = status
            if status == "acknowledged" and rng.random() < 0.6:
                self.event(row, manager, "reply", None, None, rng.choice(REPLIES[:3] + REPLIES[4:]),
                           when + timedelta(hours=1))
            if status == "planned":
                row["owner_id"], row["due_date"] = manager, (when + timedelta(days=rng.randint(10, 40))).date()
            if status == final:
                return

    def _step(self, when: datetime, low: int, high: int) -> datetime:
        return datetime.combine(add_working_days(when.date(), self.rng.randint(low, high)),
                                datetime.min.time()) + timedelta(hours=self.rng.randint(9, 17))

    def event(self, row: dict, actor: int | None, kind: str, from_value, to_value, note: str, when: datetime) -> None:
        event_id = len(self.events) + 1
        self.events.append({"id": event_id, "suggestion_id": row["id"], "actor_id": actor, "kind": kind,
                            "from_value": from_value, "to_value": to_value, "note": note, "created_at": when})
        if kind in ("status", "reply", "escalated"):
            subscribers = self.voters.get(row["id"], set()) | ({row["author_id"]} if row["author_id"] else set())
            for person in sorted(subscribers - {actor}):
                read_at = when + timedelta(days=1) if when < self.now - timedelta(days=10) else None
                self.notifications.append({"id": len(self.notifications) + 1, "person_id": person,
                                           "suggestion_id": row["id"], "event_id": event_id, "read_at": read_at})

    def known_staff_suggestions(self) -> None:
        """A handful of recent named suggestions by staff@demo.board, so their pages have something to show."""
        team = next(t for t in self.teams if t["team_id"] == self.known_staff["team_id"])
        for days_ago in (150, 60, 25, 12, 6, 2):
            self.suggestion(team, self.now - timedelta(days=days_ago, hours=-10), author=self.known_staff["id"])
