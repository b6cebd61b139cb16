"""python -m bench dashboards [--quick] [--out PATH] [--backend duckdb|postgres] [URL] | suggestions [--rows N]
[--repeat N] [--out PATH] | notify [--quick] [--repeat N] [--out PATH]: the command line of the benchmarks (make
bench runs dashboards and suggestions at full scale)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench", description="The benchmarks of Frontline Board.")
    sub = top.add_subparsers(dest="command", required=True, metavar="{dashboards,suggestions,notify}")
    dash = sub.add_parser("dashboards", help="every dashboard query and the whole leader dashboard on a large "
                                             "generated organisation, against raw SQL and SQLite (several minutes)")
    dash.add_argument("--quick", action="store_true", help="everything 20 times smaller")
    dash.add_argument("--out", type=Path, help="where the JSON goes (default data/bench_dashboards[_postgres].json)")
    dash.add_argument("--scale", type=positive(float), help=argparse.SUPPRESS)  # tests: a tiny dataset
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
    return top


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments argparse accepted, found before minutes of generating data."""
    from board import store as db

    if args.out is not None and args.out.is_dir():
        return f"--out {args.out} is a folder: give the path of the JSON file to write"
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
        if args.command == "suggestions":
            from bench import suggestions  # seeds the demo: only when asked

            return suggestions.run(rows=args.rows, repeat=args.repeat, out=args.out)
        if args.command == "notify":
            from bench import notify  # builds the large dataset: only when asked

            return notify.run(quick=args.quick, out=args.out, scale=args.scale, repeat=args.repeat)
        from bench import dashboards  # imports pandas and plotly: only when asked

        return dashboards.run(quick=args.quick, out=args.out, scale=args.scale, url=args.url)
    except (BoardError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
