"""Order → allocate → release → pick (one short) → load → ship → deliver (one damaged) → install.

Through the real services on SQLite and PostgreSQL, checking the stock and
the timeline at each step.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.services import master_data as md
from ordercare.services import orders as order_service
from ordercare.services import picking, release, shipment_views, shipping, transport
from ordercare.services.order_views import get_order
from ordercare.store.fulfilment_tables import installations
from ordercare.store.tables import stock, warehouses

from ordercare.domain.customers import CustomerKind

from tests.factories import add_customer, carriers, installable_product, order, world


def _stock(env, wh: str, sku: str) -> tuple[int, int]:
    from ordercare.store.tables import products
    with env.uow.read() as c:
        return tuple(c.execute(select(stock.c.on_hand, stock.c.reserved)
                         .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
                         .join(products, products.c.id == stock.c.product_id)
                         .where(warehouses.c.code == wh, products.c.sku == sku)).one())


def _kinds(env, order_id):
    return [e["kind"] for e in get_order(env.uow, env.actor, order_id)["timeline"]]


@pytest.fixture
def flow(env):
    world(env, stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 5, ("FAR", "SKU-A"): 20})
    installable_product(env, warehouse="NEAR", qty=2)
    carriers(env)
    return env


def test_order_to_installation(flow):
    env = flow
    oid = order(env, [("SKU-A", 10), ("SKU-B", 5), ("RACK", 1)])
    assert get_order(env.uow, env.actor, oid)["status"] == "allocated"
    assert _stock(env, "NEAR", "SKU-A") == (10, 10)

    # Release and consolidate: one shipment from NEAR with the three lines.
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    sh = shipment_views.get_shipment(env.uow, env.actor, sid)
    assert (sh["status"], len(sh["lines"])) == ("released", 3)
    assert sh["weight_kg"] == Decimal("102.500")  # 10 × 1.5 + 5 × 1.5 + 80
    assert get_order(env.uow, env.actor, oid)["status"] == "released"

    pick_id = picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    assert [ln["sku"] for ln in shipment_views.get_pick_list(env.uow, env.actor, pick_id)["lines"]] == \
        ["RACK", "SKU-A", "SKU-B"]
    assert get_order(env.uow, env.actor, oid)["status"] == "picking"

    # Short pick: 3 of SKU-A are not in the slot; replenishment put them elsewhere.
    line = {ln["sku"]: ln["id"] for ln in sh["lines"]}
    result = picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [
        picking.PickConfirmation(line["SKU-A"], 7, "slot empty", "replenishment"),
        picking.PickConfirmation(line["SKU-B"], 5), picking.PickConfirmation(line["RACK"], 1)])
    assert result["status"] == "picked"
    assert shipment_views.get_pick_list(env.uow, env.actor, pick_id)["status"] == "done"  # the wave is closed
    assert result["short_picks"][0]["short"] == 3 and result["short_picks"][0]["department"] == "replenishment"
    assert _stock(env, "NEAR", "SKU-A") == (7, 7)  # the record is corrected
    assert _stock(env, "FAR", "SKU-A") == (20, 3)  # the missing units are promised again from FAR
    o = get_order(env.uow, env.actor, oid)
    a_line = next(ln for ln in o["lines"] if ln["sku"] == "SKU-A")
    assert a_line["qty_backordered"] == 0
    assert sorted((a["warehouse"], a["qty"]) for a in a_line["allocations"]) == [("FAR", 3), ("NEAR", 7)]
    assert o["status"] == "packed"

    # Rate shopping: 95.5 kg is too heavy for parcel; road groupage is the cheapest in time.
    rated = transport.rate_shipment(env.uow, env.actor, sid)
    assert rated["chosen"]["carrier"] == "ROAD" and rated["chosen"]["meets_due_date"]
    assert {q["carrier"] for q in rated["alternatives"]} >= {"ROAD", "RAIL"}
    assert "PAR" not in {q["carrier"] for q in rated["alternatives"]}

    [load_id] = transport.plan_loads(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    load = shipment_views.get_load(env.uow, env.actor, load_id)
    assert [s["shipment"] for s in load["stops"]] == [sh["number"]] and load["route_distance_km"] > 0

    with pytest.raises(ValidationFailed) as too_many:
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid, [shipping.ShipQuantity(line["SKU-A"], 8)])
    assert too_many.value.code == "ship_more_than_picked"
    shipped = shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    assert shipped["tracking_number"].startswith("ROAD-")
    assert _stock(env, "NEAR", "SKU-A") == (0, 0) and _stock(env, "NEAR", "RACK") == (1, 0)
    assert get_order(env.uow, env.actor, oid)["status"] == "partially_shipped"  # the FAR part is still to go
    assert shipment_views.packing_slip(env.uow, env.actor, sid).startswith(b"%PDF-")
    assert shipment_views.bill_of_lading(env.uow, env.actor, sid).startswith(b"%PDF-")

    env.clock.advance(days=1)
    shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="J. Peeters",
                     exceptions=[shipping.DeliveryException(line["SKU-B"], damaged=1, note="crushed carton")])
    delivered = shipment_views.get_shipment(env.uow, env.actor, sid)
    b = next(ln for ln in delivered["lines"] if ln["sku"] == "SKU-B")
    assert (b["qty_delivered"], b["qty_damaged"]) == (5, 1)
    with env.uow.read() as c:
        task = c.execute(select(installations)).one()
    assert (task.status, task.qty, task.scheduled_for) == ("scheduled", 1, env.clock.today() + _days(2))

    # The rest from FAR, then the order is delivered.
    [far] = release.release_to_warehouse(env.uow, env.clock, env.actor, "FAR", env.clock.today() + _days(5))
    picking.create_pick_list(env.uow, env.clock, env.actor, "FAR")
    far_line = shipment_views.get_shipment(env.uow, env.actor, far)["lines"][0]["id"]
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, far, [picking.PickConfirmation(far_line, 3)])
    shipping.ship(env.uow, env.clock, env.settings, env.actor, far)
    assert get_order(env.uow, env.actor, oid)["status"] == "shipped"
    env.clock.advance(days=2)
    shipping.deliver(env.uow, env.clock, env.actor, far, received_by="J. Peeters")
    assert get_order(env.uow, env.actor, oid)["status"] == "delivered"
    assert _stock(env, "FAR", "SKU-A") == (17, 0)

    shipping.complete_installation(env.uow, env.clock, env.actor, task.id, technician="A. Nowak")
    kinds = _kinds(env, oid)
    for kind in ["placed", "released", "short_pick", "backorder_allocated", "loaded", "shipped", "delivered",
                 "installed"]:
        assert kind in kinds, kind
    o = get_order(env.uow, env.actor, oid)
    assert [ln["qty_delivered"] for ln in o["lines"]] == [10, 5, 1]


def test_wrong_steps_are_refused_and_change_nothing(flow):
    env = flow
    oid = order(env, [("SKU-B", 2)])
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    with pytest.raises(Conflict) as not_picked:
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    assert not_picked.value.code == "not_picked"
    with pytest.raises(Conflict) as not_shipped:
        shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="X")
    assert not_shipped.value.code == "not_shipped"
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    line_id = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"][0]["id"]
    with pytest.raises(ValidationFailed) as no_reason:
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [picking.PickConfirmation(line_id, 1)])
    assert no_reason.value.code == "short_pick_reason_required"
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [picking.PickConfirmation(line_id, 2)])
    # Finance stops the order after picking: it does not ship.
    order_service.put_on_credit_hold(env.uow, env.clock, env.actor, oid, "cheque bounced")
    before = _stock(env, "NEAR", "SKU-B")
    with pytest.raises(Conflict) as held:
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    assert held.value.code == "order_on_credit_hold" and _stock(env, "NEAR", "SKU-B") == before
    order_service.release_credit_hold(env.uow, env.clock, env.actor, oid, "paid")
    assert get_order(env.uow, env.actor, oid)["status"] == "packed"  # back where the hold found it
    shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    assert get_order(env.uow, env.actor, oid)["status"] == "shipped"


def test_a_vehicle_limit_no_shipment_fits_is_refused(flow):
    env = flow
    transport.create_vehicle(env.uow, env.actor, transport.VehicleData("VAN", "MID", Decimal("50"), Decimal("1")))
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="MID", sku="RACK", delta=1, reason="in")
    with env.uow.transaction() as c:  # only the small van is left at MID
        from ordercare.store.fulfilment_tables import vehicles
        c.execute(vehicles.update().where(vehicles.c.code == "TRK-MID").values(active=False))
    order(env, [("RACK", 3)])  # 2 from NEAR, 1 from MID
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "MID", env.clock.today() + _days(2))
    picking.create_pick_list(env.uow, env.clock, env.actor, "MID")
    line_id = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"][0]["id"]
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [picking.PickConfirmation(line_id, 1)])
    with env.uow.transaction() as c:  # go by road, not rail, so that it needs a load
        from ordercare.store.fulfilment_tables import carrier_services, shipments
        ltl = c.execute(select(carrier_services.c.id).where(carrier_services.c.code == "LTL")).scalar_one()
        c.execute(shipments.update().where(shipments.c.id == sid).values(carrier_service_id=ltl))
    with pytest.raises(ValidationFailed) as exc:
        transport.plan_loads(env.uow, env.clock, env.actor, "MID", env.clock.today() + _days(2))
    assert exc.value.code == "shipment_does_not_fit"
    assert shipment_views.get_shipment(env.uow, env.actor, sid)["load"] is None


def test_an_internal_customer_orders_and_receives_through_the_same_flow(flow):
    """Another site of the firm: a limit it is far above does not hold it (internal customers are never held), and
    its order is released, picked, rated, shipped and delivered like any other, with the same timeline."""
    env = flow
    add_customer(env, "SITE-LAB", kind=CustomerKind.INTERNAL, credit_limit=Decimal("1.00"))
    oid = order(env, [("SKU-B", 3)], customer="SITE-LAB")
    assert get_order(env.uow, env.actor, oid)["status"] == "allocated"
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    line = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"][0]["id"]
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, [picking.PickConfirmation(line, 3)])
    assert Decimal(transport.rate_shipment(env.uow, env.actor, sid)["chosen"]["cost"]) > 0
    shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    assert _stock(env, "NEAR", "SKU-B") == (2, 0)
    env.clock.advance(days=1)
    shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="Lab stores")
    o = get_order(env.uow, env.actor, oid)
    assert (o["customer"], o["status"], [ln["qty_delivered"] for ln in o["lines"]]) == ("SITE-LAB", "delivered", [3])
    assert [k for k in _kinds(env, oid) if k in ("placed", "released", "shipped", "delivered")] == [
        "placed", "released", "shipped", "delivered"]


def _days(n):
    from datetime import timedelta
    return timedelta(days=n)


def test_a_later_release_joins_the_shipment_not_yet_picked(flow):
    """Consolidation across releases: the same customer, ship-to and date go into the one released shipment; once
    that shipment is being picked, a further release opens a new one."""
    env = flow
    first = order(env, [("SKU-A", 2)])
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    second = order(env, [("SKU-B", 1)])
    assert release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR",
                                        env.clock.today() + _days(1)) == [sid]
    lines = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]
    assert sorted(ln["sku"] for ln in lines) == ["SKU-A", "SKU-B"]
    assert get_order(env.uow, env.actor, first)["status"] == get_order(env.uow, env.actor, second)["status"] \
        == "released"
    picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    order(env, [("SKU-A", 1)])
    [other] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", env.clock.today() + _days(1))
    assert other != sid
    assert [ln["sku"] for ln in shipment_views.get_shipment(env.uow, env.actor, other)["lines"]] == ["SKU-A"]
