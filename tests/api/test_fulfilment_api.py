"""Fulfilment through HTTP: release → pick (one short) → rate → load → ship → deliver, and the wrong steps.

The API world (tests/api/conftest.py) has SKU-A at NEAR; carriers and trucks come from tests/factories.py.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from tests.api.conftest import assert_error
from tests.factories import FTL, LTL, carriers

V1 = "/api/v1"
THROUGH = {"through": "2026-03-31"}


@pytest.fixture
def road(api):
    carriers(api.env)
    return api


def released(api, lines=(("SKU-A", 6),)) -> dict:
    order = api.place(lines=lines)
    r = api.post("warehouse", f"{V1}/warehouses/NEAR/release", json=THROUGH)
    assert r.status_code == 200, r.text
    [sh] = r.json()["shipments"]
    assert sh["lines"][0]["order"] == order["number"]
    return sh


def picked(api, short_by: int = 0) -> dict:
    sh = released(api)
    r = api.post("warehouse", f"{V1}/warehouses/NEAR/pick-lists")
    assert r.status_code == 201, r.text
    line = sh["lines"][0]
    pick = {"line_id": line["id"], "qty_picked": line["qty"] - short_by}
    if short_by:
        pick |= {"reason": "slot empty", "department": "replenishment"}
    r = api.post("warehouse", f"{V1}/shipments/{sh['id']}/pick", json={"lines": [pick]})
    assert r.status_code == 200, r.text
    return r.json()["shipment"]


def test_a_shipment_picked_to_nothing_is_empty_and_refused_over_http(road):
    api = road
    sh = picked(api, short_by=6)
    assert (sh["status"], sh["lines"][0]["qty_picked"]) == ("empty", 0)
    assert_error(api.post("warehouse", f"{V1}/shipments/{sh['id']}/rate"), 409, "shipment_empty", field="shipment_id")
    assert_error(api.post("warehouse", f"{V1}/shipments/{sh['id']}/ship", json={}), 409, "shipment_empty",
                 field="shipment_id")
    listed = api.get("warehouse", f"{V1}/shipments", params={"status": "empty"})
    assert listed.status_code == 200, listed.text
    assert [s["id"] for s in listed.json()["items"]] == [sh["id"]]  # a status one can filter by


def test_the_whole_flow_over_http(road):
    api = road
    sh = picked(api, short_by=1)
    assert (sh["status"], sh["lines"][0]["qty_picked"], sh["lines"][0]["short_department"]) == \
        ("picked", 5, "replenishment")
    assert [p["status"] for p in api.get("warehouse", f"{V1}/pick-lists", params={"warehouse": "NEAR"}).json()] == \
        ["done"]

    rated = api.post("warehouse", f"{V1}/shipments/{sh['id']}/rate")
    assert rated.status_code == 200, rated.text
    chosen = rated.json()["chosen"]
    assert chosen["meets_due_date"] and Decimal(chosen["cost"]) > 0
    assert all({"cost", "transit_days", "co2_kg", "delivery_date"} <= set(q) for q in rated.json()["alternatives"])

    loads = api.post("warehouse", f"{V1}/warehouses/NEAR/loads", json={"on": "2026-03-31"})
    assert loads.status_code == 201, loads.text
    if chosen["mode"] in ("ltl", "ftl"):  # road freight goes on a truck with a route
        [load] = loads.json()["loads"]
        assert load["stops"][0]["shipment"] == sh["number"] and load["route_distance_km"] >= 0
        assert api.get("warehouse", f"{V1}/loads", params={"warehouse": "NEAR"}).json()[0]["id"] == load["id"]

    shipped = api.post("warehouse", f"{V1}/shipments/{sh['id']}/ship", json={})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped" and shipped.json()["tracking_number"]
    for doc in ("packing-slip.pdf", "bill-of-lading.pdf"):
        r = api.get("warehouse", f"{V1}/shipments/{sh['id']}/{doc}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-")

    line_id = sh["lines"][0]["id"]
    delivered = api.post("cs_agent", f"{V1}/shipments/{sh['id']}/deliver", json={
        "received_by": "J. Peeters", "exceptions": [{"line_id": line_id, "damaged": 1, "note": "crushed"}]})
    assert delivered.status_code == 200, delivered.text
    line = delivered.json()["lines"][0]
    assert (line["qty_shipped"], line["qty_delivered"], line["qty_damaged"]) == (5, 5, 1)

    order = api.get("cs_agent", f"{V1}/orders/{sh['lines'][0]['order']}").json()
    kinds = [e["kind"] for e in order["timeline"]]
    for kind in ("released", "short_pick", "shipped", "delivered"):
        assert kind in kinds, kinds
    assert (order["lines"][0]["qty_shipped"], order["lines"][0]["qty_delivered"]) == (5, 5)


def test_shipping_more_than_was_picked_is_refused_and_changes_nothing(road):
    api = road
    sh = picked(api)
    before = api.snapshot()
    r = api.post("warehouse", f"{V1}/shipments/{sh['id']}/ship",
                 json={"lines": [{"line_id": sh["lines"][0]["id"], "qty": 7}]})
    assert_error(r, 422, "ship_more_than_picked", field="lines[0].qty")
    assert api.snapshot() == before
    assert api.get("warehouse", f"{V1}/shipments/{sh['id']}").json()["status"] == "picked"


def test_delivering_an_unshipped_shipment_is_refused_and_changes_nothing(road):
    api = road
    sh = picked(api)
    before = api.snapshot()
    assert_error(api.post("cs_agent", f"{V1}/shipments/{sh['id']}/deliver", json={"received_by": "X"}), 409,
                 "not_shipped")
    assert api.snapshot() == before


def test_a_short_pick_without_a_department_is_refused(road):
    api = road
    sh = released(api)
    api.post("warehouse", f"{V1}/warehouses/NEAR/pick-lists")
    before = api.snapshot()
    r = api.post("warehouse", f"{V1}/shipments/{sh['id']}/pick", json={"lines": [
        {"line_id": sh["lines"][0]["id"], "qty_picked": 2, "reason": "slot empty"}]})
    err = assert_error(r, 422)
    assert err["field"].startswith("lines[0]")
    assert api.snapshot() == before


@pytest.mark.parametrize("mode, table, change, field", [
    ("ltl", LTL, lambda t: t["breaks"][2].update(min_kg=500), "services[0].rate_table.breaks[2].min_kg"),
    ("ltl", LTL, lambda t: t.pop("min_charge"), "services[0].rate_table.min_charge"),
    ("ftl", FTL, lambda t: t.update(per_km="-1.00"), "services[0].rate_table.per_km"),
])
def test_a_rate_table_with_overlaps_or_holes_is_refused_and_changes_nothing(api, mode, table, change, field):
    bad = copy.deepcopy(table)
    change(bad)
    before = api.snapshot()
    r = api.post("admin", f"{V1}/carriers", json={"code": "BAD", "name": "Bad", "services": [
        {"code": "S", "name": "S", "mode": mode, "rate_table": bad, "km_per_day": "500", "co2_g_per_tkm": "60"}]})
    assert_error(r, 422, "invalid_rate_table", field=field)
    assert api.snapshot() == before
    assert api.get("admin", f"{V1}/carriers").json() == []


def test_a_vehicle_no_shipment_fits_is_refused_and_nothing_is_planned(api):
    assert api.post("admin", f"{V1}/vehicles", json={"code": "VAN", "warehouse": "NEAR", "max_weight_kg": "5",
                                                     "max_volume_m3": "1"}).status_code == 201
    sh = picked(api)  # 6 × 1.5 kg = 9 kg: heavier than the van
    before = api.snapshot()
    r = api.post("warehouse", f"{V1}/warehouses/NEAR/loads", json={"on": "2026-03-31"})
    assert_error(r, 409 if r.status_code == 409 else 422, "shipment_does_not_fit")
    assert api.snapshot() == before
    assert api.get("warehouse", f"{V1}/shipments/{sh['id']}").json()["load"] is None
    assert api.get("warehouse", f"{V1}/loads").json() == []


@pytest.mark.parametrize("body, field", [
    ({"code": "V", "warehouse": "NEAR", "max_weight_kg": "0", "max_volume_m3": "1"}, "max_weight_kg"),
    ({"code": "V", "warehouse": "NOPE", "max_weight_kg": "1", "max_volume_m3": "1"}, "warehouse"),
    ({"code": "V", "warehouse": "NEAR", "max_weight_kg": "1"}, "max_volume_m3"),
])
def test_bad_vehicles_are_refused(api, body, field):
    before = api.snapshot()
    assert_error(api.post("admin", f"{V1}/vehicles", json=body), 422, field=field)
    assert api.snapshot() == before


def test_unknown_ids_and_filters(api):
    assert_error(api.get("warehouse", f"{V1}/shipments/999"), 404, "shipment_not_found")
    assert_error(api.get("warehouse", f"{V1}/loads/999"), 404, "load_not_found")
    assert_error(api.get("warehouse", f"{V1}/pick-lists/999"), 404, "pick_list_not_found")
    assert_error(api.get("warehouse", f"{V1}/shipments", params={"status": "lost"}), 422, "unknown_status",
                 field="status")
    assert_error(api.post("warehouse", f"{V1}/warehouses/NOPE/release", json={}), 422, "unknown_warehouse")
    assert_error(api.post("warehouse", f"{V1}/warehouses/NEAR/pick-lists"), 409, "nothing_to_pick")
