"""The tests' own layout holds: no test file imports another test file (shared helpers live in tests/support/),
every folder of tests is a package (test files in different folders may share a name), and AppTest opens the app
in one place only (tests/support/pages.py: open_page, signed_out, oidc_app)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import TESTS

SUPPORT = TESTS / "support"


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def package_of(path: Path) -> str:
    """The dotted package a file under tests/ is imported in ("tests.unit")."""
    return ".".join(path.relative_to(TESTS.parent).parent.parts)


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in a source text, at any depth, relative ones made absolute; for
    `from a import b` both a and a.b (b may be a module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def imported_test_modules(source: str, package: str) -> list[str]:
    """The test modules (tests....test_x) a source text imports, as 'line: module'."""
    found = []
    for line, name in imported_modules(source, package):
        parts = name.split(".")
        first = next((i for i, part in enumerate(parts) if i and part.startswith("test_")), None)
        if parts[0] == "tests" and first is not None:
            found.append(f"{line}: {'.'.join(parts[:first + 1])}")
    return list(dict.fromkeys(found))


def test_no_test_file_imports_another_test_file():
    offenders = {str(p.relative_to(TESTS)): imported_test_modules(p.read_text(encoding="utf-8"), package_of(p))
                 for p in python_files()}
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"move what is shared into tests/support/: {offenders}"


def test_the_import_check_sees_every_form_of_import():
    source = ("from tests.service.test_suggestions import submit\n"
              "import tests.pages.test_sign_in_form\n"
              "from tests.security import test_hostile\n"
              "from .test_charts import x\n"
              "from . import test_export\n"
              "def f():\n"
              "    from tests.support.pages import open_page\n"
              "    from .conftest import DEMO_DAY\n")
    found = imported_test_modules(source, "tests.unit")
    assert found == ["1: tests.service.test_suggestions", "2: tests.pages.test_sign_in_form",
                     "3: tests.security.test_hostile", "4: tests.unit.test_charts", "5: tests.unit.test_export"]


def test_support_holds_no_tests():
    assert not [p.name for p in SUPPORT.rglob("test_*.py")]


@pytest.mark.parametrize("folder", sorted({p.parent for p in TESTS.rglob("test_*.py")} | {SUPPORT}),
                         ids=lambda p: p.relative_to(TESTS).as_posix() or ".")
def test_every_folder_of_tests_is_a_package(folder):
    assert (folder / "__init__.py").is_file(), f"{folder.relative_to(TESTS.parent)} needs an __init__.py"


def test_apptest_opens_the_app_only_through_the_support_helpers():
    """One way to open a page as a person: tests/support/pages.py. (AppTest.from_string and from_function, which
    run a script of the test's own, are fine anywhere.)"""
    found = []
    for path in python_files():
        if path == SUPPORT / "pages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "from_file" \
                    and getattr(node.value, "id", "") == "AppTest":
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert not found, f"open pages with tests.support.pages (open_page, signed_out, oidc_app): {found}"
