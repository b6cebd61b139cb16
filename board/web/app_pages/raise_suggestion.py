"""Raise a suggestion or an anticipated problem: one short form, similar ones first, named or anonymous."""

import secrets
from functools import partial

import streamlit as st

from board import i18n
from board.errors import Invalid
from board.feedback import attachments, suggestions
from board.feedback.suggestions import Draft
from board.feedback.workflow import KINDS, LIKELIHOODS, STATUS_LABELS
from board.i18n import _, category_name, label, ngettext
from board.org import settings
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links, session

person = session.page_person("raise")
db = session.store()
config = settings.load(db)
state = st.session_state.setdefault("raise", {"key": secrets.token_hex(16), "stage": "edit"})
form = forms.Form("raise")
st.title(_("Raise a suggestion"))


def similar_if_valid(draft: Draft, uploads: list) -> list[dict]:
    """Similar open suggestions, once the draft and its files pass every check (nothing is saved before)."""
    errors = suggestions.validate(draft, config.categories)
    try:
        attachments.check_all(uploads, anonymous=draft.anonymous)
    except Invalid as refused:
        errors.update(refused.errors)
    if errors:
        raise Invalid(errors)
    return suggestions.similar(db, person, draft.title, draft.description)


def save(draft: Draft, uploads: list, language: str) -> None:
    saved = form.attempt(lambda: suggestions.submit(db, person, draft, categories=config.categories,
                                                    submission_key=state["key"], language=language))
    if not saved:  # the reason is shown; the form stays filled in
        state["stage"] = "edit"
        return
    # Keep the code of an anonymous suggestion in this session only, to show it once more after a retry.
    receipt = saved.value
    if uploads and not receipt.repeated:
        attached = forms.attempt(lambda: attachments.attach_with_code(db, person, receipt.code, uploads)
                                 if receipt.code else attachments.attach_to_suggestion(db, person, receipt.id, uploads))
        state["files_not_attached"] = not attached
    state.update(stage="done", id=receipt.id, held=receipt.held, anonymous=draft.anonymous,
                 code=receipt.code or state.get("code"))
    st.rerun()


def plus_one(suggestion_id: int) -> None:
    """+1 a similar suggestion instead of raising this one: the step gives way to a confirmation."""
    own = st.session_state.get("own_anonymous", set())
    added = forms.attempt(partial(suggestions.vote, db, person, suggestion_id, own_anonymous=own))
    if added:
        state.update(stage="voted", id=suggestion_id, added=added.value)
        st.rerun()


def start_again() -> None:
    """A fresh form with a new submission key."""
    for key in [k for k in st.session_state if str(k).startswith("raise_")]:
        del st.session_state[key]
    st.session_state["raise"] = {"key": secrets.token_hex(16), "stage": "edit"}


def show_similar(found: list[dict]) -> None:
    """One card per match (a phone shows them one under another): the title, its status and +1s, a link to its
    page, and a +1 button, except on the person's own (named, or opened with its code in this session)."""
    own_anonymous = st.session_state.get("own_anonymous", set())
    for row in found:
        with st.container(border=True):
            st.text(f"#{row['id']} {row['title']}")
            votes = (ngettext("{n} person +1'd it", "{n} people +1'd it", row["votes"]) if row["votes"]
                     else _("no +1s yet"))
            st.caption(f"{label(STATUS_LABELS, row['status'])} · {votes}")
            mine = row.get("own") or row["id"] in own_anonymous
            if mine:
                st.caption(_("Yours: you raised this one."))
            links.suggestion(row["id"], icon=":material/open_in_new:")
            if not mine:
                if st.button(_("+1 instead"), key=f"plus_{row['id']}", icon=":material/thumb_up:"):
                    plus_one(row["id"])


if state["stage"] == "voted":
    number = state["id"]
    if state.get("added"):
        st.success(_("+1 added to #{number}. You will see its updates in your Inbox.", number=number))
    else:
        st.success(_("You had already +1'd #{number}. You will see its updates in your Inbox.", number=number))
    links.suggestion(number, icon=":material/open_in_new:")
    st.page_link("app_pages/inbox.py", label=_("Inbox"), icon=":material/inbox:")
    if state.get("files_not_attached"):
        st.warning(_("Your suggestion was saved, but its files were not attached. Add them from its page, "
                     "or with your code under Follow with a code."))
    st.button(_("Raise another"), on_click=start_again, type="primary")
    st.stop()

if state["stage"] == "done":
    if state.get("anonymous"):
        st.success(_("Saved. Anonymous suggestions are passed on together, all at once, the day after they are "
                     "written, so nobody can tell from the time who wrote one. Until then only you can see it, "
                     "with the code below."))
        if state.get("code"):
            st.warning(_("Anonymous: nobody, including us, can link this suggestion to you. Keep this follow-up "
                         "code to see answers and reply: open Follow with a code and type it. It is shown only now "
                         "and cannot be recovered. My suggestions lists only those raised with your name."))
            st.code(state["code"], language=None)
        st.page_link("app_pages/follow.py", label=_("Follow with a code"), icon=":material/key:")
    else:
        st.success(_("Saved as suggestion #{number}. You will see its updates in your Inbox and under "
                     "My suggestions.", number=state["id"]))
        if state.get("id"):
            links.suggestion(state["id"], icon=":material/open_in_new:")
    if state.get("files_not_attached"):
        st.warning(_("Your suggestion was saved, but its files were not attached. Add them from its page, "
                     "or with your code under Follow with a code."))
    st.button(_("Raise another"), on_click=start_again, type="primary")
    st.stop()

kind = st.radio(_("What is it?"), list(KINDS), format_func=lambda value: label(KINDS, value), horizontal=True,
                key="raise_kind")
form.field_error("kind")
anonymous = st.toggle(_("Submit anonymously"), key="raise_anonymous",
                      help=_("Your name is stored nowhere; you get a code to follow the suggestion."))
office_level = False
if anonymous and suggestions.anonymity_at_risk(db, person, config.anonymity_k):
    st.warning(_("Your team has fewer than {k} people, so an anonymous suggestion routed to it could point at you. "
                 "Route it to your whole office instead?", k=config.anonymity_k))
    office_level = st.checkbox(_("Route it at office level"), value=True, key="raise_office_level")

# The page's language (the pseudo-locale is English) is the likeliest language of what the person writes.
page_language = i18n.SOURCE if i18n.current() == i18n.PSEUDO else i18n.current()

with st.form("raise_form"):
    category = st.selectbox(_("Category"), config.categories, key="raise_category", format_func=category_name)
    form.field_error("category")
    title = st.text_input(_("Title"), max_chars=suggestions.TITLE[1], key="raise_title",
                          placeholder=_("One line: what should change, or what could go wrong"))
    form.field_error("title")
    description = st.text_area(_("Description"), max_chars=suggestions.DESCRIPTION[1], key="raise_description")
    form.field_error("description")
    likelihood = None
    if kind == "anticipated_problem":
        likelihood = st.radio(_("How real is it?"), list(LIKELIHOODS), format_func=lambda value: label(
            LIKELIHOODS, value), horizontal=True, index=None, key="raise_likelihood")
        form.field_error("likelihood")
    impact = st.text_area(_("Customer impact (optional)"), max_chars=suggestions.LONG_TEXT, key="raise_impact")
    form.field_error("customer_impact")
    solution = st.text_area(_("Proposed solution (optional)"), max_chars=suggestions.LONG_TEXT,
                            key="raise_solution")
    form.field_error("proposed_solution")
    language = st.selectbox(_("Language of your text"), i18n.SHIPPED, format_func=i18n.language_name,
                            index=i18n.SHIPPED.index(page_language) if page_language in i18n.SHIPPED else 0,
                            key="raise_language")
    form.field_error("language")
    uploads = attachment_ui.uploader("raise_files", anonymous=anonymous)
    form.field_error(attachments.FIELD)
    continued = st.form_submit_button(_("Continue"), type="primary")

draft = Draft(kind=kind, category=category, title=title, description=description, customer_impact=impact,
              proposed_solution=solution, likelihood=likelihood, anonymous=anonymous, office_level=office_level)
if continued and (found := form.attempt(lambda: similar_if_valid(draft, uploads))):
    state.update(stage="similar", similar=found.value)
    if not found.value:
        save(draft, uploads, language)

if state["stage"] == "similar":
    st.subheader(_("Is it one of these?"))
    st.write(_("These open suggestions in your office look similar. +1 one of them instead, or submit yours."))
    show_similar(state["similar"])
    if st.button(_("Submit mine anyway"), type="primary"):
        save(draft, uploads, language)
