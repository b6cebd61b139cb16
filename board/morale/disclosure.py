"""Small-group suppression: which aggregates of a unit hierarchy may be shown (pure, no I/O).

A group is shown only with at least k respondents, and no two shown groups where one contains the other
may differ by 1 to k-1 respondents, nor may a shown group minus all its shown sub-groups leave 1 to k-1:
either would reveal a small group by subtraction. Extra groups are suppressed until both hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

Key = Hashable


def shown_groups(counts: dict[Key, int], parent: dict[Key, Key | None], k: int) -> set[Key]:
    """The keys whose aggregates may be shown, given respondent counts and each key's parent (None at the top).
    Each round is linear in the number of groups; rounds repeat until nothing more must be hidden."""
    shown = {key for key, n in counts.items() if n >= k}
    while True:
        hide = _revealing(shown, counts, parent, k)
        if not hide:
            return shown
        shown -= hide


def _ancestors(key: Key, parent: dict[Key, Key | None]) -> list[Key]:
    found, current = [], parent.get(key)
    while current is not None:
        found.append(current)
        current = parent.get(current)
    return found


def nearest_shown_ancestor(key: Key, shown: set[Key], parent: dict[Key, Key | None]) -> Key | None:
    return next((a for a in _ancestors(key, parent) if a in shown), None)


def _revealing(shown: set[Key], counts: dict[Key, int], parent: dict, k: int) -> set[Key]:
    """Groups to hide this round: any whose difference from a shown ancestor is 1..k-1, and, where a shown
    group minus its shown sub-groups leaves 1..k-1, the smallest of those sub-groups."""
    hide, below = set(), defaultdict(list)
    for key in shown:
        ancestors = [a for a in _ancestors(key, parent) if a in shown]
        if any(0 < counts[a] - counts[key] < k for a in ancestors):
            hide.add(key)
        if ancestors:
            below[ancestors[0]].append(key)
    for top, keys in below.items():
        rest = counts[top] - sum(counts[key] for key in keys)
        if 0 < rest < k and not hide.intersection(keys):
            hide.add(min(keys, key=lambda key: (counts[key], str(key))))
    return hide


def shown_matrix(counts, parent, rank, k: int):
    """`shown_groups` for many periods at once, with arrays: `counts[period, group]` respondents, `parent[group]`
    the index of its parent (-1 at the top) and `rank[group]` the tie-break order (the position of str(key) among
    the keys). Returns a boolean array of the same shape as `counts`; each row equals what `shown_groups` gives
    for that period (the property tests compare them). Each round is a few array operations over all periods,
    the 'small remainder' cases too (with the same tie-break)."""
    import numpy as np

    counts = np.asarray(counts, dtype=np.int64)
    periods, groups = counts.shape
    parent, rank = np.asarray(parent, dtype=np.int64), np.asarray(rank, dtype=np.int64)
    ancestors = [parent]  # ancestors[d][g]: the ancestor d+1 levels up, or -1
    while (ancestors[-1] >= 0).any():
        up = ancestors[-1]
        ancestors.append(np.where(up >= 0, parent[np.maximum(up, 0)], -1))
    ancestors.pop()
    rows = np.arange(periods)[:, None] * groups
    shown = counts >= k
    while True:
        hide = np.zeros_like(shown)
        nearest = np.full(counts.shape, -1)
        for up in reversed(ancestors):  # farthest first, so the nearest shown ancestor is written last
            has = up >= 0
            above = shown[:, np.maximum(up, 0)] & has
            difference = counts[:, np.maximum(up, 0)] - counts
            hide |= above & (difference > 0) & (difference < k)
            nearest = np.where(above, up, nearest)
        hide &= shown
        below = shown & (nearest >= 0)
        cells = (rows + nearest)[below]
        size = periods * groups
        inside = np.bincount(cells, weights=counts[below], minlength=size).reshape(counts.shape)
        members = np.bincount(cells, minlength=size).reshape(counts.shape)
        hidden = np.bincount((rows + nearest)[below & hide], minlength=size).reshape(counts.shape)
        rest = counts - inside.astype(np.int64)
        short = (shown & (members > 0) & (hidden == 0) & (rest > 0) & (rest < k)).ravel()
        if short.any():  # hide the smallest sub-group (then the first by rank) of each such group, all at once
            period, group = np.nonzero(below)
            top = cells  # each sub-group's (period, nearest shown ancestor), in the same order as np.nonzero
            under = short[top]  # only the sub-groups of such groups are sorted (a few among a million)
            period, group, top = period[under], group[under], top[under]
            order = np.lexsort((rank[group], counts[period, group], top))
            first = order[np.r_[True, top[order][1:] != top[order][:-1]]]  # the smallest under each top
            hide[period[first], group[first]] = True
        if not hide.any():
            return shown
        shown &= ~hide
