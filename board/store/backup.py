"""Backup and restore: every table to Parquet from one snapshot, with a manifest checked again on restore.

A backup is a folder: one `<table>.parquet` per table, written inside one read transaction, and
`manifest.json` with the schema version (the applied migrations), each table's row count and content
hash, each sequence's last value, and the SHA-256 of every file. Rows are written sorted by their
columns (ORDER BY ALL), never in the order they were inserted, so a file's row order says nothing about
when a row was written (pulse responses sort by their random id).

Both are for the server's operator, on the command line (`python -m board backup` / `restore`): a backup holds
every table, so the app offers no download of it, not even to admins (the admin role manages people, roles,
settings and imports; it is not a key to all the data). On PostgreSQL, pg_dump does this job.

Restore checks the manifest and every file first, builds the database in a hidden file beside the
target, checks counts and hashes again against the manifest, and only then renames it into place: a
refused or failed restore leaves nothing behind and never touches an existing database.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from board import store as db
from board.errors import BackupError

FORMAT = "frontline-board-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_FILE_NAME = re.compile(r"[A-Za-z0-9_]+\.parquet")
POSTGRES_BACKUP = ("This app runs on PostgreSQL: back it up with PostgreSQL's own tools (pg_dump, or your "
                   "provider's snapshots); this backup is of the embedded DuckDB file.")


@dataclass(frozen=True)
class Summary:
    """What a backup or restore covered."""

    path: Path
    tables: int
    rows: int


def default_dir(now: datetime | None = None) -> Path:
    """backups/<timestamp>/ beside the database file (data/backups/... for the default database)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return db.database_path().parent / "backups" / stamp


# --- backup ---------------------------------------------------------------------------------------

def backup(store: db.DuckStore, dest_dir: Path | str) -> Summary:
    """Write every table and the manifest into dest_dir (new or empty), all from one snapshot."""
    if store.dialect != "duckdb":
        raise BackupError(POSTGRES_BACKUP)
    dest = Path(dest_dir)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty folder; choose a new folder for the backup.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial-{secrets.token_hex(4)}")
    partial.mkdir()
    try:
        manifest = _export(store, partial)
        files = sorted(p.name for p in partial.iterdir())
        manifest["files"] = {name: _sha256(partial / name) for name in files}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if dest.exists():
            dest.rmdir()  # empty, checked above
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Summary(dest, len(manifest["tables"]), sum(t["rows"] for t in manifest["tables"]))


def _export(store: db.DuckStore, folder: Path) -> dict:
    with store.read() as con:
        con.execute("BEGIN TRANSACTION")  # one snapshot: files, counts and hashes agree with each other
        try:
            if "schema_migrations" not in _table_names(con):
                raise BackupError(f"{store.path} holds no Frontline Board schema; there is nothing to back up.")
            migrations = [r["name"] for r in con.rows("SELECT name FROM schema_migrations ORDER BY name")]
            tables = []
            for table in _tables_in_load_order(con):
                file = folder / f"{table}.parquet"
                con.execute("COPY (SELECT * FROM query_table(?) ORDER BY ALL) TO ? (FORMAT parquet)",
                            (table, str(file)))
                rows, digest = _measure(con, table)
                tables.append({"name": table, "file": file.name, "rows": rows, "hash": digest})
            sequences = sequence_values(con)
            version = con.scalar("SELECT library_version FROM pragma_version()")
        finally:
            con.execute("ROLLBACK")
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "duckdb": version, "migrations": migrations, "tables": tables, "sequences": sequences}


def digests(store: db.DuckStore) -> dict[str, tuple[int, str]]:
    """Each table's row count and content hash, as the manifest records them."""
    with store.read() as con:
        return {table: _measure(con, table) for table in _tables_in_load_order(con)}


# --- restore --------------------------------------------------------------------------------------

def restore(backup_dir: Path | str, target_path: Path | str) -> Summary:
    """Restore a backup folder (or a zip of one, as earlier versions' Admin > Backup page offered) into a new
    database file, all or nothing."""
    source, target = Path(backup_dir), Path(target_path)
    _refuse_existing(target)
    with _unpacked(source) as folder:
        manifest = verify(folder, label=source)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
        try:
            _load(folder, manifest, partial, label=source)
            _refuse_existing(target)  # in case something created it meanwhile
            if Path(f"{partial}.wal").exists():
                os.replace(f"{partial}.wal", f"{target}.wal")
            os.replace(partial, target)
        finally:
            for leftover in (partial, Path(f"{partial}.wal")):
                leftover.unlink(missing_ok=True)
    return Summary(target, len(manifest["tables"]), sum(t["rows"] for t in manifest["tables"]))


def verify(folder: Path, *, label: Path | None = None) -> dict:
    """The manifest, once it and every file it lists check out; otherwise BackupError saying what is wrong."""
    label = label or folder
    manifest = _read_manifest(folder, label)
    known = {name for name, _ in db.available_migrations()}
    newer = sorted(set(manifest["migrations"]) - known)
    if newer:
        _refuse(label, f"it was made by a newer Frontline Board (migration {newer[-1]}); "
                        "install that version to restore it")
    listed = manifest["files"]
    present = {p.name for p in folder.iterdir()} - {MANIFEST}
    for name in sorted(set(listed) - present):
        _refuse(label, f"the file {name} is missing")
    for name in sorted(present - set(listed)):
        _refuse(label, f"the file {name} is not in the manifest")
    for name in sorted(listed):
        path = folder / name
        if not path.is_file() or _sha256(path) != listed[name]:
            _refuse(label, f"the file {name} has changed since the backup was made (its SHA-256 differs)")
    for table in manifest["tables"]:
        if table["file"] not in listed:
            _refuse(label, f"the table {table['name']} has no file in the manifest")
    return manifest


def _read_manifest(folder: Path, label: Path) -> dict:
    if not folder.is_dir():
        raise BackupError(f"Not restored: {label} is not a backup folder. Nothing was changed.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        _refuse(label, f"its {MANIFEST} is missing or unreadable ({type(error).__name__})")
    ok = (isinstance(manifest, dict) and manifest.get("format") == FORMAT
          and isinstance(manifest.get("format_version"), int)
          and isinstance(manifest.get("migrations"), list) and all(isinstance(m, str) for m in manifest["migrations"])
          and isinstance(manifest.get("files"), dict)
          and all(isinstance(n, str) and _FILE_NAME.fullmatch(n) and isinstance(h, str)
                  for n, h in manifest["files"].items())
          and isinstance(manifest.get("sequences"), dict)
          and all(isinstance(v, int) or v is None for v in manifest["sequences"].values())
          and isinstance(manifest.get("tables"), list)
          and all(isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("file"), str)
                  and type(t.get("rows")) is int and isinstance(t.get("hash"), str) for t in manifest["tables"]))
    if not ok:
        _refuse(label, f"its {MANIFEST} is not a Frontline Board backup manifest")
    if manifest["format_version"] > FORMAT_VERSION:
        _refuse(label, "it was made by a newer Frontline Board (backup format "
                        f"{manifest['format_version']}); install that version to restore it")
    return manifest


def _load(folder: Path, manifest: dict, partial: Path, *, label: Path) -> None:
    """Build the database in `partial` at the backup's schema version and check it against the manifest."""
    store = db.DuckStore(partial)
    try:
        sources = dict(db.available_migrations())
        with tempfile.TemporaryDirectory(prefix="board-restore-") as tmp:
            for name in manifest["migrations"]:  # exactly the backup's schema; the app applies newer ones later
                (Path(tmp) / name).write_text(sources[name], encoding="utf-8")
            db.migrate(store, Path(tmp))
        expected = {t["name"]: t for t in manifest["tables"]}
        with store.read() as con:
            order = _tables_in_load_order(con)
            sequences = set(sequence_values(con))
        if set(order) != set(expected) or set(manifest["sequences"]) != sequences:
            missing = sorted((set(order) - set(expected)) | (sequences - set(manifest["sequences"])))
            extra = sorted((set(expected) - set(order)) | (set(manifest["sequences"]) - sequences))
            _refuse(label, "its tables do not match its schema version"
                            + (f" (missing: {', '.join(missing)})" if missing else "")
                            + (f" (unknown: {', '.join(extra)})" if extra else ""))

        def clear_migration_records(con: db.Conn) -> None:
            con.execute("DELETE FROM schema_migrations")  # replaced by the backup's own records

        def load(con: db.Conn) -> None:
            for table in order:  # a name from the new file's own catalog; INSERT cannot take it as a parameter
                path = str(folder / expected[table]["file"])
                con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet(?)', (path,))
            for name, last in sorted(manifest["sequences"].items()):
                if last:
                    con.scalar("SELECT setval(?, ?)", (name, last))

        try:
            store.write(clear_migration_records)
            store.write(load)
        except BackupError:
            raise
        except Exception as error:  # a file DuckDB cannot read, or rows the schema refuses
            _refuse(label, f"its data could not be loaded ({db.first_line(error)})")
        with store.read() as con:
            for table in order:
                rows, digest = _measure(con, table)
                if rows != expected[table]["rows"]:
                    _refuse(label, f"the table {table} has {rows} rows but the manifest says "
                                    f"{expected[table]['rows']}")
                if digest != expected[table]["hash"]:
                    _refuse(label, f"the content of the table {table} does not match the manifest's hash")
            con.execute("CHECKPOINT")  # everything into the file itself, so renaming it moves all of it
    finally:
        store.close()


def _refuse_existing(target: Path) -> None:
    wal = Path(f"{target}.wal")
    if (target.exists() and (not target.is_file() or target.stat().st_size > 0)) or wal.exists():
        raise BackupError(f"Not restored: {target} already exists and holds data. Restore into a new file "
                          "(--to PATH); an existing database is never overwritten. Nothing was changed.")


@contextmanager
def _unpacked(source: Path) -> Iterator[Path]:
    """The backup folder: the source itself, or the single folder inside a zip (earlier versions offered backups
    as a zip download; such zips still restore)."""
    if not (source.is_file() and zipfile.is_zipfile(source)):
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="board-restore-") as tmp:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) != 1 or any(n.startswith("/") or ".." in n.split("/") or n.count("/") != 1
                                     for n in names):
                raise BackupError(f"Not restored: {source} is not a backup zip made by Frontline Board. "
                                  "Nothing was changed.")
            archive.extractall(tmp)
        yield Path(tmp) / tops.pop()


# --- shared ---------------------------------------------------------------------------------------

def _table_names(con: db.Conn) -> set[str]:
    return {r["table_name"] for r in con.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary")}


def sequence_values(con: db.Conn) -> dict[str, int | None]:
    """Each sequence of the database and its last value (None before its first use)."""
    return {r["sequence_name"]: r["last_value"] for r in con.rows(
        "SELECT sequence_name, last_value FROM duckdb_sequences()"
        " WHERE database_name = current_database() AND NOT temporary ORDER BY sequence_name")}


def _tables_in_load_order(con: db.Conn) -> list[str]:
    """Every table of the database, each after the tables its foreign keys point to (creation order otherwise)."""
    tables = [r["table_name"] for r in con.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
        " ORDER BY table_oid")]
    needs: dict[str, set[str]] = {t: set() for t in tables}
    for r in con.rows("SELECT table_name, referenced_table FROM duckdb_constraints()"
                      " WHERE database_name = current_database() AND constraint_type = 'FOREIGN KEY'"):
        if r["table_name"] in needs and r["referenced_table"] != r["table_name"]:
            needs[r["table_name"]].add(r["referenced_table"])
    order: list[str] = []
    while len(order) < len(tables):
        ready = [t for t in tables if t not in order and needs[t] <= set(order)]
        if not ready:
            raise BackupError("The tables' foreign keys form a cycle; this backup cannot order them.")
        order.append(ready[0])
    return order


def _measure(con: db.Conn, table: str) -> tuple[int, str]:
    """Row count and an order-independent content hash, computed in SQL.

    Each row is rendered as text and hashed with MD5; the hash combines the XOR of those 128-bit values
    with the sum of their upper 64 bits (so duplicate rows count too). It depends on DuckDB's text
    rendering of rows, so compare only within one DuckDB version (the requirements pin it).
    """
    row = con.one("SELECT count(*) AS n, bit_xor(md5_number(CAST(_row AS VARCHAR))) AS x,"
                  " sum(md5_number_upper(CAST(_row AS VARCHAR))) AS s FROM query_table(?) _row", (table,))
    assert row is not None, "an aggregate without GROUP BY returns exactly one row"
    return row["n"], f"md5-xor:{int(row['x'] or 0):032x}:sum:{int(row['s'] or 0):x}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse(label: Path, reason: str):
    raise BackupError(f"Not restored: the backup {label} was refused: {reason}. Nothing was changed.")
