"""python -m bench dashboards [--quick] [--out PATH] [--backend duckdb|postgres] [URL] | suggestions [--rows N]
[--repeat N] [--out PATH] | notify [--quick] [--repeat N] [--out PATH] | sessions [--quick] [--steps N,N,...]
[--hold S] [--think MIN MAX] [--db PATH] [--no-profile] [--out PATH] | coldstart [--runs N] [--out PATH]
[--compare DIR]: the command line of the benchmarks (make bench runs dashboards and suggestions at full scale;
python -m bench.coldstart is the same as python -m bench coldstart)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from bench import coldstart  # only the standard library: cheap for --help

POSTGRES_EXAMPLE = "python -m bench dashboards --backend postgres postgresql://user@host:5432/bench"


def positive(kind):
    """An argparse type: a number of `kind` above zero."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
        return value
    parse.__name__ = kind.__name__
    return parse


def scale_list(text: str) -> list[float]:
    """An argparse type: scales above zero separated by commas (1,3,10), each once, smallest first."""
    return sorted({positive(float)(part) for part in text.split(",")})


def step_list(text: str) -> tuple[int, ...]:
    """An argparse type: sessions at once per step, rising ("25,50,100")."""
    try:
        steps = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of whole numbers: {text!r}") from None
    if not steps or min(steps) < 1 or list(steps) != sorted(set(steps)):
        raise argparse.ArgumentTypeError(f"steps must be rising numbers of sessions, each at least 1: {text!r}")
    return steps


def seconds(text: str) -> float:
    """An argparse type: a think time in seconds, zero or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be zero or more: {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description="The benchmarks of Frontline Board.")
    sub = top.add_subparsers(dest="command", required=True,
                             metavar="{dashboards,suggestions,notify,sessions,coldstart}")
    dash = sub.add_parser("dashboards", help="every dashboard query and the whole leader dashboard on a large "
                                             "generated organisation, against raw SQL and SQLite (several minutes)")
    dash.add_argument("--quick", action="store_true", help="everything 20 times smaller")
    dash.add_argument("--out", type=Path, help="where the JSON goes (default data/bench_dashboards[_postgres].json)")
    dash.add_argument("--scale", type=positive(float), help=argparse.SUPPRESS)  # tests: a tiny dataset
    dash.add_argument("--scales", type=scale_list, metavar="S,S,...",
                      help="the whole leader dashboard at each scale side by side, e.g. 1,3,10 (1 = 50,000 people);"
                           " datasets cached in data/bench_cache; the per-query table at the largest; JSON"
                           " data/bench_scale.json (the first run of 1,3,10: about 20 minutes, 16 GB of disk)")
    dash.add_argument("--backend", choices=("duckdb", "postgres"), default="duckdb",
                      help="postgres: copy the dataset into URL and compare it with DuckDB side by side")
    dash.add_argument("url", nargs="?", help="with --backend postgres: an empty PostgreSQL database "
                                             "(default $BOARD_DATABASE_URL)")
    sugg = sub.add_parser("suggestions", help="submit, the similar-suggestions lookup and the triage queue at the "
                                              "demo's size and after a bulk fill")
    sugg.add_argument("--rows", type=positive(int), default=1_000_000, help="suggestions to add (default 1000000)")
    sugg.add_argument("--repeat", type=positive(int), default=100, help="runs of each operation (default 100)")
    sugg.add_argument("--out", type=Path, default=Path("data/bench_suggestions.json"),
                      help="where the JSON goes (default data/bench_suggestions.json)")
    note = sub.add_parser("notify", help="every weekly digest of the large organisation, and what the outbox adds to "
                                         "a status change (a few minutes)")
    note.add_argument("--quick", action="store_true", help="everything 20 times smaller")
    note.add_argument("--repeat", type=positive(int), default=200,
                      help="status changes with the outbox and as many without (default 200)")
    note.add_argument("--out", type=Path, help="where the JSON goes (default data/bench_notify.json)")
    note.add_argument("--scale", type=positive(float), help=argparse.SUPPRESS)  # tests: a tiny dataset
    sess = sub.add_parser("sessions", help="real browser sessions over the app's websocket against one app server, "
                                           "in rising steps, with think time (under 20 minutes; --quick about one)")
    sess.add_argument("--quick", action="store_true", help="steps of 4 and 8 sessions held 15 s, think time 2-5 s")
    sess.add_argument("--steps", type=step_list, help="sessions at once per step (default 25,50,100,200,300)")
    sess.add_argument("--hold", type=positive(float), help="seconds measured per step (default 120)")
    sess.add_argument("--think", type=seconds, nargs=2, metavar=("MIN", "MAX"),
                      help="seconds a person waits between clicks, drawn evenly (default 5 15)")
    sess.add_argument("--db", type=Path, help="a DuckDB database to run on (a copy is used; default: a fresh demo)")
    sess.add_argument("--no-profile", action="store_true", help="do not sample the server with py-spy")
    sess.add_argument("--out", type=Path, default=Path("data/bench_sessions.json"),
                      help="where the JSON goes (default data/bench_sessions.json)")
    cold = sub.add_parser("coldstart", help="the cold start of `make run` on a seeded demo database: until the health "
                                            "check answers and until the first page view in chromium (a minute or "
                                            "two)")
    coldstart.add_arguments(cold)
    return top


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments argparse accepted, found before minutes of generating data."""
    from board import store as db

    if args.out is not None and args.out.is_dir():
        return f"--out {args.out} is a folder: give the path of the JSON file to write"
    if args.command == "coldstart":
        return None  # coldstart.run checks its own arguments (it is also run alone: python -m bench.coldstart)
    if args.command == "sessions":
        if args.db is not None and not args.db.is_file():
            return f"--db {args.db} is not a database file"
        if args.think is not None and args.think[0] > args.think[1]:
            return f"--think {args.think[0]:g} {args.think[1]:g}: the shortest think time comes first"
        return None
    if args.command != "dashboards":
        return None
    if args.backend == "postgres":
        url = args.url or os.environ.get("BOARD_DATABASE_URL")
        if not (url and db.is_url(url)):
            return f"--backend postgres needs the URL of an empty PostgreSQL database: {POSTGRES_EXAMPLE}"
        args.url = url
    elif args.url:
        return f"a database URL is for --backend postgres only: {POSTGRES_EXAMPLE}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run a benchmark: 0 when done, 2 for bad arguments (argparse's code), 1 for a problem on the way."""
    args = parser().parse_args(argv)
    problem = usage_error(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from board.errors import BoardError

    try:
        if args.command == "coldstart":
            return coldstart.run(args)
        if args.command == "suggestions":
            from bench import suggestions  # seeds the demo: only when asked

            return suggestions.run(rows=args.rows, repeat=args.repeat, out=args.out)
        if args.command == "notify":
            from bench import notify  # builds the large dataset: only when asked

            return notify.run(quick=args.quick, out=args.out, scale=args.scale, repeat=args.repeat)
        if args.command == "sessions":
            from bench import sessions, sessions_server  # starts a server: only when asked

            try:
                return sessions.run(quick=args.quick, steps=args.steps, hold=args.hold,
                                    think=tuple(args.think) if args.think else None, database=args.db,
                                    profile=not args.no_profile, out=args.out)
            except sessions_server.ServerProblem as problem:
                print(f"error: {problem}", file=sys.stderr)
                return 1
        from bench import dashboards  # imports pandas and plotly: only when asked

        return dashboards.run(quick=args.quick, out=args.out, scale=args.scale, url=args.url, scales=args.scales)
    except (BoardError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
