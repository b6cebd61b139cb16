"""Raising a suggestion through the real page (AppTest): validation, similar ones first, named or anonymous."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from board.feedback import suggestions as sg
from tests.support.pages import open_page
from tests.support.suggestions import submit


def fill_raise_form(at: AppTest, title: str, description: str) -> None:
    at.text_input(key="raise_title").input(title)
    at.text_area(key="raise_description").input(description)
    at.button(key="FormSubmitter:raise_form-Continue").click().run()


def test_invalid_input_is_shown_beside_the_field_and_nothing_is_saved(org_store, known):
    at = open_page(org_store, known["staff"], "raise")
    fill_raise_form(at, "ab", "short")
    errors = [e.value for e in at.error]
    assert any("3 to 120 characters" in e for e in errors) and any("10 to 5000" in e for e in errors)
    assert sg.mine(org_store, known["staff"]) == []


def test_similar_suggestions_are_offered_before_saving_and_plus_one_instead(org_store, known):
    original = submit(org_store, known["manager"], key="orig").id
    at = open_page(org_store, known["staff"], "raise")
    fill_raise_form(at, "Refunds under 20 dollars are too slow", "Customers wait ten days for small refunds approval.")
    assert any(f"#{original}" in t.value for t in at.text)
    at.button(key=f"plus_{original}").click().run()
    assert sg.get(org_store, known["staff"], original)["votes"] == 1
    assert sg.mine(org_store, known["staff"]) == []
