"""The translation catalogues (issue 17, "Languages"): the template holds every text the code marks, each shipped
language translates every one of them (no empty, no fuzzy entry, the same placeholders), and no text is built in a
way the catalogue cannot hold (an f-string or a concatenation inside _())."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from board import i18n
from tests.support.paths import REPO

BOARD = REPO / "board"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
TRANSLATED = [locale for locale in i18n.SHIPPED if locale != i18n.SOURCE]
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


Key = tuple[str | None, str | tuple[str, ...]]  # (context, the text or its singular and plural)


def _key(context, message) -> Key:
    return context or None, message if isinstance(message, str) else tuple(message)


def _code_texts() -> set[Key]:
    """Every text marked in the code, extracted as `make catalogues` does (board/locale/babel.cfg)."""
    return {_key(context, message) for _filename, _line, message, _comments, context in extract_from_dir(
            str(BOARD), method_map=[("**.py", "python")], keywords=KEYWORDS)}


def _catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set[Key]:
    return {_key(message.context, message.id) for message in catalog if message.id}


@pytest.fixture(scope="module")
def code_texts():
    return _code_texts()


def test_the_template_holds_every_text_the_code_marks_and_no_other(code_texts):
    template = _ids(_catalogue(i18n.LOCALE_DIR / "messages.pot"))
    missing, stale = code_texts - template, template - code_texts
    assert not missing and not stale, (
        "board/locale/messages.pot is out of step with the code: run `make catalogues`, then translate.\n"
        f"Not in the template ({len(missing)}): {sorted(map(str, missing))[:20]}\n"
        f"No longer in the code ({len(stale)}): {sorted(map(str, stale))[:20]}")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_shipped_language_translates_every_text_with_the_same_placeholders(code_texts, locale):
    catalog = _catalogue(i18n.po_path(locale))
    entries = {_key(message.context, message.id): message for message in catalog if message.id}
    problems = []
    for text in sorted(code_texts, key=str):
        entry = entries.get(text)
        if entry is None:
            problems.append(f"missing: {text!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy (a guess nobody checked): {text!r}")
        forms = list(entry.string) if isinstance(entry.string, (list, tuple)) else [entry.string]
        if isinstance(text[1], tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms, {locale} has {catalog.num_plurals}: {text!r}")
        if not all(forms):
            problems.append(f"untranslated: {text!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(text[1]) if isinstance(text[1], tuple) else text[1]))
        for form in forms:
            got = set(PLACEHOLDER.findall(form))
            # a plural form may leave {n} out ("one suggestion"); every other placeholder stays
            if got - wanted or (wanted - {"n"}) - got:
                problems.append(f"placeholders {sorted(got)} instead of {sorted(wanted)}: {text!r} -> {form!r}")
    assert not problems, f"{locale}: {len(problems)} catalogue problems:\n" + "\n".join(problems[:40])


def test_every_shipped_catalogue_compiles_and_translates_at_run_time():
    for locale in TRANSLATED:
        i18n._translations.cache_clear()
        catalog = _catalogue(i18n.po_path(locale))
        sample = next(message for message in catalog if message.id and isinstance(message.id, str)
                      and message.string and "{" not in message.id)
        with i18n.using(locale):
            assert i18n._(sample.id) == sample.string


def _marked_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS and node.args:
            yield node


def test_no_text_is_built_where_the_catalogue_cannot_hold_it():
    """_(f"...") or _("a" + b) would look a text up that no catalogue holds: the page would stay in English."""
    found = []
    for path in sorted(BOARD.rglob("*.py")):
        for call in _marked_calls(ast.parse(path.read_text(encoding="utf-8"))):
            for argument in call.args[:2 if call.func.id in ("ngettext", "pgettext") else 1]:
                if isinstance(argument, (ast.JoinedStr, ast.BinOp)):
                    found.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert not found, "texts built inside _()/ngettext(): " + ", ".join(found)
