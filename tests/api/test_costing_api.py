"""Cost-to-serve, profitability, the what-if, the service gaps and their data over HTTP: shapes for the dashboard,
files, bad input named by field and changing nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from tests.api.conftest import assert_error

V1 = "/api/v1"
D = Decimal


def _no_nan(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(f"{c} in the answer")))


def test_cost_to_serve_and_the_matrix_for_the_dashboard(api):
    api.place("cs_agent", lines=[("SKU-A", 2)], channel="phone")
    api.place("cust1", lines=[("SKU-A", 1)], channel="portal")
    api.place("cs_agent", customer="CUST2", lines=[("SKU-A", 50)], channel="edi")
    r = api.get("manager", f"{V1}/analytics/cost-to-serve")
    assert r.status_code == 200, r.text
    body = _no_nan(r.text)
    rows = {i["customer"]: i for i in body["items"]}
    entry = {a["activity"]: a for a in rows["CUST1"]["activities"]}["order_entry"]
    assert entry["cost"] == "18.00" and {d["qualifier"]: d["cost"] for d in entry["detail"]} == {
        "phone": "15.00", "portal": "3.00"}
    assert {a["activity"] for a in body["activities"]} == {a["activity"] for a in rows["CUST1"]["activities"]}
    assert body["total"]["by_activity"]["order_entry"] == "18.50"  # + CUST2's EDI order at 0.50

    m = _no_nan(api.get("manager", f"{V1}/analytics/profitability").text)
    assert set(m["thresholds"]) >= {"net_sales_value", "cost_to_serve", "value_source", "cost_source"}
    assert {(p["customer"], p["zone"] in ("protect", "build", "cost_engineer", "danger_zone")) for p in m["points"]} \
        == {("CUST1", True), ("CUST2", True)}
    assert all({"x", "y", "zone", "customer", "recommendations", "movement"} <= set(p) for p in m["points"])

    f = api.get("manager", f"{V1}/analytics/cost-to-serve", params={"format": "csv"})
    assert f.status_code == 200 and f.headers["content-type"].startswith("text/csv")
    table = {row["customer"]: row for row in csv.DictReader(io.StringIO(f.text))}
    assert table["CUST1"]["order_entry_cost"] == "18.00" and table["CUST2"]["cost_per_order"] == "0.50"
    x = api.get("manager", f"{V1}/analytics/profitability", params={"format": "xlsx"})
    assert x.status_code == 200 and x.content.startswith(b"PK")


def test_what_if_over_http(api):
    for _ in range(3):
        api.place("cs_agent", lines=[("SKU-A", 1)], channel="phone")
    r = api.get("manager", f"{V1}/analytics/cost-to-serve/what-if",
                params={"customer": "CUST1", "channel": "portal", "orders": 1})
    assert r.status_code == 200, r.text
    body = _no_nan(r.text)
    assert (body["current"]["activities"]["order_entry"], body["what_if"]["activities"]["order_entry"]) == (
        "45.00", "3.00")
    assert body["change"] == "-42.00" and "becomes" in body["statement"]
    for params, code, field in [
        ({"customer": "CUST1", "frequency": "hourly"}, "unknown_frequency", "frequency"),
        ({"customer": "CUST1", "frequency": "weekly", "orders": 2}, "conflicting_scenario", "orders"),
        ({"customer": "CUST1", "channel": "fax"}, "unknown_channel", "channel"),
        ({"customer": "CUST2"}, "no_orders_in_period", "customer"),
        ({"customer": "NOPE"}, "unknown_customer", "customer"),
    ]:
        assert_error(api.get("manager", f"{V1}/analytics/cost-to-serve/what-if", params=params), 422, code,
                     field=field)
    assert_error(api.get("manager", f"{V1}/analytics/cost-to-serve/what-if"), 422)  # customer is required


def test_bad_input_is_named_and_changes_nothing(api):
    before = api.snapshot()
    data = api.get("manager", f"{V1}/analytics/costing").json()
    for url, body, code, field in [
        ("/analytics/costing/rates/order_entry", {"rates": [{"qualifier": "phone", "rate": "-1"}]}, "negative_rate",
         "rates[0].rate"),
        ("/analytics/costing/rates/order_entry", {"rates": [{"qualifier": "phone", "rate": "2"},
                                                            {"qualifier": "edi", "pool_cost": "-9",
                                                             "driver_volume": "3"}]},
         "negative_rate", "rates[1].pool_cost"),
        ("/analytics/costing/rates/flying", {"rates": [{"rate": "1"}]}, "unknown_activity", "activity"),
        ("/analytics/costing/case-minutes", {"minutes": [{"kind": "event", "code": "note", "minutes": "-3"}]},
         "negative_rate", "minutes[0].minutes"),
        ("/service-packages/Z/delivery-window", {"basis": "day"}, "unknown_package", "package"),
        ("/service-packages/B/delivery-window", {"basis": "day", "days_after": 99}, "out_of_range", "days_after"),
    ]:
        assert_error(api.request("manager", "PUT", V1 + url, json=body), 422, code, field=field)
    assert_error(api.patch("manager", f"{V1}/analytics/costing/settings", json={"cost_threshold": "-5.00"}), 422,
                 "negative_threshold", field="cost_threshold")
    assert_error(api.patch("manager", f"{V1}/analytics/costing/settings", json={"colour": "red"}), 422)
    assert api.get("manager", f"{V1}/analytics/costing").json() == data
    assert api.snapshot() == before
    for url, params, code, field in [
        ("/analytics/cost-to-serve", {"from": "2026-03-10", "to": "2026-03-01"}, "invalid_period", "from"),
        ("/analytics/cost-to-serve", {"customer": "NOPE"}, "unknown_customer", "customer"),
        ("/analytics/profitability", {"from": "2000-01-01", "to": "2026-03-01"}, "period_too_long", "to"),
        ("/analytics/service-gaps", {"slice": "product"}, "unknown_slice", "slice"),
    ]:
        assert_error(api.get("manager", V1 + url, params=params), 422, code, field=field)
    assert_error(api.get("manager", f"{V1}/analytics/cost-to-serve", params={"format": "pdf"}), 422)


def test_rates_from_a_cost_pool_and_the_data_they_came_from(api):
    r = api.request("manager", "PUT", f"{V1}/analytics/costing/rates/credit_check",
                    json={"rates": [{"pool_cost": "3000.00", "driver_volume": "150"}]})
    assert r.status_code == 200, r.text
    [row] = r.json()
    assert (row["rate"], row["pool_cost"], row["driver_volume"], row["updated_by"]) == (
        "20.0000", "3000.00", "150.00", "manager-user")
    w = api.request("manager", "PUT", f"{V1}/service-packages/C/delivery-window",
                    json={"basis": "week", "days_after": 2})
    assert w.json()["means"].startswith("during the requested week")
    assert {x["package"]: x["basis"] for x in api.get("manager", f"{V1}/analytics/costing").json()[
        "delivery_windows"]} == {"A": "day", "B": "day", "C": "week"}


def test_service_gaps_per_segment(api):
    api.place("cs_agent", lines=[("SKU-A", 2)], requested_date="2026-03-04")  # package B: 7 days, asked in 2
    r = api.get("manager", f"{V1}/analytics/service-gaps")
    assert r.status_code == 200, r.text
    body = _no_nan(r.text)
    [row] = [x for x in body["rows"] if x["key"] == "B"]
    gaps = {g["name"]: g for g in row["gaps"]}
    assert list(gaps) == ["knowledge", "standards", "performance", "communication", "perception", "satisfaction"]
    assert gaps["knowledge"]["detail"]["asked_faster_than_package"] == 1
    assert gaps["knowledge"]["b"]["value"] == 0.0 and gaps["knowledge"]["gap"] == -1.0
    assert gaps["performance"]["a"]["value"] == 0.92  # package B's order fill target
    assert gaps["perception"]["gap"] is None  # nothing delivered, nobody answered: n/a, not 0


def test_the_file_exporter_has_cost_to_serve_and_profitability(api):
    api.place("cs_agent", lines=[("SKU-A", 2)], channel="phone")
    period = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    r = api.get("manager", f"{V1}/exports/cost_to_serve", params=period)
    assert r.status_code == 200, r.text
    [row] = list(csv.DictReader(io.StringIO(r.text)))
    assert (row["customer"], row["order_entry_cost"]) == ("CUST1", "15.00")
    z = api.get("manager", f"{V1}/exports/profitability", params={**period, "format": "xlsx"})
    assert z.status_code == 200 and z.content.startswith(b"PK")
    assert_error(api.get("manager", f"{V1}/exports/cost_to_serve"), 422, "period_required", field="date_from")
    assert_error(api.get("finance", f"{V1}/exports/cost_to_serve", params=period), 403, "forbidden")
