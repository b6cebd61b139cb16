"""Settings (admins): anonymity threshold, acknowledgement SLA, categories, when notifications go out, how long
personal data is kept, each office's calendar (time zone, working days, holidays), the chat channels notifications
are posted to; and ending demo mode."""

from functools import partial

import streamlit as st

from board import demo
from board.i18n import N_, _
from board.notify import hooks
from board.org import people, settings
from board.web.ui import forms, languages_form, office_calendars, session
from board.web.ui.choose import select_or_none

RETENTION_HELP = {
    "sessions_kept_days": N_("Counted from when a sign-in ended (signed out, or expired)."),
    "throttle_kept_days": N_("The counts that slow down repeated wrong passwords and follow-up codes."),
    "audit_kept_days": N_("Who changed roles, settings and the roster, sign-in refusals, exports and erasures."),
    "outbox_kept_days": N_("Emails and chat posts sent, not sent or given up; waiting ones are always kept."),
}

admin = session.page_person("admin_settings")
db = session.store()
current = settings.load(db)
st.title(_("Settings"))

form = forms.Form("settings")
with st.form("settings"):
    st.subheader(_("Suggestions, pulse and sign-in"))
    k = st.number_input(_("Minimum group size for anonymous results (k)"), min_value=1, max_value=50,
                        value=current.anonymity_k, step=1,
                        help=_("No morale result is shown for fewer respondents. Never below {k}.", k=settings.MIN_K))
    form.field_error("anonymity_k")
    sla = st.number_input(_("Acknowledgement time (working days)"), min_value=1, max_value=60,
                          value=current.ack_sla_days, step=1,
                          help=_("After this, the author of an unacknowledged suggestion may escalate it."))
    form.field_error("ack_sla_days")
    categories = st.text_area(_("Suggestion categories, one per line"), value="\n".join(current.categories))
    form.field_error("categories")
    period = st.number_input(_("Pulse period (days)"), min_value=1, max_value=365, value=current.pulse_period_days,
                             step=1,
                             help=_("How often staff are asked the morale pulse. Takes effect with the next period."))
    form.field_error("pulse_period_days")
    days = st.number_input(_("Sign-in lasts (days)"), min_value=1, max_value=30, value=current.session_days, step=1,
                           help=_("Built-in accounts: a sign-in ends this many days after it began, however often it "
                                  "is used (and after 12 hours unused). Company sign-in (OIDC) follows its own rules."))
    form.field_error("session_days")
    st.subheader(_("Notifications"))
    zones = settings.time_zones()  # a saved zone that tzdata has since dropped is chosen again
    zone = st.selectbox(_("Time zone of the organisation"), zones,
                        index=zones.index(current.time_zone) if current.time_zone in zones else None,
                        help=_("Digests and reminders go out at these times in this zone."))
    form.field_error("time_zone")
    hour = st.selectbox(_("Digests are sent at"), range(24), index=current.digest_hour,
                        format_func=lambda h: _("Midnight") if h == 0 else f"{h:02d}:00",
                        help=_("Daily digests every day, weekly digests on the day below."))
    form.field_error("digest_hour")
    weekday = st.selectbox(_("Weekly digest day"), range(7), index=current.weekly_digest_day,
                           format_func=lambda d: _(settings.WEEKDAYS[d]))
    form.field_error("weekly_digest_day")
    steps = st.multiselect(_("Pulse reminders"), list(settings.REMINDER_STEPS), default=list(current.pulse_reminders),
                           format_func=lambda step: _(settings.REMINDER_STEPS[step]), placeholder=_("No reminders"),
                           help=_("Sent only to people who have not answered yet, never at weekends (moved to the "
                                  "Monday, or dropped if the period has ended). Nobody is told who has not answered."))
    form.field_error("pulse_reminders")
    st.subheader(_("Keeping personal data"))
    st.caption(_("Older rows are deleted once a day. What people wrote (suggestions, comments, minutes) is kept: it "
                 "is the organisation's history."))
    kept = {}
    for key, (label, low, high) in settings.RETENTION.items():
        kept[key] = st.number_input(_(label), min_value=low, max_value=high, value=getattr(current, key), step=1,
                                    help=_(RETENTION_HELP[key]))
        form.field_error(key)
    if st.form_submit_button(_("Save settings"), type="primary") and form.attempt(lambda: settings.save(
            db, admin, anonymity_k=int(k), ack_sla_days=int(sla), pulse_period_days=int(period), session_days=int(days),
            categories=[c for c in categories.splitlines() if c.strip()], time_zone=zone or "", digest_hour=int(hour),
            weekly_digest_day=int(weekday), pulse_reminders=tuple(steps),
            **{key: int(value) for key, value in kept.items()})):
        st.session_state["settings__saved"] = True
        st.rerun()  # draw the fields again from the saved settings
if st.session_state.pop("settings__saved", False):
    st.success(_("Settings saved."))

office_calendars.render(db, admin, current.time_zone)
languages_form.render(db, admin, current)

st.subheader(_("Chat channels"))
st.caption(_("New suggestions of an office or team are also posted to its Microsoft Teams or Slack channel, through "
             "the channel's incoming webhook. Only admins see these addresses, and only their beginning and end."))
channels = forms.attempt(lambda: hooks.listing(db, admin)).or_stop()
for channel in channels:
    with st.container(border=True):
        st.text(f"{hooks.SERVICES[channel['service']]} · {channel['place']}\n{channel['url']}")  # the URL masked
        if st.button(_("Remove"), key=f"remove_hook_{channel['id']}") \
                and forms.attempt(partial(hooks.remove, db, admin, channel["id"])):
            st.rerun()
if not channels:
    st.text(_("No chat channel yet."))

if st.session_state.pop("settings__hook_added", False):
    st.session_state["hook_url"] = ""  # before the field is drawn: the next channel starts empty
    st.success(_("Chat channel added."))
units = people.units(db)
offices = {u["office_id"]: f"{u['office']} ({u['region']})" for u in units}
hook_form = forms.Form("add_hook")
with st.container(border=True):
    st.markdown("**" + _("Add a chat channel") + "**")
    service = st.selectbox(_("Service"), list(hooks.SERVICES), format_func=lambda s: hooks.SERVICES[s],
                           key="hook_service")
    hook_form.field_error("service")
    office = st.selectbox(_("Office"), list(offices), format_func=lambda o: offices[o], key="hook_office")
    hook_form.field_error("office_id")
    teams = {u["team_id"]: u["team"] for u in units if u["office_id"] == office}
    team = select_or_none(st, _("Team"), teams, none=_("The whole office"), format_func=lambda t: teams[t],
                          key=f"hook_team_{office}")
    hook_form.field_error("team_id")
    url = st.text_input(_("Incoming webhook URL"), key="hook_url", max_chars=hooks.MAX_URL, type="password",
                        placeholder="https://...",
                        help=_(hooks.URL_HELP[service]) if service in hooks.URL_HELP else None)
    hook_form.field_error("url")
    if st.button(_("Add channel"), type="primary") and hook_form.attempt(
            lambda: hooks.add(db, admin, service, url, office, team)):
        st.session_state["settings__hook_added"] = True
        st.rerun()

if current.demo:
    st.subheader(_("Demo mode"))
    st.write(_("This database holds the demo organisation. Ending demo mode removes the demo people's passwords and "
               "hides them from the sign-in page."))
    if st.button(_("End demo mode")) and forms.attempt(lambda: demo.end_demo(db, admin)):
        st.rerun()
