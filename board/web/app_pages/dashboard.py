"""Dashboards: morale, suggestions, minutes and responsiveness within the viewer's scope (leader: everything;
regional manager: their region; manager: their team). Figures come from the reports layer, which enforces
the anonymity threshold; data is cached per role, scope, filters and data version (morale rows, which name the
whole organisation, per language too). Only the open tab is computed; in an organisation of more than
dashboard.MOST_LISTED teams, teams are listed and compared within a region or office."""

import datetime

import pandas as pd
import streamlit as st

from board import i18n
from board.clock import utcnow
from board.feedback.workflow import KINDS, LEVEL_LABELS, STATUS_LABELS
from board.i18n import N_, _, category_name, format_date, format_day, label, ngettext
from board.meetings import actions, review
from board.morale import pulse
from board.org import calendar, settings
from board.org.access import Person
from board.reporting import charts, dashboard
from board.reporting.export import to_csv
from board.web.ui import forms, links, session, tables
from board.web.ui.choose import select_or_none

LEVELS = {"org": N_("Whole organisation"), "region": N_("Region"), "office": N_("Office"), "team": N_("Team")}
# The list behind each chart: its selectbox's label (the key "drill_<what>" stays in English).
DRILLS = {"status": N_("Show the list behind: status"), "month": N_("Show the list behind: month"),
          "month submitted (response times)": N_("Show the list behind: month submitted (response times)"),
          "age": N_("Show the list behind: age"), "category": N_("Show the list behind: category"),
          "escalated to": N_("Show the list behind: escalated to"),
          "office and month": N_("Show the list behind: office and month"),
          "meetings of the month": N_("Show the list behind: meetings of the month"),
          "actions due in the month": N_("Show the list behind: actions due in the month"),
          "team": N_("Show the list behind: team"), "office": N_("Show the list behind: office")}
# Column headers of the tables shown (the drill-down lists, the morale table; "id" is the link column "#").
HEADINGS = {"period": N_("Period"), "group": N_("Group"), "responses": N_("Responses"), "mood": N_("Mood"),
            "submitted": N_("Submitted"), "status": N_("Status"), "category": N_("Category"), "level": N_("Level"),
            "author": N_("Author"), "title": N_("Title"), "acknowledged": N_("Acknowledged"), "kind": N_("Kind"),
            "office": N_("Office"), "meeting_date": N_("Meeting date"), "team": N_("Team"),
            "problems": N_("Problems"), "actions": N_("Actions"), "review": N_("Review"), "due_date": N_("Due date"),
            "description": N_("Description"), "owner": N_("Owner"), "closed_on": N_("Closed on"),
            "on_time": N_("On time")}
# Column headers of the CSV downloads (in English the names the columns have: scripts read them).
CSV_HEADERS = {"period": N_("period"), "group": N_("group"), "responses": N_("responses"), "mood": N_("mood"),
               "period from": N_("period from"), "answered": N_("answered"), "people": N_("people"),
               "participation %": N_("participation %"), "status": N_("status"), "suggestions": N_("suggestions"),
               "month": N_("month"), "submitted": N_("submitted"), "implemented": N_("implemented"),
               "ack_median_days": N_("ack_median_days"), "ack_p90_days": N_("ack_p90_days"),
               "resolution_median_days": N_("resolution_median_days"),
               "resolution_p90_days": N_("resolution_p90_days"), "age": N_("age"), "open": N_("open"),
               "overdue": N_("overdue"), "category": N_("category"), "level": N_("level"),
               "escalations": N_("escalations"), "region": N_("region"), "office": N_("office"),
               "meetings": N_("meetings"), "problems": N_("problems"), "solutions": N_("solutions"),
               "actions_due": N_("actions_due"), "closed_on_time_pct": N_("closed_on_time_pct"),
               "actions_on_time_pct": N_("actions_on_time_pct"), "team_id": N_("team_id"), "team": N_("team"),
               "office_id": N_("office_id"), "ack_days": N_("ack_days")}
AUTHORS = {"Anonymous": N_("Anonymous"), "named": N_("named")}  # dashboard.drill's author column

person = session.page_person("dashboard")
db = session.store()
config = settings.load(db)
now, calendars = utcnow(), calendar.load(db)
today = calendars.of(person.office_id).today(now)  # the viewer's local day
# an ended period shows its results now, all at once: once it has ended in every office
forms.attempt(lambda: pulse.close_due(db, calendars.earliest_today(now)))
st.title(_("Dashboards"))


def _viewer(role: str, region_id: int | None, team_id: int | None) -> Person:
    """A person carrying only a role and scope: cached data depends on nothing else about the viewer."""
    return Person(id=0, email="", name="", role=role, active=True, team_id=team_id or 0, team="", office_id=0,
                  office="", region_id=region_id or 0, region="")


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def _tables(path: str, role: str, region_id, team_id, filters: dashboard.Filters, tab: str, today: datetime.date,
            deadlines: tuple, k: int, version: tuple) -> dict:
    """One tab's tables (dashboard.tab_tables). deadlines: each office's acknowledgement deadline
    (Calendars.sla_deadlines), as (values, default). Data only, no text in any language (the page translates what
    it shows)."""
    return dashboard.tab_tables(session.store(), _viewer(role, region_id, team_id), filters, today=today,
                                sla_cutoff=calendar.ByOffice(*deadlines), k=k, tabs=(tab,))


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def _morale(path: str, role: str, region_id, team_id, filters: dashboard.Filters, level: str, k: int,
            version: tuple, locale: str) -> dict:
    """locale: the viewer's (i18n.current()): the rows name the whole organisation in it."""
    store, viewer = session.store(), _viewer(role, region_id, team_id)
    return dashboard.morale_view(store, viewer, filters, k=k, level=level)


def _choice(column, label: str, every: str, options: dict, key: str):
    """A filter over the ids in scope, or None for all of them (`every`: that option's words); a scope of one is
    shown fixed."""
    if len(options) == 1:  # the viewer's own unit: written out (a greyed-out box is hard to read)
        column.text(_("{label}: {value}", label=label, value=next(iter(options.values()))))
        return next(iter(options))
    return select_or_none(column, label, options, none=every, format_func=lambda v: options[v], key=key)


def _headed(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The frame with its columns named in the viewer's language (those `headers` names)."""
    return frame.rename(columns=lambda c: _(headers[c]) if c in headers else c)


def _show(figure, frame: pd.DataFrame, name: str) -> None:
    st.plotly_chart(figure, key=f"chart_{name}")
    st.download_button(_("Download CSV"), to_csv(_headed(frame, CSV_HEADERS)), f"{name}.csv", "text/csv",
                       key=f"csv_{name}", on_click="ignore")


def _drill(what: str, options: list, rows, format_func=str, opens: str = "suggestion") -> None:
    """The list behind one bar, cell or point of the chart above, as a table (user text stays in cells) whose
    numbers open each suggestion, meeting or action (`opens`: its page) in a new tab."""
    if len(options) > dashboard.MOST_LISTED:  # 40,000 teams, or 2,000 offices a month: narrowed first
        st.caption(ngettext("{what}: {n} choice, too many for one list. Choose a region or office above first.",
                            "{what}: {n} choices, too many for one list. Choose a region or office above first.",
                            len(options), what=_(DRILLS[what])))
        return
    choice = select_or_none(st, _(DRILLS[what]), options, none=_("choose one"), format_func=format_func,
                            key=f"drill_{what}")
    if choice is not None:
        found = rows(choice)
        if found:
            st.caption(_(links.SELECT_TO_OPEN[opens]))
            tables.table(_headed(pd.DataFrame(found), HEADINGS), hide_index=True, open_with={"id": opens})
        else:
            st.info(_("Nothing to list."))


def _in_words(rows: list[dict]) -> list[dict]:
    """A list of suggestions as people read it: status, kind, level and author in words, when acknowledged as a
    day."""
    words = {"status": STATUS_LABELS, "kind": KINDS, "level": LEVEL_LABELS, "author": AUTHORS}
    for row in rows:
        for column, labels in words.items():
            if column in row:
                row[column] = label(labels, row[column])
        if "acknowledged_at" in row:
            moment = row.pop("acknowledged_at")
            row["acknowledged"] = format_day(moment) if moment else _("not yet")
    return rows


def _meetings_in_words(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["team"] = row["team"] if row["team"] is not None else _("whole office")
        row["review"] = _(review.VERDICTS[row["review"]]) if row["review"] in review.VERDICTS \
            else _("Not reviewed yet")
    return rows


def _actions_in_words(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["status"] = label(actions.STATUS_LABELS, row["status"])
        row["closed_on"] = format_day(row["closed_on"]) if row["closed_on"] else _("not closed")
        row["on_time"] = _("yes") if row["on_time"] else _("no")
    return rows


def _month(value) -> str:
    return format_date(value, "MMM y")


first_month = today.replace(day=1)
months = list(pd.date_range(end=first_month, periods=36, freq="MS").date)
start, last = st.select_slider(_("Period"), months, value=(months[-12], months[-1]), key="period",
                               format_func=_month)
offices = dashboard.units_in_scope(db, person, offices=True)  # with their team counts: 2,000 rows, not 40,000
columns = st.columns(4)
region_id = _choice(columns[0], _("Region"), _("All regions"), {u["region_id"]: u["region"] for u in offices},
                    "region")
office_id = _choice(columns[1], _("Office"), _("All offices"), {u["office_id"]: u["office"] for u in offices
                                                                 if region_id in (None, u["region_id"])}, "office")
team_count = sum(u["teams"] for u in offices
                 if region_id in (None, u["region_id"]) and office_id in (None, u["office_id"]))
if team_count > dashboard.MOST_LISTED:  # a large organisation: a team is picked within a region or office
    # the one option is text, not None: after a rerun the browser shows a None value as "Choose an option"
    columns[2].selectbox(_("Team"), [_("All teams")], key="team_unlisted", disabled=True,
                         help=ngettext("{n} team: choose a region or office to pick one.",
                                       "{n} teams: choose a region or office to pick one.", team_count))
    team_id = None
else:
    within = dashboard.Filters(start, last, region_id, office_id)
    team_id = _choice(columns[2], _("Team"), _("All teams"),
                      {u["team_id"]: f"{u['team']}, {u['office']}"
                       for u in dashboard.units_in_scope(db, person, within=within)}, "team")
category = select_or_none(columns[3], _("Category"), config.categories, none=_("All categories"),
                          format_func=category_name, key="category")
filters = dashboard.Filters(start, (last + datetime.timedelta(days=31)).replace(day=1), region_id, office_id,
                            team_id, category)
scope = (str(db.path), person.role, person.region_id if person.role == "regional_manager" else None,
         person.team_id if person.role == "manager" else None)
version = dashboard.data_version(db)
deadlines = calendars.sla_deadlines(config.ack_sla_days, now=now)
suggestions = lambda **chosen: _in_words(dashboard.drill(db, person, filters, today=today, **chosen))  # noqa: E731


def _tab(name: str) -> dict:
    """The tables of one tab (dashboard.TABS), cached per data version: responsiveness against morale changes
    with the pulse too."""
    changes = (version["suggestions"], version["pulse"]) if name == "versus" else version["suggestions"]
    return _tables(*scope, filters, name, today, (deadlines.values, deadlines.default), config.anonymity_k, changes)


def _morale_tab() -> None:
    """Mood, eNPS and participation per period, compared by the chosen level."""
    finest = "team" if team_id else "office" if office_id else "region" if region_id else "org"
    levels = list(LEVELS)[list(LEVELS).index(finest):]
    if team_count > dashboard.MOST_LISTED:
        levels.remove("team")
        st.caption(ngettext("To compare by team, choose a region or office first: {n} team is more than one chart "
                            "can show.", "To compare by team, choose a region or office first: {n} teams are more "
                            "than one chart can show.", team_count))
    level = st.selectbox(_("Compare by"), levels, index=min(1, len(levels) - 1), format_func=lambda v: _(LEVELS[v]),
                         key="morale_level")
    morale = _morale(*scope, filters, level, config.anonymity_k, version["pulse"], i18n.current())
    note = _("fewer than {k} responses", k=config.anonymity_k)
    table = pd.DataFrame([{"period": r["starts_on"], "group": r["group"],  # numbers stay numbers in the CSV
                           **({"responses": note, "mood": note, "eNPS": note} if r["suppressed"] else
                              {"responses": r["responses"], "mood": r["mood"], "eNPS": r["enps"]})}
                          for r in morale["rows"]], columns=["period", "group", "responses", "mood", "eNPS"],
                         dtype=object)
    st.caption(_("Results of a pulse period appear when it closes, all at once. A group with fewer than {k} responses "
                 "in a period is not shown, and neither is any figure that would reveal it by subtraction.",
                 k=config.anonymity_k))
    _show(charts.morale_trend(morale["rows"]), table, "mood")
    _show(charts.enps_trend(morale["rows"]), table, "enps")
    tables.table(_headed(table, HEADINGS), hide_index=True)
    turnout = pd.DataFrame([{"period from": r["starts_on"],
                             "period": _("closed") if r["closed"] else _("open (no results yet)"),
                             "answered": r["answered"], "people": r["people"],
                             "participation %": r["participation_pct"]}
                            for r in morale["participation"]],
                           columns=["period from", "period", "answered", "people", "participation %"])
    _show(charts.participation_rate(morale["participation"]), turnout, "participation")

def _suggestions_tab() -> None:
    """The suggestion charts, each with the list behind it, and the leaders' newest suggestions."""
    data = _tab("suggestions")
    funnel = data["funnel"].assign(status=[label(STATUS_LABELS, s) for s in data["funnel"].get("status", [])])
    _show(charts.funnel(data["funnel"]), funnel, "funnel")
    _drill("status", [s for s in STATUS_LABELS if s in set(data["funnel"].get("status", []))],
           lambda v: suggestions(status=v), lambda s: _(STATUS_LABELS[s]))
    _show(charts.submitted_vs_implemented(data["monthly"]), data["monthly"], "submitted_implemented")
    _drill("month", list(data["monthly"].get("month", [])), lambda v: suggestions(month=v), _month)
    _show(charts.response_times(data["response_times"]), data["response_times"].round(1), "response_times")
    _drill("month submitted (response times)", list(data["response_times"].get("month", [])),
           lambda v: suggestions(month=v), _month)
    # the ages (dashboard.AGE_BUCKETS) are labels the queries return and take: translated where shown
    ageing = data["ageing"].assign(age=[_(a) for a in data["ageing"].get("age", [])])
    _show(charts.ageing(ageing), ageing, "ageing")
    _drill("age", list(data["ageing"].get("age", [])), lambda v: suggestions(age=v), _)
    _show(charts.categories(data["categories"]), data["categories"], "categories")
    _drill("category", list(data["categories"].get("category", [])), lambda v: suggestions(category=v))
    _show(charts.escalations(data["escalations"]), data["escalations"], "escalations")
    _drill("escalated to", sorted(set(data["escalations"].get("level", []))),
           lambda v: suggestions(escalated_to=v), lambda v: _(LEVEL_LABELS[v]))
    if person.role == "leader":
        st.subheader(_("Newest suggestions"))
        tables.table(_headed(pd.DataFrame(_in_words(data["newest"].to_dict("records"))), HEADINGS), hide_index=True,
                     open_with={"id": "suggestion"})

def _minutes_tab() -> None:
    """Meetings held per office and month, problems discussed and actions closed on time."""
    data = _tab("minutes")
    held = data["coverage"][data["coverage"]["meetings"] > 0] if len(data["coverage"]) else data["coverage"]
    _show(charts.minutes_coverage(data["coverage"]), data["coverage"], "minutes_coverage")
    _drill("office and month", list(zip(held.get("office", []), held.get("month", []), strict=True)),
           lambda v: _meetings_in_words(dashboard.drill_meetings(
               db, person, filters, month=v[1], office=None if person.role == "manager" or team_id else v[0])),
           lambda v: f"{v[0]}, {_month(v[1])}", opens="minutes")
    minutes_months = list(data["minutes_monthly"].get("month", []))
    _show(charts.problems_discussed(data["minutes_monthly"]), data["minutes_monthly"], "problems_discussed")
    _drill("meetings of the month", minutes_months,
           lambda v: _meetings_in_words(dashboard.drill_meetings(db, person, filters, month=v)), _month,
           opens="minutes")
    _show(charts.actions_on_time(data["minutes_monthly"]), data["minutes_monthly"], "actions_on_time")
    _drill("actions due in the month", minutes_months,
           lambda v: _actions_in_words(dashboard.drill_actions(db, person, filters, month=v, today=today)), _month,
           opens="action")

def _versus_tab() -> None:
    """Each team's median days to acknowledgement beside its mood, or each office's above MOST_LISTED teams."""
    versus = _tab("versus")["versus"]
    level = dashboard.versus_level(db, person, filters)  # what the tab's tables compare, even when they are empty
    if level == "office":
        st.caption(ngettext("{n} team is more than one chart can show, so each point is an office. To compare "
                            "teams, choose a region or office above.", "{n} teams are more than one chart can "
                            "show, so each point is an office. To compare teams, choose a region or office above.",
                            team_count))
        st.caption(_("Only offices whose morale is shown for at least one period appear; mood is the mean over "
                     "those periods."))
    else:
        st.caption(_("Only teams whose morale is shown for at least one period appear; mood is the mean over those "
                     "periods."))
    _show(charts.responsiveness_vs_morale(versus), versus, "responsiveness_vs_morale")
    names = dict(zip(versus.get(f"{level}_id", []), versus.get(level, []), strict=True))
    _drill(level, list(names), lambda v: suggestions(**{f"{level}_id": v}), lambda v: names[v])


# Only the open tab is computed (on_change="rerun": a click on another reruns the page with it open), so the first
# view waits for the morale figures alone.
morale_tab, suggestions_tab, minutes_tab, versus_tab = st.tabs(
    [_("Morale"), _("Suggestions"), _("Minutes"), _("Responsiveness vs morale")], key="dashboard_tab",
    on_change="rerun")
for tab, show in ((morale_tab, _morale_tab), (suggestions_tab, _suggestions_tab), (minutes_tab, _minutes_tab),
                  (versus_tab, _versus_tab)):
    if tab.open:
        with tab:
            show()
