"""The shape holds: one module imports duckdb, the core never imports streamlit, pages hold no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import paths

BOARD = paths.BOARD
UI = set((BOARD / "web").rglob("*.py"))  # the only package that may import streamlit
CORE = set(BOARD.rglob("*.py")) - UI
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ")


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_store_imports_a_database_driver():
    drivers = {"duckdb", "psycopg", "psycopg_pool"}
    found = {p.relative_to(BOARD).as_posix() for p in BOARD.rglob("*.py")
             if {n.split(".")[0] for n in imports(p)} & drivers}
    assert found and all(name.startswith("store/") for name in found), found


@pytest.mark.parametrize("path", sorted(CORE), ids=lambda p: p.relative_to(BOARD).as_posix())
def test_core_modules_do_not_import_streamlit(path):
    assert not {n for n in imports(path) if n.split(".")[0] == "streamlit"}


@pytest.mark.parametrize("path", sorted(UI), ids=lambda p: p.relative_to(BOARD).as_posix())
def test_pages_hold_no_sql_and_no_store_internals(path):
    text = path.read_text()
    assert not any(word in text for word in SQL_WORDS)
    assert "board.store" not in imports(path) or path.name in ("app.py", "session.py", "edge.py")  # the process store


def test_no_markdown_rendering_of_html():
    offenders = [p.name for p in BOARD.rglob("*.py") if "unsafe_allow_html" in p.read_text()]
    assert offenders == []


# Streamlit's tables offer their own CSV download and copy, which hand a spreadsheet the cells as sent: every
# table goes through board/web/ui/tables.py, which neutralises formulas. Files allowed to call st.dataframe directly,
# each with why none of its cells can hold text from a person or an import:
TABLE_CALLS = {"dataframe", "data_editor"}
ALLOWED_DIRECT_TABLES = {
    "web/ui/tables.py": "the helper itself",
}


def direct_table_calls(path: Path) -> list[int]:
    """Lines that call .dataframe(...) or .data_editor(...) on anything, or import them from streamlit."""
    def direct(node) -> bool:
        if isinstance(node, ast.Call):
            return isinstance(node.func, ast.Attribute) and node.func.attr in TABLE_CALLS
        return (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit"
                and any(alias.name in TABLE_CALLS for alias in node.names))

    return sorted(node.lineno for node in ast.walk(ast.parse(path.read_text())) if direct(node))


def test_every_table_goes_through_the_helper_that_neutralises_formulas():
    found = {p.relative_to(BOARD).as_posix(): direct_table_calls(p) for p in sorted(BOARD.rglob("*.py"))}
    offenders = {name: lines for name, lines in found.items() if lines and name not in ALLOWED_DIRECT_TABLES}
    assert offenders == {}, "show tables with board.ui.tables.table, not st.dataframe / st.data_editor"


def test_the_table_check_sees_direct_calls_in_any_form(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nfrom streamlit import data_editor\nst.dataframe(rows)\n"
                    "column.dataframe(rows)\nst.sidebar.data_editor(rows)\n")
    assert direct_table_calls(page) == [2, 3, 4, 5]


def test_migrations_are_numbered_and_unique():
    names = sorted(p.name for p in (BOARD / "store" / "migrations").glob("*.sql"))
    numbers = [n[:4] for n in names]
    assert names and all(n.isdigit() for n in numbers) and len(set(numbers)) == len(numbers)


# --- SQL is parameterised: text given to the store is never built from values -----------------------

SQL_CALLS = {"execute", "executemany", "rows", "one", "scalar", "df", "arrays", "batches", "sql", "query"}
# Interpolations that are not literals, module constants, '?' placeholders, fixed-table lookups or text
# returned by functions that build only such text; each with why it is not a value from a person.
ALLOWED_SQL_NAMES = {
    ("store/base.py", "execute", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/base.py", "executemany", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/base.py", "rows", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/base.py", "one", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/base.py", "scalar", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/duckdb.py", "df", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/duckdb.py", "arrays", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/duckdb.py", "batches", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/duckdb.py", "change_counts", "sql"): "count(*) of table names its one caller writes as a literal tuple "
                                       "(dashboard.data_version), each quoted",
    ("store/base.py", "_run", "self._sql(sql)"): "the Conn method's own parameter as the engine takes it (? or $n)",
    ("store/postgres.py", "_run", "self._sql(sql)"):
        "the Conn method's own parameter as the engine takes it (? or $n)",
    ("store/base.py", "execute", "self._sql(sql)"): "the Conn method's own parameter as the engine takes it (? or $n)",
    ("store/base.py", "executemany", "self._sql(sql)"):
        "the Conn method's own parameter as the engine takes it (? or $n)",
    ("store/transfer.py", "_copy", "sql"): "the text of a migration file shipped in board/store/migrations",
    ("store/transfer.py", "_copy", "index['name']"): "an index of PostgreSQL's own catalog, made by our migrations",
    ("store/transfer.py", "_copy", "index['definition']"): "PostgreSQL's own text of an index our migrations made",
    ("store/transfer.py", "_copy", "table"): "a table of the source database's own catalog, made by our migrations",
    ("store/transfer.py", "_copy", "select"): "transfer._columns: a SELECT of a table and its columns named by the "
                                              "source's own catalog (our migrations made them), quoted",
    ("store/migrate.py", "apply", "sql"): "the text of a migration file shipped in board/store/migrations",
    ("store/duckdb.py", "insert_frame", "table"): "demo seeding only: a table name written in the demo modules",
    ("store/duckdb.py", "insert_frame", "columns"):
        "demo seeding only: the column names of the frame the demo builds, quoted",
    ("store/postgres.py", "batches", "sql"): "the Conn method's own parameter: its callers are checked",
    ("store/postgres.py", "reclaim", "tables"): "table names its callers write as literal tuples (pulse.close_due, "
                                             "release.release_anonymous)",
    ("feedback/suggestions.py", "discussed_in", "readable"):
        "minutes.visible's scope condition (imported in the function: minutes imports suggestions), which that "
        "module's own check covers",
    ("reporting/dashboard.py", "scope_sql", "alias"): "a table alias its callers pass as a literal ('s', 'm')",
    ("reporting/dashboard.py", "ack_days", "level"): "one of VERSUS_LEVELS ('team', 'office'), refused otherwise first",
    ("reporting/dashboard.py", "_office_ack_days", "counts.FRESH_TIMES"):
        "feedback.counts' constant SQL of the times not merged yet (no value in it)",
    ("feedback/counts.py", "_add", "rows"): "one VALUES row of ? placeholders per change (with the module's constant "
                                            "bucket formula over a ? where a time is counted)",
    ("feedback/counts.py", "rebuild", "recount_sql()"): "SQL made only of the module's constants (KEY, _PARTS)",
    ("feedback/counts.py", "recounted", "recount_sql()"): "SQL made only of the module's constants (KEY, _PARTS)",
    ("feedback/counts.py", "work", "_ROLLED_UP.format(fresh=_COMPACTED)"): "the module's constant SQL over a "
                                                                          "constant subquery",
    ("feedback/counts.py", "work", "_ROLLED_UP.format(fresh='fresh')"): "the module's constant SQL over a CTE name",
    ("feedback/triage.py", "_set_status", "column"): "the milestone column names of suggestions.MILESTONES "
                                                     "(constants), as milestones() returns them",
    ("store/backup.py", "load", "table"): "a table of the restored file's own catalog, made by our migrations and "
                                    "checked against the manifest first",
}


class SqlCheck:
    """Which parts of the SQL text given to the store are interpolated from something other than literals,
    module constants, lookups in fixed tables, '?' placeholders, allowed names, or functions (of the module
    or imported from board) that return only such text."""

    modules: dict[Path, SqlCheck] = {}

    def __init__(self, path: Path, source: str | None = None):
        self.name, self.tree = (path.relative_to(BOARD).as_posix() if path.is_relative_to(BOARD) else path.name,
                                ast.parse(source if source is not None else path.read_text()))
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.functions = {n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef)}
        self.constants, self.imported = set(), {}
        for node in self.tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                self.constants |= {n.id for t in targets for n in ast.walk(t)
                                   if isinstance(n, ast.Name) and n.id.isupper()}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("board."):
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.constants |= {local} if local.isupper() else set()
                    self.imported[local] = (BOARD / (node.module.split(".", 1)[1].replace(".", "/") + ".py"),
                                            alias.name)

    @classmethod
    def of(cls, path: Path) -> SqlCheck:
        if path not in cls.modules:
            cls.modules[path] = cls(path)
        return cls.modules[path]

    def findings(self) -> list[tuple[str, str]]:
        """(function, interpolated expression) for each SQL argument that interpolates anything else."""
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
                if self.other_object(node.func.value, self.scope_of(node)):
                    continue
                sql = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg in ("sql", "query")), None)
                scope = self.scope_of(node)
                found += [(getattr(scope, "name", "<module>"), ast.unparse(p)) for p in self.unsafe(sql, scope)]
        return found

    def other_object(self, receiver, scope) -> bool:
        """Whether the receiver is made by a class of ours other than the store's (e.g. reports.Morale().rows)."""
        if isinstance(receiver, ast.Name) and (values := self.values_of(receiver.id, scope)) and len(values) == 1:
            receiver = values[0][0]
        return (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name)
                and receiver.func.id[:1].isupper()
                and receiver.func.id not in ("Conn", "DuckConn", "PgConn", "DuckStore", "PgStore"))

    def scope_of(self, node):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                return node
        return None

    def constant(self, node) -> bool:
        return isinstance(node, ast.Name) and node.id in self.constants

    def unsafe(self, node, scope, seen=frozenset()) -> list:
        if node is None or isinstance(node, ast.Constant):
            return []
        if (self.name, getattr(scope, "name", ""), ast.unparse(node)) in ALLOWED_SQL_NAMES:
            return []
        rec = lambda n: self.unsafe(n, scope, seen)  # noqa: E731
        if isinstance(node, ast.JoinedStr):
            return [p for v in node.values if isinstance(v, ast.FormattedValue) for p in rec(v.value)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return rec(node.left) + rec(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):  # "?" * n, [literal text] * n
            return [] if any(isinstance(s, (ast.Constant, ast.List, ast.Tuple)) and not rec(s)
                             for s in (node.left, node.right)) else [node]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [p for e in node.elts for p in rec(e)]
        if isinstance(node, ast.IfExp):
            return rec(node.body) + rec(node.orelse)
        if isinstance(node, ast.BoolOp):
            return [p for v in node.values for p in rec(v)]
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            return rec(node.elt)
        if isinstance(node, ast.DictComp):  # iterating a dict yields its keys
            return rec(node.key)
        if isinstance(node, ast.Subscript) and (self.constant(node.value) or isinstance(node.value, ast.Dict)
                                                 and not rec(ast.List(list(node.value.values)))):
            return []  # a value chosen from a fixed table
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, node.func.value
            if method == "join" and len(node.args) == 1:
                return rec(receiver) + rec(node.args[0])
            if method in ("replace", "strip", "lower", "upper"):
                return rec(receiver) + [p for a in node.args for p in rec(a)]
            if method == "get" and self.constant(receiver):
                return [p for a in node.args[1:] for p in rec(a)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            helper = self.values_of(node.func.id, scope) if scope is not None else None
            if helper and len(helper) == 1 and isinstance(helper[0][0], ast.Lambda):  # a local helper lambda
                params = {a.arg for a in helper[0][0].args.args}
                return [node] if [p for a in node.args for p in rec(a)] or self.unsafe(
                    helper[0][0].body, helper[0][0], seen | params) else []
            returned = self.returned(node.func.id, None)
            return [node] if returned is None or any(returned) else []
        if isinstance(node, ast.Name):
            if (self.constant(node) or node.id in seen
                    or (self.name, getattr(scope, "name", ""), node.id) in ALLOWED_SQL_NAMES):
                return []
            values = self.values_of(node.id, scope)
            if values is None or any(self.unsafe(v, s, seen | {node.id}) for v, s in values):
                return [node]
            return []
        return [node]

    def returned(self, name: str, index: int | None) -> list[bool] | None:
        """For a function of this module or imported from board: whether each text it returns (or the
        index-th item of each tuple it returns) is unsafe; None when it cannot be told."""
        module = (self if name in self.functions
                  else SqlCheck.of(self.imported[name][0]) if name in self.imported else None)
        func = module and module.functions.get(name if module is self else self.imported[name][1])
        if func is None:
            return None
        results = []
        for value in (n.value for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None):
            if index is not None:
                if not isinstance(value, ast.Tuple):
                    return None
                value = value.elts[index]
            results.append(bool(module.unsafe(value, func)))
        return results

    def values_of(self, name: str, scope) -> list[tuple] | None:
        """(expression, scope) for everything a local name is given, or None when it cannot be followed:
        a parameter, a tuple unpacked from unknown code, a loop over data that is not literal or constant."""
        values = []
        while scope is not None:
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        names = [getattr(e, "id", None) for e in getattr(target, "elts", [target])]
                        if name not in names:
                            continue
                        i = names.index(name)
                        if isinstance(target, ast.Name):
                            values.append((node.value, scope))
                        elif isinstance(node.value, ast.Tuple):
                            values.append((node.value.elts[i], scope))
                        elif (isinstance(node.value, ast.IfExp)
                              and all(isinstance(b, ast.Tuple) for b in (node.value.body, node.value.orelse))):
                            values += [(node.value.body.elts[i], scope), (node.value.orelse.elts[i], scope)]
                        elif isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
                            returned = self.returned(node.value.func.id, i)
                            if returned is None or any(returned):
                                return None
                            values.append((ast.Constant(""), scope))  # checked in that function
                        else:
                            return None
                elif isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == name:
                    values.append((node.value, scope))
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and node.func.attr in ("append", "extend", "insert")
                      and getattr(node.func.value, "id", None) == name):
                    values.append((node.args[-1], scope))
                elif isinstance(node, (ast.For, ast.comprehension)) and name in {
                        getattr(e, "id", None) for e in ast.walk(node.target)}:
                    if self.constant(node.iter) or (isinstance(node.iter, ast.Call) and self.constant(
                            getattr(node.iter.func, "value", None)) and getattr(node.iter.func, "attr", "") in (
                            "items", "keys", "values")):
                        values.append((ast.Constant(""), scope))  # an item of a module constant
                    elif isinstance(node.iter, ast.Name):
                        values.append((node.iter, scope))  # an item of a local list: its items are checked
                    elif isinstance(node.iter, (ast.Tuple, ast.List)):
                        names = [getattr(e, "id", None) for e in getattr(node.target, "elts", [node.target])]
                        i = names.index(name)
                        values += [(item.elts[i] if isinstance(node.target, ast.Tuple) else item, scope)
                                   for item in node.iter.elts]
                    else:
                        return None
            arguments = getattr(scope, "args", None)
            if arguments and name in {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}:
                return None
            if values:
                return values
            scope = self.scope_of(scope)
        return None


BAD_SQL = '''
from board.store import Conn
TABLES = {"a": "suggestions"}

def quoted(con, text):
    return con.rows(f"SELECT * FROM suggestions WHERE title = '{text}'")

def added(con, person):
    con.execute("DELETE FROM people WHERE name = '" + person.name + "'")

def percent(con, email):
    sql = "SELECT * FROM people WHERE email = '%s'" % email
    return con.one(sql)

def formatted(con, x):
    return con.scalar("SELECT {}".format(x))

def joined(con, words):
    where = ["TRUE"]
    for word in words:
        where.append(f"title LIKE '%{word}%'")
    return con.rows("SELECT * FROM suggestions WHERE " + " AND ".join(where))

def scope(viewer):
    if viewer.role == "leader":
        return "TRUE", ()
    return f"s.office_id = {viewer.office_id}", ()

def scoped(con, viewer):
    condition, params = scope(viewer)
    return con.rows(f"SELECT * FROM suggestions s WHERE {condition}", params)

def helper(con, text):
    days = lambda column: f"epoch({column} - created_at)"
    return con.rows(f"SELECT {days(text)} FROM suggestions")

def fine(con, text, table):
    days = lambda column: f"epoch({column} - created_at)"
    con.rows(f"SELECT {days('resolved_at')} FROM suggestions")
    where = " AND ".join(["title = ?"] * 2)
    return con.rows(f"SELECT * FROM {TABLES[table]} WHERE {where} AND id IN ({', '.join('?' * 3)})", (text,))
'''


def test_sql_check_flags_values_formatted_into_sql():
    flagged = {function for function, _ in SqlCheck(BOARD / "sample.py", BAD_SQL).findings()}
    assert flagged == {"quoted", "added", "percent", "formatted", "joined", "scoped", "helper"}


def test_every_sql_statement_is_parameterised():
    found = [(p.relative_to(BOARD).as_posix(), function, expression) for p in sorted(BOARD.rglob("*.py"))
             for function, expression in SqlCheck.of(p).findings()]
    assert found == [], "SQL built from values; pass them as ? parameters (or explain in ALLOWED_SQL_NAMES)"


def test_allowed_sql_names_are_all_still_needed():
    """An allow-list entry that no longer matches code would silently widen what passes."""
    for file, function, name in ALLOWED_SQL_NAMES:
        module = SqlCheck.of(BOARD / file)
        assert any(isinstance(n, ast.expr) and ast.unparse(n) == name
                   and getattr(module.scope_of(n), "name", "") == function
                   for n in ast.walk(module.tree)), (file, function, name)
