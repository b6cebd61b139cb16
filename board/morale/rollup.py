"""Morale's figures: each group's answers, mood and eNPS counts in each closed pulse period, and whether they may
be shown, for the organisation, every region, office and team.

They are counted from the periods' cells (pulse_cells, written when each period closed) over the unit hierarchy
as it is, and which groups may be shown is decided per period on the whole organisation (disclosure.shown_matrix),
so no view, filter or role can be combined with another to reveal a small group. At 40,000 teams counting reads
a million cells (0.4 s on DuckDB, 1.8 s on PostgreSQL), so each period's figures are also kept (pulse_rollup,
migration 0024): written when the period closes (pulse.seal), each with the structure of the hierarchy and the
minimum group size they were counted under (pulse_rollup_made). A reader takes them only while both still hold
(`stored`); after a new team, office or region or a changed minimum, figures are counted anew
(`count`) until the notification worker has kept them again (`refresh`). A hidden group's row holds no figures:
what is stored is what may be shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from board.errors import NotAllowed
from board.i18n import _
from board.morale.disclosure import shown_matrix
from board.org.access import ADMINS, Person, in_scope
from board.store import Conn, Database

LEVELS = ("org", "region", "office", "team")  # the order of Units' columns
FIGURES = ("n", "mood", "promoters", "detractors")  # answers, the sum of moods, eNPS promoters and detractors


def positions(ids: list[int], values) -> np.ndarray:
    """The position of each value in ids (-1 where absent), vectorised through a lookup array."""
    values = np.asarray(values, dtype=np.int64)
    if not ids or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    lookup = np.full(max(max(ids), int(values.max())) + 2, -1, dtype=np.int64)  # the last place: absent
    lookup[ids] = np.arange(len(ids))
    return lookup[np.where(values >= 0, values, -1)]  # a negative value (none) reads that last -1


class Units:
    """The unit hierarchy once, as arrays over its groups (the columns of Morale's figures): the organisation
    (column 0), then the regions, the offices and the teams, each level in id order. For each group: its key
    (level, id), name, parent column (-1 at the top) and the region, office and team it stands for (-1 for
    none: an office has no team)."""

    def __init__(self, con: Conn):
        teams = con.arrays(
            "SELECT t.id AS team_id, t.name AS team, o.id AS office_id, o.name AS office, r.id AS region_id,"
            " r.name AS region FROM teams t JOIN offices o ON o.id = t.office_id"
            " JOIN regions r ON r.id = o.region_id ORDER BY t.id")
        team = np.asarray(teams["team_id"], dtype=np.int64)
        office = np.asarray(teams["office_id"], dtype=np.int64)
        region = np.asarray(teams["region_id"], dtype=np.int64)
        regions, region_at = np.unique(region, return_index=True)  # sorted ids, and a team of each
        offices, office_at = np.unique(office, return_index=True)
        sizes = {"org": 1, "region": len(regions), "office": len(offices), "team": len(team)}
        self.first = dict(zip(sizes, np.cumsum([0, *sizes.values()])[:-1].tolist(), strict=True))
        self.level = np.repeat(np.arange(len(sizes)), list(sizes.values()))  # the position in LEVELS
        self.group = np.concatenate(([0], regions, offices, team))
        none = np.full(1 + len(regions), -1)
        self.region_id = np.concatenate(([-1], regions, region[office_at], region))
        self.office_id = np.concatenate((none, offices, office))
        self.team_id = np.concatenate((none, np.full(len(offices), -1), team))
        self.parent = np.concatenate((
            [-1], np.zeros(len(regions), dtype=np.int64),
            self.first["region"] + np.searchsorted(regions, region[office_at]),
            self.first["office"] + np.searchsorted(offices, office)))
        names = {name: [str(v) for v in teams[name]] for name in ("team", "office", "region")}
        self.label = [_("Whole organisation"), *(names["region"][i] for i in region_at.tolist()),
                      *(names["office"][i] for i in office_at.tolist()),
                      *(f"{t}, {o}" for t, o in zip(names["team"], names["office"], strict=True))]
        self.keys = list(zip(np.array(LEVELS)[self.level].tolist(), self.group.tolist(), strict=True))

    def structure(self) -> str:
        """A fingerprint of which team is in which office and which office in which region (not the names):
        what Morale's figures depend on besides the answers and k."""
        digest = hashlib.blake2b(self.group.tobytes() + self.parent.tobytes(), digest_size=16).hexdigest()
        return f"{len(self.group)}:{digest}"

    def roll_up(self, own: np.ndarray) -> np.ndarray:
        """(period, group) figures of each group's own cells -> each group's with everything below it: the teams'
        added to their offices, then the offices' to their regions, the regions' to the organisation (on the
        matrix: a million cells are counted once, not once per level)."""
        total, periods = own.astype(np.float64), np.arange(own.shape[0])[:, None] * own.shape[1]
        for level in reversed(LEVELS[1:]):
            columns = np.flatnonzero(self.at(level))
            total += np.bincount((periods + self.parent[columns]).ravel(), weights=total[:, columns].ravel(),
                                 minlength=total.size).reshape(total.shape)
        return total

    def part(self, level: str) -> slice:
        """The columns of a level's groups (they are side by side)."""
        return slice(self.first[level], self.first[level] + int(self.at(level).sum()))

    def at(self, level: str) -> np.ndarray:
        """Whether each group is of the level."""
        return self.level == LEVELS.index(level)

    def columns(self, level: str, ids) -> np.ndarray:
        """The column of each id of a level, -1 where the unit no longer exists (a lookup array indexed by id:
        a million pulse cells are placed in milliseconds)."""
        places = positions(self.group[self.at(level)].tolist(), ids)
        return np.where(places >= 0, self.first[level] + places, -1)

    def ids(self, column: int) -> dict:
        """The region, office and team a group stands for (None for none)."""
        return {name: (None if value < 0 else value) for name, value in (
            ("region_id", int(self.region_id[column])), ("office_id", int(self.office_id[column])),
            ("team_id", int(self.team_id[column])))}

    def rank(self) -> np.ndarray:
        """The tie-break of disclosure.shown_matrix: each group's position in the order of str(key)."""
        text = np.char.add(np.char.add("('", np.array(LEVELS)[self.level]), "', ")
        text = np.char.add(np.char.add(text, self.group.astype(str)), ")")
        rank = np.empty(len(text), dtype=np.int64)
        rank[np.argsort(text, kind="stable")] = np.arange(len(text))
        return rank

    def inside(self, within: Mapping[str, int | None] | None) -> np.ndarray | bool:
        """Whether each group lies inside the given region, office and team (keys region_id, office_id and
        team_id; None or absent: any). A group above them is not inside: an office's region is not in it."""
        inside: np.ndarray | bool = True
        for key, ids in (("region_id", self.region_id), ("office_id", self.office_id), ("team_id", self.team_id)):
            value = (within or {}).get(key)
            if value is not None:
                inside = inside & (ids == value)
        return inside

    def reached(self, viewer: Person) -> np.ndarray:
        """Whether the viewer may see each group's results (access.SCOPES["pulse_results"], through in_scope on
        the id arrays: staff see none); an admin is refused pulse results outright."""
        if viewer.role in ADMINS:
            raise NotAllowed()
        ids = {"region_id": self.region_id, "office_id": self.office_id, "team_id": self.team_id}
        return np.broadcast_to(np.asarray(in_scope(viewer, "pulse_results", ids), dtype=bool), self.group.shape)

    def in_scope(self, viewer: Person, level: str) -> set:
        """The keys of the groups of a level whose results the viewer may see (see `reached`)."""
        return {self.keys[g] for g in np.flatnonzero(self.reached(viewer) & self.at(level)).tolist()}


@dataclass(frozen=True)
class Figures:
    """One level's figures: a row per period (in the order asked for) and a column per group of the level (in
    Units' order). `n`, `mood`, `promoters` and `detractors` as FIGURES says (0 where not shown once stored),
    `present`: the group had answers, `shown`: it may be shown. Shared between viewers: never written."""

    n: np.ndarray
    mood: np.ndarray
    promoters: np.ndarray
    detractors: np.ndarray
    present: np.ndarray
    shown: np.ndarray

    def __post_init__(self) -> None:
        for name in (*FIGURES, "present", "shown"):
            getattr(self, name).flags.writeable = False


def count(con: Conn, units: Units, periods: list[int], k: int) -> dict[str, Figures]:
    """Every level's figures for the given closed periods, counted from their cells (each cell from its lowest
    group up: a generalised cell has no team, or office, or region) and suppressed on the whole organisation."""
    ids = periods or [0]
    cells = con.arrays(
        "SELECT period_id, coalesce(team_id, -1) AS team_id, coalesce(office_id, -1) AS office_id,"
        " coalesce(region_id, -1) AS region_id, answers AS n, mood, promoters, detractors"
        " FROM pulse_cells WHERE period_id BETWEEN ? AND ?", (min(ids), max(ids)))
    rows = positions(periods, cells["period_id"])
    lowest = np.zeros(len(rows), dtype=np.int64)  # column 0: the organisation
    for level in ("region", "office", "team"):
        ids_at_level = np.asarray(cells[f"{level}_id"], dtype=np.int64)
        lowest = np.where(ids_at_level >= 0, units.columns(level, ids_at_level), lowest)
    kept = (rows >= 0) & (lowest >= 0)  # ids between the first and last that are not asked for
    shape, sums = (len(periods), len(units.keys)), {}
    places = rows[kept] * shape[1] + lowest[kept]  # each cell's (period, lowest group)
    for name in FIGURES:
        values = np.asarray(cells[name][kept], dtype=np.float64)  # exact: counts and sums far below 2**53
        total = np.bincount(places, weights=values, minlength=shape[0] * shape[1]).reshape(shape)
        sums[name] = units.roll_up(total).round().astype(np.int64)
    shown = shown_matrix(sums["n"], units.parent, units.rank(), k)
    found = {}
    for level in LEVELS:
        part = units.part(level)
        found[level] = Figures(**{name: sums[name][:, part] for name in FIGURES},
                               present=sums["n"][:, part] > 0, shown=shown[:, part])
    return found


def store(con: Conn, periods: list[int], k: int, units: Units | None = None) -> int:
    """Count the given closed periods' figures and keep them in place of what was kept, with the structure and k
    they were counted under (inside the caller's transaction). Returns the rows written."""
    import pandas as pd

    if not periods:
        return 0
    units = units if units is not None else Units(con)
    ids, frames = np.asarray(periods, dtype=np.int64), []
    for level, figures in count(con, units, periods, k).items():
        row, column = np.nonzero(figures.present)
        shown = figures.shown[row, column]
        frame = {"period_id": ids[row], "level": level, "group_id": units.group[units.part(level)][column],
                 "shown": shown}
        for name, title in zip(FIGURES, ("answers", "mood", "promoters", "detractors"), strict=True):
            values = pd.array(getattr(figures, name)[row, column], dtype="Int64")
            values[~shown] = pd.NA  # a hidden group's figures are not kept
            frame[title] = values
        frames.append(pd.DataFrame(frame))
    con.executemany("DELETE FROM pulse_rollup WHERE period_id = ?", [(p,) for p in periods])
    con.executemany("DELETE FROM pulse_rollup_made WHERE period_id = ?", [(p,) for p in periods])
    rows = pd.concat(frames, ignore_index=True)
    con.insert_frame("pulse_rollup", rows)
    con.insert_frame("pulse_rollup_made", pd.DataFrame({"period_id": ids, "structure": units.structure(), "k": k}))
    return len(rows)


def stored(con: Conn, units: Units, periods: list[int], level: str, k: int) -> Figures | None:
    """One level's figures as kept, when every given period's were counted under the hierarchy's present
    structure and this k; None otherwise (count them)."""
    size = int(units.at(level).sum())
    if not periods:
        empty = np.zeros((0, size), dtype=np.int64)
        return Figures(empty, empty, empty, empty, empty > 0, empty > 0)
    low, high = min(periods), max(periods)
    # One statement, so one snapshot (a store's read runs each statement on committed data): which periods were
    # kept under this structure and k (a row each, group -1), and those periods' rows of the level. Checked and
    # read apart, a worker keeping them again in between could hand rows of another structure or k to this one.
    kept = con.arrays(
        "SELECT period_id, -1 AS group_id, 0 AS shown, 0 AS n, 0 AS mood, 0 AS promoters, 0 AS detractors"
        " FROM pulse_rollup_made WHERE period_id BETWEEN ? AND ? AND structure = ? AND k = ?"
        " UNION ALL SELECT r.period_id, r.group_id, CAST(r.shown AS INTEGER), coalesce(r.answers, 0),"
        " coalesce(r.mood, 0), coalesce(r.promoters, 0), coalesce(r.detractors, 0) FROM pulse_rollup r"
        " JOIN pulse_rollup_made m ON m.period_id = r.period_id AND m.structure = ? AND m.k = ?"
        " WHERE r.level = ? AND r.period_id BETWEEN ? AND ?",
        (low, high, units.structure(), k, units.structure(), k, level, low, high))
    group = np.asarray(kept["group_id"], dtype=np.int64)
    row = positions(periods, kept["period_id"])
    if (row[group < 0] >= 0).sum() != len(set(periods)):  # a period not kept under them: count anew
        return None
    column = units.columns(level, group) - units.first[level]
    inside = (row >= 0) & (group >= 0) & (column >= 0)
    row, column, shape = row[inside], column[inside], (len(periods), size)
    figures = {}
    for name in FIGURES:
        figures[name] = np.zeros(shape, dtype=np.int64)
        figures[name][row, column] = np.asarray(kept[name], dtype=np.int64)[inside]
    present, shown = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    present[row, column] = True
    shown[row, column] = np.asarray(kept["shown"], dtype=np.int64)[inside] == 1
    return Figures(**figures, present=present, shown=shown)


def stale(con: Conn, structure: str, k: int) -> list[int]:
    """The closed periods whose figures are not kept, or were counted under another structure or k."""
    return [r["id"] for r in con.rows(
        "SELECT p.id FROM pulse_periods p LEFT JOIN pulse_rollup_made m ON m.period_id = p.id"
        " WHERE p.closed_at IS NOT NULL AND (m.period_id IS NULL OR m.structure <> ? OR m.k <> ?) ORDER BY p.id",
        (structure, k))]


# Periods kept again per transaction by `refresh` (at 40,000 teams each is about 44,000 rows, 0.3-1 s), and at
# most per call: one worker run never holds delivery up for long; the next run goes on.
REFRESHED = 4
MOST_REFRESHED = 40


def refresh(db: Database) -> int:
    """Keep again the figures of the closed periods that are missing or stale (the notification worker's runs:
    after this migration, a new team, office or region, or a changed minimum group size), a few periods per
    transaction and at most MOST_REFRESHED per call, so that neither closing a period nor delivery waits long.
    Returns the periods kept. Nothing stale: one read (the hierarchy: 35 ms at 40,000 teams on DuckDB, 0.14 s
    on PostgreSQL) and no write."""
    from board.morale.pulse import LOCK  # pulse.seal keeps a closing period's figures through this module
    from board.org import settings

    with db.read() as con:
        if not stale(con, Units(con).structure(), settings.load_in(con).anonymity_k):
            return 0
    done = 0
    while True:
        def work(con: Conn) -> int:
            units, k = Units(con), settings.load_in(con).anonymity_k
            periods = stale(con, units.structure(), k)[:REFRESHED]
            store(con, periods, k, units)
            return len(periods)

        n = db.write(work, lock=LOCK)
        done += n
        if n < REFRESHED or done >= MOST_REFRESHED:
            return done
