"""Chart functions: the expected title, traces and axis titles for small hand-built data; empty data says so."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import pytest

from board.i18n import format_date
from board.reporting import charts

P1, P2, P3 = date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2)
M1, M2 = datetime(2026, 1, 1), datetime(2026, 2, 1)

MORALE = [
    {"starts_on": P1, "group": "Europe", "suppressed": False, "responses": 9, "mood": 3.4, "enps": 12},
    {"starts_on": P2, "group": "Europe", "suppressed": True, "responses": None},
    {"starts_on": P3, "group": "Europe", "suppressed": False, "responses": 8, "mood": 3.9, "enps": 30},
    {"starts_on": P1, "group": "Americas", "suppressed": False, "responses": 7, "mood": 2.8, "enps": -20},
]


def layout(fig: go.Figure) -> tuple[str, str, str]:
    return fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def traces(fig: go.Figure) -> list[tuple[str, str]]:
    return [(t.type, t.name) for t in fig.data]


def is_empty(fig: go.Figure) -> bool:
    return not fig.data and [a.text for a in fig.layout.annotations] == [charts.NO_DATA]


def test_morale_trend_leaves_suppressed_periods_out():
    fig = charts.morale_trend(MORALE)
    assert layout(fig) == ("Mood per pulse period", "pulse period (start date)", "mood (1 = very low, 5 = very high)")
    assert traces(fig) == [("scatter", "Americas"), ("scatter", "Europe")]
    europe = fig.data[1]
    assert list(europe.y) == [3.4, None, 3.9] and europe.connectgaps is False
    assert list(fig.layout.yaxis.range) == [1, 5]
    # the hover names the group and the period's first day as people write it, never Plotly's "(x, y)"
    assert europe.hovertemplate == "%{fullData.name}, period from %{text}: %{y}<extra></extra>"
    assert list(europe.text) == [format_date(d, "d MMM y") for d in (P1, P2, P3)]


def test_each_title_sits_below_the_chart_toolbar():
    """Plotly's mode bar takes the top right corner: on a phone a full-width title under it was covered."""
    title = charts.morale_trend(MORALE).layout.title
    assert (title.yref, title.y, title.yanchor, title.pad.t) == ("container", 1, "top", 30)


def test_enps_trend():
    fig = charts.enps_trend(pd.DataFrame(MORALE))
    assert layout(fig) == ("eNPS per pulse period", "pulse period (start date)", "eNPS (% promoters - % detractors)")
    assert traces(fig) == [("scatter", "Americas"), ("scatter", "Europe")]
    assert list(fig.data[1].y) == [12, None, 30]


def test_participation_rate():
    fig = charts.participation_rate([{"starts_on": P2, "answered": 6, "people": 10, "participation_pct": 60.0},
                                     {"starts_on": P1, "answered": 8, "people": 10, "participation_pct": 80.0}])
    assert layout(fig) == ("Pulse participation per period", "pulse period (start date)", "% of people who answered")
    assert traces(fig) == [("scatter", "closed periods")]
    assert list(fig.data[0].y) == [80.0, 60.0]  # in period order


def test_the_open_periods_participation_is_a_point_apart_from_the_closed_line():
    fig = charts.participation_rate([{"starts_on": P1, "participation_pct": 80.0, "closed": True},
                                     {"starts_on": P2, "participation_pct": 30.0, "closed": False}])
    assert traces(fig) == [("scatter", "closed periods"), ("scatter", "open period, so far")]
    assert list(fig.data[0].y) == [80.0] and list(fig.data[1].y) == [30.0] and fig.data[1].mode == "markers"


def test_funnel_is_in_workflow_order():
    fig = charts.funnel([{"status": "declined", "suggestions": 2}, {"status": "new", "suggestions": 7},
                         {"status": "implemented", "suggestions": 3}, {"status": "acknowledged", "suggestions": 5}])
    assert layout(fig) == ("Suggestion funnel: suggestions by status", "suggestions", "status")
    assert traces(fig) == [("bar", "suggestions")]
    assert list(fig.data[0].y) == ["New", "Acknowledged", "Implemented", "Declined"]
    assert list(fig.data[0].x) == [7, 5, 3, 2]


def test_submitted_vs_implemented():
    fig = charts.submitted_vs_implemented([{"month": M2, "submitted": 4, "implemented": 1},
                                           {"month": M1, "submitted": 6, "implemented": 0}])
    assert layout(fig) == ("Suggestions submitted and implemented per month", "month", "suggestions")
    assert traces(fig) == [("bar", "Submitted"), ("bar", "Implemented")]
    assert list(fig.data[0].y) == [6, 4]


def test_response_times_has_median_and_p90_lines_in_days():
    fig = charts.response_times([{"month": M1, "ack_median_days": 2.04, "ack_p90_days": 6.0,
                                  "resolution_median_days": None, "resolution_p90_days": 30.55}])
    assert layout(fig) == ("Time to acknowledgement and to resolution", "month of submission", "days")
    assert traces(fig) == [("scatter", "To acknowledgement, median"), ("scatter", "To acknowledgement, p90"),
                           ("scatter", "To resolution, median"), ("scatter", "To resolution, p90")]
    assert list(fig.data[0].y) == [2.0] and list(fig.data[2].y) == [None]


def test_ageing():
    fig = charts.ageing([{"age": "0-7 days", "open": 5, "overdue": 1}, {"age": "8-30 days", "open": 3, "overdue": 3}])
    assert layout(fig) == ("Open suggestions by age", "age since submission", "suggestions")
    assert traces(fig) == [("bar", "Open"), ("bar", "Overdue for acknowledgement")]
    assert list(fig.data[1].y) == [1, 3]


def test_categories_most_first():
    fig = charts.categories([{"category": "policy", "suggestions": 2}, {"category": "system", "suggestions": 9}])
    assert layout(fig) == ("Suggestions by category", "category", "suggestions")
    assert traces(fig) == [("bar", "suggestions")]
    assert list(fig.data[0].x) == ["system", "policy"]


def test_escalations_stacked_by_level():
    fig = charts.escalations([{"month": M1, "level": "leadership", "escalations": 1},
                              {"month": M1, "level": "region", "escalations": 4},
                              {"month": M2, "level": "region", "escalations": 2}])
    assert layout(fig) == ("Escalations per month by level", "month", "escalations")
    assert traces(fig) == [("bar", "To region"), ("bar", "To leadership")]
    assert fig.layout.barmode == "stack"


def test_minutes_coverage_heatmap_offices_by_months():
    rows = [{"region": "Europe", "office": "Dublin", "month": date(2026, 1, 1), "meetings": 3},
            {"region": "Europe", "office": "Dublin", "month": date(2026, 2, 1), "meetings": 0},
            {"region": "Europe", "office": "Lisbon", "month": date(2026, 1, 1), "meetings": 1}]
    fig = charts.minutes_coverage(rows)
    assert layout(fig) == ("Minutes coverage: meetings per office and month", "month", "office")
    assert traces(fig) == [("heatmap", "meetings")]
    heat = fig.data[0]
    assert list(heat.y) == ["Lisbon", "Dublin"] and list(heat.x) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert [list(r) for r in heat.z] == [[1, 0], [3, 0]]  # a month without a row shows 0
    assert heat.colorbar.title.text == "meetings"


def test_problems_discussed_and_actions_on_time():
    rows = [{"month": M1, "meetings": 4, "problems": 6, "actions_on_time_pct": 75.0},
            {"month": M2, "meetings": 2, "problems": 1, "actions_on_time_pct": None}]
    fig = charts.problems_discussed(rows)
    assert layout(fig) == ("Problems discussed in meetings per month", "month", "problems discussed")
    assert traces(fig) == [("bar", "problems discussed")] and list(fig.data[0].y) == [6, 1]
    fig = charts.actions_on_time(rows)
    assert layout(fig) == ("Meeting actions closed on time per month", "month the action fell due", "% of actions due")
    assert traces(fig) == [("scatter", "closed on time")] and list(fig.data[0].y) == [75.0, None]


def test_responsiveness_vs_morale_scatter():
    fig = charts.responsiveness_vs_morale([{"team": "Billing, Dublin", "ack_days": 2.26, "mood": 3.8},
                                           {"team": "Onboarding, Lisbon", "ack_days": 9.0, "mood": 3.1}])
    assert layout(fig) == ("Responsiveness vs morale per team", "median days to acknowledgement",
                           "mood (1 = very low, 5 = very high)")
    assert traces(fig) == [("scatter", "teams")]
    assert list(fig.data[0].x) == [2.3, 9.0] and list(fig.data[0].text) == ["Billing, Dublin", "Onboarding, Lisbon"]
    offices = charts.responsiveness_vs_morale([{"office_id": 4, "office": "Dublin", "ack_days": 1.5, "mood": 3.2}])
    assert layout(offices)[0] == "Responsiveness vs morale per office"
    assert traces(offices) == [("scatter", "offices")] and list(offices.data[0].text) == ["Dublin"]


def test_names_are_shown_literally_never_as_plotly_markup():
    name = '<a href="http://example.invalid">Billing</a>'
    escaped = "&lt;a href=\"http://example.invalid\"&gt;Billing&lt;/a&gt;"
    rows = [{"starts_on": P1, "group": name, "suppressed": False, "mood": 3.0, "enps": 0}]
    assert charts.morale_trend(rows).data[0].name == escaped
    assert list(charts.categories([{"category": name, "suggestions": 1}]).data[0].x) == [escaped]
    assert list(charts.minutes_coverage([{"office": name, "month": M1, "meetings": 1}]).data[0].y) == [escaped]
    assert list(charts.responsiveness_vs_morale([{"team": name, "ack_days": 1, "mood": 3}]).data[0].text) == [escaped]


CHARTS = [charts.morale_trend, charts.enps_trend, charts.participation_rate, charts.funnel,
          charts.submitted_vs_implemented, charts.response_times, charts.ageing, charts.categories,
          charts.escalations, charts.minutes_coverage, charts.problems_discussed, charts.actions_on_time,
          charts.responsiveness_vs_morale]


@pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("empty", [[], None, pd.DataFrame()], ids=["list", "none", "frame"])
def test_empty_data_gives_a_titled_figure_that_says_so(chart, empty):
    fig = chart(empty)
    assert isinstance(fig, go.Figure) and fig.layout.title.text and fig.layout.yaxis.title.text
    assert is_empty(fig)


def test_only_suppressed_points_is_no_data():
    fig = charts.morale_trend([{"starts_on": P1, "group": "Europe", "suppressed": True, "responses": None}])
    assert is_empty(fig)
