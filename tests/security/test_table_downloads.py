"""Every table is safe to download: Streamlit's own CSV download and copy hand a spreadsheet the cells exactly
as the page sent them, so text that a spreadsheet would run as a formula (starting with = + - @, tab or CR)
arrives neutralised by board.export's rule, on every page that shows text from a person or an import; numbers
stay numbers. The pages are read from one demo organisation with hostile text planted everywhere."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from board import demo
from board import store as db
from board.org import people
from board.reporting.export import FORMULA_STARTS
from tests.support.pages import open_page

EMAIL = {role: email for role, (email, _) in demo.KNOWN.items()}  # the known demo people
TITLE = '=HYPERLINK("http://evil.example","open")'
PLANT = (  # each kind of text a table shows, made to start like a formula
    ("INSERT INTO teams (office_id, name) SELECT min(id), 'Night shift' FROM offices", ()),  # with no manager yet
    ("UPDATE suggestions SET title = ?", (TITLE,)),
    ("UPDATE suggestion_events SET note = '@SUM(1+1) ' || note WHERE note <> ''", ()),
    ("UPDATE action_items SET description = '+' || description", ()),
    ("UPDATE people SET name = '@' || name", ()),
    ("UPDATE teams SET name = '=' || name", ()),
    ("UPDATE offices SET name = '-' || name", ()),
    ("UPDATE regions SET name = '+' || name", ()),
    ("UPDATE pulse_responses SET comment = '=' || comment WHERE comment <> ''", ()),
    ("UPDATE audit_log SET detail = '-' || detail", ()),
)


# --- one planted demo organisation per backend, shared by the module's tests (which only read it) ------------

@pytest.fixture(scope="module")
def _planted_databases():
    made = {}  # backend -> (path or URL, cleanup)
    yield made
    for _, cleanup in made.values():
        cleanup()


def _plant(request, backend: str, tmp_path_factory):
    if backend == "postgres":
        cluster, templates = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_templates")
        name = cluster.fresh_name()
        target = cluster.create(name, templates.get("demo"))
    else:
        target = tmp_path_factory.mktemp("planted") / "board.duckdb"
        shutil.copy(request.getfixturevalue("demo_template"), target)

    def cleanup() -> None:
        db.close_store(target)
        if backend == "postgres":
            cluster.drop(name)

    db.open_store(target).write(lambda con: [con.execute(sql, params) for sql, params in PLANT])
    return target, cleanup


@pytest.fixture
def planted(request, backend, monkeypatch, tmp_path_factory, _planted_databases):
    """The demo organisation with hostile text in every table's sources; BOARD_DB or BOARD_DATABASE_URL points
    at it. Pages may close a due pulse period or start a session in it, which no test here depends on."""
    if backend not in _planted_databases:
        _planted_databases[backend] = _plant(request, backend, tmp_path_factory)
    target = _planted_databases[backend][0]
    if backend == "postgres":
        monkeypatch.setenv("BOARD_DATABASE_URL", target)
    else:
        monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
        monkeypatch.setenv("BOARD_DB", str(target))
    return db.open_store(target)


def cells(frame: pd.DataFrame) -> list:
    """Everything a download or copy of the table holds: column names, index labels (every level), values."""
    labels = [part for label in frame.index for part in (label if isinstance(label, tuple) else (label,))]
    return [*frame.columns, *labels, *frame.to_numpy().ravel()]


def formulas(at: AppTest) -> list[str]:
    """Cells of any table on the page that a spreadsheet would run as a formula."""
    return [c for d in at.dataframe for c in cells(d.value) if isinstance(c, str) and c.startswith(FORMULA_STARTS)]


def header(name) -> str:
    """A column's name however the page words its header ("on_time", "On time" and "on time" are one)."""
    return str(name).replace("_", " ").strip().lower()


def has(frame: pd.DataFrame, name: str) -> bool:
    return header(name) in {header(c) for c in frame.columns}


def values(frame: pd.DataFrame, name: str) -> list:
    """The cells of one column of a table, found by its name as header() reads it."""
    return [v for c in frame.columns if header(c) == header(name) for v in frame[c]]


def column(at: AppTest, name: str) -> list:
    """The values of a column, from every table on the page that has it."""
    return [v for d in at.dataframe for v in values(d.value, name)]


def assert_neutralised(at: AppTest, expected: dict[str, str]) -> None:
    """No cell would run as a formula, and each column shows planted text with its apostrophe (the page did
    show user text, so the check is not vacuous)."""
    assert formulas(at) == []
    for name, start in expected.items():
        assert any(str(v).startswith(start) for v in column(at, name)), (name, column(at, name)[:3])


# --- each page that shows user or imported text in a table ---------------------------------------------------

PAGES = {  # page: (role, {column: how a planted cell starts once neutralised})
    # Browse, My suggestions, the Inbox, Triage and the list of minutes show typed text in cards of st.text lines
    # (tests/security/test_hostile.py shows it is plain text there); these pages keep a table.
    "people": ("manager", {"name": "'@", "team": "'=", "office": "'-", "region": "'+"}),
    "my_actions": ("leader", {"Unit": "'="}),  # the open actions of each unit; the actions themselves are cards
    "review": ("regional_manager", {"unit": "'=", "chair": "'@"}),
    # Home: the offices, the teams without a manager, the recent changes
    "home": ("admin", {"Region": "'+", "Office": "'-", "Team": "'=", "Details": "'-"}),
    "admin_people": ("admin", {"name": "'@", "team": "'=", "office": "'-"}),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_pages_tables_neutralise_planted_formulas(planted, page):
    role, expected = PAGES[page]
    assert_neutralised(open_page(planted, EMAIL[role], page), expected)


def test_the_office_overview_neutralises_offices_in_its_figures_and_as_row_labels(planted):
    at = open_page(planted, EMAIL["leader"], "overview")
    assert_neutralised(at, {"Region": "'+", "Office": "'-"})
    pivot = next(d.value for d in at.dataframe if not has(d.value, "Month"))
    assert all(v.startswith("'-") for v in values(pivot, "Office"))


@pytest.mark.slow
def test_dashboard_drill_downs_the_morale_table_and_the_newest_list_neutralise_formulas(planted):
    at = open_page(planted, EMAIL["leader"], "dashboard")
    assert_neutralised(at, {"group": "'+"})  # morale by region, the first tab
    enps = [v for v in column(at, "eNPS") if not str(v).startswith("fewer than")]
    assert any(float(v) < 0 for v in enps) and not any(str(v).startswith("'") for v in enps)  # numbers as numbers
    at.session_state["dashboard_tab"] = "Suggestions"  # as a click on it: each tab is computed when open
    at.run()
    assert_neutralised(at, {"title": "'" + TITLE})  # newest suggestions
    drills = {  # the drill-down: its tab, a column only its table has, a column of planted text, how it starts
        "drill_status": ("Suggestions", "author", "title", "'" + TITLE),
        "drill_office and month": ("Minutes", "review", "office", "'-"),
        "drill_actions due in the month": ("Minutes", "on_time", "description", "'+"),
    }
    for key, (tab, marker, name, start) in drills.items():
        if at.session_state["dashboard_tab"] != tab:
            at.session_state["dashboard_tab"] = tab
            at.run()
        at.selectbox(key=key).select_index(1).run()
        assert not at.exception
        listed = next(d.value for d in at.dataframe if has(d.value, marker))
        assert any(str(v).startswith(start) for v in values(listed, name)), key
        assert formulas(at) == []


def test_pulse_comments_are_neutralised(planted):
    at = open_page(planted, EMAIL["regional_manager"], "pulse")

    def picker():
        return next(s for s in at.selectbox if s.label == "Group and period")

    for index in reversed(range(len(picker().options))):  # the newest period first, as the page opens
        picker().select_index(index).run()
        comments = column(at, "Comment")
        if comments:
            break
    assert comments and all(c.startswith("'=") for c in comments)
    assert any(str(g).startswith(("'+", "'-", "'=")) for g in column(at, "Group"))  # a region, office or team
    assert formulas(at) == []


def test_roster_preview_neutralises_names_from_the_uploaded_file(planted):
    at = open_page(planted, EMAIL["admin"], "admin_roster")
    admin = people.find_by_email(planted, demo.KNOWN["admin"][0])
    row = f"new.person@example.com,=HYPERLINK(1),staff,{admin.region},{admin.office},{admin.team},\n"
    at.file_uploader(key="roster_file").upload("roster.csv", f"email,name,role,region,office,team,manages\n{row}"
                                                             .encode(), "text/csv")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "'=HYPERLINK(1)" in column(at, "name")
    assert formulas(at) == []


# --- the helper itself -----------------------------------------------------------------------------------------

def _helper_page():
    import pandas as pd

    from board.web.ui.tables import table

    table(pd.DataFrame({"text": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "plain", None],
                        "number": [-3, 0, 2, -1, 5, 6, 7, 8],
                        "figure": pd.Series([-20, "fewer than 5", 3.5, None, -1, 0, 1, 2], dtype=object)}),
          hide_index=True)
    table([{"=heading": "@mention", "when": pd.Timestamp("2026-01-05")}])


def test_the_helper_prefixes_formula_text_and_sends_numbers_and_dates_unchanged():
    at = AppTest.from_function(_helper_page, default_timeout=30).run()
    assert not at.exception
    first, second = at.dataframe[0].value, at.dataframe[1].value
    assert values(first, "text")[:7] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx", "plain"]
    assert pd.isna(values(first, "text")[7])
    number = first[next(c for c in first.columns if header(c) == "number")]
    assert pd.api.types.is_integer_dtype(number) and list(number[:2]) == [-3, 0]
    assert values(first, "figure")[:3] == ["-20", "fewer than 5", "3.5"]  # mixed: text, but never "'-20"
    assert [header(c) for c in second.columns] == ["'=heading", "when"]  # a header is neutralised too
    assert values(second, "'=heading") == ["'@mention"]
    assert pd.api.types.is_datetime64_any_dtype(second[next(c for c in second.columns if header(c) == "when")])
