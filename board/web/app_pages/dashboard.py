"""Dashboards: morale, suggestions, minutes and responsiveness within the viewer's scope (leader: everything;
regional manager: their region; manager: their team). Figures come from the reports layer, which enforces
the anonymity threshold; data is cached per role, scope, filters and data version."""

import datetime

import pandas as pd
import streamlit as st

from board.feedback.workflow import KINDS, LEVEL_LABELS, STATUS_LABELS, sla_cutoff
from board.meetings import actions, review
from board.morale import pulse
from board.org import settings
from board.org.access import Person
from board.reporting import charts, dashboard
from board.reporting.export import to_csv
from board.web.ui import forms, links, session, tables

LEVELS = {"org": "Whole organisation", "region": "Region", "office": "Office", "team": "Team"}

person = session.page_person("dashboard")
db = session.store()
config = settings.load(db)
today = datetime.date.today()
forms.attempt(lambda: pulse.close_due(db, today))  # an ended period shows its results now, all at once
st.title("Dashboards")


def _viewer(role: str, region_id: int | None, team_id: int | None) -> Person:
    """A person carrying only a role and scope: cached data depends on nothing else about the viewer."""
    return Person(id=0, email="", name="", role=role, active=True, team_id=team_id or 0, team="", office_id=0,
                  office="", region_id=region_id or 0, region="")


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def _suggestions_and_minutes(path: str, role: str, region_id, team_id, filters: dashboard.Filters,
                             today: datetime.date, sla_days: int, version: tuple) -> dict:
    return dashboard.suggestions_and_minutes(session.store(), _viewer(role, region_id, team_id), filters,
                                             today=today, sla_cutoff=sla_cutoff(today, sla_days))


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def _morale(path: str, role: str, region_id, team_id, filters: dashboard.Filters, level: str, k: int,
            version: tuple) -> dict:
    store, viewer = session.store(), _viewer(role, region_id, team_id)
    return dashboard.morale_view(store, viewer, filters, k=k, level=level)


def _choice(column, label: str, options: dict, key: str):
    """A filter over the ids in scope; a scope of one is shown fixed."""
    if len(options) == 1:  # the viewer's own unit: written out (a greyed-out box is hard to read)
        column.text(f"{label}: {next(iter(options.values()))}")
        return next(iter(options))
    return column.selectbox(label, [None, *options], key=key,
                            format_func=lambda v: f"All {label.lower()}s" if v is None else options[v])


def _show(figure, frame: pd.DataFrame, name: str) -> None:
    st.plotly_chart(figure, key=f"chart_{name}")
    st.download_button("Download CSV", to_csv(frame), f"{name}.csv", "text/csv", key=f"csv_{name}", on_click="ignore")


def _drill(what: str, options: list, rows, format_func=str, opens: str = "suggestion") -> None:
    """The list behind one bar, cell or point of the chart above, as a table (user text stays in cells) whose
    numbers open each suggestion, meeting or action (`opens`: its page) in a new tab."""
    labels = {format_func(option): option for option in options}
    choice = st.selectbox(f"Show the list behind: {what}", ["choose one", *labels], key=f"drill_{what}")
    if choice in labels:
        found = rows(labels[choice])
        if found:
            st.caption(f"Select a number to open that {links.OPENS[opens]} in a new tab.")
            tables.table(found, hide_index=True, open_with={"id": opens})
        else:
            st.info("Nothing to list.")


def _in_words(rows: list[dict]) -> list[dict]:
    """A list of suggestions as people read it: status, kind and level in words, when acknowledged as a day."""
    words = {"status": STATUS_LABELS, "kind": KINDS, "level": LEVEL_LABELS}
    for row in rows:
        for column, labels in words.items():
            if column in row:
                row[column] = labels.get(row[column], row[column])
        if "acknowledged_at" in row:
            moment = row.pop("acknowledged_at")
            row["acknowledged"] = f"{moment:%d %b %Y}" if moment else "not yet"
    return rows


def _meetings_in_words(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["review"] = review.VERDICTS.get(row["review"], "Not reviewed yet")
    return rows


def _actions_in_words(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["status"] = actions.STATUS_LABELS.get(row["status"], row["status"])
        row["closed_on"] = f"{row['closed_on']:%d %b %Y}" if row["closed_on"] else "not closed"
        row["on_time"] = "yes" if row["on_time"] else "no"
    return rows


def _month(value) -> str:
    return value.strftime("%b %Y")


first_month = today.replace(day=1)
months = list(pd.date_range(end=first_month, periods=36, freq="MS").date)
start, last = st.select_slider("Period", months, value=(months[-12], months[-1]), key="period",
                               format_func=lambda m: m.strftime("%b %Y"))
units = dashboard.units_in_scope(db, person)
columns = st.columns(4)
region_id = _choice(columns[0], "Region", {u["region_id"]: u["region"] for u in units}, "region")
office_id = _choice(columns[1], "Office", {u["office_id"]: u["office"] for u in units
                                           if region_id in (None, u["region_id"])}, "office")
team_id = _choice(columns[2], "Team", {u["team_id"]: f"{u['team']}, {u['office']}" for u in units
                                       if region_id in (None, u["region_id"]) and office_id in (None, u["office_id"])},
                  "team")
category = columns[3].selectbox("Category", [None, *config.categories], key="category",
                                format_func=lambda c: "All categories" if c is None else c)
filters = dashboard.Filters(start, (last + datetime.timedelta(days=31)).replace(day=1), region_id, office_id,
                            team_id, category)
scope = (str(db.path), person.role, person.region_id if person.role == "regional_manager" else None,
         person.team_id if person.role == "manager" else None)
version = dashboard.data_version(db)
data = _suggestions_and_minutes(*scope, filters, today, config.ack_sla_days, version["suggestions"])

morale_tab, suggestions_tab, minutes_tab, versus_tab = st.tabs(["Morale", "Suggestions", "Minutes",
                                                                "Responsiveness vs morale"])
with morale_tab:
    finest = "team" if team_id else "office" if office_id else "region" if region_id else "org"
    levels = list(LEVELS)[list(LEVELS).index(finest):]
    level = st.selectbox("Compare by", levels, index=min(1, len(levels) - 1), format_func=lambda v: LEVELS[v],
                         key="morale_level")
    morale = _morale(*scope, filters, level, config.anonymity_k, version["pulse"])
    note = f"fewer than {config.anonymity_k} responses"
    table = pd.DataFrame([{"period": r["starts_on"], "group": r["group"],  # numbers stay numbers in the CSV
                           **({"responses": note, "mood": note, "eNPS": note} if r["suppressed"] else
                              {"responses": r["responses"], "mood": r["mood"], "eNPS": r["enps"]})}
                          for r in morale["rows"]], columns=["period", "group", "responses", "mood", "eNPS"],
                         dtype=object)
    st.caption(f"Results of a pulse period appear when it closes, all at once. A group with fewer than "
               f"{config.anonymity_k} responses in a period is not shown, and neither is any figure that would reveal "
               "it by subtraction.")
    _show(charts.morale_trend(morale["rows"]), table, "mood")
    _show(charts.enps_trend(morale["rows"]), table, "enps")
    tables.table(table, hide_index=True)
    turnout = pd.DataFrame([{"period from": r["starts_on"],
                             "period": "closed" if r["closed"] else "open (no results yet)", "answered": r["answered"],
                             "people": r["people"], "participation %": r["participation_pct"]}
                            for r in morale["participation"]],
                           columns=["period from", "period", "answered", "people", "participation %"])
    _show(charts.participation_rate(morale["participation"]), turnout, "participation")

with suggestions_tab:
    suggestions = lambda **chosen: _in_words(dashboard.drill(db, person, filters, today=today, **chosen))  # noqa: E731
    funnel = data["funnel"].assign(status=[STATUS_LABELS.get(s, s) for s in data["funnel"].get("status", [])])
    _show(charts.funnel(data["funnel"]), funnel, "funnel")
    _drill("status", [s for s in STATUS_LABELS if s in set(data["funnel"].get("status", []))],
           lambda v: suggestions(status=v), STATUS_LABELS.get)
    _show(charts.submitted_vs_implemented(data["monthly"]), data["monthly"], "submitted_implemented")
    _drill("month", list(data["monthly"].get("month", [])), lambda v: suggestions(month=v), _month)
    _show(charts.response_times(data["response_times"]), data["response_times"].round(1), "response_times")
    _drill("month submitted (response times)", list(data["response_times"].get("month", [])),
           lambda v: suggestions(month=v), _month)
    _show(charts.ageing(data["ageing"]), data["ageing"], "ageing")
    _drill("age", list(data["ageing"].get("age", [])), lambda v: suggestions(age=v))
    _show(charts.categories(data["categories"]), data["categories"], "categories")
    _drill("category", list(data["categories"].get("category", [])), lambda v: suggestions(category=v))
    _show(charts.escalations(data["escalations"]), data["escalations"], "escalations")
    _drill("escalated to", sorted(set(data["escalations"].get("level", []))),
           lambda v: suggestions(escalated_to=v), LEVEL_LABELS.get)
    if person.role == "leader":
        st.subheader("Newest suggestions")
        tables.table(pd.DataFrame(_in_words(data["newest"].to_dict("records"))), hide_index=True,
                     open_with={"id": "suggestion"})

with minutes_tab:
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

with versus_tab:
    versus = pd.DataFrame(dashboard.responsiveness_vs_morale(data["ack_days"], morale["teams"]))
    st.caption("Only teams whose morale is shown for at least one period appear; mood is the mean over those periods.")
    _show(charts.responsiveness_vs_morale(versus), versus, "responsiveness_vs_morale")
    teams = dict(zip(versus.get("team_id", []), versus.get("team", []), strict=True))
    _drill("team", list(teams), lambda v: suggestions(team_id=v), teams.get)
