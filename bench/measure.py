"""What the dashboard benchmarks share, on DuckDB and on PostgreSQL alike: warm timing, a store that records
the statements the reports layer runs, every dashboard query of a viewer, the whole leader dashboard, the
viewers and period measured, peak memory and the number format of the tables."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from bench.data import TODAY
from board import store as db
from board.feedback.workflow import sla_cutoff
from board.morale import rollup
from board.org import people, settings
from board.reporting import dashboard, reports

RUNS = 5
BUDGET_S = 120  # a query whose warm-up run takes longer is measured fewer times (the runs are recorded)

# --- timing --------------------------------------------------------------------------------------------------


def timed(*fns, runs: int = RUNS) -> Any:
    """One warm-up run of each function, then the median of `runs` runs, the functions taking turns (so drift
    on a busy machine touches all alike); fewer runs when they would blow the time budget. One function: its
    figures; several: a list of them, in order."""
    warmup = 0.0
    for fn in fns:
        start = time.perf_counter()
        fn()
        warmup += time.perf_counter() - start
    runs = runs if warmup * runs <= BUDGET_S else max(1, int(BUDGET_S // max(warmup, 1e-9)))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, taken in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            taken.append((time.perf_counter() - start) * 1000)
    found = [{"median_ms": round(statistics.median(s), 2), "min_ms": round(min(s), 2), "max_ms": round(max(s), 2),
              "runs": runs} for s in samples]
    return found if len(fns) > 1 else found[0]


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (ru_maxrss) of this process, or of its finished children, in MB."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KiB


def ms(value) -> str:
    """Milliseconds as the tables print them; n/a for none."""
    return "n/a" if value is None else f"{value:,.1f}"


# --- recording what the reports layer runs -------------------------------------------------------------------

class Recording:
    """A store whose cursors note every statement (SQL text and parameters) before running it."""

    def __init__(self, store: db.Database):
        self._store: Any = store
        self.statements: list[tuple[str, list, bool | str]] = []

    def __getattr__(self, name):
        return getattr(self._store, name)

    @contextmanager
    def read(self):
        with self._store.read() as con:
            yield RecordingConn(con, self.statements)


class RecordingConn:
    """Notes (sql, params, how the result was fetched: True as numpy arrays, "binary" as rows in PostgreSQL's binary
    format, False as rows) of every statement run."""

    def __init__(self, con: db.Conn, log: list):
        self._con, self._log = con, log

    def __getattr__(self, name):
        method = getattr(self._con, name)
        if name not in ("rows", "one", "scalar", "df", "arrays", "execute"):
            return method

        def noted(sql, params=(), *rest, **options):  # how fetched: True as arrays, "binary" as binary rows
            self._log.append((sql, list(params), True if name == "arrays" else options.get("binary") and "binary"))
            return method(sql, params, *rest, **options)
        return noted


def recorded(store: db.Database, fn) -> list[tuple[str, list, bool | str]]:
    """The statements fn(store) runs: (SQL, parameters, how fetched: see RecordingConn)."""
    recording = Recording(store)
    fn(recording)
    return recording.statements


# --- what is measured ----------------------------------------------------------------------------------------

def cold(fn):
    """fn, with Morale's shared figures forgotten first: what the first viewer after a change waits for."""
    def anew(store):
        reports.forget_shared_morale()
        return fn(store)
    return anew


def counted_anew(fn):
    """fn with Morale's figures counted from the cells, its kept ones (pulse_rollup) left unread: what the first
    viewer waits for while they are stale (after a new unit or another k, until the worker's next run), and what
    every first viewer waited for before migration 0024. The comparison beside the kept figures."""
    def counted(*args, **kwargs):
        kept, rollup.stored = rollup.stored, lambda *_, **__: None
        try:
            return fn(*args, **kwargs)
        finally:
            rollup.stored = kept
    return counted


def dashboard_queries(viewer, filters: dashboard.Filters, k: int, months: list[date]) -> dict:
    """Every query of the dashboards for one viewer, as functions of a store."""
    f = filters
    one_office = dashboard.Filters(f.start, f.end, viewer.region_id, viewer.office_id)
    queries = {
        "funnel": lambda s: dashboard.funnel(s, viewer, f),
        "monthly": lambda s: dashboard.monthly(s, viewer, f),
        "response_times": lambda s: dashboard.response_times(s, viewer, f),
        "ageing": lambda s: dashboard.ageing(s, viewer, f, today=TODAY, sla_cutoff=sla_cutoff(TODAY, 5)),
        "categories": lambda s: dashboard.categories(s, viewer, f),
        "escalations": lambda s: dashboard.escalations(s, viewer, f),
        "newest": lambda s: dashboard.newest(s, viewer, f),
        "drill (status)": lambda s: dashboard.drill(s, viewer, f, status="implemented"),
        "team_ack_days": lambda s: dashboard.ack_days(s, viewer, f, "team"),
        "office_ack_days": lambda s: dashboard.ack_days(s, viewer, f, "office"),  # above 300 teams (versus_level)
        "minutes_monthly": lambda s: dashboard.minutes_monthly(s, viewer, f),
        "minutes_overview": lambda s: reports.minutes_overview(s, viewer, months=months, today=TODAY),
        # as the first view after a period closes reads it (the figures kept when it closed), counted anew from
        # the cells (while those are stale), and as every later viewer gets it (reports.SHARED_MORALE)
        "morale (region)": cold(lambda s: reports.morale(s, viewer, k=k, level="region", start=f.start, end=f.end)),
        "morale (team)": cold(lambda s: reports.morale(s, viewer, k=k, level="team", start=f.start, end=f.end)),
        "morale (region), counted anew": counted_anew(cold(lambda s: reports.morale(
            s, viewer, k=k, level="region", start=f.start, end=f.end))),
        "morale (region), counted before": lambda s: reports.morale(s, viewer, k=k, level="region", start=f.start,
                                                                    end=f.end),
        # what the page asks for when teams are compared (dashboard.MOST_LISTED): the teams of one office
        "morale (team, one office)": cold(lambda s: dashboard.morale_view(s, viewer, one_office, k=k, level="team")),
        "participation": lambda s: reports.participation(s, viewer, start=f.start, end=f.end),
        "data_version": lambda s: dashboard.data_version(s),
        "units_in_scope": lambda s: dashboard.units_in_scope(s, viewer, offices=True),  # as the page asks
    }
    if viewer.role != "leader":
        del queries["newest"]
    return queries


CHARTS = (("morale_trend", "morale"), ("enps_trend", "morale"), ("participation_rate", "participation"),
          ("funnel", "funnel"), ("submitted_vs_implemented", "monthly"), ("response_times", "response_times"),
          ("ageing", "ageing"), ("categories", "categories"), ("escalations", "escalations"),
          ("minutes_coverage", "coverage"), ("problems_discussed", "minutes_monthly"),
          ("actions_on_time", "minutes_monthly"), ("responsiveness_vs_morale", "versus"))


def leader_page_data(store: db.Database, viewer, f: dashboard.Filters, k: int, *, fresh: bool = True) -> dict:
    """What the dashboard page computes for a leader over all its tabs (board/web/app_pages/dashboard.py: the
    data version, the filters' units, morale compared by region, and the suggestions, minutes and
    responsiveness tables, which the page computes each when its tab is opened). fresh: Morale counted anew (see
    morale_tab_data)."""
    data = morale_tab_data(store, viewer, f, k, fresh=fresh)
    data.update(dashboard.tab_tables(store, viewer, f, today=TODAY, sla_cutoff=sla_cutoff(TODAY, 5), k=k))
    return data


def morale_tab_data(store: db.Database, viewer, f: dashboard.Filters, k: int, *, fresh: bool = True) -> dict:
    """What the page computes before any tab: the data version and the filters' offices (teams only where they
    fit one list); then its first tab, morale compared by region and participation. fresh: the first view after
    a pulse period closed or the server started, which counts Morale for everyone (reports.Morale); otherwise
    every later view, which reads those shared counts."""
    if fresh:
        reports.forget_shared_morale()
    dashboard.data_version(store)
    dashboard.units_in_scope(store, viewer, offices=True)
    morale = dashboard.morale_view(store, viewer, f, k=k, level="region")
    return {"morale": morale["rows"], "participation": morale["participation"]}


def leader_first_view(store: db.Database, viewer, f: dashboard.Filters, k: int) -> list:
    """What the page computes before a leader sees anything, figures included: the Morale tab (the others are
    computed when opened, each alone)."""
    return build_figures(morale_tab_data(store, viewer, f, k))


def build_figures(data: dict) -> list:
    """The figures of every chart whose data is there (all of them for the whole page)."""
    from board.reporting import charts  # plotly: only when measured
    return [getattr(charts, name)(data[source]) for name, source in CHARTS if source in data]


def csv_downloads(data: dict) -> int:
    """The CSV of every chart's data, as the page offers them."""
    import pandas as pd

    from board.reporting.export import to_csv
    tables = {source: data[source] for _, source in CHARTS}
    return sum(len(to_csv(value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)))
               for value in tables.values())


def measure_leader_page(store: db.Database, viewer, f: dashboard.Filters, k: int) -> dict:
    """The whole leader dashboard: its queries and glue, its figures, both together, and every chart's CSV; and
    its first view (the Morale tab alone). The first view after a period closes (Morale's kept figures read),
    the same with Morale counted anew, and every later view (its figures shared) are timed in turns."""
    queries = timed(lambda: leader_page_data(store, viewer, f, k))
    data = leader_page_data(store, viewer, f, k)
    whole, counted, shared = timed(lambda: build_figures(leader_page_data(store, viewer, f, k)),
                                   counted_anew(lambda: build_figures(leader_page_data(store, viewer, f, k))),
                                   lambda: build_figures(leader_page_data(store, viewer, f, k, fresh=False)))
    first, first_counted = timed(lambda: leader_first_view(store, viewer, f, k),
                                 counted_anew(lambda: leader_first_view(store, viewer, f, k)))
    return {"queries_ms": queries["median_ms"], "figures_ms": timed(lambda: build_figures(data))["median_ms"],
            "total_ms": whole["median_ms"], "figures": len(build_figures(data)),
            "csv_ms": timed(lambda: csv_downloads(data))["median_ms"],
            "first_view_ms": first["median_ms"], "first_view_counted_ms": first_counted["median_ms"],
            "counted_morale_ms": counted["median_ms"], "shared_morale_ms": shared["median_ms"]}


def months_back(count: int) -> list[date]:
    """The first days of the last `count` months up to the benchmark's today, oldest first."""
    months: list[date] = []
    day = TODAY.replace(day=1)
    for _ in range(count):
        months.insert(0, day)
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def setting(store: db.Database) -> tuple[dict, int, list[date], dashboard.Filters]:
    """What every measurement uses: the two viewers, k, and the dashboard's default period (12 months)."""
    viewers = {"leader": people.find_by_email(store, "leader@bench.board"),
               "regional_manager": people.find_by_email(store, "regional1@bench.board")}
    months = months_back(12)
    filters = dashboard.Filters(months[0], (months[-1] + timedelta(days=31)).replace(day=1))
    return viewers, settings.load(store).anonymity_k, months, filters


def leader_page_curve(stores: Mapping[float, db.Database]) -> dict[float, dict]:
    """The whole leader dashboard (queries, glue and figures), and its queries and glue alone, on the dataset of
    each scale, timed in turns in one loop so that drift on a busy machine touches every scale alike."""
    pages = []
    for store in stores.values():
        viewers, k, _, f = setting(store)
        pages.append((store, viewers["leader"], f, k))
    whole = timed(*(lambda p=p: build_figures(leader_page_data(*p)) for p in pages))
    queries = timed(*(lambda p=p: leader_page_data(*p) for p in pages))
    first = timed(*(lambda p=p: leader_first_view(*p) for p in pages))
    shared = timed(*(lambda p=p: build_figures(leader_page_data(*p, fresh=False)) for p in pages))
    counted = timed(*(counted_anew(lambda p=p: build_figures(leader_page_data(*p))) for p in pages))
    if len(pages) == 1:  # timed gives one function's figures alone
        whole, queries, first, shared, counted = [whole], [queries], [first], [shared], [counted]
    return {scale: {"total_ms": w["median_ms"], "min_ms": w["min_ms"], "max_ms": w["max_ms"],
                    "queries_ms": q["median_ms"], "first_view_ms": v["median_ms"],
                    "shared_morale_ms": m["median_ms"], "counted_morale_ms": c["median_ms"], "runs": w["runs"]}
            for scale, w, q, v, m, c in zip(stores, whole, queries, first, shared, counted, strict=True)}
