"""Service versus cost and offer rules: analytics and their data are for managers (and admin); the offer rules
are readable by whoever may quote, a customer included (the published lead-time pricing), and offers appear
only on a customer's own quotes."""

from __future__ import annotations

from tests.api.access import MASTER, SELLERS, V1, Action, no_leak, staff_only

OUTCOMES = {"outcomes": [{"code": "customer_waits", "probability": "0.4", "cost_per_unit": "0.50"},
                         {"code": "back_order", "probability": "0.3", "cost_per_unit": "3.00"},
                         {"code": "lost_sale", "probability": "0.2", "margin_multiple": "1"},
                         {"code": "lost_customer", "probability": "0.1", "margin_multiple": "10"}]}
RULE = {"name": "Later", "basis": "promise", "days": 5, "price_adjustment_pct": "-1.00"}


def c_offer_rules(api, s):
    r = api.get("cust1", f"{V1}/offer-rules")
    assert r.status_code == 200 and {x["code"] for x in r.json()} >= {"EXPRESS", "ECONOMY", "PACKAGE"}
    no_leak(r)
    # The offers themselves sit on quotes, which are scoped: CUST2's quote (and its offers) is not found.
    other = api.get("cust1", f"{V1}/quotes/{s.other_quote}")
    assert other.status_code == 404 and "offers" not in other.text
    assert "offers" in api.get("cust1", f"{V1}/quotes/{s.own_quote}").json()["lines"][0]


CHECKS = {
    ("GET", f"{V1}/analytics/inventory-policy"): staff_only("GET", "/analytics/inventory-policy?sku=SKU-A"),
    ("GET", f"{V1}/analytics/fill-rate-curve"): staff_only("GET", "/analytics/fill-rate-curve"),
    ("GET", f"{V1}/analytics/stockout-cost"): staff_only("GET", "/analytics/stockout-cost"),
    ("GET", f"{V1}/analytics/policy-settings"): staff_only("GET", "/analytics/policy-settings"),
    ("PATCH", f"{V1}/analytics/policy-settings"): staff_only("PATCH", "/analytics/policy-settings",
                                                             {"order_cost": "0.01"}),
    ("PUT", f"{V1}/analytics/lead-times/{{sku}}"): staff_only("PUT", "/analytics/lead-times/SKU-A",
                                                              {"lead_time_days": "1"}),
    ("GET", f"{V1}/analytics/stockout-outcomes"): staff_only("GET", "/analytics/stockout-outcomes"),
    ("PUT", f"{V1}/analytics/stockout-outcomes"): staff_only("PUT", "/analytics/stockout-outcomes", OUTCOMES),
    ("GET", f"{V1}/offer-rules"): c_offer_rules,
    ("PUT", f"{V1}/offer-rules/{{code}}"): staff_only("PUT", "/offer-rules/EXPRESS",
                                                      {**RULE, "price_adjustment_pct": "-90"}),
}


def actions() -> list[Action]:
    return [
        Action("inventory policy", MASTER, "GET", "/analytics/inventory-policy?target_fill_rate=0.98"),
        Action("fill-rate curve", MASTER, "GET", "/analytics/fill-rate-curve"),
        Action("stockout cost", MASTER, "GET", "/analytics/stockout-cost"),
        Action("read policy settings", MASTER, "GET", "/analytics/policy-settings"),
        Action("change policy settings", MASTER, "PATCH", "/analytics/policy-settings", {"order_cost": "55.00"}),
        Action("set a lead time", MASTER, "PUT", "/analytics/lead-times/SKU-B", {"lead_time_days": "9"}),
        Action("read stockout outcomes", MASTER, "GET", "/analytics/stockout-outcomes"),
        Action("set stockout outcomes", MASTER, "PUT", "/analytics/stockout-outcomes", OUTCOMES),
        Action("read offer rules", SELLERS, "GET", "/offer-rules"),
        Action("put an offer rule", MASTER, "PUT", "/offer-rules/LATER", RULE),
    ]


def role_scene(env) -> dict[str, int]:
    return {}
