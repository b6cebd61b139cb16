"""Pulse answers and the people who give them."""

from __future__ import annotations

from board.morale import pulse
from board.org import people


def good(**changes) -> pulse.Answer:
    return pulse.Answer(**{"mood": 4, "enps": 9, "empowered": 4, "tools": 3, "acted_on": 4, "workload": 2,
                           "proud": 5, "comment": "", **changes})


def team_members(store, known, team_name: str) -> list:
    everyone = people.list_people(store, known["admin"])
    return [people.get_person(store, p["id"]) for p in everyone
            if p["office"] == "Kuala Lumpur" and p["team"] == team_name]
