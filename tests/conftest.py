"""Shared fixtures: real temporary DuckDB files (never mocks), the demo organisation, clean caches."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from board import db, demo, people

DEMO_DAY = date(2026, 11, 1)


@pytest.fixture
def store(tmp_path):
    """An empty, migrated database in a temporary file."""
    path = tmp_path / "board.duckdb"
    s = db.open_store(path)
    yield s
    db.close_store(path)


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


def _private_copy(template, tmp_path, monkeypatch):
    path = tmp_path / "board.duckdb"
    shutil.copy(template, path)
    monkeypatch.setenv("BOARD_DB", str(path))
    return path


@pytest.fixture
def demo_db_path(tmp_path, demo_template, monkeypatch):
    """A private copy of the demo database; BOARD_DB points at it (for AppTest and the CLI)."""
    path = _private_copy(demo_template, tmp_path, monkeypatch)
    yield path
    db.close_store(path)


@pytest.fixture
def demo_store(demo_db_path):
    """The demo organisation with its activity, open."""
    return db.open_store(demo_db_path)


@pytest.fixture
def org_store(tmp_path, org_template, monkeypatch):
    """The demo organisation without activity, open; BOARD_DB points at it."""
    path = _private_copy(org_template, tmp_path, monkeypatch)
    yield db.open_store(path)
    db.close_store(path)


@pytest.fixture
def known(request):
    """The five known demo people by role, from whichever demo store the test uses."""
    name = "org_store" if "org_store" in request.fixturenames else "demo_store"
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
