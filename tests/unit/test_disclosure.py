"""Small-group suppression, proved over random organisations (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.morale.disclosure import nearest_shown_ancestor, shown_groups, shown_matrix


def organisation(team_counts: list[list[list[int]]]) -> tuple[dict, dict]:
    """Counts and parents for org -> regions -> offices -> teams from nested team counts."""
    counts, parent = {"org": 0}, {"org": None}
    for r, offices in enumerate(team_counts):
        region = ("region", r)
        counts[region], parent[region] = 0, "org"
        for o, teams in enumerate(offices):
            office = ("office", r, o)
            counts[office], parent[office] = 0, region
            for t, n in enumerate(teams):
                team = ("team", r, o, t)
                counts[team], parent[team] = n, office
                for unit in (office, region, "org"):
                    counts[unit] += n
    return counts, parent


ORGS = st.lists(st.lists(st.lists(st.integers(0, 14), min_size=1, max_size=4), min_size=1, max_size=3),
                min_size=1, max_size=3)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(ORGS, st.integers(3, 8))
def test_no_shown_group_or_difference_reveals_fewer_than_k(team_counts, k):
    counts, parent = organisation(team_counts)
    shown = shown_groups(counts, parent, k)
    assert all(counts[key] >= k for key in shown)
    for key in shown:
        ancestor = parent[key]
        while ancestor is not None:
            if ancestor in shown:
                assert counts[ancestor] - counts[key] == 0 or counts[ancestor] - counts[key] >= k
            ancestor = parent[ancestor]
    for top in shown:
        below = [s for s in shown if nearest_shown_ancestor(s, shown, parent) == top]
        if below:
            rest = counts[top] - sum(counts[s] for s in below)
            assert rest == 0 or rest >= k


def test_a_team_beside_its_office_is_hidden_when_the_rest_is_small():
    counts, parent = organisation([[[6, 2]]])  # office 8 = team 6 + team 2
    shown = shown_groups(counts, parent, 5)
    assert ("team", 0, 0, 0) not in shown and ("office", 0, 0) in shown  # 8 - 6 = 2 would reveal the small team


def test_large_groups_are_all_shown():
    counts, parent = organisation([[[6, 7], [9]], [[5]]])
    assert shown_groups(counts, parent, 5) == set(counts)


def as_arrays(periods: list[dict], parent: dict) -> tuple:
    """The array form of several periods' counts over one hierarchy (for shown_matrix)."""
    keys = list(parent)
    index = {key: i for i, key in enumerate(keys)}
    order = sorted(keys, key=str)
    rank = [order.index(key) for key in keys]
    parents = [index[parent[key]] if parent[key] is not None else -1 for key in keys]
    counts = [[period.get(key, 0) for key in keys] for period in periods]
    return keys, counts, parents, rank


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(ORGS, st.integers(1, 4), st.integers(3, 8), st.data())
def test_the_array_form_decides_exactly_as_the_reference_for_every_period(shape, period_count, k, data):
    """One hierarchy, fresh random counts per period."""
    periods, parent = [], None
    for _ in range(period_count):
        drawn = [[[data.draw(st.integers(0, 14)) for _ in teams] for teams in offices] for offices in shape]
        counts, parent = organisation(drawn)
        periods.append({key: n for key, n in counts.items() if n > 0})  # as the query returns them: no empty groups
    keys, counts, parents, rank = as_arrays(periods, parent)
    shown = shown_matrix(counts, parents, rank, k)
    for p, period in enumerate(periods):
        assert {keys[g] for g in range(len(keys)) if shown[p, g]} == shown_groups(period, parent, k)


def test_the_array_form_breaks_ties_by_the_key_as_the_reference_does():
    counts, parent = organisation([[[3, 3, 3, 1]]])  # office 10: the remainder 1 forces one team of 3 out
    keys, matrix, parents, rank = as_arrays([counts], parent)
    expected = shown_groups(counts, parent, 3)
    assert {keys[g] for g in range(len(keys)) if shown_matrix(matrix, parents, rank, 3)[0, g]} == expected
    assert ("team", 0, 0, 0) not in expected and ("team", 0, 0, 1) in expected
