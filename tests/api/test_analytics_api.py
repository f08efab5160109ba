"""Service versus cost and lead-time offers over HTTP: reports, their data, bad input, offers on a customer's own
quote and conversion with one."""

from __future__ import annotations

import json

from tests.api.conftest import assert_error, order_body

V1 = "/api/v1"


def test_inventory_policy_report_and_its_bad_input(api):
    api.place(lines=[("SKU-A", 5)])  # this week: outside the window (whole weeks before today)
    r = api.get("manager", f"{V1}/analytics/inventory-policy", params={"target_fill_rate": 0.98})
    assert r.status_code == 200, r.text
    body = r.json()
    json.loads(r.text, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(f"{c} in the report")))
    assert body["total"] == 3 and body["summary"]["skus_without_demand"] == 3
    assert {i["status"] for i in body["items"]} == {"no_demand_history"}
    assert all(i["fill_rate"] is None and i["safety_stock"] == 0 for i in body["items"])
    for params, code, field in [
        ({"target_fill_rate": 1.2}, "rate_out_of_range", "target_fill_rate"),
        ({"target_fill_rate": 0}, "rate_out_of_range", "target_fill_rate"),
        ({"target_fill_rate": 0.9, "target_csl": 0.9}, "conflicting_targets", "target_csl"),
        ({"weeks": 1}, "weeks_out_of_range", "weeks"),
    ]:
        assert_error(api.get("manager", f"{V1}/analytics/inventory-policy", params=params), 422, code, field=field)
    assert_error(api.get("manager", f"{V1}/analytics/inventory-policy", params={"sku": "NOPE"}), 404, "unknown_sku",
                 field="sku")
    assert_error(api.get("cs_agent", f"{V1}/analytics/inventory-policy"), 403, "forbidden")


def test_policy_data_can_be_changed_and_bad_values_change_nothing(api):
    r = api.patch("manager", f"{V1}/analytics/policy-settings", json={"order_cost": "80.00", "history_weeks": 13})
    assert r.status_code == 200 and (r.json()["order_cost"], r.json()["history_weeks"]) == ("80.00", 13)
    before = api.get("manager", f"{V1}/analytics/policy-settings").json()
    assert_error(api.patch("manager", f"{V1}/analytics/policy-settings", json={"holding_rate": "-0.1"}), 422,
                 "negative_rate", field="holding_rate")
    assert_error(api.patch("manager", f"{V1}/analytics/policy-settings", json={"surprise": 1}), 422)
    assert api.get("manager", f"{V1}/analytics/policy-settings").json() == before
    r = api.request("manager", "PUT", f"{V1}/analytics/lead-times/SKU-A", json={"lead_time_days": "12",
                                                                                 "lead_time_sd_days": "2"})
    assert r.status_code == 200, r.text
    item = api.get("manager", f"{V1}/analytics/inventory-policy", params={"sku": "SKU-A"}).json()["items"][0]
    assert (item["lead_time_days"], item["lead_time_source"]) == (12.0, "product")
    bad = {"outcomes": [{"code": "lost_sale", "probability": "1"}]}
    assert_error(api.request("manager", "PUT", f"{V1}/analytics/stockout-outcomes", json=bad), 422,
                 "incomplete_outcomes", field="outcomes")
    assert len(api.get("manager", f"{V1}/analytics/stockout-outcomes").json()) == 4


def test_a_customer_sees_offers_on_its_own_quote_and_converts_with_one(api):
    q = api.post("cust1", f"{V1}/quotes", json=order_body("CUST1", [("SKU-A", 2)])).json()
    (line,) = q["lines"]
    # CUST1 has package B (7 days): ECONOMY a week after the promise, PACKAGE on day 7.
    assert (line["package_lead_time_days"], line["package_date"], line["expedite"]) == (7, "2026-03-09", False)
    offers = {o["code"]: o for o in line["offers"]}
    assert set(offers) == {"ECONOMY", "PACKAGE"}
    assert_error(api.post("cust1", f"{V1}/quotes/{q['id']}/convert",
                          json={"offers": [{"line_no": 1, "offer": "EXPRESS"}]}), 422, "unknown_offer",
                 field="offers[0].offer")
    o = api.post("cust1", f"{V1}/quotes/{q['id']}/convert", json={"offers": [{"line_no": 1, "offer": "ECONOMY"}]})
    assert o.status_code == 201, o.text
    ol = o.json()["lines"][0]
    assert (ol["unit_price"], ol["promised_date"]) == (offers["ECONOMY"]["unit_price"],
                                                       offers["ECONOMY"]["delivery_date"])


def test_offer_rules_are_managed_by_managers(api):
    rule = {"name": "Two weeks later", "basis": "promise", "days": 14, "price_adjustment_pct": "-5"}
    r = api.request("manager", "PUT", f"{V1}/offer-rules/WAIT14", json=rule)
    assert r.status_code == 200 and r.json()["price_adjustment_pct"] == "-5"
    assert "WAIT14" in [x["code"] for x in api.get("cs_agent", f"{V1}/offer-rules").json()]
    assert_error(api.request("manager", "PUT", f"{V1}/offer-rules/wait", json=rule), 422, "invalid_code",
                 field="offer_rule.code")
    assert_error(api.request("manager", "PUT", f"{V1}/offer-rules/X", json={**rule, "basis": "moon"}), 422)
    assert_error(api.request("cs_agent", "PUT", f"{V1}/offer-rules/X", json=rule), 403, "forbidden")
