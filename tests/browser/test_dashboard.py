"""The leader's dashboards in a real browser: Plotly draws the charts and a chart's CSV downloads."""

from __future__ import annotations

import csv
import io
import re
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
    # after that rerun every filter still reads "All ...", and none offers to clear itself to "Choose an option"
    for label, every in (("Region", "All regions"), ("Office", "All offices"), ("Category", "All categories")):
        box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
        expect(box.get_by_role("combobox")).to_have_value(every)
        box.hover()
        expect(box.get_by_role("button", name="Clear value")).to_have_count(0)
    print(f"the leader's dashboard round trip took {time.monotonic() - started:.1f} s")  # a figure, not a pass mark


def test_a_number_in_a_drill_down_list_opens_that_suggestion_in_a_new_tab(app_server, page):
    """The list behind a chart is not a dead end: its numbers are links (the grid draws them on a canvas, so
    only a browser shows that a click opens the suggestion, signed in through the session cookie)."""
    sign_in(page, app_server.url, "manager@demo.board")
    open_page(page, f"{app_server.url}/dashboard")
    page.get_by_role("tab", name="Suggestions", exact=True).click()
    wait_idle(page)
    page.get_by_label("Show the list behind: status", exact=True).click()
    page.keyboard.type("New")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("Select a number to open that suggestion in a new tab.")).to_be_visible()
    grid = page.locator('[data-testid="stDataFrame"]:visible').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    first_number = (box["x"] + 15, box["y"] + 35 + 17)  # the "#" column of the first row, under the header
    page.mouse.move(*first_number)
    with page.context.expect_page() as opened:
        page.mouse.click(*first_number)
    tab = opened.value
    wait_idle(tab)
    suggestion_id = re.fullmatch(rf"{re.escape(app_server.url)}/suggestion\?id=(\d+)", tab.url)
    assert suggestion_id, tab.url
    expect(tab.get_by_role("heading", name=f"Suggestion #{suggestion_id.group(1)}")).to_be_visible()
    tab.close()
