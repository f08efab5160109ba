"""Whole waves, loads and rounds in one transaction: a pick list confirmed at once, many shipments rated,
shipped and delivered together, a supplier's truck received — by the same rules as one at a time, on SQLite and
PostgreSQL. Bad input names the record and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.domain.access import SYSTEM
from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.services import orders as order_service
from ordercare.services import picking, receipts, release, shipment_views, shipping, transport
from ordercare.services.invariants import run_checks
from ordercare.services.order_views import get_order
from ordercare.store.fulfilment_tables import pick_lists, shipments

from tests.factories import carriers, order, purchase, world
from tests.services.helpers import receipt_ids, snapshot, stock_of


@pytest.fixture
def wave(env):
    """Three customers' orders at NEAR, released and on one pick list."""
    world(env, customers=("CUST1", "CUST2", "CUST3"),
          stock={("NEAR", "SKU-A"): 30, ("NEAR", "SKU-B"): 10, ("FAR", "SKU-B"): 10})
    carriers(env)
    env.orders = [order(env, [("SKU-A", 4), ("SKU-B", 2)], customer=c) for c in ("CUST1", "CUST2", "CUST3")]
    env.shipments = release.release_to_warehouse(env.uow, env.clock, env.actor, "NEAR",
                                                 env.clock.today() + timedelta(days=5))
    env.pick_list = picking.create_pick_list(env.uow, env.clock, env.actor, "NEAR")
    return env


def _lines(env, sid):
    return shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]


def _status(env, sid):
    with env.uow.read() as c:
        return c.execute(select(shipments.c.status).where(shipments.c.id == sid)).scalar_one()


def _ok(env):
    report = run_checks(env.uow, env.clock, SYSTEM)  # stock = moves, reserved = allocations, statuses = facts…
    assert report["ok"], report["violations"][:5]


def test_a_pick_list_confirmed_at_once_with_one_short_pick(wave):
    env = wave
    first, second, third = env.shipments
    short_line = next(ln for ln in _lines(env, second) if ln["sku"] == "SKU-B")
    out = picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, [
        picking.PickConfirmation(short_line["id"], 1, "slot empty", "replenishment")])
    assert out["lines"] == 6 and out["shipments"] == {first: "picked", second: "picked", third: "picked"}
    assert [s["short"] for s in out["short_picks"]] == [1]
    assert [ln["qty_picked"] for sid in env.shipments for ln in _lines(env, sid)] == [4, 2, 4, 1, 4, 2]
    with env.uow.read() as c:
        assert c.execute(select(pick_lists.c.status).where(pick_lists.c.id == env.pick_list)).scalar_one() == "done"
    # The missing unit came off the record and was promised again from what NEAR still has free.
    assert stock_of(env, "NEAR", "SKU-B") == (9, 6)
    assert get_order(env.uow, env.actor, env.orders[1])["status"] == "packed"
    assert "short_pick" in [e["kind"] for e in get_order(env.uow, env.actor, env.orders[1])["timeline"]]
    with pytest.raises(Conflict) as exc:  # nothing left to confirm
        picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list)
    assert exc.value.code == "pick_list_done"
    _ok(env)


def test_a_bad_pick_line_is_named_and_changes_nothing(wave):
    env = wave
    before = snapshot(env)
    line = _lines(env, env.shipments[0])[0]
    with pytest.raises(ValidationFailed) as exc:
        picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, [
            picking.PickConfirmation(line["id"], 1)])  # short without a reason
    assert (exc.value.code, exc.value.field) == ("short_pick_reason_required", "lines[0].reason")
    with pytest.raises(ValidationFailed) as exc:
        picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, [
            picking.PickConfirmation(10**6, 0, "x", "picking")])
    assert (exc.value.code, exc.value.field) == ("unknown_line", "lines[0].line_id")
    assert snapshot(env) == before and all(_status(env, s) == "picking" for s in env.shipments)


def test_a_shipment_found_empty_holds_no_stage_and_its_order_can_still_be_cancelled(wave):
    """Every line picked short to nothing: the shipment is empty (nothing to ship), the order waits for supply
    (not 'packed'), and cancelling it takes its lines off and drops the empty shipment."""
    env = wave
    first = env.shipments[0]
    shorts = [picking.PickConfirmation(ln["id"], 0, "slot empty", "replenishment") for ln in _lines(env, first)]
    out = picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, shorts)
    assert out["shipments"][first] == "empty"
    assert get_order(env.uow, env.actor, env.orders[0])["status"] in ("allocated", "partially_allocated",
                                                                     "backordered")
    _ok(env)
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, env.orders[0], "no longer needed")
    with env.uow.read() as c:
        assert c.execute(select(shipments.c.id).where(shipments.c.id == first)).first() is None
    _ok(env)


def test_cancelling_an_order_held_after_picking_puts_the_goods_back(wave):
    """Held for credit at shipping after it was picked, then cancelled: its lines leave the picked shipment."""
    env = wave
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list)
    order_service.put_on_credit_hold(env.uow, env.clock, SYSTEM, env.orders[1], "limit reached")
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, env.orders[1], "not paid")
    with env.uow.read() as c:  # its shipment held only its lines: gone; the units are free again
        assert c.execute(select(shipments.c.id).where(shipments.c.id == env.shipments[1])).first() is None
    assert stock_of(env, "NEAR", "SKU-A") == (30, 8) and stock_of(env, "NEAR", "SKU-B") == (10, 4)
    _ok(env)


def test_cancelling_the_orders_of_a_wave_closes_it(wave):
    """Orders held and cancelled while their shipments are being picked: the lines leave the pick list, and the
    wave with nothing left being picked is done (not open for ever)."""
    env = wave
    for order_id in env.orders:
        order_service.put_on_credit_hold(env.uow, env.clock, SYSTEM, order_id, "limit reached")
        with env.uow.read() as c:
            assert c.execute(select(pick_lists.c.status).where(pick_lists.c.id == env.pick_list)).scalar_one() == "open"
        order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, order_id, "not paid")
    with env.uow.read() as c:
        assert c.execute(select(pick_lists.c.status).where(pick_lists.c.id == env.pick_list)).scalar_one() == "done"
        assert c.execute(select(shipments.c.id).where(shipments.c.pick_list_id == env.pick_list)).first() is None
    assert stock_of(env, "NEAR", "SKU-A") == (30, 0)
    _ok(env)


def test_ship_many_leaves_the_held_customer_behind(wave):
    env = wave
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list)
    rated = transport.rate_shipments(env.uow, env.actor, env.shipments)
    assert len(rated["rated"]) == 3 and rated["not_rated"] == []
    order_service.put_on_credit_hold(env.uow, env.clock, SYSTEM, env.orders[2], "limit reached")
    out = shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, env.shipments)
    assert [r["shipment_id"] for r in out["shipped"]] == env.shipments[:2]
    assert [(r["shipment_id"], r["code"]) for r in out["not_shipped"]] == [(env.shipments[2], "order_on_credit_hold")]
    assert [_status(env, s) for s in env.shipments] == ["shipped", "shipped", "picked"]
    assert stock_of(env, "NEAR", "SKU-A") == (22, 4)  # 8 left the shelf; the held order's 4 stay reserved
    assert [get_order(env.uow, env.actor, o)["status"] for o in env.orders] == ["shipped", "shipped", "credit_hold"]
    _ok(env)


def test_rating_many_stores_what_rating_one_at_a_time_stores(wave):
    """The batch rate-shop writes, per shipment, the same choice and alternatives as the one-shipment call, and
    names the shipments it could not rate (one unknown) without writing anything for them."""
    env = wave
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list)
    single = transport.rate_shipment(env.uow, env.actor, env.shipments[0])
    stored_single = shipment_views.get_shipment(env.uow, env.actor, env.shipments[0])
    out = transport.rate_shipments(env.uow, env.actor, [*env.shipments, 999_999])
    assert [r["shipment_id"] for r in out["rated"]] == env.shipments
    assert out["not_rated"] == [{"shipment_id": 999_999, "code": "shipment_not_found",
                                 "message": "shipment 999999: no such shipment"}]
    assert out["rated"][0] == single
    for result in out["rated"]:
        sh = shipment_views.get_shipment(env.uow, env.actor, result["shipment_id"])
        assert sh["rate_alternatives"] == result["alternatives"] and sh["rate_alternatives"]
        assert (sh["freight"]["carrier"], sh["freight"]["cost"]) == \
            (result["chosen"]["carrier"], Decimal(result["chosen"]["cost"]))
    again = shipment_views.get_shipment(env.uow, env.actor, env.shipments[0])
    assert (again["rate_alternatives"], again["freight"]) == (stored_single["rate_alternatives"], stored_single["freight"])


def test_deliver_many_records_each_proof_or_none(wave):
    env = wave
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list)
    shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, env.shipments)
    env.clock.advance(days=1)
    damaged = _lines(env, env.shipments[0])[0]
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        shipping.deliver_shipments(env.uow, env.clock, env.actor, [
            shipping.ProofOfDelivery(env.shipments[0], "J. Peeters"),
            shipping.ProofOfDelivery(env.shipments[1], "A. Nowak", exceptions=[
                shipping.DeliveryException(damaged["id"], damaged=1)])])  # a line of another shipment
    assert (exc.value.code, exc.value.field) == ("unknown_line", "deliveries[1].exceptions[0].line_id")
    assert snapshot(env) == before and _status(env, env.shipments[0]) == "shipped"
    out = shipping.deliver_shipments(env.uow, env.clock, env.actor, [
        shipping.ProofOfDelivery(sid, "Goods-in", exceptions=[shipping.DeliveryException(damaged["id"], damaged=1)]
                                 if sid == env.shipments[0] else []) for sid in env.shipments])
    assert [len(r["exceptions"]) for r in out] == [1, 0, 0]
    assert [get_order(env.uow, env.actor, o)["status"] for o in env.orders] == ["delivered"] * 3
    with pytest.raises(Conflict):
        shipping.deliver_shipments(env.uow, env.clock, env.actor, [shipping.ProofOfDelivery(env.shipments[0], "x")])
    _ok(env)


def test_a_truck_of_receipt_lines_serves_back_orders_once(env):
    world(env, stock={("NEAR", "SKU-A"): 2})
    waiting = order(env, [("SKU-A", 5), ("SKU-B", 3)])
    po = purchase(env, "PO-1", "NEAR", [("SKU-A", 10), ("SKU-B", 4)], days_out=200)  # beyond the horizon
    a, b = receipt_ids(env, po)
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        receipts.receive_delivery(env.uow, env.clock, env.settings, env.actor,
                                  [receipts.GoodsIn(a, 10), receipts.GoodsIn(b, 5)])
    assert (exc.value.code, exc.value.field) == ("over_receipt", "lines[1].qty")
    assert snapshot(env) == before
    out = receipts.receive_delivery(env.uow, env.clock, env.settings, env.actor,
                                    [receipts.GoodsIn(a, 10), receipts.GoodsIn(b, 3, close=True)])
    assert out["backorders_released"] == 6  # 3 of SKU-A and 3 of SKU-B
    assert get_order(env.uow, env.actor, waiting)["status"] == "allocated"
    assert stock_of(env, "NEAR", "SKU-A") == (12, 5) and stock_of(env, "NEAR", "SKU-B") == (3, 3)
    _ok(env)


def test_bulk_master_data_refuses_a_bad_record_and_writes_nothing(env):
    from ordercare.services import master_data as md
    from ordercare.services import master_data_bulk as bulk
    world(env)
    item = md.ProductData("NEW-1", "New", Decimal("1"), Decimal("0.01"), Decimal("5.00"), Decimal("3.00"))
    with pytest.raises(Conflict) as exc:
        bulk.create_products(env.uow, env.actor, [item, md.ProductData("SKU-A", "Dup", Decimal("1"), Decimal("0.01"),
                                                                       Decimal("5.00"), Decimal("3.00"))])
    assert exc.value.field == "products[1].sku"
    assert bulk.create_products(env.uow, env.actor, [item]).keys() == {"NEW-1"}
    assert bulk.set_prices(env.uow, env.actor, "TRADE", [bulk.PriceBreak("NEW-1", Decimal("4.50")),
                                                         bulk.PriceBreak("NEW-1", Decimal("4.00"), 10)]) == 2
    with pytest.raises(ValidationFailed) as exc:
        bulk.adjust_stock_many(env.uow, env.clock, env.settings, env.actor, [
            bulk.StockChange("NEAR", "NEW-1", 5), bulk.StockChange("NEAR", "NOPE", 1)], reason="count")
    assert exc.value.field == "changes[1].sku" and stock_of(env, "NEAR", "NEW-1") == (0, 0)
    assert bulk.adjust_stock_many(env.uow, env.clock, env.settings, env.actor, [
        bulk.StockChange("NEAR", "NEW-1", 5), bulk.StockChange("FAR", "NEW-1", 7)], reason="count") == 2
    assert stock_of(env, "NEAR", "NEW-1") == (5, 0) and stock_of(env, "FAR", "NEW-1") == (7, 0)
    _ok(env)


def test_an_order_held_after_part_of_it_left_cannot_be_cancelled(wave):
    """Finance can hold an order at shipping when part of it has left already; cancelling it would un-ship what
    the customer has: refused like any partly shipped order, and nothing changes. Releasing the hold still works."""
    env = wave
    first = env.shipments[0]
    line_b = next(ln for ln in _lines(env, first) if ln["sku"] == "SKU-B")
    picking.confirm_pick_list(env.uow, env.clock, env.settings, env.actor, env.pick_list, [
        picking.PickConfirmation(line_b["id"], 0, "slot empty", "replenishment")])
    transport.rate_shipments(env.uow, env.actor, [first])
    shipping.ship_shipments(env.uow, env.clock, env.settings, env.actor, [first])
    assert get_order(env.uow, env.actor, env.orders[0])["status"] != "shipped"  # SKU-B is still to come
    order_service.put_on_credit_hold(env.uow, env.clock, SYSTEM, env.orders[0], "limit reached")
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, env.orders[0], "not paid")
    assert (exc.value.code, exc.value.field, exc.value.data["units_shipped"]) == ("not_cancellable", "status", 4)
    assert snapshot(env) == before
    _ok(env)
    order_service.release_credit_hold(env.uow, env.clock, env.actor, env.orders[0], "paid")
    assert get_order(env.uow, env.actor, env.orders[0])["status"] != "credit_hold"
    _ok(env)
