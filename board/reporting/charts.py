"""The dashboard charts: pure functions from rows (a DataFrame or a list of dicts) to Plotly figures.
No Streamlit, no database. Empty data gives a titled figure that says so, never an exception."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from board.feedback.workflow import STATUS_LABELS, STATUSES
from board.i18n import N_, _, format_date, plotly_separators

NO_DATA = N_("No data for these filters")
LEVEL_ORDER = ("team", "office", "region", "leadership")
# An escalation's trace, by the level it went to (another level reads "To <level>").
ESCALATED_TO = {"team": N_("To team"), "office": N_("To office"), "region": N_("To region"),
                "leadership": N_("To leadership")}
HIDE_TRACE = "<extra></extra>"  # Plotly: no trace name beside the hover text


def _text(value) -> str:
    """A name as literal text: Plotly reads tags such as <a href> in labels, so they are escaped."""
    return html.escape(str(value), quote=False)


def _texts(values: pd.Series) -> np.ndarray:
    """`_text` of many names at once (html.escape(quote=False) replaces exactly these three)."""
    escaped = values.astype(str).str.replace("&", "&amp;", regex=False)
    return escaped.str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False).to_numpy(dtype=str)


def _frame(rows) -> pd.DataFrame:
    return rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows or []))


# The chart's toolbar (Plotly's mode bar) sits in the top right corner of the figure: the title goes on its own
# line below it, or on a phone, where the title spans the width, a tap on the chart covers the title with it.
TITLE = {"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 30}}


def _figure(title: str, x: str, y: str, **layout) -> go.Figure:
    """A figure titled, its axes titled (each an N_-marked constant, translated here)."""
    fig = go.Figure()
    fig.update_layout(title={"text": _(title), **TITLE}, xaxis_title=_(x), yaxis_title=_(y),  # the look: the
                      margin={"t": 80, "l": 60, "r": 20, "b": 50}, legend_title_text="",  # app's Plotly theme
                      separators=plotly_separators(), **layout)
    return fig


def _empty(fig: go.Figure) -> go.Figure:
    fig.add_annotation(text=_(NO_DATA), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": 16})
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def _missing(frame: pd.DataFrame, *columns: str) -> bool:
    return frame.empty or any(c not in frame.columns for c in columns)


def _trend(rows, value: str, title: str, y: str, y_range: list | None) -> go.Figure:
    """One line per group; a suppressed period is a gap in its line, never a point."""
    frame = _frame(rows)
    fig = _figure(title, N_("pulse period (start date)"), y)
    if _missing(frame, "starts_on", "group", value):
        return _empty(fig)
    if "suppressed" in frame.columns:
        frame[value] = frame[value].where(~frame["suppressed"].fillna(False).astype(bool))
    frame = frame.sort_values("starts_on")
    if frame[value].isna().all():
        return _empty(fig)
    hover = _("{group}, period from {period}: {value}", group="%{fullData.name}", period="%{text}",
              value="%{y}") + HIDE_TRACE
    for group, part in frame.groupby("group", sort=True):
        fig.add_trace(go.Scatter(x=list(part["starts_on"]), y=[None if pd.isna(v) else v for v in part[value]],
                                 name=_text(group), mode="lines+markers", connectgaps=False,
                                 text=[format_date(pd.Timestamp(d).date(), "d MMM y") for d in part["starts_on"]],
                                 hovertemplate=hover))
    if y_range:
        fig.update_yaxes(range=y_range)
    return fig


def morale_trend(rows) -> go.Figure:
    """Mean mood per pulse period and group (rows of reports.morale)."""
    return _trend(rows, "mood", N_("Mood per pulse period"), N_("mood (1 = very low, 5 = very high)"), [1, 5])


def enps_trend(rows) -> go.Figure:
    """eNPS per pulse period and group (rows of reports.morale)."""
    return _trend(rows, "enps", N_("eNPS per pulse period"), N_("eNPS (% promoters - % detractors)"), [-100, 100])


def participation_rate(rows) -> go.Figure:
    """Share of people in scope who answered each pulse period (rows of reports.participation)."""
    frame = _frame(rows)
    fig = _figure(N_("Pulse participation per period"), N_("pulse period (start date)"),
                  N_("% of people who answered"))
    if _missing(frame, "starts_on", "participation_pct"):
        return _empty(fig)
    frame = frame.sort_values("starts_on")
    closed = frame["closed"] if "closed" in frame.columns else [True] * len(frame)
    done, running = frame[[bool(c) for c in closed]], frame[[not c for c in closed]]
    fig.add_trace(go.Scatter(x=list(done["starts_on"]), y=list(done["participation_pct"]), name=_("closed periods"),
                             mode="lines+markers", hovertemplate="%{x}: %{y}%<extra></extra>"))
    if len(running):  # the open period is still filling up: a point apart, not a fall in the line
        fig.add_trace(go.Scatter(x=list(running["starts_on"]), y=list(running["participation_pct"]),
                                 name=_("open period, so far"), mode="markers",
                                 marker={"symbol": "circle-open", "size": 10},
                                 hovertemplate=_("{x}: {y}% so far", x="%{x}", y="%{y}") + HIDE_TRACE))
    fig.update_yaxes(range=[0, 100])
    return fig


def funnel(rows) -> go.Figure:
    """Suggestions in each status, in workflow order (new to implemented, then declined and duplicate)."""
    frame = _frame(rows)
    fig = _figure(N_("Suggestion funnel: suggestions by status"), N_("suggestions"), N_("status"))
    if _missing(frame, "status", "suggestions"):
        return _empty(fig)
    counts = dict(zip(frame["status"], frame["suggestions"], strict=True))
    order = [s for s in STATUSES if s in counts] + sorted(s for s in counts if s not in STATUSES)
    fig.add_trace(go.Bar(x=[counts[s] for s in order],
                         y=[_text(_(STATUS_LABELS[s]) if s in STATUS_LABELS else s) for s in order],
                         orientation="h", name=_("suggestions"), text=[counts[s] for s in order]))
    fig.update_yaxes(autorange="reversed")
    return fig


def submitted_vs_implemented(rows) -> go.Figure:
    """Per month: suggestions submitted and suggestions implemented (rows of dashboard.monthly)."""
    frame = _frame(rows)
    fig = _figure(N_("Suggestions submitted and implemented per month"), N_("month"), N_("suggestions"),
                  barmode="group")
    if _missing(frame, "month", "submitted", "implemented"):
        return _empty(fig)
    frame = frame.sort_values("month")
    for column, name in (("submitted", N_("Submitted")), ("implemented", N_("Implemented"))):
        fig.add_trace(go.Bar(x=list(frame["month"]), y=list(frame[column]), name=_(name)))
    return fig


RESPONSE_LINES = (("ack_median_days", N_("To acknowledgement, median"), "solid"),
                  ("ack_p90_days", N_("To acknowledgement, p90"), "dot"),
                  ("resolution_median_days", N_("To resolution, median"), "solid"),
                  ("resolution_p90_days", N_("To resolution, p90"), "dot"))


def response_times(rows) -> go.Figure:
    """Per month of submission: median and p90 days to acknowledgement and to resolution."""
    frame = _frame(rows)
    fig = _figure(N_("Time to acknowledgement and to resolution"), N_("month of submission"), N_("days"))
    if _missing(frame, "month", *(c for c, _, _ in RESPONSE_LINES)):
        return _empty(fig)
    frame = frame.sort_values("month")
    for column, name, dash in RESPONSE_LINES:
        values = [None if pd.isna(v) else round(float(v), 1) for v in frame[column]]
        fig.add_trace(go.Scatter(x=list(frame["month"]), y=values, name=_(name), mode="lines+markers",
                                 line={"dash": dash}))
    return fig


def ageing(rows) -> go.Figure:
    """Open suggestions by age since submission, with those overdue for acknowledgement."""
    frame = _frame(rows)
    fig = _figure(N_("Open suggestions by age"), N_("age since submission"), N_("suggestions"), barmode="group")
    if _missing(frame, "age", "open", "overdue"):
        return _empty(fig)
    for column, name in (("open", N_("Open")), ("overdue", N_("Overdue for acknowledgement"))):
        fig.add_trace(go.Bar(x=list(frame["age"]), y=list(frame[column]), name=_(name)))
    return fig


def categories(rows) -> go.Figure:
    """Suggestions per category, most first."""
    frame = _frame(rows)
    fig = _figure(N_("Suggestions by category"), N_("category"), N_("suggestions"))
    if _missing(frame, "category", "suggestions"):
        return _empty(fig)
    frame = frame.sort_values("suggestions", ascending=False)
    fig.add_trace(go.Bar(x=[_text(c) for c in frame["category"]], y=list(frame["suggestions"]),
                         name=_("suggestions")))
    return fig


def escalations(rows) -> go.Figure:
    """Escalations per month, stacked by the level they went to."""
    frame = _frame(rows)
    fig = _figure(N_("Escalations per month by level"), N_("month"), N_("escalations"), barmode="stack")
    if _missing(frame, "month", "level", "escalations"):
        return _empty(fig)
    levels = sorted(frame["level"].unique(), key=lambda v: (LEVEL_ORDER.index(v) if v in LEVEL_ORDER else 99, v))
    for level in levels:
        part = frame[frame["level"] == level].sort_values("month")
        name = _(ESCALATED_TO[level]) if level in ESCALATED_TO else _("To {level}", level=level)
        fig.add_trace(go.Bar(x=list(part["month"]), y=list(part["escalations"]), name=name))
    return fig


def minutes_coverage(rows) -> go.Figure:
    """Meetings held per office and month (rows of reports.minutes_overview); a month without one shows 0."""
    frame = _frame(rows)
    fig = _figure(N_("Minutes coverage: meetings per office and month"), N_("month"), N_("office"))
    if _missing(frame, "office", "month", "meetings"):
        return _empty(fig)
    table = frame.pivot_table(index="office", columns="month", values="meetings", aggfunc="sum", fill_value=0)
    table = table.sort_index(ascending=False)
    # arrays, not lists: Plotly checks a list value by value (an organisation's thousands of offices took 0.2 s)
    fig.add_trace(go.Heatmap(z=table.to_numpy(), x=np.array(table.columns, dtype=object),
                             y=np.array([_text(o) for o in table.index], dtype=object),
                             name=_("meetings"),
                             colorscale="Blues", zmin=0, colorbar={"title": {"text": _("meetings")}},
                             hovertemplate=_("{office}, {month}: {meetings} meetings", office="%{y}", month="%{x}",
                                             meetings="%{z}") + HIDE_TRACE))
    return fig


def problems_discussed(rows) -> go.Figure:
    """Problems (real and anticipated) discussed in published minutes per month."""
    frame = _frame(rows)
    fig = _figure(N_("Problems discussed in meetings per month"), N_("month"), N_("problems discussed"))
    if _missing(frame, "month", "problems"):
        return _empty(fig)
    frame = frame.sort_values("month")
    fig.add_trace(go.Bar(x=list(frame["month"]), y=list(frame["problems"]),
                         name=_("problems discussed")))
    return fig


def actions_on_time(rows) -> go.Figure:
    """Share of meeting actions due each month that were closed by their due date."""
    frame = _frame(rows)
    fig = _figure(N_("Meeting actions closed on time per month"), N_("month the action fell due"),
                  N_("% of actions due"))
    if _missing(frame, "month", "actions_on_time_pct") or frame["actions_on_time_pct"].isna().all():
        return _empty(fig)
    frame = frame.sort_values("month")
    values = [None if pd.isna(v) else v for v in frame["actions_on_time_pct"]]
    fig.add_trace(go.Scatter(x=list(frame["month"]), y=values, name=_("closed on time"), mode="lines+markers"))
    fig.update_yaxes(range=[0, 100])
    return fig


def responsiveness_vs_morale(rows) -> go.Figure:
    """Per team, or per office when the rows have an `office` column instead of `team`
    (dashboard.versus_level): median days to acknowledgement against mean mood (only groups whose morale is
    shown)."""
    frame = _frame(rows)
    per_office = "office" in frame.columns and "team" not in frame.columns
    level = "office" if per_office else "team"
    fig = _figure(N_("Responsiveness vs morale per office") if per_office else N_("Responsiveness vs morale per team"),
                  N_("median days to acknowledgement"), N_("mood (1 = very low, 5 = very high)"))
    if _missing(frame, level, "ack_days", "mood"):
        return _empty(fig)
    frame = frame.dropna(subset=["ack_days", "mood"])
    if frame.empty:
        return _empty(fig)
    fig.add_trace(go.Scatter(x=frame["ack_days"].astype(float).round(1).to_numpy(),
                             y=frame["mood"].astype(float).to_numpy(),
                             text=_texts(frame[level]), mode="markers", name=_("offices") if per_office else _("teams"),
                             hovertemplate=_("{team}: {days} days, mood {mood}", team="%{text}", days="%{x}",
                                             mood="%{y}") + HIDE_TRACE))
    fig.update_yaxes(range=[1, 5])
    return fig
