"""Command line: python -m board migrate | close-periods | prepare | import-org | import-roster | set-password |
backup | restore | copy-to-postgres | notify. (The benchmarks live outside the app package: python -m bench.)"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from board import store as db
from board.errors import BoardError, Invalid
from board.org import roster

# Each command imports what only it needs where it runs: `make run` starts with `prepare`, and a start should not
# wait for the demo's generators, the pulse or password hashing that a seeded database never uses.


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m board", description="Frontline Board administration.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply pending database migrations")
    sub.add_parser("close-periods", help="close ended pulse periods and pass on yesterday's anonymous suggestions "
                                         "(pages do it too; run it from a daily timer so nothing waits for a visit)")
    prep = sub.add_parser("prepare",
                          help="migrate, seed the demo organisation if the database is empty, say how to sign in")
    prep.add_argument("--port", type=int, default=8501, help="the port the app will serve on (for the address shown)")
    org = sub.add_parser("import-org", help="add regions, offices and teams from a region,office,team CSV")
    org.add_argument("file", type=Path)
    imp = sub.add_parser("import-roster", help="import people from a roster CSV (upsert by email)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--deactivate-missing", action="store_true", help="deactivate active people absent from the file")
    imp.add_argument("--dry-run", action="store_true", help="validate and show the changes without writing")
    imp.add_argument("--confirm-deactivations", action="store_true",
                     help=f"go ahead although more than {roster.MAX_DEACTIVATE_SHARE:.0%} of the active people "
                          "would be deactivated")
    pw = sub.add_parser("set-password", help="set a built-in account's password (asked for, never an argument)")
    pw.add_argument("email")
    back = sub.add_parser("backup", help="write a backup (Parquet files and a checked manifest) to a new folder")
    back.add_argument("dir", type=Path, nargs="?", help="a new or empty folder (default: data/backups/<timestamp>/)")
    rest = sub.add_parser("restore", help="check a backup and restore it into a new database file")
    rest.add_argument("dir", type=Path, help="the backup folder (or a .zip of it, as older versions offered)")
    rest.add_argument("--to", type=Path,
                      help="the new database file (default: the app's database, if it does not exist)")
    cp = sub.add_parser("copy-to-postgres", help="copy this DuckDB database into an empty PostgreSQL database, checked")
    cp.add_argument("url", help="the empty PostgreSQL database, e.g. postgresql://board@db.internal:5432/board")
    note = sub.add_parser("notify", help="deliver due notifications (emails, chat posts, digests, reminders) once; "
                                         "--loop keeps delivering, as each app server does, until stopped")
    note.add_argument("--loop", action="store_true",
                      help="run every BOARD_NOTIFY_INTERVAL seconds (default 30) until SIGTERM or Ctrl-C")
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except Invalid as error:
        print(f"error: {error}", file=sys.stderr)
        for where, message in error.errors.items():
            print(f"  {where}: {message}", file=sys.stderr)
        return 1
    except (BoardError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _migrate(args) -> int:
    store = db.make_store()
    done = db.migrate(store)
    print(f"{store.path}: applied {len(done)} migration(s)" + (f": {', '.join(done)}" if done else "; up to date"))
    return 0


def _close_periods(args) -> int:
    from board.clock import utcnow
    from board.feedback import release
    from board.morale import pulse

    store = db.make_store()
    db.migrate(store)
    closed = pulse.close_due(store)  # a period closes once it has ended in every office's own day
    released = release.release_due(store, utcnow().date())
    print(f"{store.path}: {len(closed)} pulse period(s) closed, {released} anonymous item(s) passed on.")
    return 0


def _prepare(args) -> int:
    from board import demo

    store, url = db.make_store(), f"http://localhost:{args.port}"
    db.migrate(store)
    if demo.is_empty(store):
        print("Empty database: creating the demo organisation ...", flush=True)
        counts = demo.seed(store)
        print(f"Demo organisation ready: {counts['people']} people.")
    if demo.is_demo(store):
        print(f"Demo sign-in at {url}: password '{demo.PASSWORD}' for "
              + ", ".join(email for email, _ in demo.KNOWN.values()))
    print(f"Serving Frontline Board at {url} (Ctrl-C stops it)", flush=True)
    return 0


def _import_org(args) -> int:
    added = roster.import_org(db.open_store(), args.file.read_bytes())
    print(f"Organisation imported: {added} team(s) added.")
    return 0


def _import_roster(args) -> int:
    store, data = db.open_store(), args.file.read_bytes()
    if args.dry_run:
        plan = roster.plan_roster(store, data, deactivate_missing=args.deactivate_missing)
        print(f"Dry run, nothing written: {plan.summary()}")
        if warning := plan.deactivation_warning():
            print(warning + " Importing it needs --confirm-deactivations.")
        return 0
    try:
        plan = roster.import_roster(store, data, deactivate_missing=args.deactivate_missing,
                                    confirm_deactivations=args.confirm_deactivations)
    except roster.DeactivationsNeedConfirming as refused:
        print(f"error: {refused} Check the file; if it is right, run again with --confirm-deactivations.",
              file=sys.stderr)
        return 1
    print(f"Roster imported: {plan.summary()}")
    return 0


def _set_password(args) -> int:
    from board.org import accounts, people

    store = db.open_store()
    person = people.find_by_email(store, args.email)
    if person is None:
        print(f"error: no one in the roster has the email {args.email}", file=sys.stderr)
        return 1
    first = getpass.getpass(f"New password for {person.email}: ")
    if getpass.getpass("Repeat it: ") != first:
        print("error: the two passwords differ; nothing changed", file=sys.stderr)
        return 1
    accounts.set_password(store, person.id, first)
    print(f"Password set for {person.email}; their other sessions were signed out.")
    return 0


def _backup(args) -> int:
    from board.store import backup

    if db.database_url():
        print(f"error: {backup.POSTGRES_BACKUP}", file=sys.stderr)
        return 1
    path = db.database_path()
    if not path.is_file():
        print(f"error: there is no database at {path} to back up", file=sys.stderr)
        return 1
    # Read-only: a backup never changes the database, not even by migrating it. While the app holds the file,
    # DatabaseBusy says to stop the app first (the app offers no download of everything, not even to admins).
    store = db.DuckStore(path, read_only=True)
    try:
        made = backup.backup(store, args.dir or backup.default_dir())
    finally:
        store.close()
    print(f"Backup written to {made.path}: {made.tables} tables, {made.rows} rows, with manifest.json.")
    return 0


def _restore(args) -> int:
    from board.store import backup

    target = args.to or db.database_path()
    done = backup.restore(args.dir, target)
    print(f"Restored {done.tables} tables, {done.rows} rows into {done.path}; counts and hashes match the manifest.")
    return 0


def _copy_to_postgres(args) -> int:
    from board.store import transfer

    path = db.database_path()
    if not path.is_file():
        print(f"error: there is no database at {path} to copy", file=sys.stderr)
        return 1
    source = db.open_store(path)
    assert isinstance(source, db.DuckStore), "a file path (not a URL) always opens a DuckDB store"
    print(f"Copying {path} into {db.redacted(args.url)} in one transaction ...", flush=True)
    done = transfer.copy_to_postgres(source, args.url)
    print(f"Copied {done.tables} tables, {done.rows} rows; every table's row count and content hash match. "
          "Start the app servers with BOARD_DATABASE_URL set to that database.")
    return 0


def _notify(args) -> int:
    import logging
    import signal
    import threading

    from board.clock import utcnow
    from board.notify import config as notify_config
    from board.notify import worker

    config, store = notify_config.load(), db.open_store()

    def report(counts: dict[str, int] | None) -> None:
        print(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC: {worker.summary(counts)}", flush=True)

    if not args.loop:
        report(worker.run_led(store, config, now=utcnow()))
        return 0
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # a failed run, on stderr
    mail = f"mail server {config.smtp_host}:{config.smtp_port}" if config.smtp_host else "no mail server: local outbox"
    print(f"Delivering notifications from {store.path} every {config.interval_seconds:g} s ({mail});"
          " Ctrl-C stops.", flush=True)
    # SIGTERM or Ctrl-C finishes the run in progress, then stops. The signals are taken by sigwait here, not by
    # a handler: a handler setting the Event could interrupt the Event's own wait while it holds its lock and
    # wait for that lock forever (it happened under load, once in a CI run).
    stop, signals = threading.Event(), {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)  # before the thread starts, so that it blocks them too
    runs = threading.Thread(target=worker.loop, args=(lambda: store, config), kwargs={"stop": stop, "report": report},
                            name="board-notify")
    runs.start()
    signal.sigwait(signals)
    stop.set()
    runs.join()
    return 0


COMMANDS = {
    "migrate": _migrate,
    "close-periods": _close_periods,
    "prepare": _prepare,
    "import-org": _import_org,
    "import-roster": _import_roster,
    "set-password": _set_password,
    "backup": _backup,
    "restore": _restore,
    "copy-to-postgres": _copy_to_postgres,
    "notify": _notify,
}
