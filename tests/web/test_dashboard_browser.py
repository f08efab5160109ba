"""The service dashboard in a real browser (Chromium via Playwright) over two weeks of history made through the
services: a manager sees the trend charts drawn by the vendored uPlot from the app's own static script, the
profitability matrix with one point per customer, the zone labels and thresholds, and the fill-rate curve loaded
after the page; a filter changes what is drawn; a bad filter is shown on its field; the recomputation runs as a
job whose progress the page polls; a customer and a service agent cannot see any of it.

The server and the browser are test_browser.py's fixtures: one of each for this module too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from ordercare.domain.access import SYSTEM
from ordercare.metrics.periods import ReportRequest
from ordercare.services.auth import create_user
from ordercare.services.kpi_trend import kpi_trend
from ordercare.services.profitability import profitability_report
from ordercare.store.tables import orders, users
from tests.services.dashboard_history import service_history
from tests.web import test_browser as tb
from tests.web.conftest import password_hash

site, browser = tb.site, tb.browser
PERIOD = "from=2026-03-02&to=2026-03-15"
ZONES = {"Protect", "Build", "Cost Engineer", "Danger Zone"}


@pytest.fixture(scope="module")
def history(site):
    env = site["env"]
    h = service_history(env)

    def people(conn):
        for name, role in (("boss", "manager"), ("agent", "cs_agent")):
            create_user(conn, env.clock, username=name, role=role)
        conn.execute(update(users).where(users.c.username.in_(("boss", "agent")))
                     .values(password_hash=password_hash()))
    env.uow.run(people)
    return h


def _not_null(values) -> int:
    return sum(v is not None for v in values)


def test_a_manager_sees_the_charts_drawn_and_a_filter_changes_them(browser, site, history):
    base = site["base"]
    page = tb._page(browser, site, "boss")
    page.click("nav >> text=Dashboard")
    page.wait_for_selector("#chart-fill .uplot canvas")
    page.goto(f"{base}/dashboard?{PERIOD}")
    page.wait_for_selector("#chart-csat[data-drawn=true]")
    assert page.locator("figure[data-trend-chart][data-drawn=true]").count() == 5
    for chart_id in ("chart-fill", "chart-perfect", "chart-cycle", "chart-sla", "chart-csat"):
        box = page.locator(f"#{chart_id} canvas").first.bounding_box()
        assert box["width"] > 250 and box["height"] > 150, chart_id
    legend = page.inner_text("#chart-fill .u-legend")
    assert all(s in legend for s in ("Unit fill rate", "Line fill rate", "Order fill rate"))
    assert "p95" in page.inner_text("#chart-cycle .u-legend") and "Mean" in page.inner_text("#chart-cycle .u-legend")
    # What uPlot holds is what the service measured: every day's value that is not n/a.
    want = kpi_trend(site["env"].uow, site["env"].clock, SYSTEM, ReportRequest(history.first, history.last))
    expected = sum(_not_null([p["fill"][k]["rate"] for p in want["points"]]) for k in ("unit", "line", "order"))
    assert int(page.get_attribute("#chart-fill", "data-points")) == expected > 0

    # The matrix: one point per customer listed, the four zones named on the plot, the thresholds drawn in it.
    page.wait_for_selector("#zone-chart[data-drawn=true]")
    customers = page.locator("#zone-points tbody tr").count()
    matrix = profitability_report(site["env"].uow, site["env"].clock, SYSTEM, date_from=history.first,
                                  date_to=history.last)
    assert customers == len(matrix["points"]) >= 5  # the history's four and the site's CUST2
    assert int(page.get_attribute("#zone-chart", "data-points")) == customers
    labels = page.locator("#zone-chart .zone-label").all_inner_texts()
    assert set(labels) == ZONES
    plot = page.locator("#zone-chart .u-over").bounding_box()
    for line in ("#zone-chart .threshold-x", "#zone-chart .threshold-y"):
        box = page.locator(line).bounding_box()
        assert plot["x"] <= box["x"] <= plot["x"] + plot["width"] and plot["y"] <= box["y"] <= plot["y"] + plot[
            "height"], line
    legend = page.inner_text("#zone-chart .u-legend")
    assert all(z in legend for z in ZONES)

    # The curve comes after the page (htmx) and is drawn when it lands.
    page.wait_for_selector("#curve-chart[data-drawn=true]")
    assert int(page.get_attribute("#curve-chart", "data-points")) == page.locator("#curve-table tbody tr").count() >= 10
    tb._shot(page, "24-dashboard")

    before = page.text_content("#chart-fill-table tbody tr")
    page.select_option("select[name=slice]", "segment")
    page.fill("input[name=key]", "B")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("h1:has-text('segment B')")
    page.wait_for_selector("#chart-fill[data-drawn=true]")
    after = page.text_content("#chart-fill-table tbody tr")
    assert "75.0 %" in before and "50.0 %" in after  # day 0: 3 of 4 orders filled; of segment B's 2, one
    seg = kpi_trend(site["env"].uow, site["env"].clock, SYSTEM,
                    ReportRequest(history.first, history.last, slice="segment"), key="B")
    expected = sum(_not_null([p["fill"][k]["rate"] for p in seg["points"]]) for k in ("unit", "line", "order"))
    assert int(page.get_attribute("#chart-fill", "data-points")) == expected
    assert page.input_value("input[name=key]") == "B"
    tb._shot(page, "25-dashboard-segment-b")

    page.fill("input[name=key]", "Z")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#err-key")
    assert page.inner_text("#err-key") == "no segment 'Z'" and page.input_value("input[name=key]") == "Z"
    assert page.locator("figure[data-trend-chart]").count() == 0
    tb._shot(page, "26-dashboard-bad-filter")
    page.context.close()


def test_the_recomputation_shows_its_progress(browser, site, history):
    page = tb._page(browser, site, "admin")
    page.goto(f"{site['base']}/dashboard?{PERIOD}")
    page.click("button:has-text('Recompute the measures')")
    page.wait_for_selector(".job[data-status=done]", timeout=60_000)  # polled by htmx until the job ends
    with site["env"].uow.read() as conn:
        placed = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    assert f"{placed} order(s) and 2 case(s) read; the facts of 0 order(s) changed" in page.inner_text(
        "#rebuild-result")
    assert page.get_attribute("progress", "value") == page.get_attribute("progress", "max")
    tb._shot(page, "27-recompute-job")
    page.context.close()


@pytest.mark.parametrize("who", ["buyer1", "agent"])
def test_others_cannot_see_the_dashboard(browser, site, history, who):
    page = tb._page(browser, site, who)
    assert page.locator("nav >> text=Dashboard").count() == 0
    response = page.goto(f"{site['base']}/dashboard?{PERIOD}")
    assert response.status == 403
    assert page.locator("figure[data-trend-chart]").count() == 0 and "PROTECT" not in page.inner_text("body")
    page.context.close()
