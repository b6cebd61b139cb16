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


TITLE, DESCRIPTION = "Refunds under 20 dollars are too slow", "Customers wait ten days for small refunds approval."


def links_to(at: AppTest) -> list[tuple[str, str]]:
    """(label, where it goes: the page's URL path and query) of every page link the page shows."""
    return [(link.proto.label, f"{link.proto.page}?{link.proto.query_string}".rstrip("?"))
            for link in at.get("page_link")]


def test_the_authors_own_suggestion_is_shown_as_theirs_with_a_link_and_no_plus_one(org_store, known):
    mine = submit(org_store, known["staff"], key="mine").id
    other = submit(org_store, known["manager"], key="other").id
    at = open_page(org_store, known["staff"], "raise")
    fill_raise_form(at, TITLE, DESCRIPTION)
    assert not [b for b in at.button if b.key == f"plus_{mine}"]
    assert [b for b in at.button if b.key == f"plus_{other}"]
    assert any("Yours" in c.value for c in at.caption)
    assert {(f"Open suggestion #{n}", f"suggestion?id={n}") for n in (mine, other)} <= set(links_to(at))


def test_a_suggestion_opened_with_its_code_in_this_session_is_not_offered_a_plus_one(org_store, known):
    other = submit(org_store, known["manager"], key="other").id
    at = open_page(org_store, known["staff"], "raise", state={"own_anonymous": {other}})
    fill_raise_form(at, TITLE, DESCRIPTION)
    assert not [b for b in at.button if b.key == f"plus_{other}"]
    assert any("Yours" in c.value for c in at.caption)


def test_a_plus_one_replaces_the_list_with_a_confirmation_and_a_link(org_store, known):
    original = submit(org_store, known["manager"], key="orig").id
    at = open_page(org_store, known["staff"], "raise")
    fill_raise_form(at, TITLE, DESCRIPTION)
    at.button(key=f"plus_{original}").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"+1 added to #{original}. You will see its updates in your Inbox."]
    assert not at.subheader and not [b for b in at.button if str(b.key).startswith("plus_")]
    assert not at.text_input and not any(f"#{original}" in t.value for t in at.text)  # no stale list or count
    assert (f"Open suggestion #{original}", f"suggestion?id={original}") in links_to(at)
    at.button(key=next(b.key for b in at.button if b.label == "Raise another")).click().run()
    assert at.text_input(key="raise_title").value == ""


def test_an_anonymous_submission_points_to_follow_with_a_code_not_my_suggestions(org_store, known):
    at = open_page(org_store, known["staff"], "raise")
    at.toggle(key="raise_anonymous").set_value(True).run()
    at.text_input(key="raise_title").input("Night shift handover has no checklist")
    at.text_area(key="raise_description").input("Handover notes get lost between the evening and night shift.")
    at.button(key="FormSubmitter:raise_form-Continue").click().run()
    assert not at.exception
    said = " ".join(str(m.value) for m in [*at.success, *at.warning])
    assert "Follow with a code" in said and "under My suggestions" not in said
    assert len(at.code) == 1 and len(at.code[0].value) >= 16  # the code, shown once
    assert ("Follow with a code", "follow") in links_to(at)


def test_a_named_submission_links_to_its_own_page(org_store, known):
    at = open_page(org_store, known["staff"], "raise")
    at.text_input(key="raise_title").input("Night shift handover has no checklist")
    at.text_area(key="raise_description").input("Handover notes get lost between the evening and night shift.")
    at.button(key="FormSubmitter:raise_form-Continue").click().run()
    [saved] = sg.mine(org_store, known["staff"])
    assert f"Saved as suggestion #{saved['id']}" in at.success[0].value
    assert (f"Open suggestion #{saved['id']}", f"suggestion?id={saved['id']}") in links_to(at)


def test_the_language_of_the_text_defaults_to_the_pages_and_is_stored_with_it(org_store, known):
    at = open_page(org_store, known["staff"], "raise")
    language = at.selectbox(key="raise_language")
    assert language.value == "en" and language.options == ["English", "Español", "Polski"]
    language.select("pl")
    at.text_input(key="raise_title").input("Night shift handover has no checklist")
    at.text_area(key="raise_description").input("Handover notes get lost between the evening and night shift.")
    at.button(key="FormSubmitter:raise_form-Continue").click().run()
    assert not at.exception
    [saved] = sg.mine(org_store, known["staff"])
    assert saved["language"] == "pl"
