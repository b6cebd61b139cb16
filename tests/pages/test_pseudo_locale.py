"""No text escapes translation (issue 17, "Languages"): every page, as every role that may open it, drawn in the
pseudo-locale (board.i18n.PSEUDO: every translated text comes out accented and bracketed) shows no plain English
word of its own. What is left after taking out what is not ours to translate is a text that bypassed the catalogue.

Not ours to translate, and taken out before looking: what people and the organisation wrote (every text stored in
the database: titles, replies, names of people, teams, offices, categories), dates and times (Babel writes the
pseudo-locale's dates as English does), numbers, links and e-mail addresses, and Streamlit's own widget texts
(STREAMLIT below, each the framework's, drawn inside its widgets)."""

from __future__ import annotations

import json
import re
from zoneinfo import available_timezones

import pytest

from board import i18n
from board.org.access import PAGE_ROLES, ROLES
from tests.support.pages import open_page
from tests.support.readable import demo_items, pieces, visits

ITEM_VISITS = ("suggestion?id", "suggestion?id (anonymous)", "minutes?id", "action?id", "playbook?entry")
VISIT_NAMES = (*PAGE_ROLES, *ITEM_VISITS)

# Streamlit's own texts inside its widgets: not in our code, not in our catalogue.
STREAMLIT = ("Choose an option", "Choose options", "No options to select", "Drag and drop file here",
             "Drag and drop files here", "Browse files", "Limit 200MB per file", "Press Enter to apply",
             "Press Enter to submit form", "Press ⌘+Enter to apply", "Press Ctrl+Enter to apply")
MONTH = ("(?:January|February|March|April|May|June|July|August|September|October|November|December"
         "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")  # Babel writes the pseudo-locale's dates as English does
# Time zones by their IANA names (an admin chooses one): identifiers, the same in every language.
ZONES = frozenset(available_timezones())
# Each language by its own name, in every language (a person looks for theirs): never translated.
LANGUAGES = tuple(sorted(i18n.NAMES.values(), key=len, reverse=True))
PSEUDO_TEXT = re.compile(re.escape(i18n.PSEUDO_OPEN) + r".*?" + re.escape(i18n.PSEUDO_CLOSE), re.DOTALL)
DATES = [
    re.compile(rf"\b\d{{1,2}} {MONTH} \d{{4}}( \d{{2}}:\d{{2}}( UTC([+-]\d+(:\d+)?)?)?)?"),
    re.compile(rf"\b{MONTH} \d{{4}}\b"),  # a month ("Dec 2026")
    re.compile(rf"\b\d{{2}} {MONTH}\b"),  # a day in a weekday's date ("Monday 07 Dec")
]
NOT_WORDS = [
    re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),  # Babel's weekday names
    re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"\b(suggestion|minutes|action|review|playbook)\?(id|entry)=[\w-]+"),
    re.compile(r":material/\w+:"),
    re.compile(r"\bUTC\b|\bCSV\b|\bJSON\b|\bZIP\b|\bSLA\b|\beNPS\b|\bFrontline Board\b|\bMicrosoft Teams\b|\bSlack\b"),
]
WORD = re.compile(r"[A-Za-z]{2,}")


def _json_texts(value: str) -> list[str]:
    """The texts inside a stored JSON value (the settings: categories' names per language, admin-written); not its
    keys ("es", "id"), which would cut words in two."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return []
    found: list[str] = []
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and len(item) >= 3:
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _stored_texts(store) -> list[str]:
    """Every text stored in the database, longest first (so a name is taken out before a word within it)."""
    found: set[str] = set()
    with store.read() as con:
        tables = con.rows("SELECT table_name AS t, column_name AS c FROM information_schema.columns"
                          " WHERE data_type IN ('VARCHAR', 'character varying', 'text')"
                          " AND table_schema NOT IN ('information_schema', 'pg_catalog')")
        for row in tables:
            for value in con.rows(f'SELECT DISTINCT "{row["c"]}" AS v FROM "{row["t"]}"'):
                if isinstance(value["v"], str):  # texts with a word in them ("20" would cut a year in two)
                    found.update(text for text in (value["v"], *value["v"].splitlines(), *_json_texts(value["v"]))
                                 if WORD.search(text))
    return sorted(found, key=len, reverse=True)


def untranslated(text: str, stored: list[str]) -> list[str]:
    """The plain English words left in a shown text once the translated parts and everything not ours are out."""
    if text in ZONES:
        return []
    rest = PSEUDO_TEXT.sub(" ", text)
    for pattern in DATES:  # before what people wrote: a stored "20" must not cut a year in two
        rest = pattern.sub(" ", rest)
    if WORD.search(rest):
        for value in stored:
            if value in rest:
                rest = rest.replace(value, " ")
    for framework in (*STREAMLIT, *LANGUAGES):
        rest = rest.replace(framework, " ")
    for pattern in NOT_WORDS:
        rest = pattern.sub(" ", rest)
    return WORD.findall(rest)


@pytest.fixture
def pseudo_store(demo_store):
    """The demo organisation with everyone reading the app in the pseudo-locale (their own language setting)."""
    demo_store.write(lambda con: con.execute("UPDATE people SET locale = ?", (i18n.PSEUDO,)))
    return demo_store


@pytest.mark.duckdb_only("text on pages, the same on both databases")
@pytest.mark.parametrize("visit", VISIT_NAMES)
def test_every_page_in_the_pseudo_locale_shows_no_text_that_escaped_translation(pseudo_store, known, visit):
    stored = _stored_texts(pseudo_store)
    found: dict[str, list[str]] = {}
    for role in ROLES:
        if visit in PAGE_ROLES:
            chosen = [(visit, {})] if role in PAGE_ROLES[visit] else []
        else:
            chosen = [(page, query) for name, page, query in visits(role, demo_items(pseudo_store, known[role]))
                      if name == visit]
        for page, query in chosen:
            at = open_page(pseudo_store, known[role], page, query=query or None)
            shown = pieces(at)
            assert any(i18n.PSEUDO_OPEN in piece.text for piece in shown), f"{visit} as {role}: not in pseudo"
            for piece in shown:
                words = untranslated(piece.text, stored)
                if words:
                    found.setdefault(role, []).append(f"{piece.where}: {piece.text[:100]!r} -> {words[:6]}")
    assert not found, f"{visit}: text that bypassed the catalogue:\n" + "\n".join(
        f"  as {role}:\n" + "\n".join(f"    - {line}" for line in lines) for role, lines in found.items())


# --- the scan itself catches what it is for -------------------------------------------------------------------------

def test_the_scan_finds_an_untranslated_text_and_passes_a_translated_one():
    stored = ["Billing team", "Refund form is too long"]
    assert untranslated("Raise a suggestion", stored) == ["Raise", "suggestion"]
    assert untranslated(i18n.pseudo("Raise a suggestion"), stored) == []
    assert untranslated(f"{i18n.pseudo('Team')}: Billing team", stored) == []
    assert untranslated(f"Refund form is too long · {i18n.pseudo('raised')} 07 Dec 2026", stored) == []
    assert untranslated(f"{i18n.pseudo('Due')} 07 Dec 2026 14:05 UTC+8 · overdue", stored) == ["overdue"]
    assert untranslated("Drag and drop file here", stored) == []
