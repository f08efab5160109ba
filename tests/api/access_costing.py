"""Cost-to-serve, profitability, the what-if, the service gaps and their data: the firm's costs and margins are for
managers (and admin); a customer token is refused before anything is looked up (CUST2's figures never reach
CUST1, nor its own)."""

from __future__ import annotations

from tests.api.access import MASTER, V1, Action, denied

RATES = {"rates": [{"qualifier": "portal", "rate": "2.50"}]}
MINUTES = {"minutes": [{"kind": "category", "code": "damaged_goods", "minutes": "40"}]}
WINDOW = {"basis": "week", "days_before": 0, "days_after": 2}


def _refused(method: str, path: str, payload=None):
    def check(api, s):
        for who_asks in ("CUST2", "CUST1"):
            url = f"{V1}{path}".replace("{customer}", who_asks)
            denied(api, method, url, payload)
    return check


CHECKS = {
    ("GET", f"{V1}/analytics/cost-to-serve"): _refused("GET", "/analytics/cost-to-serve?customer={customer}"),
    ("GET", f"{V1}/analytics/cost-to-serve/what-if"): _refused(
        "GET", "/analytics/cost-to-serve/what-if?customer={customer}&channel=portal&frequency=monthly"),
    ("GET", f"{V1}/analytics/profitability"): _refused("GET", "/analytics/profitability?customer={customer}"),
    ("GET", f"{V1}/analytics/service-gaps"): _refused("GET", "/analytics/service-gaps"),
    ("GET", f"{V1}/analytics/costing"): _refused("GET", "/analytics/costing"),
    ("PUT", f"{V1}/analytics/costing/rates/{{activity}}"): _refused("PUT", "/analytics/costing/rates/order_entry",
                                                                    RATES),
    ("PUT", f"{V1}/analytics/costing/case-minutes"): _refused("PUT", "/analytics/costing/case-minutes", MINUTES),
    ("PATCH", f"{V1}/analytics/costing/settings"): _refused("PATCH", "/analytics/costing/settings",
                                                            {"cost_threshold": "1.00"}),
    ("PUT", f"{V1}/service-packages/{{code}}/delivery-window"): _refused("PUT", "/service-packages/B/delivery-window",
                                                                         WINDOW),
}


def actions() -> list[Action]:
    return [
        Action("cost to serve", MASTER, "GET", "/analytics/cost-to-serve?customer=CUST1"),
        Action("cost to serve as a file", MASTER, "GET", "/analytics/cost-to-serve?format=csv"),
        Action("what-if", MASTER, "GET", "/analytics/cost-to-serve/what-if?customer=CUST1&channel=portal"),
        Action("profitability", MASTER, "GET", "/analytics/profitability"),
        Action("service gaps", MASTER, "GET", "/analytics/service-gaps?slice=package"),
        Action("read costing data", MASTER, "GET", "/analytics/costing"),
        Action("set rates", MASTER, "PUT", "/analytics/costing/rates/order_entry", RATES),
        Action("set case minutes", MASTER, "PUT", "/analytics/costing/case-minutes", MINUTES),
        Action("set thresholds", MASTER, "PATCH", "/analytics/costing/settings", {"value_threshold": "10.00"}),
        Action("set a delivery window", MASTER, "PUT", "/service-packages/C/delivery-window", WINDOW),
    ]


def role_scene(env) -> dict[str, int]:
    return {}
