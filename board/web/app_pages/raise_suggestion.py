"""Raise a suggestion or an anticipated problem: one short form, similar ones first, named or anonymous."""

import secrets

import streamlit as st

from board.feedback import suggestions
from board.org import settings
from board.errors import BoardError, Invalid
from board.feedback.suggestions import Draft
from board.web.ui import session
from board.web.ui.forms import field_error, set_errors
from board.feedback.workflow import KINDS, LIKELIHOODS

person = session.page_person("raise")
db = session.store()
config = settings.load(db)
state = st.session_state.setdefault("raise", {"key": secrets.token_hex(16), "stage": "edit"})
st.title("Raise a suggestion")


def save(draft: Draft) -> None:
    try:
        receipt = suggestions.submit(db, person, draft, categories=config.categories, submission_key=state["key"])
    except Invalid as error:
        set_errors("raise", error.errors)
        state["stage"] = "edit"
        st.rerun()
    # Keep the code of an anonymous suggestion in this session only, to show it once more after a retry.
    state.update(stage="done", id=receipt.id, held=receipt.held, code=receipt.code or state.get("code"))
    st.rerun()


def start_again() -> None:
    """A fresh form with a new submission key."""
    for key in [k for k in st.session_state if str(k).startswith("raise_")]:
        del st.session_state[key]
    st.session_state["raise"] = {"key": secrets.token_hex(16), "stage": "edit"}


if state["stage"] == "done":
    if state.get("held"):
        st.success("Saved. Anonymous suggestions are passed on together, all at once, the day after they are "
                   "written, so nobody can tell from the time who wrote one. Until then only you can see it, "
                   "with the code below.")
    else:
        st.success(f"Saved as suggestion #{state['id']}." + ("" if state.get("code") else
                                                              " You can follow it under My suggestions."))
    if state.get("code"):
        st.warning("Anonymous: nobody, including us, can link this suggestion to you. Keep this follow-up code "
                   "to see answers and reply. It is shown only now and cannot be recovered.")
        st.code(state["code"], language=None)
    st.button("Raise another", on_click=start_again)
    st.stop()

kind = st.radio("What is it?", list(KINDS), format_func=KINDS.get, horizontal=True, key="raise_kind")
anonymous = st.toggle("Submit anonymously", key="raise_anonymous",
                      help="Your name is stored nowhere; you get a code to follow the suggestion.")
office_level = False
if anonymous and suggestions.anonymity_at_risk(db, person, config.anonymity_k):
    st.warning(f"Your team has fewer than {config.anonymity_k} people, so an anonymous suggestion routed to it "
               "could point at you. Route it to your whole office instead?")
    office_level = st.checkbox("Route it at office level", value=True, key="raise_office_level")

with st.form("raise_form"):
    category = st.selectbox("Category", config.categories, key="raise_category")
    field_error("raise", "category")
    title = st.text_input("Title", max_chars=suggestions.TITLE[1], key="raise_title",
                          placeholder="One line: what should change, or what could go wrong")
    field_error("raise", "title")
    description = st.text_area("Description", max_chars=suggestions.DESCRIPTION[1], key="raise_description")
    field_error("raise", "description")
    likelihood = None
    if kind == "anticipated_problem":
        likelihood = st.radio("How real is it?", list(LIKELIHOODS), format_func=LIKELIHOODS.get, horizontal=True,
                              index=None, key="raise_likelihood")
        field_error("raise", "likelihood")
    impact = st.text_area("Customer impact (optional)", max_chars=suggestions.LONG_TEXT, key="raise_impact")
    field_error("raise", "customer_impact")
    solution = st.text_area("Proposed solution (optional)", max_chars=suggestions.LONG_TEXT, key="raise_solution")
    continued = st.form_submit_button("Continue", type="primary")

draft = Draft(kind, category, title, description, impact, solution, likelihood, anonymous, office_level)
if continued:
    errors = suggestions.validate(draft, config.categories)
    set_errors("raise", errors)
    if errors:
        st.rerun()
    state["similar"] = suggestions.similar(db, person, title, description)
    if not state["similar"]:
        save(draft)
    state["stage"] = "similar"

if state["stage"] == "similar":
    st.subheader("Is it one of these?")
    st.write("These open suggestions in your office look similar. +1 one of them instead, or submit yours.")
    for row in state["similar"]:
        left, right = st.columns([5, 1])
        left.text(f"#{row['id']} · {row['title']} · {row['votes']} +1")
        if right.button("+1 instead", key=f"plus_{row['id']}"):
            try:
                suggestions.vote(db, person, row["id"], own_anonymous=st.session_state.get("own_anonymous", set()))
                st.success(f"+1 added to #{row['id']}. You will see its updates in your inbox.")
                start_again()
            except BoardError as error:
                st.error(str(error) if not isinstance(error, Invalid) else next(iter(error.errors.values())))
    if st.button("Submit mine anyway", type="primary"):
        save(draft)
