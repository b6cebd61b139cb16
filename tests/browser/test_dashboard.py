"""The leader's dashboards in a real browser: Plotly draws the charts and a chart's CSV downloads."""

from __future__ import annotations

import csv
import io
import time

from playwright.sync_api import expect

from tests.browser.conftest import open_page, sign_in, wait_idle
from tests.support.browser import download_first_visible_csv

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def test_leader_dashboard_draws_charts_and_downloads_a_csv(app_server, page, tmp_path):
    started = time.monotonic()
    sign_in(page, app_server.url, "leader@demo.board")
    open_page(page, f"{app_server.url}/dashboard")
    expect(page.get_by_role("heading", name="Dashboards")).to_be_visible()
    chart = page.locator(CHART).first
    expect(chart).to_be_visible()
    expect(chart.locator(".main-svg").first).to_be_attached()  # Plotly has drawn into it
    expect(page.get_by_text("Mood per pulse period").first).to_be_visible()

    name, text = download_first_visible_csv(page, tmp_path)
    rows = list(csv.reader(io.StringIO(text)))
    assert name == "mood.csv" and rows[0] == ["period", "group", "responses", "mood", "eNPS"]
    assert len(rows) > 1 and not any(cell.startswith("'") for row in rows for cell in row)  # numbers stay numbers

    page.get_by_role("tab", name="Suggestions", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Suggestion funnel: suggestions by status").first).to_be_visible()
    name, text = download_first_visible_csv(page, tmp_path)
    assert name == "funnel.csv" and text.splitlines()[0] == "status,suggestions"
    print(f"the leader's dashboard round trip took {time.monotonic() - started:.1f} s")  # a figure, not a pass mark
