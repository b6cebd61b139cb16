"""My account: the language the board speaks to me in, which notifications reach me and how, a copy of my personal
data, and changing my own password (built-in accounts), with the current one; admins only reset others'."""

from functools import partial

import streamlit as st

from board import i18n
from board.errors import Invalid
from board.i18n import _
from board.notify import kinds, preferences
from board.org import accounts, people, personal_data, settings
from board.web.ui import forms, session

person = session.page_person("account")
db = session.store()
st.title(_("My account"))
st.text(f"{person.name}, {person.email}")  # plain text: a name is never markdown


st.subheader(_("Notifications"))
timing = settings.load(db)
hour = _("midnight") if timing.digest_hour == 0 else f"{timing.digest_hour:02d}:00"
st.caption(_("Sent by email to the address above; a daily digest comes once a day at {hour} ({zone} time). "
             "Anonymous suggestions are never followed by email: use Follow with a code.",
             hour=hour, zone=timing.time_zone.replace("_", " ")))
def _mode_words(words: dict[str, str], mode: str) -> str:
    return _(words[mode])


chosen = forms.attempt(lambda: preferences.get(db, person)).or_stop()
notify_form = forms.Form("notifications")
with st.form("notifications"):
    modes: dict[str, str] = {}
    for kind in kinds.ROLE_KINDS.get(person.role, ()):
        allowed: list[str] = list(kinds.allowed_modes(kind))
        current = chosen.get(kind)  # their choice, or their role's default
        words = kinds.mode_words(kind)
        picked = st.radio(_(kinds.KINDS[kind]), allowed, index=allowed.index(current) if current in allowed else 0,
                          format_func=partial(_mode_words, words), horizontal=True, key=f"notify_{kind}")
        if picked is not None:  # a radio with an index always has one
            modes[kind] = picked
        notify_form.field_error(kind)
    if st.form_submit_button(_("Save notifications"), type="primary") and notify_form.attempt(
            lambda: preferences.save(db, person, modes)):
        st.session_state["account__notifications_saved"] = True
        st.rerun()  # draw the choices again from what was saved
if st.session_state.pop("account__notifications_saved", False):
    st.success(_("Notification choices saved."))

st.subheader(_("Your personal data"))
st.caption(_("A copy of everything stored about you: your account, suggestions, comments, +1s, minutes, actions, "
             "sign-ins, notification choices and messages. Anonymous suggestions and pulse answers are not in it: "
             "nothing stored links them to you."))
copy_key = f"account__export_{person.id}"  # the prepared copy stays for this person's session only
if st.button(_("Prepare a copy of my data")) and (made := forms.attempt(
        lambda: personal_data.export(db, person, person.id))):
    st.session_state[copy_key] = {"json": made.value.json(), "zip": made.value.csv_zip(), "name": made.value.file_stem}
if copy := st.session_state.get(copy_key):
    st.download_button(_("Download as JSON"), copy["json"], f"{copy['name']}.json", "application/json",
                       on_click="ignore")
    st.download_button(_("Download as CSV files (zip)"), copy["zip"], f"{copy['name']}.zip", "application/zip",
                       on_click="ignore")

BROWSER = ""  # the option "Your browser's language": no choice of their own (stored as NULL)


def language_label(locale: str) -> str:
    """A language by its own name; the browser's, in the page's language."""
    return _("Your browser's language") if locale == BROWSER else i18n.language_name(locale)


st.subheader(_("Language"))
# The languages the board speaks; a tester's pseudo-locale stays on the list while it is theirs.
languages = [BROWSER, *i18n.SHIPPED, *([person.locale] if person.locale in i18n.KNOWN and
                                        person.locale not in i18n.SHIPPED else [])]
saved_language = person.locale if person.locale in languages else BROWSER
language = st.selectbox(_("Language"), languages, index=languages.index(saved_language), format_func=language_label,
                        key=f"account__language_{saved_language or 'browser'}", label_visibility="collapsed")
language_form = forms.Form("language")
language_form.field_error("locale")
if language != saved_language and language_form.attempt(
        lambda: people.set_locale(db, person, language or None)):
    st.session_state["account__language_saved"] = True
    st.rerun()  # the page again, in the language chosen
if st.session_state.pop("account__language_saved", False):
    st.success(_("Language saved."))
st.caption(_("Times are shown in {zone}.", zone=i18n.zone_description()))

if session.auth_config() is not None:
    st.info(_("You sign in with your company account: its password is managed by the company, not here."))
    st.stop()

st.subheader(_("Change your password"))
form = forms.Form("change_password")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input(_("Current password"), type="password", max_chars=1024, autocomplete="current-password")
    form.field_error("current")
    new = st.text_input(_("New password (at least {n} characters)", n=accounts.MIN_PASSWORD), type="password",
                        max_chars=1024, autocomplete="new-password")
    form.field_error("new")
    again = st.text_input(_("Repeat the new password"), type="password", max_chars=1024, autocomplete="new-password")
    form.field_error("again")
    submitted = st.form_submit_button(_("Change password"), type="primary")


def change() -> None:
    if new != again:
        raise Invalid({"again": _("The two new passwords differ.")})
    accounts.change_own_password(session.store(), person, current, new, keep_token=session.current_token(),
                                 address=session.client_address())


if submitted and form.attempt(change):
    st.session_state["account__changed"] = True
    st.rerun()
if st.session_state.pop("account__changed", False):
    st.success(_("Password changed. Your other sessions have ended; this one stays signed in."))
