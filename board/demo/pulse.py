"""Eighteen months of demo pulse answers: participation 55-85%, two teams usually under the threshold,
and a morale dip in the Americas in the middle of the period. Past periods are closed the way the app closes
them (pulse.close_due); the period containing today is open, with about half of its answers in and the known
demo people's still to give."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd

from board.morale.pulse import STATEMENTS, period_bounds, voter
from board.store import Conn

COMMENTS = ["Too many system outages this month.", "Good support from my manager.",
            "The refund trial made calls shorter.", "Workload before the holidays is heavy.",
            "More training on the new billing codes, please."]
DIP_REGION = "Americas"


def seed(con: Conn, rng: random.Random, today: date, months: int, key: bytes, length_days: int = 14) -> None:
    """Insert periods up to the one containing today, their responses and who answered (voter hashes); the
    caller closes the past ones."""
    people = con.rows("SELECT p.id, tm.team_id, t.office_id, o.region_id, r.name AS region,"
                      " p.email LIKE '%@demo.board' AS known FROM people p"
                      " JOIN team_members tm ON tm.person_id = p.id JOIN teams t ON t.id = tm.team_id"
                      " JOIN offices o ON o.id = t.office_id JOIN regions r ON r.id = o.region_id"
                      " WHERE p.active ORDER BY p.id")
    teams = sorted({p["team_id"] for p in people})
    rate = {team: rng.uniform(0.55, 0.85) for team in teams}
    for team in teams[5::11]:  # a few small-answer teams: usually under the threshold
        rate[team] = 0.3
    start, _ = period_bounds(today - timedelta(days=30 * months), length_days)
    periods: list[dict] = []
    responses: list[dict] = []
    participation: list[dict] = []
    while start <= today:
        period_id, is_open = len(periods) + 1, today < start + timedelta(days=length_days)
        periods.append({"id": period_id, "starts_on": start, "ends_on": start + timedelta(days=length_days)})
        dip = 1.0 if start > today - timedelta(days=30 * 10) and start < today - timedelta(days=30 * 5) else 0.0
        batch = []
        for person in people:
            if rng.random() < rate[person["team_id"]] * (0.6 if is_open else 1) and not (is_open and person["known"]):
                participation.append({"period_id": period_id, "voter": voter(key, period_id, person["id"]),
                                      "team_id": person["team_id"]})
                batch.append(_response(rng, period_id, person, dip if person["region"] == DIP_REGION else 0.0))
        rng.shuffle(batch)  # physical order must not follow the participation order
        responses.extend(batch)
        start += timedelta(days=length_days)
    for table, rows in (("pulse_periods", periods), ("pulse_responses", responses),
                        ("pulse_voters", participation)):
        con.insert_frame(table, pd.DataFrame(rows))
    con.execute("SELECT setval('pulse_period_id_seq', ?)", (max(len(periods), 1),))


def _response(rng: random.Random, period_id: int, person: dict, dip: float) -> dict:
    base = rng.gauss(3.7 - dip, 0.8)
    score = lambda shift=0.0: max(1, min(5, round(base + shift + rng.gauss(0, 0.6))))  # noqa: E731
    return {"id": f"{rng.getrandbits(128):032x}", "period_id": period_id, "team_id": person["team_id"],
            "office_id": person["office_id"], "region_id": person["region_id"],
            "mood": score(), "enps": max(0, min(10, round(2 * base + 1 + rng.gauss(0, 1.5)))),
            **{name: score(-0.3 if name == "workload" else 0.0) for name in STATEMENTS},
            "comment": rng.choice(COMMENTS) if rng.random() < 0.08 else ""}
