"""The session benchmark's figures: page view times per step, page and role (views that ended in an error are
counted as errors, never timed), memory per idle and per active session, the targets met or missed, and the tables
printed for people."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

TARGETS_S = (1.0, 2.0)  # page p95 under which a step counts as held (with no page view in error)
TARGET_SESSIONS = 200  # the target: this many sessions of the mix at p95 under 2 s on one server


@dataclass(frozen=True)
class Record:
    """One page view a session made."""

    page: str
    role: str
    started: float  # time.monotonic()
    seconds: float
    problems: list[str]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(records: list[Record]) -> dict:
    """Views, errors and, over the views without one, p50/p95/max in ms."""
    times = [r.seconds * 1000 for r in records if not r.problems]
    found = {"views": len(records), "errors": sum(1 for r in records if r.problems)}
    if times:
        found.update(p50_ms=round(percentile(times, 0.5)), p95_ms=round(percentile(times, 0.95)),
                     max_ms=round(max(times)))
    return found


def grouped(records: list[Record], key) -> dict:
    """The summary of each group of records, by key."""
    return {name: summary([r for r in records if key(r) == name]) for name in sorted({key(r) for r in records})}


def step_figures(records: list[Record], sessions: int, figures: dict) -> dict:
    """A step's figures from the page views started in its measuring window, and the machine figures."""
    begin, end = figures.pop("window")
    inside = [r for r in records if begin <= r.started <= end]
    problems = Counter(p for r in inside for p in r.problems)
    return {"sessions": sessions, "window_s": round(end - begin, 1), **summary(inside),
            "views_per_s": round(len(inside) / (end - begin), 2),
            "error_messages": dict(problems.most_common(5)),
            "pages": grouped(inside, lambda r: r.page), "roles": grouped(inside, lambda r: r.role),
            **figures}


def held(step: dict, target_s: float) -> bool:
    """Whether a step was held: page p95 under the target and no page view in error."""
    return step["errors"] == 0 and "p95_ms" in step and step["p95_ms"] < target_s * 1000


def verdicts(steps: list[dict]) -> dict:
    """The largest step held under each target, and whether the issue's target (200 sessions under 2 s) was met:
    at a step of 200, else inferred from a larger step held or a smaller one missed (more sessions never wait
    less), else unknown (None)."""
    found: dict = {}
    for target in TARGETS_S:
        ok = [s["sessions"] for s in steps if held(s, target)]
        found[f"largest_step_p95_under_{target:g}s"] = max(ok) if ok else None
    exact = [s for s in steps if s["sessions"] == TARGET_SESSIONS]
    larger_held = [s["sessions"] for s in steps if s["sessions"] > TARGET_SESSIONS and held(s, 2.0)]
    smaller_missed = [s["sessions"] for s in steps if s["sessions"] < TARGET_SESSIONS and not held(s, 2.0)]
    met, basis = (None, None)
    if exact:
        met, basis = held(exact[0], 2.0), TARGET_SESSIONS
    elif larger_held:
        met, basis = True, min(larger_held)
    elif smaller_missed:
        met, basis = False, min(smaller_missed)
    found[f"{TARGET_SESSIONS}_sessions_p95_under_2s"] = met
    found["target_judged_at_step"] = basis
    return found


def assemble(driven: dict, records: list[Record], sign_ins: list[float], failures: list[str], *, settings: dict,
             machine: dict, timing: dict, roles: dict, log_tail: str) -> dict:
    """The JSON report."""
    memory, steps = driven["memory_mb"], driven["steps"]
    warm = memory["after_warm_up"]
    if memory.get("idle_sessions"):
        memory["per_idle_session"] = round((memory["with_idle_sessions"] - warm) / memory["idle_sessions"], 2)
    for step in steps:
        step["per_active_session_mb"] = round((step["rss_mb"] - warm) / step["sessions"], 2)
    if steps:
        memory["per_active_session"] = steps[-1]["per_active_session_mb"]
    errors = sum(s["errors"] for s in steps)
    report = {"settings": settings, "machine": machine, "timing": timing, "roles_at_largest_step": roles,
              "sign_in": {"count": len(sign_ins), **({"p50_ms": round(percentile(sign_ins, 0.5) * 1000),
                                                      "p95_ms": round(percentile(sign_ins, 0.95) * 1000)}
                                                     if sign_ins else {})},
              "memory_mb": memory, "steps": steps, "stopped": driven["stopped"], "verdicts": verdicts(steps),
              "errors": errors,
              "failures": failures, "page_views_total": len(records)}
    if errors or failures:
        report["server_log_tail"] = log_tail
    return report


def ms(value) -> str:
    return "-" if value is None else f"{value:,}"


def step_line(step: dict) -> str:
    """One line per step as it ends, for the person watching the run."""
    return (f"  {step['sessions']} sessions: {step['views']} page views, p50 {ms(step.get('p50_ms'))} ms, "
            f"p95 {ms(step.get('p95_ms'))} ms, {step['errors']} errors; server {step['server_cpu_cores']} cores, "
            f"{step['rss_mb']:,} MB")


def print_report(report: dict) -> None:
    settings, steps = report["settings"], report["steps"]
    print(f"\nReal sessions against one app server ({settings['database']}; think time "
          f"{settings['think_s'][0]:g}-{settings['think_s'][1]:g} s; {settings['hold_s']:g} s measured per step; "
          f"{report['machine']['cpu_count']} cores)")
    print(f"{'sessions':>8}{'views':>7}{'views/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'errors':>7}"
          f"{'server cores':>13}{'driver cores':>13}{'RSS MB':>8}{'MB/session':>11}{'load 1m':>8}")
    for s in steps:
        print(f"{s['sessions']:>8}{s['views']:>7}{s['views_per_s']:>8}{ms(s.get('p50_ms')):>8}{ms(s.get('p95_ms')):>8}"
              f"{ms(s.get('max_ms')):>8}{s['errors']:>7}{s['server_cpu_cores']:>13}{s['driver_cpu_cores']:>13}"
              f"{s['rss_mb']:>8,.0f}{s['per_active_session_mb']:>11}{s['load_average_1min']:>8}")
    print_matrix("\nPage views per page: p50/p95 ms (views)", steps, "pages",
                 lambda f: f"{ms(f.get('p50_ms'))}/{ms(f.get('p95_ms'))} ({f['views']})")
    print_matrix("\nWhere the server's time goes (share of py-spy samples of busy threads)", steps, "profile",
                 lambda share: f"{share:.0%}")
    print_matrix("The script rerun's share by the package its code is in (innermost frame)", steps, "rerun_by_package",
                 lambda share: f"{share:.0%}")
    print_matrix("The database queries' share by the app function that ran them", steps, "queries_by_caller",
                 lambda share: f"{share:.0%}")
    memory, sign_in = report["memory_mb"], report["sign_in"]
    print(f"\nMemory (RSS of the server and its children): {memory['idle_before_sessions']:,} MB idle before any "
          f"session, {memory['after_warm_up']:,} MB after one session per role opened each page")
    if "per_idle_session" in memory:
        print(f"  {memory['idle_sessions']} idle sessions: {memory['with_idle_sessions']:,} MB, "
              f"{memory['per_idle_session']} MB per idle session")
    if "per_active_session" in memory:
        print(f"  active: {memory['per_active_session']} MB per session at {steps[-1]['sessions']} sessions "
              f"(the step's peak RSS less the warm server's, over the sessions)")
    print(f"Sign-in: {sign_in['count']} sign-ins, p50 {ms(sign_in.get('p50_ms'))} ms, "
          f"p95 {ms(sign_in.get('p95_ms'))} ms (form, one-time link, reconnect)")
    for s in steps:
        for message, count in s["error_messages"].items():
            print(f"  ERROR at {s['sessions']} sessions, {count}x: {message}")
    for reason in report["failures"][:10]:
        print(f"  FAILED {reason}")
    print_verdicts(report)


def print_matrix(title: str, steps: list[dict], key: str, cell) -> None:
    """Rows (pages, or profile categories) by step; a profile that could not be taken says why."""
    if key in ("profile", "rerun_by_package", "queries_by_caller"):
        missing = [f"{s['sessions']} sessions: {s['profile']['error']}" for s in steps if "error" in s["profile"]]
        if missing:
            print(f"{title}: not available ({'; '.join(missing)})")
            return
        table = [s["profile"]["shares" if key == "profile" else key] for s in steps]
    else:
        table = [s["pages"] for s in steps]
    names = {name for column in table for name in column}
    # pages in alphabetical order; shares of time from the largest (at any step) down
    rows = sorted(names) if key == "pages" else sorted(names, key=lambda n: -max(c.get(n, 0) for c in table))
    width = max([len(r) for r in rows] + [10]) + 2
    print(title)
    print(" " * width + "".join(f"{s['sessions']:>21}" for s in steps))
    for row in rows:
        print(f"{row:<{width}}" + "".join(f"{cell(column[row]) if row in column else '-':>21}" for column in table))


def print_verdicts(report: dict) -> None:
    found = report["verdicts"]
    for target in TARGETS_S:
        largest = found[f"largest_step_p95_under_{target:g}s"]
        print(f"largest step held at page p95 < {target:g} s with no errors: "
              + (f"{largest} sessions" if largest else "none of the steps"))
    met, basis = found[f"{TARGET_SESSIONS}_sessions_p95_under_2s"], found["target_judged_at_step"]
    words = {True: "MET   ", False: "MISSED", None: "NOT MEASURED (no step of 200)"}[met]
    judged = "" if basis in (None, TARGET_SESSIONS) else f" (judged from the step of {basis} sessions)"
    print(f"{words} {TARGET_SESSIONS} concurrent sessions at page p95 < 2 s on one server (the issue's target){judged}")
    if report["stopped"]:
        print(f"The ramp stopped {report['stopped']}.")
