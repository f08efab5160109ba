"""Fulfilment and transport routes: customers are refused; staff roles per the access matrix."""

from __future__ import annotations

from ordercare.services.shipment_views import get_shipment, list_installations
from tests.api.access import DELIVERERS, FULFILLERS, MASTER, STAFF, V1, Action, staff_only
from tests.factories import carriers, installable_product, shipment_at

CHECKS = {
    ("POST", f"{V1}/warehouses/{{code}}/release"): staff_only("POST", "/warehouses/NEAR/release", {}),
    ("POST", f"{V1}/warehouses/{{code}}/pick-lists"): staff_only("POST", "/warehouses/NEAR/pick-lists"),
    ("GET", f"{V1}/pick-lists"): staff_only("GET", "/pick-lists"),
    ("GET", f"{V1}/pick-lists/{{pick_list_id}}"): staff_only("GET", "/pick-lists/1"),
    ("GET", f"{V1}/shipments"): staff_only("GET", "/shipments"),
    ("GET", f"{V1}/shipments/{{shipment_id}}"): staff_only("GET", "/shipments/1"),
    ("POST", f"{V1}/shipments/{{shipment_id}}/pick"): staff_only(
        "POST", "/shipments/1/pick", {"lines": [{"line_id": 1, "qty_picked": 1}]}),
    ("POST", f"{V1}/shipments/{{shipment_id}}/rate"): staff_only("POST", "/shipments/1/rate"),
    ("POST", f"{V1}/warehouses/{{code}}/loads"): staff_only("POST", "/warehouses/NEAR/loads", {}),
    ("GET", f"{V1}/loads"): staff_only("GET", "/loads"),
    ("GET", f"{V1}/loads/{{load_id}}"): staff_only("GET", "/loads/1"),
    ("POST", f"{V1}/shipments/{{shipment_id}}/ship"): staff_only("POST", "/shipments/1/ship", {}),
    ("GET", f"{V1}/shipments/{{shipment_id}}/packing-slip.pdf"): staff_only("GET", "/shipments/1/packing-slip.pdf"),
    ("GET", f"{V1}/shipments/{{shipment_id}}/bill-of-lading.pdf"): staff_only(
        "GET", "/shipments/1/bill-of-lading.pdf"),
    ("POST", f"{V1}/shipments/{{shipment_id}}/deliver"): staff_only(
        "POST", "/shipments/1/deliver", {"received_by": "me"}),
    ("GET", f"{V1}/installations"): staff_only("GET", "/installations"),
    ("POST", f"{V1}/installations/{{installation_id}}/schedule"): staff_only(
        "POST", "/installations/1/schedule", {"scheduled_for": "2026-12-01"}),
    ("POST", f"{V1}/installations/{{installation_id}}/complete"): staff_only(
        "POST", "/installations/1/complete", {"technician": "x"}),
    ("GET", f"{V1}/carriers"): staff_only("GET", "/carriers"),
    ("POST", f"{V1}/carriers"): staff_only("POST", "/carriers", {"code": "C", "name": "C"}),
    ("GET", f"{V1}/vehicles"): staff_only("GET", "/vehicles"),
    ("POST", f"{V1}/vehicles"): staff_only(
        "POST", "/vehicles", {"code": "V", "warehouse": "NEAR", "max_weight_kg": "1", "max_volume_m3": "1"}),
}

def actions() -> list[Action]:
    """Each action has a shipment of its own at the right stage (role_scene)."""
    return [
        Action("read shipments", STAFF, "GET", "/shipments"),
        Action("release", FULFILLERS, "POST", "/warehouses/NEAR/release", {"through": "2026-12-31"}),
        Action("pick list", FULFILLERS, "POST", "/warehouses/MID/pick-lists"),
        Action("confirm picks", FULFILLERS, "POST", "/shipments/{to_pick}/pick",
               {"lines": [{"line_id": "{to_pick_line}", "qty_picked": 1}]}),
        Action("rate-shop", FULFILLERS, "POST", "/shipments/{picked}/rate"),
        Action("plan loads", FULFILLERS, "POST", "/warehouses/FAR/loads", {}),
        Action("ship", FULFILLERS, "POST", "/shipments/{picked}/ship", {}),
        Action("packing slip", STAFF, "GET", "/shipments/{picked}/packing-slip.pdf"),
        Action("deliver", DELIVERERS, "POST", "/shipments/{shipped}/deliver", {"received_by": "Goods-in"}),
        Action("read installations", STAFF, "GET", "/installations"),
        Action("schedule installation", DELIVERERS, "POST", "/installations/{installation}/schedule",
               {"scheduled_for": "2026-12-01"}),
        Action("complete installation", DELIVERERS, "POST", "/installations/{installation}/complete",
               {"technician": "A. Nowak"}),
        Action("read carriers", STAFF, "GET", "/carriers"),
        Action("create carrier", MASTER, "POST", "/carriers", {"code": "C-{who}", "name": "Carrier"}),
        Action("create vehicle", MASTER, "POST", "/vehicles",
               {"code": "V-{who}", "warehouse": "NEAR", "max_weight_kg": "1000", "max_volume_m3": "10"}),
    ]


def role_scene(env) -> dict[str, int]:
    """Carriers and trucks, and one shipment at each stage the fulfilment actions start from."""
    carriers(env)
    installable_product(env)
    shipment_at(env, "MID", [("SKU-B", 1)], "released")
    to_pick = shipment_at(env, "FAR", [("SKU-C", 1)], "on_pick_list")
    ids = {"to_pick": to_pick, "picked": shipment_at(env, "FAR", [("SKU-C", 1)], "picked"),
           "shipped": shipment_at(env, "FAR", [("SKU-C", 1)], "shipped")}
    ids["to_pick_line"] = get_shipment(env.uow, env.actor, to_pick)["lines"][0]["id"]
    shipment_at(env, "FAR", [("RACK", 1)], "delivered")
    ids["installation"] = list_installations(env.uow, env.actor)[0]["id"]
    return ids


