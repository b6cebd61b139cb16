"""Small-group suppression: which aggregates of a unit hierarchy may be shown (pure, no I/O).

A group is shown only with at least k respondents, and no two shown groups where one contains the other
may differ by 1 to k-1 respondents, nor may a shown group minus all its shown sub-groups leave 1 to k-1:
either would reveal a small group by subtraction. Extra groups are suppressed until both hold.
"""

from __future__ import annotations

from typing import Hashable

Key = Hashable


def shown_groups(counts: dict[Key, int], parent: dict[Key, Key | None], k: int) -> set[Key]:
    """The keys whose aggregates may be shown, given respondent counts and each key's parent (None at the top)."""
    shown = {key for key, n in counts.items() if n >= k}
    changed = True
    while changed:
        changed = False
        for key in sorted(shown, key=lambda key: (counts[key], str(key))):
            if key in shown and _reveals(key, shown, counts, parent, k):
                shown.discard(key)
                changed = True
    return shown


def _ancestors(key: Key, parent: dict[Key, Key | None]) -> list[Key]:
    found, current = [], parent.get(key)
    while current is not None:
        found.append(current)
        current = parent.get(current)
    return found


def nearest_shown_ancestor(key: Key, shown: set[Key], parent: dict[Key, Key | None]) -> Key | None:
    return next((a for a in _ancestors(key, parent) if a in shown), None)


def _reveals(key: Key, shown: set[Key], counts: dict[Key, int], parent: dict, k: int) -> bool:
    """Whether showing `key` next to the other shown groups lets someone subtract a small group."""
    for ancestor in _ancestors(key, parent):
        if ancestor in shown and 0 < counts[ancestor] - counts[key] < k:
            return True
    above = nearest_shown_ancestor(key, shown, parent)
    if above is None:
        return False
    beside = [s for s in shown if nearest_shown_ancestor(s, shown, parent) == above]
    rest = counts[above] - sum(counts[s] for s in beside)
    return 0 < rest < k
