"""GET /api/v1/reports/kpis and /reports/pareto: JSON, CSV and Excel, bad input named by field, empty periods."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from ordercare.domain.access import SYSTEM
from ordercare.metrics.periods import ReportRequest
from ordercare.services import shipping
from ordercare.services.measure_report import kpi_report
from ordercare.services.shipping import DeliveryException
from tests.api.conftest import assert_error
from tests.factories import carriers
from tests.services.measure_helpers import release_and_pick, ship_all, shipment_lines_of

V1 = "/api/v1"
PERIOD = "from=2026-03-01&to=2026-03-31"


def _history(api) -> None:
    """Two orders of CUST1 and one of CUST2 placed over the API; one unit of CUST1's first order arrives
    damaged."""
    carriers(api.env)
    api.place("cs_agent", lines=[("SKU-A", 2)])
    api.place("cs_agent", lines=[("SKU-A", 1)])
    api.place("cs_agent", customer="CUST2", lines=[("SKU-A", 3)])
    shipments = release_and_pick(api.env, "NEAR")
    ship_all(api.env, shipments)
    api.env.clock.advance(days=1)
    for sid in shipments:
        lines = shipment_lines_of(api.env, sid)
        shipping.deliver(api.env.uow, api.env.clock, api.env.actor, sid, received_by="Goods-in",
                         exceptions=[DeliveryException(lines[0].id, damaged=1)] if len(lines) == 2 else [])


def test_the_report_as_json_csv_and_excel(api):
    _history(api)
    r = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&trend=month")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31", "days": 31, "cohort": "order day (UTC)"}
    assert body["total"]["volume"]["orders"] == 3 and body["total"]["fill"]["order"]["rate"] == 1.0
    po = body["total"]["perfect_order"]["order"]
    assert po["measured"] == {"rate": pytest.approx(2 / 3), "count": 2, "of": 3}
    assert po["components"]["damage_free"]["count"] == 2 and po["product_of_components"] == pytest.approx(2 / 3)
    assert [(row["label"], row["volume"]["orders"]) for row in body["rows"]] == [
        ("CUST1 Customer CUST1", 2), ("CUST2 Customer CUST2", 1)]
    assert [s["period"] for s in body["series"]] == ["2026-03-01"]
    assert body["total"]["on_time"]["order"]["vs_requested"]["rate"] is None  # null, not an error
    r = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [(t["slice"], t["label"], t["volume.orders"]) for t in table] == [
        ("total", "all", "3"), ("customer", "CUST1 Customer CUST1", "2"), ("customer", "CUST2 Customer CUST2", "1")]
    assert float(table[0]["perfect_order.order.product_of_components"]) == pytest.approx(2 / 3)
    assert table[1]["delivery_exceptions.units_damaged"] == "1" and table[2]["fill.order.rate"] == "1.0"
    x = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&format=xlsx")
    assert x.status_code == 200 and x.content[:4] == b"PK\x03\x04"


def _as_sent(value):
    """What the API's JSON holds for a value of the service's report: money as its exact digits, dates ISO."""
    if isinstance(value, dict):
        return {k: _as_sent(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_sent(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def test_the_json_is_the_service_report_with_money_as_exact_digits(api):
    _history(api)
    r = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&trend=week")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    report = kpi_report(api.env.uow, api.env.clock, SYSTEM, ReportRequest(date(2026, 3, 1), date(2026, 3, 31),
                                                                          slice="customer", trend="week"))
    assert r.json() == _as_sent(report)
    row = r.json()["rows"][0]
    money = (row["dso"]["receivables_at_end"], row["dso"]["credit_sales"], row["cases"]["cost_of_service_failures"])
    assert all(isinstance(m, str) and m.split(".")[1].isdigit() and len(m.split(".")[1]) == 2 for m in money), money
    assert Decimal(money[1]) > 0  # the order that was shipped is a credit sale


def test_a_limit_keeps_the_largest_values_and_adds_up_the_rest_in_json_and_csv(api):
    _history(api)
    body = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&limit=1").json()
    assert (body["sort"], body["limit"], body["slice_values"]) == ("volume", 1, 2)
    assert [row["label"] for row in body["rows"]] == ["CUST1 Customer CUST1"]
    assert (body["others"]["label"], body["others"]["volume"]["orders"]) == ("others (1)", 1)
    worst = api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&sort=perfect_order").json()
    assert [row["label"] for row in worst["rows"]] == ["CUST1 Customer CUST1", "CUST2 Customer CUST2"]
    table = list(csv.DictReader(io.StringIO(
        api.get("manager", f"{V1}/reports/kpis?{PERIOD}&slice=customer&limit=1&format=csv").text)))
    assert [(t["slice"], t["key"], t["label"], t["volume.orders"]) for t in table] == [
        ("total", "", "all", "3"), ("customer", table[1]["key"], "CUST1 Customer CUST1", "2"),
        ("customer", "", "others (1)", "1")]


def test_the_pareto_as_json_and_csv(api):
    _history(api)
    body = api.get("admin", f"{V1}/reports/pareto?{PERIOD}").json()
    assert body["failures"] == 1
    assert [(d["department"], d["by_kind"]) for d in body["departments"]] == [("transport", {"damaged": 1})]
    r = api.get("admin", f"{V1}/reports/pareto?{PERIOD}&format=csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(t["department"], t["failures"], t["damaged"], t["cumulative_share"]) for t in rows] == [
        ("transport", "1", "1", "1.0")]


def test_the_file_exporter_lists_every_slice(api):
    _history(api)
    r = api.get("admin", f"{V1}/exports/service_kpis?date_from=2026-03-01&date_to=2026-03-31")
    assert r.status_code == 200, r.text
    table = list(csv.DictReader(io.StringIO(r.text)))
    slices = [t["slice"] for t in table]
    assert slices[0] == "total" and {"customer", "segment", "product", "warehouse", "carrier", "channel",
                                     "customer_kind", "package"} <= set(slices)
    assert sum(int(t["volume.lines"]) for t in table if t["slice"] == "product") == 3
    assert_error(api.get("admin", f"{V1}/exports/service_kpis"), 422, "period_required", field="date_from")
    assert api.get("admin", f"{V1}/exports/service_pareto?date_from=2026-03-01&date_to=2026-03-31").status_code == 200


def test_an_empty_period_is_zeros_and_nulls(api):
    body = api.get("manager", f"{V1}/reports/kpis?from=2025-01-01&to=2025-01-31&slice=segment&trend=week").json()
    assert body["rows"] == [] and body["total"]["volume"]["orders"] == 0
    assert body["total"]["fill"]["unit"] == {"rate": None, "count": 0, "of": 0}
    assert body["total"]["cycle_time"]["ordered_to_delivered"]["p95"] is None
    assert all(s["volume"]["orders"] == 0 for s in body["series"])
    assert api.get("manager", f"{V1}/reports/pareto?from=2025-01-01&to=2025-01-31").json()["departments"] == []


@pytest.mark.parametrize("query, code, field", [
    ("slice=colour", "unknown_slice", "slice"),
    ("from=2026-04-01&to=2026-03-01", "invalid_period", "from"),
    ("from=2026-13-01", "invalid_request", "from"),
    ("to=yesterday", "invalid_request", "to"),
    ("fill_rule=eventually", "unknown_fill_rule", "fill_rule"),
    ("trend=decade", "unknown_trend", "trend"),
    ("format=pdf", "invalid_request", "format"),
    ("from=2000-01-01&to=2026-01-01", "period_too_long", "to"),
    ("customer=NOBODY", "unknown_customer", "customer"),
    ("slice=customer&limit=0", "invalid_limit", "limit"),
    ("slice=customer&limit=lots", "invalid_request", "limit"),
    ("slice=customer&sort=colour", "unknown_sort", "sort"),
    ("from=9999-12-01&to=9999-12-31", "date_out_of_range", "to"),  # was a 500: the day after it is no date
    ("to=0001-01-05", "date_out_of_range", "from"),  # was a 500: 30 days before it is no date
])
def test_bad_input_names_the_field(api, query, code, field):
    before = api.snapshot()
    assert_error(api.get("manager", f"{V1}/reports/kpis?{query}"), 422, code, field=field)
    assert api.snapshot() == before


def test_the_pareto_counts_orders_so_line_slices_are_refused(api):
    assert_error(api.get("manager", f"{V1}/reports/pareto?slice=product"), 422, "slice_not_order_level",
                 field="slice")
    assert_error(api.get("manager", f"{V1}/reports/pareto?key=B"), 422, "key_without_slice", field="key")


def test_the_kpi_trend_as_json_and_csv(api):
    _history(api)
    r = api.get("manager", f"{V1}/reports/kpi-trend?from=2026-03-02&to=2026-03-15&slice=segment&key=B")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["bucket"], body["slice"], body["key"]) == ("day", "segment", "B")
    assert [p["volume"]["orders"] for p in body["points"]][:2] == [3, 0]
    assert body["points"][0]["perfect_order"]["order"]["measured"] == {"rate": pytest.approx(2 / 3), "count": 2,
                                                                      "of": 3}
    weeks = api.get("manager", f"{V1}/reports/kpi-trend?from=2026-03-02&to=2026-03-15&trend=week&format=csv")
    assert weeks.status_code == 200 and weeks.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(weeks.text)))
    assert [(t["period"], t["to"], t["volume.orders"]) for t in table] == [("2026-03-02", "2026-03-08", "3"),
                                                                           ("2026-03-09", "2026-03-15", "0")]
    assert table[0]["delivery_exceptions.units_damaged"] == "1" and table[1]["fill.order.rate"] == ""


@pytest.mark.parametrize("query, code, field", [
    ("slice=segment&key=Z", "unknown_key", "key"),
    ("slice=product", "key_required", "key"),
    ("key=B", "key_without_slice", "key"),
    ("slice=customer&key=NOBODY", "unknown_customer", "key"),
    ("trend=hour", "unknown_trend", "trend"),
    ("from=2024-01-01&to=2026-01-01&trend=day", "too_many_buckets", "trend"),
    ("from=2026-04-01&to=2026-03-01", "invalid_period", "from"),
    ("from=9999-12-01&to=9999-12-31", "date_out_of_range", "to"),
])
def test_kpi_trend_bad_input_names_the_field(api, query, code, field):
    before = api.snapshot()
    assert_error(api.get("manager", f"{V1}/reports/kpi-trend?{query}"), 422, code, field=field)
    assert api.snapshot() == before
