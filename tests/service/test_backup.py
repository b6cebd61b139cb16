"""Backup and restore: a consistent snapshot with a checked manifest, refused when damaged, never overwriting
data; the command line (also while the app holds the file) as the only way to a copy of every table (no page, no
function for a signed-in person, not even an admin), and no anonymous author in a backup."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from board import demo
from board import store as db
from board.errors import BackupError
from board.feedback import suggestions as sg
from board.feedback import triage
from board.morale import pulse
from board.org import accounts, people
from board.org.access import ROLES
from board.store import backup, transfer
from tests.conftest import DEMO_DAY
from tests.support.anonymity import PERSON_COLUMNS
from tests.support.pages import APP, open_page, titles
from tests.support.paths import REPO
from tests.support.suggestions import submit, submit_released

pytestmark = pytest.mark.duckdb_only("backup and restore are of the DuckDB file (PostgreSQL has its own tools)")

ROOT = REPO
DATA_FILES = {"suggestions.parquet", "suggestion_events.parquet", "pulse_responses.parquet"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def all_rows(store) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, read independently of the backup module's hashing."""
    with store.read() as con:
        names = [r["table_name"] for r in con.rows("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")]
        return {name: sorted((tuple(sorted(r.items())) for r in con.rows(f'SELECT * FROM "{name}"')), key=repr)
                for name in names}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- round trip ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_round_trip_on_the_demo_restores_identical_counts_hashes_and_rows(demo_store, known, tmp_path):
    made = backup.backup(demo_store, tmp_path / "backup")
    manifest = manifest_of(made.path)
    assert manifest["migrations"] == db.applied_migrations(demo_store)
    source = backup.digests(demo_store)
    assert {t["name"]: (t["rows"], t["hash"]) for t in manifest["tables"]} == source
    assert source["suggestions"][0] > 1000 and source["pulse_responses"][0] > 1000  # the demo's real size
    assert set(manifest["files"]) == {t["file"] for t in manifest["tables"]}
    assert all(manifest["files"][name] == sha(made.path / name) for name in manifest["files"])

    target = tmp_path / "restored" / "board.duckdb"
    done = backup.restore(made.path, target)
    assert (done.tables, done.rows) == (made.tables, made.rows) == (len(source), sum(n for n, _ in source.values()))
    restored = db.open_store(target)
    try:
        assert backup.digests(restored) == source
        assert all_rows(restored) == all_rows(demo_store)  # row for row, not only the hashes
        # The app's data reads back: sign-in with the stored password, scoped queues, a suggestion's page.
        admin = accounts.sign_in(restored, "admin@demo.board", demo.PASSWORD)
        assert admin == known["admin"]
        queue = triage.queue(restored, known["manager"], today=DEMO_DAY, sla_days=5)
        assert queue and queue == triage.queue(demo_store, known["manager"], today=DEMO_DAY, sla_days=5)
        first = queue[0]["id"]
        assert sg.get(restored, known["manager"], first) == sg.get(demo_store, known["manager"], first)
        # Sequences continue after the restored rows: a new suggestion gets the next id, nothing collides.
        with demo_store.read() as con:
            last_id = con.scalar("SELECT max(id) FROM suggestions")
        assert submit(restored, known["staff"], key="after-restore").id == last_id + 1
    finally:
        db.close_store(target)
    assert leftovers(target.parent) == ["board.duckdb"]  # no partial file, no WAL left behind


def test_backup_rows_are_in_key_order_not_in_the_order_they_were_written(demo_store, tmp_path):
    folder = backup.backup(demo_store, tmp_path / "backup").path
    reader = db.open_store(tmp_path / "reader.duckdb")
    try:
        with reader.read() as con:
            ids = [r["id"] for r in con.rows("SELECT id FROM read_parquet(?)",
                                             (str(folder / "pulse_responses.parquet"),))]
            pairs = [(r["period_id"], r["person_id"]) for r in con.rows(
                "SELECT period_id, person_id FROM read_parquet(?)", (str(folder / "pulse_participation.parquet"),))]
    finally:
        db.close_store(tmp_path / "reader.duckdb")
    with demo_store.read() as con:
        written = [r["id"] for r in con.rows("SELECT id FROM pulse_responses")]  # the file's physical order
    assert ids == sorted(ids) and pairs == sorted(pairs) and len(ids) == len(written) > 1000
    assert ids != written  # the demo wrote them in another order, which the backup does not keep


def test_backup_refuses_a_folder_that_holds_files(demo_store, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup.backup(demo_store, tmp_path / "full")
    assert leftovers(tmp_path / "full") == ["notes.txt"] and leftovers(tmp_path) == ["board.duckdb", "full"]


# --- refusals ------------------------------------------------------------------------------------

@pytest.fixture
def good_backup(demo_store, tmp_path_factory):
    """A fresh backup of the demo, for a test to damage."""
    return backup.backup(demo_store, tmp_path_factory.mktemp("backups") / "b").path


def flip_a_byte(folder: Path) -> None:
    path = folder / "suggestions.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def edit_manifest(change):
    def damage(folder: Path) -> None:
        manifest = manifest_of(folder)
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return damage


def more_rows(manifest):
    next(t for t in manifest["tables"] if t["name"] == "votes")["rows"] += 1


def other_hash(manifest):
    table = next(t for t in manifest["tables"] if t["name"] == "people")
    table["hash"] = table["hash"][:-1] + ("0" if table["hash"][-1] != "0" else "1")


def newer_schema(manifest):
    manifest["migrations"].append("9999_from_the_future.sql")


def escaping_file_name(manifest):
    manifest["files"]["../../outside.parquet"] = manifest["files"].pop("votes.parquet")


DAMAGE = {
    "changed parquet byte": (flip_a_byte, "the file suggestions.parquet has changed"),
    "deleted file": (lambda f: (f / "votes.parquet").unlink(), "the file votes.parquet is missing"),
    "extra file": (lambda f: (f / "extra.parquet").write_bytes(b"PAR1"),
                   "the file extra.parquet is not in the manifest"),
    "edited manifest count": (edit_manifest(more_rows), "the table votes has {rows} rows but the manifest says {more}"),
    "edited manifest hash": (edit_manifest(other_hash), "the content of the table people does not match"),
    "schema newer than the code": (edit_manifest(newer_schema),
                                   "newer Frontline Board (migration 9999_from_the_future"),
    "unreadable manifest": (lambda f: (f / "manifest.json").write_bytes(b"\xff{not json"),
                            "manifest.json is missing or unreadable"),
    "missing manifest": (lambda f: (f / "manifest.json").unlink(), "manifest.json is missing or unreadable"),
    "file name leaving the folder": (edit_manifest(escaping_file_name), "not a Frontline Board backup manifest"),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_or_mismatched_backup_is_refused_and_nothing_is_written(good_backup, tmp_path, kind):
    damage, expected = DAMAGE[kind]
    votes = next(t["rows"] for t in manifest_of(good_backup)["tables"] if t["name"] == "votes")
    expected = expected.format(rows=votes, more=votes + 1)
    damage(good_backup)
    target = tmp_path / "new" / "board.duckdb"
    with pytest.raises(BackupError) as refused:
        backup.restore(good_backup, target)
    message = str(refused.value)
    assert expected in message, message
    assert message.startswith("Not restored:") and message.endswith("Nothing was changed.") and "\n" not in message
    assert not target.exists() and (not target.parent.exists() or leftovers(target.parent) == [])


def test_a_consistently_forged_file_is_caught_by_the_content_hash(good_backup, tmp_path):
    """A changed row whose file hash was updated in the manifest still fails the per-table content hash."""
    path = good_backup / "people.parquet"
    scratch = db.open_store(tmp_path / "scratch.duckdb")
    try:
        with scratch.read() as con:
            con.execute("COPY (SELECT * REPLACE (CASE WHEN role = 'admin' THEN 'leader' ELSE role END AS role)"
                        " FROM read_parquet(?)) TO ? (FORMAT parquet)", (str(path), str(tmp_path / "forged.parquet")))
    finally:
        db.close_store(tmp_path / "scratch.duckdb")
    shutil.copy(tmp_path / "forged.parquet", path)
    edit_manifest(lambda m: m["files"].update({"people.parquet": sha(path)}))(good_backup)
    with pytest.raises(BackupError, match="the content of the table people does not match the manifest's hash"):
        backup.restore(good_backup, tmp_path / "forged.duckdb")
    assert not (tmp_path / "forged.duckdb").exists()


def test_restore_never_touches_an_existing_database(demo_db_path, good_backup, tmp_path):
    db.close_store(demo_db_path)
    before = sha(demo_db_path)
    with pytest.raises(BackupError, match="already exists and holds data.*never overwritten"):
        backup.restore(good_backup, demo_db_path)
    assert sha(demo_db_path) == before
    empty = tmp_path / "empty.duckdb"
    empty.touch()  # an empty file holds nothing: it may be the target
    assert backup.restore(good_backup, empty).rows == manifest_rows(good_backup)


def manifest_rows(folder: Path) -> int:
    return sum(t["rows"] for t in manifest_of(folder)["tables"])


# --- command line --------------------------------------------------------------------------------

def board(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOARD_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "board", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.slow
def test_command_line_backup_then_restore(demo_db_path, tmp_path):
    db.close_store(demo_db_path)  # the command is another process: it needs the file free
    before = sha(demo_db_path)
    made = board("backup", str(tmp_path / "cli-backup"), db_path=demo_db_path)
    assert made.returncode == 0, made.stderr
    tables = len(manifest_of(tmp_path / "cli-backup")["tables"])
    assert f"Backup written to {tmp_path / 'cli-backup'}: {tables} tables" in made.stdout
    assert sha(demo_db_path) == before  # opened read-only: the database is not changed

    default = board("backup", db_path=demo_db_path)  # data/backups/<timestamp>/ beside the database
    assert default.returncode == 0, default.stderr
    [stamped] = (demo_db_path.parent / "backups").iterdir()
    assert str(stamped) in default.stdout and (stamped / "manifest.json").is_file()

    target = tmp_path / "restored.duckdb"
    done = board("restore", str(tmp_path / "cli-backup"), "--to", str(target), db_path=demo_db_path)
    assert done.returncode == 0, done.stderr
    assert f"into {target}; counts and hashes match the manifest" in done.stdout
    restored = db.open_store(target)
    source = db.open_store(demo_db_path)
    try:
        assert backup.digests(restored) == backup.digests(source)
    finally:
        db.close_store(target)
        db.close_store(demo_db_path)

    refused = one_line_error(board("restore", str(tmp_path / "cli-backup"), db_path=demo_db_path))
    assert "already exists and holds data" in refused and str(demo_db_path) in refused  # default --to: the app's file
    (tmp_path / "cli-backup" / "votes.parquet").unlink()
    damaged = one_line_error(board("restore", str(tmp_path / "cli-backup"), "--to", str(tmp_path / "x.duckdb"),
                                   db_path=demo_db_path))
    assert "votes.parquet is missing" in damaged and not (tmp_path / "x.duckdb").exists()
    missing = one_line_error(board("backup", db_path=tmp_path / "nothing-here.duckdb"))
    assert "no database" in missing and not (tmp_path / "nothing-here.duckdb").exists()


@pytest.mark.slow
def test_command_line_backup_while_the_app_holds_the_file_says_how(demo_db_path, tmp_path):
    db.close_store(demo_db_path)
    env = {**os.environ, "BOARD_DB": str(demo_db_path), "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", "from board import store; store.open_store(); print('ready', flush=True); input()"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        line = one_line_error(board("backup", str(tmp_path / "b"), db_path=demo_db_path))
        assert f"PID {holder.pid}" in line and "stop it" in line and "run this command again" in line
        assert "Admin" not in line and "download" not in line and not (tmp_path / "b").exists()
    finally:
        holder.communicate("", timeout=10)


# --- no copy of everything inside the app ------------------------------------------------------------

def test_restore_still_takes_a_zip_of_a_backup_folder_as_earlier_versions_offered(good_backup, tmp_path):
    """Earlier versions' Admin > Backup page gave a zip of the backup folder; such downloads still restore."""
    zipped = tmp_path / "frontline-board-backup-20260101-120000.zip"
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(good_backup.iterdir()):
            archive.write(path, f"frontline-board-backup-20260101-120000/{path.name}")
    assert backup.restore(zipped, tmp_path / "from-zip.duckdb").rows == manifest_rows(good_backup)
    escaping = tmp_path / "escaping.zip"
    with zipfile.ZipFile(escaping, "w") as archive:
        archive.writestr("../outside/manifest.json", "{}")
    with pytest.raises(BackupError, match="is not a backup zip made by Frontline Board"):
        backup.restore(escaping, tmp_path / "never.duckdb")
    assert not (tmp_path / "never.duckdb").exists() and not (tmp_path / "outside").exists()


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_open_a_backup_page_not_even_an_admin(demo_store, known, role):
    """Regression: an admin could download every table from Admin > Backup. /admin_backup is no page now: the
    router does not know it (Streamlit runs Home; tests/browser/test_access_urls.py opens the URL)."""
    at = open_page(demo_store, known[role])
    assert titles(at) == ["Home"]
    with pytest.raises(ValueError, match="Could not find"):  # neither registered nor a file any more
        at.switch_page("app_pages/admin_backup.py")
    assert not (Path(APP).parent / "app_pages" / "admin_backup.py").exists()
    assert not at.download_button and "Backup" not in [b.label for b in at.button]


BOARD = ROOT / "board"
WHOLE_DATABASE = {"backup.backup", "backup.restore", "backup._export", "transfer.copy_to_postgres"}
# Who may call them: the command line, for the server's operator (the benchmark, outside board/, copies its
# generated data too).
OPERATOR = {"cli._backup", "cli._restore", "cli._copy_to_postgres"}


def _calls(path: Path) -> dict[str, set[str]]:
    """module.function (outermost) -> the module.function names it calls as attributes of a board module or,
    inside backup.py and transfer.py, by their bare names."""
    tree, found = ast.parse(path.read_text(encoding="utf-8")), {}
    for top in tree.body:
        if not isinstance(top, (ast.FunctionDef, ast.ClassDef)):
            continue
        names = set()
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name):
                names.add(f"{node.func.value.id}.{node.func.attr}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names.add(f"{path.stem}.{node.func.id}")
        found[f"{path.stem}.{top.name}"] = names
    return found


def test_only_the_command_line_hands_out_a_copy_of_every_table():
    """No function in board/ that a signed-in person can reach builds or hands out a whole-database copy: the
    only callers are the command line's (the server's operator); nothing in backup.py or
    transfer.py takes a Person; no page imports them; no SQL exports the database elsewhere."""
    callers = {name for path in BOARD.rglob("*.py") for name, calls in _calls(path).items()
               if calls & WHOLE_DATABASE and name not in WHOLE_DATABASE}
    assert callers <= OPERATOR, callers - OPERATOR
    assert {"cli._backup", "cli._restore", "cli._copy_to_postgres"} <= callers
    for module in (backup, transfer):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            assert not any("Person" in str(p.annotation) for p in inspect.signature(fn).parameters.values()), name
    ui = [*(BOARD / "web").rglob("*.py")]
    for path in ui:
        text = path.read_text(encoding="utf-8")
        assert not {"backup", "transfer"} & _board_imports(text), path.name
    assert [p.name for p in BOARD.rglob("*.py") if "EXPORT DATABASE" in p.read_text(encoding="utf-8").upper()] == []


def _board_imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "board":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("board."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("board.")}
    return names


# --- anonymity in a backup -----------------------------------------------------------------------

def test_a_backup_cannot_link_an_anonymous_marker_to_its_author(org_store, known, tmp_path):
    author, manager, marker = known["staff"], known["manager"], "BACKUP-MARKER-5e81c2"
    receipt = submit_released(org_store, author, key="anon", description=f"Refund queue {marker} stalls.",
                              replies=(f"Still stuck {marker}",))
    triage.change_status(org_store, manager, receipt.id, "acknowledged")
    triage.reply(org_store, manager, receipt.id, "Which queue exactly?")
    sg.vote(org_store, manager, receipt.id)
    submit(org_store, author, key="named", description="A named suggestion by the same person, for contrast.")
    with org_store.read() as con:
        others = [r["id"] for r in con.rows("SELECT id FROM people WHERE id <> ? ORDER BY id LIMIT 7", (author.id,))]
    respondents = [people.get_person(org_store, i) for i in others[:3]] + [author] + [
        people.get_person(org_store, i) for i in others[3:]]
    day = date(2026, 11, 18)
    for person in respondents:  # the author answers in the middle of the period
        comment = f"Tools {marker}" if person == author else f"Comment from a colleague {person.id % 3}"
        pulse.submit(org_store, person, pulse.Answer(4, 8, 4, 3, 4, 2, 5, comment), today=day, length_days=14)

    folder = backup.backup(org_store, tmp_path / "backup").path
    identity = (author.email, author.name)
    # 1. Raw bytes: the marker is only in the suggestion and pulse files (and found there: the scan works).
    with_marker = {p.name for p in folder.iterdir() if marker.encode() in p.read_bytes()}
    assert with_marker == DATA_FILES
    for name in with_marker:
        assert not any(text.encode() in (folder / name).read_bytes() for text in identity), name

    # 2. Rows read back through DuckDB: every row with the marker carries nothing of the author.
    reader = db.open_store(tmp_path / "reader.duckdb")
    try:
        with reader.read() as con:
            files = {p.stem: con.rows("SELECT * FROM read_parquet(?)", (str(p),)) for p in folder.glob("*.parquet")}
    finally:
        db.close_store(tmp_path / "reader.duckdb")
    marked = [(table, row) for table, rows in files.items() for row in rows
              if any(marker in str(v) for v in row.values())]
    assert {table for table, _ in marked} == {"suggestions", "suggestion_events", "pulse_responses"}
    assert len(marked) == 3  # the suggestion, the author's reply event, the pulse comment
    for table, row in marked:
        assert not any(row.get(column) == author.id for column in PERSON_COLUMNS), (table, row)
        text = " ".join(str(v) for v in row.values())
        assert not any(value in text for value in identity) and receipt.code not in text
        if "created_at" in row:  # the author's own times keep the day only (others' actions keep theirs)
            assert (row["created_at"].hour, row["created_at"].minute, row["created_at"].second) == (0, 0, 0), row
    # 3. No row that names the anonymous suggestion names its author (events, votes, notifications, links).
    linked = [(table, row) for table, rows in files.items() for row in rows
              if row.get("suggestion_id") == receipt.id or (table == "suggestions" and row["id"] == receipt.id)]
    assert {table for table, _ in linked} >= {"suggestions", "suggestion_events", "votes"}
    assert not [(t, r) for t, r in linked if any(r.get(c) == author.id for c in PERSON_COLUMNS)]
    # 4. The pulse: a response holds no person (its team, office and region only); while the period is open, who
    #    answered is a keyed hash whose key is not in the backup; neither file keeps the order of answering.
    response = next(row for table, row in marked if table == "pulse_responses")
    assert set(response) == {"id", "period_id", "team_id", "office_id", "region_id", "mood", "enps", "empowered",
                             "tools", "acted_on", "workload", "proud", "comment"}
    ids = [r["id"] for r in files["pulse_responses"]]
    voters = [(r["period_id"], r["voter"]) for r in files["pulse_voters"]]
    assert ids == sorted(ids) and voters == sorted(voters) and files["pulse_participation"] == []
    assert pulse.voter(pulse.voter_key(), response["period_id"], author.id) in {v for _, v in voters}  # with the key
    assert {column for row in files["pulse_voters"] for column in row} == {"period_id", "voter", "team_id"}
    # 5. The manifest holds counts and hashes only.
    listing = (folder / "manifest.json").read_text()
    assert marker not in listing and author.email not in listing and author.name not in listing


# --- attachments: bytes in the database ------------------------------------------------------------------------

def test_attachment_bytes_come_back_identical_from_a_backup_and_from_copy_to_postgres(org_store, known, tmp_path,
                                                                                       pg_cluster):
    import io

    from PIL import Image

    from board.feedback import attachments

    picture = io.BytesIO()
    Image.effect_noise((64, 48), 80).convert("RGB").save(picture, "PNG")  # every byte value, NUL included
    document = b"%PDF-1.7\n\x00\x01\xfe\xff binary \x00 stream\n%%EOF\n"
    staff = known["staff"]
    suggestion_id = submit(org_store, staff, key="with-files").id
    ids = attachments.attach_to_suggestion(org_store, staff, suggestion_id, [
        attachments.Upload("noise.png", picture.getvalue()), attachments.Upload("scan.pdf", document)])

    def files(store) -> dict[str, tuple]:
        with store.read() as con:
            rows = con.rows("SELECT id, name, media_type, size, sha256, content FROM attachments ORDER BY id")
        return {r["id"]: (r["name"], r["media_type"], r["size"], r["sha256"], bytes(r["content"])) for r in rows}

    original = files(org_store)
    assert set(original) == set(ids) and original[ids[1]][4] == document
    assert all(hashlib.sha256(f[4]).hexdigest() == f[3] and len(f[4]) == f[2] for f in original.values())

    made = backup.backup(org_store, tmp_path / "backup")
    restored_path = tmp_path / "restored.duckdb"
    backup.restore(made.path, restored_path)
    restored = db.open_store(restored_path)
    try:
        assert files(restored) == original
    finally:
        db.close_store(restored_path)

    name = pg_cluster.fresh_name("attachments")
    url = pg_cluster.create(name)
    try:
        transfer.copy_to_postgres(org_store, url)
        assert files(db.open_store(url)) == original
        assert [a["name"] for a in attachments.for_suggestion(db.open_store(url), staff, suggestion_id)] == [
            "noise.png", "scan.pdf"]
    finally:
        db.close_store(url)
        pg_cluster.drop(name)
