"""A shipment picked to nothing (every unit short) is `empty`: nothing to carry, so it is neither rated, loaded nor
shipped (409 `shipment_empty`, or reported as such by the batched calls), it keeps its short picks, no order looks
'packed' by it, its units leave on a later release, and cancelling its order leaves the books whole. Confirmed one
shipment at a time and as a whole pick list; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ordercare.domain.access import SYSTEM
from ordercare.domain.errors import Conflict
from ordercare.services import orders as order_service
from ordercare.services import picking, release, shipment_views, shipping, transport
from ordercare.services.invariants import run_checks
from ordercare.services.order_views import get_order
from ordercare.store.fulfilment_tables import shipments

from tests.factories import carriers, order, world


@pytest.fixture
def two_customers(env):
    """CUST1 wants 2 × SKU-B, CUST2 4 × SKU-A, both from NEAR: two shipments on one pick list."""
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 5})
    carriers(env)
    env.orders = [order(env, [("SKU-B", 2)], customer="CUST1"), order(env, [("SKU-A", 4)], customer="CUST2")]
    env.shipments = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", _through(env))
    env.pick_list = picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    return env


def _through(env):
    return env.clock.today() + timedelta(days=5)


def _line(env, sid) -> dict:
    [line] = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]
    return line


def _head(env, sid):
    with env.uow.read() as c:
        return c.execute(select(shipments).where(shipments.c.id == sid)).one()


def _checks_pass(env):
    report = run_checks(env.uow, env.clock, SYSTEM)
    assert report["ok"], report["violations"][:5]


def _refused_empty(call) -> None:
    with pytest.raises(Conflict) as exc:
        call()
    assert (exc.value.code, exc.value.field) == ("shipment_empty", "shipment_id")


@pytest.mark.parametrize("batched", [False, True], ids=["confirm_picks", "confirm_pick_list"])
def test_a_shipment_picked_to_nothing_is_empty_and_never_leaves(two_customers, batched):
    env = two_customers
    empty, full = env.shipments
    transport.rate_shipment(env.uow, env.actor, empty)  # rated while still being picked: the rate must go
    short = picking.PickConfirmation(_line(env, empty)["id"], 0, "slot empty", "inventory_control")
    if batched:
        out = picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, [short])
        assert out["shipments"] == {empty: "empty", full: "picked"}
    else:
        assert picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, empty, [short])["status"] == "empty"
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, full,
                              [picking.PickConfirmation(_line(env, full)["id"], 4)])

    line, head = _line(env, empty), _head(env, empty)
    assert (line["qty"], line["qty_picked"], line["short_department"]) == (2, 0, "inventory_control")
    assert head.status == "empty" and head.weight_kg == 0 and head.volume_m3 == 0
    assert (head.carrier_service_id, head.freight_cost, head.co2_kg, head.estimated_delivery) == (None,) * 4
    assert [s["id"] for s in shipment_views.list_shipments(env.uow, env.actor, status="empty")["items"]] == [empty]
    assert get_order(env.uow, env.actor, env.orders[0])["status"] == "allocated"  # promised again, not 'packed'
    _checks_pass(env)

    # Refused one at a time with a stable code, reported by the batched calls; the full shipment goes.
    _refused_empty(lambda: transport.rate_shipment(env.uow, env.actor, empty))
    _refused_empty(lambda: shipping.ship(env.uow, env.clock, env.settings, env.actor, empty))
    rated = transport.rate_shipments(env.uow, env.actor, [empty, full])
    assert [r["shipment_id"] for r in rated["rated"]] == [full]
    assert [(r["shipment_id"], r["code"]) for r in rated["not_rated"]] == [(empty, "shipment_empty")]
    transport.plan_loads(env.uow, env.clock, env.actor, "NEAR", _through(env))
    assert _head(env, empty).load_id is None  # never on a truck
    out = shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, [empty, full])
    assert [r["shipment_id"] for r in out["shipped"]] == [full]
    assert [(r["shipment_id"], r["code"]) for r in out["not_shipped"]] == [(empty, "shipment_empty")]
    assert _head(env, empty).status == "empty"
    _checks_pass(env)

    # The units leave on the next release; cancelling the order then keeps `ordercare check` passing.
    [again] = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR", _through(env))
    assert again != empty and get_order(env.uow, env.actor, env.orders[0])["status"] == "released"
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, env.orders[0], "no longer needed")
    _checks_pass(env)
