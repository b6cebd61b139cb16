"""Settings > Office calendars (admins): each office's time zone and working week, the holiday CSV import (preview,
then confirm; errors by row) and the holidays of the coming year. The rules are board.org.calendar's."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st
from babel.dates import get_day_names

from board.i18n import _, babel_locale, format_day, today_in_zone
from board.org import calendar, settings
from board.org.access import Person
from board.web.ui import forms, tables
from board.web.ui.choose import select_or_none


def weekday(day: int) -> str:
    """A weekday's name (0 = Monday) in the viewer's language."""
    return get_day_names("wide", locale=babel_locale())[day]


def render(db, admin: Person, organisation_zone: str) -> None:
    st.subheader(_("Office calendars"))
    st.caption(_("Acknowledgement times, due dates, overdue marks and pulse periods follow each office's time zone, "
                 "working days and public holidays."))
    offices = {o["id"]: o for o in calendar.offices(db, admin)}
    if not offices:
        st.text(_("No office yet."))
        return
    chosen = st.selectbox(_("Office whose calendar to set"), list(offices), key="calendar_office",
                          format_func=lambda o: f"{offices[o]['name']} ({offices[o]['region']})")
    _office_form(db, admin, offices[chosen], organisation_zone)
    _holidays(db, admin)


def _office_form(db, admin: Person, office: dict, organisation_zone: str) -> None:
    form = forms.Form("office_calendar")
    with st.form(f"office_calendar_{office['id']}"):
        zone = select_or_none(st, _("Time zone"), settings.time_zones(), value=office["time_zone"],
                              none=_("The organisation's ({zone})", zone=organisation_zone))
        form.field_error("time_zone")
        days = st.multiselect(_("Working days"), list(range(7)), default=office["working_days"],
                              format_func=weekday, placeholder=_("Choose the working days"))
        form.field_error("working_days")
        if st.form_submit_button(_("Save this office's calendar")) and form.attempt(lambda: calendar.admin_save(
                db, admin, office["id"], time_zone=zone, working_days=days)):
            st.session_state["calendar__saved"] = office["name"]
            st.rerun()
    saved = st.session_state.pop("calendar__saved", None)
    if saved:
        st.success(_("Saved the calendar of {office}.", office=saved))


def _holidays(db, admin: Person) -> None:
    st.markdown("**" + _("Public holidays") + "**")
    st.caption(_("Columns: office, date (YYYY-MM-DD), name. For each office in the file, its holidays of each year "
                 "the file lists for it are replaced by the file's; other offices and years stay as they are. "
                 "Errors are reported by row (the header is row 1) and nothing changes until the file is clean."))
    upload = st.file_uploader(_("Holidays CSV"), type=["csv"], key="holidays_file")
    if upload is not None:
        data = upload.getvalue()
        planned = forms.attempt(lambda: calendar.admin_plan_holidays(db, admin, data), as_table=True)
        if planned:
            _show_plan(planned.value)
            digest = hashlib.sha256(data).hexdigest()[:16]
            if st.button(_("Import these holidays"), type="primary", key=f"confirm_holidays_{digest}"):
                done = forms.attempt(lambda: calendar.admin_import_holidays(db, admin, data), as_table=True)
                if done:
                    st.success(_("Imported: {summary}.", summary=done.value.summary()))
    coming = calendar.coming_holidays(db, admin, today=today_in_zone())
    st.text(_("Holidays of the coming year: {count}", count=calendar.holiday_count(len(coming))))
    if coming:
        tables.table(_days_shown(coming).rename(columns={"office": _("Office"), "date": _("Date"),
                                                         "name": _("Holiday")}), hide_index=True)


def _days_shown(rows: list[dict]) -> pd.DataFrame:
    """Holiday rows with their days as people read them in the viewer's language ("25 Dec 2026")."""
    return pd.DataFrame([{**row, "date": format_day(row["date"])} for row in rows])


def _show_plan(plan: calendar.HolidayPlan) -> None:
    st.write(_("Preview: {summary}.", summary=plan.summary()))
    st.text("\n".join(_("{office}: replaces {years}", office=office, years=", ".join(map(str, years)))
                      for office, years in plan.years.items()))
    for title, rows in ((_("To add"), plan.added), (_("To rename"), plan.renamed), (_("To remove"), plan.removed)):
        if rows:
            st.text(title)
            tables.table(_days_shown(rows).rename(columns={"office": _("Office"), "date": _("Date"),
                                                            "name": _("Holiday"), "was": _("Was")}), hide_index=True)
