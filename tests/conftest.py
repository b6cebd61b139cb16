"""Shared fixtures: real temporary databases (never mocks) on both backends, the demo organisation, clean caches."""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import date

import pytest

from board import demo
from board import store as db
from board.org import people

DEMO_DAY = date(2026, 11, 1)
# The pulse's voter key is a server secret: the tests' own, never the developer's data/secret_pulse.key
# (app servers started by the browser tests inherit it).
os.environ["BOARD_PULSE_KEY"] = "tests-only-pulse-key-0123456789abcdef"


BACKENDS = ("duckdb", "postgres")


def pytest_generate_tests(metafunc):
    """Every test that opens a database runs on both backends, unless it is about the DuckDB file."""
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("duckdb_only")
        metafunc.parametrize("backend", ["duckdb"] if only else list(BACKENDS))


@pytest.fixture
def backend():
    return "duckdb"


@pytest.fixture(scope="session")
def pg_cluster():
    """The run's throwaway PostgreSQL cluster, started on first use and stopped at the end."""
    from tests.support.pg_cluster import Cluster

    cluster = Cluster.start()
    yield cluster
    cluster.stop()


class _PgTemplates:
    """Template databases on the cluster, seeded once per run like the DuckDB templates."""

    def __init__(self, cluster):
        self.cluster, self.made = cluster, {}

    def get(self, kind: str) -> str:
        if kind not in self.made:
            name = self.cluster.fresh_name(f"tmpl_{kind}")
            url = self.cluster.create(name)
            s = db.open_store(url)
            if kind != "empty":
                demo.seed(s, today=DEMO_DAY, activity=kind == "demo")
            db.close_store(url)
            self.made[kind] = name
        return self.made[kind]


@pytest.fixture(scope="session")
def pg_templates(pg_cluster):
    return _PgTemplates(pg_cluster)


def _database(request, kind: str, tmp_path, monkeypatch, template=None):
    """A private database of a kind ("empty", "demo", "org") on the test's backend; BOARD_DB or
    BOARD_DATABASE_URL points at it (for AppTest and the CLI). Yields its path or URL."""
    if request.getfixturevalue("backend") == "postgres":
        cluster, templates = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_templates")
        name = cluster.fresh_name()
        url = cluster.create(name, templates.get(kind))
        monkeypatch.setenv("BOARD_DATABASE_URL", url)
        try:
            yield url
        finally:
            db.close_store(url)
            cluster.drop(name)
        return
    monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
    path = tmp_path / "board.duckdb"
    if template is not None:
        shutil.copy(template, path)
    monkeypatch.setenv("BOARD_DB", str(path))
    yield path
    db.close_store(path)


@pytest.fixture
def store(request, backend, tmp_path, monkeypatch):
    """An empty, migrated database (a temporary DuckDB file, or a PostgreSQL database)."""
    for target in _database(request, "empty", tmp_path, monkeypatch):
        yield db.open_store(target)


def _template(factory, activity: bool):
    path = factory.mktemp("demo") / "template.duckdb"
    s = db.open_store(path)
    demo.seed(s, today=DEMO_DAY, activity=activity)
    db.close_store(path)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo organisation with its 18 months of activity, seeded once per run (copied per test)."""
    return _template(tmp_path_factory, activity=True)


@pytest.fixture(scope="session")
def org_template(tmp_path_factory):
    """The demo organisation alone: people and teams, no suggestions (for exact counts)."""
    return _template(tmp_path_factory, activity=False)


@pytest.fixture
def demo_db_path(request, backend, tmp_path, monkeypatch):
    """A private copy of the demo database: its file path, or its URL on PostgreSQL."""
    template = request.getfixturevalue("demo_template") if backend == "duckdb" else None
    yield from _database(request, "demo", tmp_path, monkeypatch, template)


@pytest.fixture
def demo_store(demo_db_path):
    """The demo organisation with its activity, open."""
    return db.open_store(demo_db_path)


@pytest.fixture
def org_store(request, backend, tmp_path, monkeypatch):
    """The demo organisation without activity, open; BOARD_DB or BOARD_DATABASE_URL points at it."""
    template = request.getfixturevalue("org_template") if backend == "duckdb" else None
    for target in _database(request, "org", tmp_path, monkeypatch, template):
        yield db.open_store(target)


@pytest.fixture(scope="module")
def _module_demos(request, tmp_path_factory):
    """backend -> one copy of the demo organisation for the module (per xdist worker), made on first use; closed
    (and on PostgreSQL dropped) when the module ends."""
    made: dict[str, tuple] = {}

    def get(backend: str):
        if backend not in made:
            if backend == "postgres":
                cluster = request.getfixturevalue("pg_cluster")
                name = cluster.fresh_name()
                made[backend] = (cluster.create(name, request.getfixturevalue("pg_templates").get("demo")), name)
            else:
                path = tmp_path_factory.mktemp("shared") / "board.duckdb"
                shutil.copy(request.getfixturevalue("demo_template"), path)
                made[backend] = (path, None)
        return made[backend][0]

    yield get
    for target, name in made.values():
        db.close_store(target)
        if name is not None:
            request.getfixturevalue("pg_cluster").drop(name)


@pytest.fixture
def shared_demo_store(_module_demos, backend, monkeypatch):
    """The demo organisation with its activity, open, shared by the module's tests on this backend: only for a
    matrix of page runs that assert what each page shows a role, never what a write changed (a copy per test
    cost more than the page runs themselves). BOARD_DB or BOARD_DATABASE_URL points at it."""
    target = _module_demos(backend)
    if backend == "postgres":
        monkeypatch.setenv("BOARD_DATABASE_URL", target)
    else:
        monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
        monkeypatch.setenv("BOARD_DB", str(target))
    return db.open_store(target)


@pytest.fixture
def known(request):
    """The five known demo people by role, from whichever demo store the test uses."""
    name = next((n for n in ("org_store", "shared_demo_store") if n in request.fixturenames), "demo_store")
    store = request.getfixturevalue(name)
    return {role: people.find_by_email(store, email) for role, (email, _) in demo.KNOWN.items()}


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_* are shared by all sessions and survive AppTest instances."""
    yield
    try:
        import streamlit as st
    except ImportError:
        return
    st.cache_data.clear()
    st.cache_resource.clear()


def load_rows(store: db.Database, tables: dict[str, list[dict]]) -> None:
    """Insert rows read from another store, table by table, in one transaction (into a database made by an older
    version: store_before)."""
    def load(con: db.Conn) -> None:
        for table, rows in tables.items():
            if rows:
                names = list(rows[0])
                con.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                                [tuple(row[n] for n in names) for row in rows])
    store.write(load)


@contextlib.contextmanager
def store_before(request, backend: str, tmp_path, migration: str):
    """A real store migrated only up to (not including) the numbered migration, as a database made by an older
    version would be; closed (and on PostgreSQL dropped) afterwards. Upgrade tests then run db.migrate on it."""
    older = tmp_path / "older"
    older.mkdir()
    for name, sql in db.available_migrations(dialect=backend):
        if name < migration:
            (older / name).write_text(sql)
    if backend == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        name = cluster.fresh_name()
        store = db.make_store(cluster.create(name))
    else:
        store = db.make_store(tmp_path / "older.duckdb")
    try:
        db.migrate(store, older)
        yield store
    finally:
        store.close()
        if backend == "postgres":
            cluster.drop(name)
