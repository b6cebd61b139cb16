"""Settings (admins): anonymity threshold, acknowledgement SLA, categories; and ending demo mode."""

import streamlit as st

from board import demo
from board.org import settings
from board.web.ui import forms, session

admin = session.page_person("admin_settings")
db = session.store()
current = settings.load(db)
st.title("Settings")

form = forms.Form("settings")
with st.form("settings"):
    k = st.number_input("Minimum group size for anonymous results (k)", min_value=1, max_value=50,
                        value=current.anonymity_k, step=1,
                        help=f"No morale result is shown for fewer respondents. Never below {settings.MIN_K}.")
    form.field_error("anonymity_k")
    sla = st.number_input("Acknowledgement time (working days)", min_value=1, max_value=60,
                          value=current.ack_sla_days, step=1,
                          help="After this, the author of an unacknowledged suggestion may escalate it.")
    form.field_error("ack_sla_days")
    categories = st.text_area("Suggestion categories, one per line", value="\n".join(current.categories))
    form.field_error("categories")
    period = st.number_input("Pulse period (days)", min_value=1, max_value=365, value=current.pulse_period_days,
                             step=1,
                             help="How often staff are asked the morale pulse. Takes effect with the next period.")
    form.field_error("pulse_period_days")
    days = st.number_input("Sign-in lasts (days)", min_value=1, max_value=30, value=current.session_days, step=1,
                           help="Built-in accounts: a sign-in ends this many days after it began, however often it "
                                "is used (and after 12 hours unused). Company sign-in (OIDC) follows its own rules.")
    form.field_error("session_days")
    if st.form_submit_button("Save settings", type="primary") and form.attempt(lambda: settings.save(
            db, admin, anonymity_k=int(k), ack_sla_days=int(sla), pulse_period_days=int(period), session_days=int(days),
            categories=[c for c in categories.splitlines() if c.strip()])):
        st.session_state["settings__saved"] = True
        st.rerun()  # draw the fields again from the saved settings
if st.session_state.pop("settings__saved", False):
    st.success("Settings saved.")

if current.demo:
    st.subheader("Demo mode")
    st.write("This database holds the demo organisation. Ending demo mode removes the demo people's "
             "passwords and hides them from the sign-in page.")
    if st.button("End demo mode") and forms.attempt(lambda: demo.end_demo(db, admin)):
        st.rerun()
