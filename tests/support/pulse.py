"""Pulse answers and the people who give them."""

from __future__ import annotations

from board.morale import pulse, rollup
from board.org import people, settings


def good(**changes) -> pulse.Answer:
    return pulse.Answer(**{"mood": 4, "enps": 9, "empowered": 4, "tools": 3, "acted_on": 4, "workload": 2,
                           "proud": 5, "comment": "", **changes})


def team_members(store, known, team_name: str) -> list:
    everyone = people.list_people(store, known["admin"])
    return [people.get_person(store, p["id"]) for p in everyone
            if p["office"] == "Kuala Lumpur" and p["team"] == team_name]


def same_shown(kept: rollup.Figures, counted: rollup.Figures) -> bool:
    """One level's figures kept by seal equal those counted from the cells wherever a viewer can read them: the
    same groups with answers, the same shown, the same figures of each shown group (a hidden one keeps none)."""
    return ((kept.present == counted.present).all() and (kept.shown == counted.shown).all()
            and all((getattr(kept, name) * kept.shown == getattr(counted, name) * counted.shown).all()
                    for name in rollup.FIGURES))


def kept_equals_counted(con) -> int:
    """Every closed period's figures are kept under the present structure and k, and equal a count from the
    cells at every level; returns the periods compared."""
    units, k = rollup.Units(con), settings.load_in(con).anonymity_k
    assert rollup.stale(con, units.structure(), k) == []
    periods = [r["id"] for r in con.rows("SELECT id FROM pulse_periods WHERE closed_at IS NOT NULL ORDER BY id")]
    counted = rollup.count(con, units, periods, k)
    for level in rollup.LEVELS:
        kept = rollup.stored(con, units, periods, level, k)
        assert kept is not None and same_shown(kept, counted[level]), level
    return len(periods)
