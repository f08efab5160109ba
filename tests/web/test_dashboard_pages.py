"""The service dashboard's pages over two weeks of history made through the services (SQLite and PostgreSQL):
the charts carry the service's numbers, a filter changes them, bad filters are shown on their field with what was
typed, the CSV links, the fill-rate curve loaded after the page, the recomputation as a job with its progress,
and nobody but managers and admin sees any of it."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest

from ordercare.domain.access import SYSTEM
from ordercare.metrics.periods import ReportRequest
from ordercare.services.kpi_trend import kpi_trend
from ordercare.services.profitability import profitability_report
from tests.services.dashboard_history import service_history
from tests.web.billing_world import field_error, wait_for_job
from tests.web.conftest import Web

PERIOD = {"from": "2026-03-02", "to": "2026-03-15"}


@pytest.fixture
def history(web: Web):
    return web, service_history(web.env)


def chart(html: str, attribute: str, element_id: str) -> dict:
    m = re.search(rf'id="{element_id}" {attribute}="([^"]*)"', html)
    assert m, f"no {element_id} in the page"
    return json.loads(unescape(m.group(1)))


def series(spec: dict) -> dict[str, list]:
    return {s["label"]: s["values"] for s in spec["series"]}


def test_the_charts_carry_the_services_numbers(history):
    web, h = history
    r = web.get("manager", "/dashboard", params=PERIOD)
    assert r.status_code == 200, r.text
    want = kpi_trend(web.env.uow, web.env.clock, SYSTEM, ReportRequest(h.first, h.last))
    fill = chart(r.text, "data-trend-chart", "chart-fill")
    assert len(fill["x"]) == 14 and fill["labels"][0] == "2026-03-02"
    assert series(fill)["Order fill rate"] == [p["fill"]["order"]["rate"] for p in want["points"]]
    assert series(fill)["Order fill rate"][:3] == [0.75, 1.0, None]  # None: no orders that day, drawn as a gap
    perfect = series(chart(r.text, "data-trend-chart", "chart-perfect"))
    assert perfect["OTIF"][:2] == [1.0, 0.0] and perfect["Perfect orders"][1] == 0.0
    cycle = series(chart(r.text, "data-trend-chart", "chart-cycle"))
    assert (cycle["Mean"][1], cycle["p95"][1], cycle["Std deviation"][1]) == (3.0, 3.0, 0.0)
    sla = series(chart(r.text, "data-trend-chart", "chart-sla"))
    assert sla["First response"][:5] == [None, 1.0, None, None, 0.0]
    csat = series(chart(r.text, "data-trend-chart", "chart-csat"))
    assert set(csat) == {"All touchpoints", "Delivery", "Invoice"}  # the touchpoints answered in the period
    assert csat["Delivery"][1] == 1.0 and csat["Delivery"][4] == 0.0 and csat["Invoice"][4] == 0.0
    # The table beside the chart holds the same numbers.
    table = re.search(r'id="chart-fill-table">(.*?)</table>', r.text, re.S).group(1)
    assert "75.0 %" in table and "n/a" in table
    # Targets per segment against results; the matrix with every customer of the period.
    assert re.search(r'data-segment="B"><td>B</td><td class="num">4</td>', r.text)
    zones = chart(r.text, "data-zone-chart", "zone-chart")
    report = profitability_report(web.env.uow, web.env.clock, SYSTEM, date_from=h.first, date_to=h.last)
    assert sorted(p["customer"] for p in zones["points"]) == ["BUILD", "ENGINEER", "PROTECT", "SMALL"]
    assert zones["thresholds"]["x"] == float(report["thresholds"]["net_sales_value"])
    assert [z["name"] for z in zones["zones"]] == ["Protect", "Build", "Cost Engineer", "Danger Zone"]
    assert 'hx-get="/dashboard/fill-rate-curve"' in r.text


def test_a_filter_changes_what_is_drawn(history):
    web, _ = history
    seg_b = web.get("manager", "/dashboard", params={**PERIOD, "slice": "segment", "key": "B"})
    assert seg_b.status_code == 200
    assert series(chart(seg_b.text, "data-trend-chart", "chart-fill"))["Order fill rate"][:2] == [0.5, 1.0]
    sku = web.get("manager", "/dashboard", params={**PERIOD, "slice": "product", "key": "SKU-A", "trend": "week"})
    fill = chart(sku.text, "data-trend-chart", "chart-fill")
    assert "Order fill rate" not in series(fill) and len(fill["x"]) == 2  # a product slices lines; two weeks
    assert "not measured for this slice" in sku.text and 'id="chart-sla"' not in sku.text
    assert 'value="SKU-A"' in sku.text and '<option value="product" selected>' in sku.text


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "soon"}, "from", "must be a date (YYYY-MM-DD)"),
    ({"from": "2026-03-20", "to": "2026-03-01"}, "from", "2026-03-20 is after to (2026-03-01)"),
    ({"slice": "colour"}, "slice", None),
    ({"slice": "segment", "key": "Z"}, "key", "no segment 'Z'"),
    ({"slice": "warehouse"}, "key", "name the warehouse whose trend to draw"),
    ({"slice": "customer", "key": "NOBODY"}, "key", "no customer with code 'NOBODY'"),
    ({"from": "2024-01-01", "to": "2026-03-01", "trend": "day"}, "trend", None),
    ({"trend": "hourly"}, "trend", "one of day, week, month"),
    ({"from": "0001-01-01", "to": "0001-01-31"}, "from", "a day from 1900-01-01 on"),
    ({"to": "0001-01-05"}, "from", "a day from 1900-01-01 on"),
])
def test_bad_filters_are_shown_on_their_field_with_what_was_typed(history, params, field, message):
    web, _ = history
    web.as_("manager")  # signed in before the snapshot: a session is no change of the dashboard's
    before = web.api.snapshot()
    r = web.get("manager", "/dashboard", params=params)
    assert r.status_code == 422
    shown = field_error(r.text, field)
    assert shown and (message is None or shown == message), shown
    for name, value in params.items():
        if name not in ("slice", "trend"):  # chosen from a list, not typed: a foreign value can only be offered
            assert f'value="{value}"' in r.text
    assert "Traceback" not in r.text and 'data-trend-chart' not in r.text
    assert web.api.snapshot() == before
    csv_page = web.get("manager", "/dashboard/trend.csv", params=params)
    assert csv_page.status_code == 422 and field_error(csv_page.text, field) == shown


def test_csv_of_the_trend_and_of_the_matrix(history):
    web, _ = history
    r = web.get("manager", "/dashboard/trend.csv", params={**PERIOD, "trend": "week"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["period"], x["volume.orders"], x["cases.cases"]) for x in rows] == [("2026-03-02", "6", "2"),
                                                                                   ("2026-03-09", "2", "0")]
    page = web.get("manager", "/dashboard", params={**PERIOD, "trend": "week"})
    assert 'href="/dashboard/trend.csv?from=2026-03-02&amp;to=2026-03-15&amp;trend=week"' in page.text
    z = web.get("admin", "/dashboard/profitability.csv", params=PERIOD)
    assert z.status_code == 200
    assert sorted(x["customer"] for x in csv.DictReader(io.StringIO(z.text))) == ["BUILD", "ENGINEER", "PROTECT",
                                                                                  "SMALL"]


def test_the_fill_rate_curve_after_the_page(history):
    web, _ = history
    part = web.get("manager", "/dashboard/fill-rate-curve", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    spec = chart(part.text, "data-curve-chart", "curve-chart")
    assert len(spec["x"]) == len(spec["y"]) >= 10
    assert spec["x"] == sorted(spec["x"]) and spec["x"][0] < spec["x"][-1]  # more service costs more stock
    whole = web.get("manager", "/dashboard/fill-rate-curve")
    assert "<html" in whole.text and 'id="curve-table"' in whole.text


def test_recomputing_the_measures_is_a_job_with_progress(history):
    web, _ = history
    page = web.get("admin", "/dashboard", params=PERIOD)
    assert 'action="/dashboard/rebuild"' in page.text
    assert 'action="/dashboard/rebuild"' not in web.get("manager", "/dashboard").text  # admin only
    assert web.post("manager", "/dashboard/rebuild").status_code == 403
    r = web.post("admin", "/dashboard/rebuild")
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    done = wait_for_job(web, "admin", r.headers["location"])
    assert 'data-status="done"' in done.text
    assert "8 order(s) and 2 case(s) read; the facts of 0 order(s) changed" in done.text
    again = web.get("manager", "/dashboard", params=PERIOD)  # the same numbers after the recomputation
    assert chart(again.text, "data-trend-chart", "chart-fill") == chart(page.text, "data-trend-chart", "chart-fill")


@pytest.mark.parametrize("who", ["cs_agent", "warehouse", "finance", "cust1"])
def test_only_managers_and_admin_see_the_dashboard(history, who):
    web, _ = history
    for url in ("/dashboard", "/dashboard/trend.csv", "/dashboard/profitability.csv", "/dashboard/fill-rate-curve"):
        r = web.get(who, url)
        assert r.status_code == 403, url
        assert "data-trend-chart" not in r.text and "PROTECT" not in r.text
    assert ">Dashboard</a>" not in web.get(who, "/").text
    assert ">Dashboard</a>" in web.get("manager", "/").text
