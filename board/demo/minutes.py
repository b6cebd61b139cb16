"""Eighteen months of demo minutes: most teams meet every two to four weeks; Mexico City lags, Sydney never
discusses a problem; actions in every state; older minutes reviewed, the newest waiting in the queue."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

import pandas as pd

from board.meetings.minutes import count_items, long_date
from board.store import Conn

LAGGING, NO_PROBLEMS = "Mexico City", "Sydney"
PROBLEMS = [
    ("real_problem", "process", "Callbacks promised on Friday were missed over the weekend.",
     "Friday's open callbacks are handed to the Saturday shift by name."),
    ("real_problem", "system", "The CRM logs us out during long calls.",
     "Systems raised the session timeout to 60 minutes."),
    ("anticipated_problem", "policy", "The new return policy starts next month and scripts still say 30 days.",
     "Scripts updated and a one-page summary pinned in the team channel."),
    ("anticipated_problem", "training", "Two new starters arrive during the busiest week.",
     "Pair each new starter with a buddy for their first ten calls."),
    ("real_problem", "policy", "Customers wait ten days for small refunds.",
     "Agents may refund up to 20 dollars without approval (trial for one month)."),
    ("anticipated_problem", "system", "The billing migration weekend may double Monday's calls.",
     "Extra cover on Monday morning and a recorded message about the migration."),
]
OTHER = [("information", "other", "Holiday rota for December shared.", ""),
         ("decision", "process", "Team huddle moves to 9:15 on Mondays.", "Huddle at 9:15 from next week."),
         ("brainstorm", "product", "Ideas to make the self-service portal easier to find.",
          "Add the portal link to the hold message.")]
ACTIONS = ["Update the call scripts", "Ask finance for the refund numbers", "Book the training room",
           "Share the rota with the other teams", "Check the CRM timeout with systems"]
COMMENTS = ["Good discussion; please share the refund trial results next month.",
            "Which customers were affected? Please follow up with numbers.",
            "No problem discussed for a while: what is the team seeing?"]


def seed(con: Conn, rng: random.Random, today: date, months: int) -> None:
    """Insert meetings, items, links, actions, reviews and versions for most teams over `months` months."""
    teams = con.rows("SELECT t.id AS team_id, t.name AS team, t.office_id, o.region_id, o.name AS office FROM teams t"
                     " JOIN offices o ON o.id = t.office_id ORDER BY t.id")
    managers = {r["team_id"]: r["id"] for r in con.rows(
        "SELECT p.id, tm.team_id FROM people p JOIN team_members tm ON tm.person_id = p.id"
        " WHERE p.role = 'manager' AND p.active ORDER BY p.email LIKE '%@demo.board' DESC, p.id")}
    members: dict[int, list[int]] = {}
    for r in con.rows("SELECT p.id, tm.team_id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                      " WHERE p.active ORDER BY p.id"):
        members.setdefault(r["team_id"], []).append(r["id"])
    regional = {r["region_id"]: r["id"] for r in con.rows(
        "SELECT p.id, o.region_id FROM people p JOIN team_members tm ON tm.person_id = p.id"
        " JOIN teams t ON t.id = tm.team_id JOIN offices o ON o.id = t.office_id"
        " WHERE p.role = 'regional_manager' AND p.active ORDER BY p.email LIKE '%@demo.board' DESC, p.id")}
    suggestions: dict[int, list[int]] = {}
    for r in con.rows("SELECT id, team_id FROM suggestions WHERE team_id IS NOT NULL ORDER BY id"):
        suggestions.setdefault(r["team_id"], []).append(r["id"])
    out = _Rows()
    start = today - timedelta(days=30 * months)
    for team in teams:
        gap = (60, 100) if team["office"] == LAGGING else (14, 28)
        day = start + timedelta(days=rng.randint(0, 14))
        while day <= today - timedelta(days=1):
            out.meeting(rng, team, day, today, managers[team["team_id"]], members[team["team_id"]],
                        regional[team["region_id"]], suggestions.get(team["team_id"], []))
            day += timedelta(days=rng.randint(*gap))
    for table, rows in out.tables().items():
        con.insert_frame(table, pd.DataFrame(rows))
    count_items(con)
    for name, used in (("meeting_id_seq", len(out.meetings)), ("meeting_item_id_seq", len(out.items)),
                       ("action_item_id_seq", len(out.actions)), ("action_event_id_seq", len(out.action_events)),
                       ("meeting_review_id_seq", len(out.reviews))):
        con.execute("SELECT setval(?, ?)", (name, max(used, 1)))
    for event in out.suggestion_events:
        con.execute("INSERT INTO suggestion_events (suggestion_id, actor_id, kind, to_value, note, created_at)"
                    " VALUES (?, ?, 'discussed', ?, ?, ?)", event)


class _Rows:
    """The generated rows, ids assigned in order."""

    def __init__(self):
        self.meetings, self.items, self.links, self.actions = [], [], [], []
        self.action_events, self.reviews, self.versions, self.suggestion_events = [], [], [], []

    def tables(self) -> dict[str, list[dict]]:
        return {"meetings": self.meetings, "meeting_items": self.items, "item_links": self.links,
                "action_items": self.actions, "action_events": self.action_events,
                "meeting_reviews": self.reviews, "meeting_versions": self.versions}

    def meeting(self, rng, team, day, today, manager, members, reviewer, team_suggestions) -> None:
        meeting_id = len(self.meetings) + 1
        when = datetime.combine(day, datetime.min.time()) + timedelta(hours=15)
        others = [m for m in members if m != manager]
        attendees = sorted(rng.sample(others, min(len(others), rng.randint(5, 10))) + [manager])
        pool = OTHER if team["office"] == NO_PROBLEMS else PROBLEMS + OTHER
        content = []
        for position, (kind, category, discussed, solution) in enumerate(rng.sample(pool, rng.randint(1, 3))):
            item_id = len(self.items) + 1
            self.items.append({"id": item_id, "meeting_id": meeting_id, "position": position, "kind": kind,
                               "category": category, "discussed": discussed, "solution": solution, "removed": False})
            linked = [rng.choice(team_suggestions)] if team_suggestions and rng.random() < 0.25 else []
            for suggestion_id in linked:
                self.links.append({"item_id": item_id, "suggestion_id": suggestion_id})
                self.suggestion_events.append((suggestion_id, manager, str(meeting_id),
                                               f"Discussed in the {team['team']} team, {team['office']} meeting"
                                               f" of {long_date(day)}", when))
            actions = [self.action(rng, meeting_id, item_id, rng.choice(members), day, today, manager)
                       for _ in range(rng.choice([0, 1, 1, 2]))]
            content.append({"id": item_id, "kind": kind, "category": category, "discussed": discussed,
                            "solution": solution, "suggestion_ids": linked, "actions": actions})
        self.meetings.append({"id": meeting_id, "team_id": team["team_id"], "office_id": team["office_id"],
                              "region_id": team["region_id"], "meeting_date": day, "chair_id": manager,
                              "attendee_ids": attendees, "author_id": manager, "status": "published",
                              "draft": None, "review_status": None, "version": 1, "created_at": when,
                              "published_at": when})
        self.versions.append({"meeting_id": meeting_id, "version": 1, "author_id": manager, "created_at": when,
                              "content": json.dumps({"meeting_date": day.isoformat(), "chair_id": manager,
                                                     "attendee_ids": attendees, "items": content})})
        if (today - day).days > 21 and rng.random() < 0.85:
            verdict = "needs_follow_up" if rng.random() < 0.15 else "reviewed"
            self.meetings[-1]["review_status"] = verdict
            self.reviews.append({"id": len(self.reviews) + 1, "meeting_id": meeting_id, "reviewer_id": reviewer,
                                 "verdict": verdict, "comment": rng.choice(COMMENTS) if verdict != "reviewed" else "",
                                 "created_at": when + timedelta(days=rng.randint(2, 14))})

    def action(self, rng, meeting_id, item_id, owner, day, today, author) -> dict:
        action_id = len(self.actions) + 1
        due = day + timedelta(days=rng.randint(7, 30))
        status, closed = "open", None
        if due < today or rng.random() < 0.3:
            status = rng.choices(["done", "dropped", "open"], weights=[7, 1, 2])[0]
            if status != "open":
                closed = datetime.combine(due + timedelta(days=rng.randint(-12, 3)), datetime.min.time()) \
                    + timedelta(hours=11)
                closed = min(closed, datetime.combine(today, datetime.min.time()))
        description = rng.choice(ACTIONS)
        self.actions.append({"id": action_id, "item_id": item_id, "meeting_id": meeting_id,
                             "description": description, "owner_id": owner, "due_date": due, "status": status,
                             "closed_at": closed, "removed": False})
        created = datetime.combine(day, datetime.min.time()) + timedelta(hours=15)
        self.action_events.append({"id": len(self.action_events) + 1, "action_id": action_id, "actor_id": author,
                                   "from_status": None, "to_status": "open", "note": "", "created_at": created})
        if closed:
            self.action_events.append({"id": len(self.action_events) + 1, "action_id": action_id, "actor_id": owner,
                                       "from_status": "open", "to_status": status,
                                       "note": "No longer needed" if status == "dropped" else "", "created_at": closed})
        return {"id": action_id, "description": description, "owner_id": owner, "due_date": due.isoformat(),
                "status": status}
