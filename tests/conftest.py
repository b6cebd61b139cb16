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


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo organisation seeded once per run into a template file (copied per test)."""
    path = tmp_path_factory.mktemp("demo") / "template.duckdb"
    s = db.open_store(path)
    demo.seed(s, today=DEMO_DAY)
    db.close_store(path)
    return path


@pytest.fixture
def demo_db_path(tmp_path, demo_template, monkeypatch):
    """A private copy of the demo database; BOARD_DB points at it (for AppTest and the CLI)."""
    path = tmp_path / "board.duckdb"
    shutil.copy(demo_template, path)
    monkeypatch.setenv("BOARD_DB", str(path))
    yield path
    db.close_store(path)


@pytest.fixture
def demo_store(demo_db_path):
    """The demo organisation, open."""
    return db.open_store(demo_db_path)


@pytest.fixture
def known(demo_store):
    """The five known demo people by role."""
    return {role: people.find_by_email(demo_store, email) for role, (email, _) in demo.KNOWN.items()}


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
