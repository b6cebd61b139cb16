"""The shape holds: one module imports duckdb, the core never imports streamlit, pages hold no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOARD = Path(__file__).resolve().parent.parent / "board"
UI = {BOARD / "app.py"} | set((BOARD / "app_pages").glob("*.py")) | set((BOARD / "ui").glob("*.py"))
CORE = set(BOARD.glob("*.py")) - UI
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ")


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_store_imports_duckdb():
    assert [p.name for p in BOARD.rglob("*.py") if "duckdb" in imports(p)] == ["db.py"]


@pytest.mark.parametrize("path", sorted(CORE), ids=lambda p: p.name)
def test_core_modules_do_not_import_streamlit(path):
    assert not {n for n in imports(path) if n.split(".")[0] == "streamlit"}


@pytest.mark.parametrize("path", sorted(UI), ids=lambda p: p.name)
def test_pages_hold_no_sql_and_no_store_internals(path):
    text = path.read_text()
    assert not any(word in text for word in SQL_WORDS)
    assert "board.db" not in imports(path) or path.name in ("app.py", "session.py")


def test_no_markdown_rendering_of_html():
    offenders = [p.name for p in BOARD.rglob("*.py") if "unsafe_allow_html" in p.read_text()]
    assert offenders == []


def test_migrations_are_numbered_and_unique():
    names = sorted(p.name for p in (BOARD / "migrations").glob("*.sql"))
    numbers = [n[:4] for n in names]
    assert names and all(n.isdigit() for n in numbers) and len(set(numbers)) == len(numbers)
