"""Back-orders and scheduled receipts: promising on a purchase order, receiving, closing short,
rescheduling, and supply freed by cancellation or a stock count.

Today is 2026-03-02 (day 0). A NEAR receipt expected on day n ships on day n+1 and arrives on day n+2.
"""

import pytest

from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.services import master_data as md
from ordercare.services import orders as order_service
from ordercare.services import receipts
from ordercare.services.order_views import get_order
from tests.factories import add_customer, order, purchase, world
from tests.services.helpers import (
    AGENT,
    BUYER,
    assert_books_balance,
    day,
    events,
    promised_on_receipt,
    receipt_ids,
    receipt_row,
    snapshot,
    stock_of,
)


def view(env, oid):
    return get_order(env.uow, env.actor, oid)


def test_an_order_without_stock_is_backordered(env):
    world(env)
    o = view(env, order(env, [("SKU-A", 3)]))
    line = o["lines"][0]
    assert o["status"] == "backordered"
    assert o["promised_date"] is None
    assert (line["qty_promised"], line["qty_backordered"], line["allocations"]) == (0, 3, [])
    assert (line["promised_ship_date"], line["promised_date"]) == (None, None)
    assert events(o, "backordered")[0]["data"] == {"units": 3, "skus": ["SKU-A"]}
    assert stock_of(env, "NEAR", "SKU-A") == (0, 0)


def test_a_purchase_order_promises_waiting_back_orders_on_the_receipt_date(env):
    world(env)
    oid = order(env, [("SKU-A", 3)])
    po = purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10)
    (rid,) = receipt_ids(env, po)
    o = view(env, oid)
    line = o["lines"][0]
    assert o["status"] == "allocated"
    assert [(a["warehouse"], a["source"], a["receipt_id"], a["qty"], a["available_date"], a["ship_date"],
             a["delivery_date"]) for a in line["allocations"]] == [("NEAR", "receipt", rid, 3, day(10), day(11),
                                                                    day(12))]
    assert (line["qty_backordered"], line["promised_ship_date"], line["promised_date"]) == (0, day(11), day(12))
    assert o["promised_date"] == day(12)
    r = receipt_row(env, rid)
    assert (r.qty_ordered, r.qty_received, r.promised, r.status, r.expected_date) == (10, 0, 3, "open", day(10))
    assert stock_of(env, "NEAR", "SKU-A") == (0, 0)  # nothing is on the shelf yet
    kinds = [e["kind"] for e in o["timeline"]]
    assert kinds == ["placed", "backordered", "status_changed", "backorder_allocated", "promise_changed",
                     "status_changed"]
    (pc,) = events(o, "promise_changed")
    assert pc["data"] == {"old": None, "new": day(12).isoformat()}
    assert pc["reason"] == "purchase order PO-1 scheduled"
    last = o["timeline"][-1]
    assert (last["from_status"], last["to_status"]) == ("backordered", "allocated")
    assert_books_balance(env)


def test_orders_placed_after_the_purchase_order_are_promised_against_it(env):
    world(env)
    po = purchase(env, "PO-1", "MID", [("SKU-A", 10)], days_out=4)
    (rid,) = receipt_ids(env, po)
    o = view(env, order(env, [("SKU-A", 4)]))
    assert o["status"] == "allocated"
    assert o["promised_date"] == day(6)
    assert receipt_row(env, rid).promised == 4
    o2 = view(env, order(env, [("SKU-A", 7)]))
    assert o2["status"] == "partially_allocated"
    assert (o2["lines"][0]["qty_promised"], o2["lines"][0]["qty_backordered"]) == (6, 1)
    assert receipt_row(env, rid).promised == 10


def test_receiving_turns_promises_into_reservations(env):
    world(env)
    oid = order(env, [("SKU-A", 3)])
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    env.clock.advance(days=10)
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 10)
    assert result == {"receipt_id": rid, "received": 10, "promises_kept": 3, "promises_lost": 0,
                      "backorders_released": 0}
    assert stock_of(env, "NEAR", "SKU-A") == (10, 3)
    r = receipt_row(env, rid)
    assert (r.qty_received, r.promised, r.status) == (10, 0, "closed")
    o = view(env, oid)
    assert [(a["source"], a["qty"], a["available_date"], a["delivery_date"]) for a in o["lines"][0]["allocations"]] \
        == [("stock", 3, day(10), day(12))]
    assert o["status"] == "allocated"
    assert o["promised_date"] == day(12)
    (arrived,) = events(o, "receipt_arrived")
    assert arrived["data"] == {"receipt_id": rid, "units": 3}
    assert_books_balance(env)


def test_a_partial_receipt_keeps_the_rest_of_the_promise_on_the_receipt(env):
    world(env)
    oid = order(env, [("SKU-A", 5)])
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 2)
    assert (result["promises_kept"], result["promises_lost"]) == (2, 0)
    assert stock_of(env, "NEAR", "SKU-A") == (2, 2)
    r = receipt_row(env, rid)
    assert (r.qty_received, r.promised, r.status) == (2, 3, "open")
    line = view(env, oid)["lines"][0]
    assert sorted((a["source"], a["qty"]) for a in line["allocations"]) == [("receipt", 3), ("stock", 2)]
    assert line["qty_backordered"] == 0
    assert_books_balance(env)
    # The rest arrives: everything is on the shelf, nothing is promised on the receipt any more.
    receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 8)
    assert stock_of(env, "NEAR", "SKU-A") == (10, 5)
    r = receipt_row(env, rid)
    assert (r.qty_received, r.promised, r.status) == (10, 0, "closed")
    assert_books_balance(env)


def test_receiving_more_than_is_outstanding_is_refused(env):
    world(env)
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)]))
    receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 4)
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 7)
    assert (exc.value.code, exc.value.field, exc.value.data) == ("over_receipt", "qty", {"outstanding": 6})
    assert snapshot(env) == before


def test_surplus_of_a_receipt_serves_back_orders_by_package_priority_then_first_come(env):
    world(env, customers=())
    add_customer(env, "C-FIRST", package="C")
    add_customer(env, "C-SECOND", package="C")
    add_customer(env, "A-LATE", package="A")
    # The supplier's date is beyond the promise horizon (120 days): nobody can be promised on it...
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 20)], days_out=200))
    c1 = order(env, [("SKU-A", 4)], customer="C-FIRST")
    env.clock.advance(hours=1)
    c2 = order(env, [("SKU-A", 4)], customer="C-SECOND")
    env.clock.advance(hours=1)
    a = order(env, [("SKU-A", 4)], customer="A-LATE")
    assert [view(env, o)["status"] for o in (c1, c2, a)] == ["backordered"] * 3
    # ...but 6 units arrive early: the A customer first, then the C customer who ordered first.
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 6)
    assert (result["promises_kept"], result["backorders_released"]) == (0, 6)
    got = {o: view(env, o) for o in (c1, c2, a)}
    assert [(got[o]["status"], got[o]["lines"][0]["qty_backordered"]) for o in (a, c1, c2)] == [
        ("allocated", 0), ("partially_allocated", 2), ("backordered", 4)]
    assert got[a]["promised_date"] == day(2)
    assert stock_of(env, "NEAR", "SKU-A") == (6, 6)
    (released,) = events(got[c1], "backorder_allocated")
    assert released["data"]["qty"] == 2 and released["data"]["still_backordered"] == 2
    assert released["reason"] == f"receipt {rid} arrived"
    assert_books_balance(env)


def test_closing_a_receipt_short_puts_unkept_promises_back_on_back_order(env):
    world(env, customers=("CUST1", "CUST2"))
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    o1 = order(env, [("SKU-A", 6)], customer="CUST1")
    env.clock.advance(hours=1)
    o2 = order(env, [("SKU-A", 4)], customer="CUST2")
    assert receipt_row(env, rid).promised == 10
    env.clock.advance(days=10)
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 6, close=True)
    assert result == {"receipt_id": rid, "received": 6, "promises_kept": 6, "promises_lost": 4,
                      "backorders_released": 0}
    r = receipt_row(env, rid)
    assert (r.qty_received, r.promised, r.status) == (6, 0, "closed")
    assert stock_of(env, "NEAR", "SKU-A") == (6, 6)
    first, second = view(env, o1), view(env, o2)
    assert first["status"] == "allocated"
    assert first["promised_date"] == day(12)
    assert second["status"] == "backordered"
    assert second["promised_date"] is None
    assert (second["lines"][0]["qty_backordered"], second["lines"][0]["allocations"]) == (4, [])
    (bo,) = [e for e in events(second, "backordered") if e["reason"]]
    assert bo["reason"] == f"receipt {rid} will not deliver"
    assert bo["data"]["units"] == 4
    (pc,) = events(second, "promise_changed")
    assert pc["data"] == {"old": day(12).isoformat(), "new": None}
    assert second["timeline"][-1]["to_status"] == "backordered"
    assert_books_balance(env)


def test_closing_short_with_a_partly_kept_promise_leaves_no_promise_on_the_closed_receipt(env):
    world(env, customers=("CUST1", "CUST2"))
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    o1 = order(env, [("SKU-A", 6)], customer="CUST1")
    env.clock.advance(hours=1)
    o2 = order(env, [("SKU-A", 4)], customer="CUST2")
    env.clock.advance(days=10)
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 7, close=True)
    assert (result["promises_kept"], result["promises_lost"]) == (7, 3)
    assert stock_of(env, "NEAR", "SKU-A") == (7, 7)
    second = view(env, o2)
    line = second["lines"][0]
    assert (line["qty_promised"], line["qty_backordered"]) == (1, 3)
    # One unit is on the shelf for it; the three the supplier will not send are back-ordered, not promised.
    assert [(a["source"], a["qty"]) for a in line["allocations"]] == [("stock", 1)]
    assert promised_on_receipt(env, rid) == 0
    assert second["status"] == "partially_allocated"
    assert view(env, o1)["status"] == "allocated"
    assert_books_balance(env)
    # Cancelling it gives back exactly the one reserved unit.
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, o2, "customer changed mind")
    assert stock_of(env, "NEAR", "SKU-A") == (7, 6)
    assert receipt_row(env, rid).promised == 0


def test_promises_lost_on_a_short_receipt_are_replanned_on_other_supply(env):
    world(env, customers=("CUST1", "CUST2"))
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    o1 = order(env, [("SKU-A", 6)], customer="CUST1")
    env.clock.advance(hours=1)
    o2 = order(env, [("SKU-A", 4)], customer="CUST2")
    # Stock found in FAR later; the orders keep their receipt promises meanwhile.
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="FAR", sku="SKU-A", delta=10,
                    reason="found")
    assert stock_of(env, "FAR", "SKU-A") == (10, 0)
    env.clock.advance(days=10)
    result = receipts.receive(env.uow, env.clock, env.settings, env.actor, rid, 6, close=True)
    assert (result["promises_kept"], result["promises_lost"], result["backorders_released"]) == (6, 4, 4)
    second = view(env, o2)
    assert second["status"] == "allocated"
    assert [(a["warehouse"], a["source"], a["qty"], a["delivery_date"]) for a in second["lines"][0]["allocations"]] \
        == [("FAR", "stock", 4, day(13))]
    assert second["promised_date"] == day(13)
    assert [e["data"] for e in events(second, "promise_changed")] == [
        {"old": day(12).isoformat(), "new": None}, {"old": None, "new": day(13).isoformat()}]
    assert stock_of(env, "FAR", "SKU-A") == (10, 4)
    assert view(env, o1)["promised_date"] == day(12)
    assert_books_balance(env)


def test_rescheduling_a_receipt_moves_the_promises_that_rest_on_it(env):
    world(env, customers=("CUST1", "CUST2"))
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    moved = order(env, [("SKU-A", 3)], customer="CUST1")
    relaxed = order(env, [("SKU-A", 3)], customer="CUST2", requested_date=day(30))
    assert view(env, moved)["promised_date"] == day(12)
    assert view(env, relaxed)["promised_date"] == day(30)
    result = receipts.reschedule_receipt(env.uow, env.clock, BUYER, rid, day(17), "supplier late")
    assert result == {"receipt_id": rid, "expected_date": day(17).isoformat(), "orders_repromised": [moved]}
    assert receipt_row(env, rid).expected_date == day(17)
    o = view(env, moved)
    assert o["promised_date"] == day(19)
    a = o["lines"][0]["allocations"][0]
    assert (a["available_date"], a["ship_date"], a["delivery_date"]) == (day(17), day(18), day(19))
    assert (o["lines"][0]["promised_ship_date"], o["lines"][0]["promised_date"]) == (day(18), day(19))
    (pc,) = events(o, "promise_changed")
    assert pc["data"] == {"old": day(12).isoformat(), "new": day(19).isoformat()}
    assert (pc["reason"], pc["actor"], pc["at"]) == ("supplier late", "buyer", env.clock.now())
    # The customer who asked for day 30 still gets day 30: no change, no event.
    r = view(env, relaxed)
    assert r["promised_date"] == day(30)
    assert events(r, "promise_changed") == []
    assert r["lines"][0]["allocations"][0]["delivery_date"] == day(19)
    assert_books_balance(env)


def test_rescheduling_into_the_past_is_refused(env):
    world(env)
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    order(env, [("SKU-A", 3)])
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        receipts.reschedule_receipt(env.uow, env.clock, env.actor, rid, day(-1), "typo")
    assert (exc.value.code, exc.value.field) == ("expected_date_in_past", "expected_date")
    assert snapshot(env) == before
    assert receipt_row(env, rid).expected_date == day(10)


def test_cancelling_gives_stock_back_and_releases_waiting_back_orders(env):
    world(env, stock={("NEAR", "SKU-A"): 5}, customers=("CUST1", "CUST2"))
    first = order(env, [("SKU-A", 5)], customer="CUST1")
    waiting = order(env, [("SKU-A", 3)], customer="CUST2")
    assert view(env, waiting)["status"] == "backordered"
    assert stock_of(env, "NEAR", "SKU-A") == (5, 5)
    order_service.cancel_order(env.uow, env.clock, env.settings, AGENT, first, "customer cancelled")
    c = view(env, first)
    assert c["status"] == "cancelled"
    assert c["lines"][0]["allocations"] == []
    assert c["lines"][0]["qty_backordered"] == 0
    last = c["timeline"][-1]
    assert (last["kind"], last["from_status"], last["to_status"], last["reason"], last["actor"]) == (
        "status_changed", "allocated", "cancelled", "customer cancelled", "alice")
    assert last["data"] == {"released_units": 5}
    w = view(env, waiting)
    assert w["status"] == "allocated"
    assert w["promised_date"] == day(2)
    (rel,) = events(w, "backorder_allocated")
    assert rel["reason"] == f"supply freed by cancelled order {first}"
    assert stock_of(env, "NEAR", "SKU-A") == (5, 3)
    assert_books_balance(env)


def test_cancelling_an_order_promised_on_a_receipt_frees_the_receipt(env):
    world(env)
    (rid,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    oid = order(env, [("SKU-A", 4)])
    assert receipt_row(env, rid).promised == 4
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, oid, "duplicate")
    assert receipt_row(env, rid).promised == 0
    with pytest.raises(Conflict) as exc:
        order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, oid, "again")
    assert (exc.value.code, exc.value.field) == ("not_cancellable", "status")


def test_adding_stock_releases_back_orders(env):
    world(env)
    oid = order(env, [("SKU-A", 4)])
    assert md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=3,
                           reason="found in aisle 7") == {"on_hand": 3, "reserved": 3}
    o = view(env, oid)
    assert (o["status"], o["lines"][0]["qty_backordered"], o["promised_date"]) == ("partially_allocated", 1, None)
    assert md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=5,
                           reason="delivery") == {"on_hand": 8, "reserved": 4}
    o = view(env, oid)
    assert (o["status"], o["lines"][0]["qty_backordered"], o["promised_date"]) == ("allocated", 0, day(2))
    assert [e["reason"] for e in events(o, "backorder_allocated")] == ["stock added in NEAR"] * 2
    assert_books_balance(env)


def test_adjusting_stock_below_what_is_reserved_is_refused_and_changes_nothing(env):
    world(env, stock={("NEAR", "SKU-A"): 5})
    order(env, [("SKU-A", 4)])
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=-2,
                        reason="cycle count")
    assert (exc.value.code, exc.value.field) == ("stock_reserved", "delta")
    assert exc.value.data == {"on_hand": 5, "reserved": 4}
    assert snapshot(env) == before
    assert stock_of(env, "NEAR", "SKU-A") == (5, 4)
    # Down to exactly what is reserved is allowed.
    assert md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=-1,
                           reason="cycle count") == {"on_hand": 4, "reserved": 4}


def test_a_truck_with_two_receipts_of_one_product_keeps_splits_and_drops_promises_line_by_line(env):
    world(env, customers=("CUST1", "CUST2", "CUST3"))
    (r1,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=10))
    (r2,) = receipt_ids(env, purchase(env, "PO-2", "NEAR", [("SKU-A", 10)], days_out=11))
    o1 = order(env, [("SKU-A", 6)], customer="CUST1")
    env.clock.advance(hours=1)
    o2 = order(env, [("SKU-A", 4)], customer="CUST2")
    env.clock.advance(hours=1)
    o3 = order(env, [("SKU-A", 8)], customer="CUST3")
    assert (promised_on_receipt(env, r1), promised_on_receipt(env, r2)) == (10, 8)
    env.clock.advance(days=11)
    out = receipts.receive_delivery(env.uow, env.clock, env.settings, env.actor, [
        receipts.GoodsIn(r1, 7), receipts.GoodsIn(r2, 5, close=True)])
    assert out == {"lines": [
        {"receipt_id": r1, "received": 7, "promises_kept": 7, "promises_lost": 0},
        {"receipt_id": r2, "received": 5, "promises_kept": 5, "promises_lost": 3}], "backorders_released": 0}
    assert stock_of(env, "NEAR", "SKU-A") == (12, 12)  # both lines on the shelf, every unit reserved
    assert [(r.qty_received, r.promised, r.status) for r in (receipt_row(env, r1), receipt_row(env, r2))] == [
        (7, 3, "open"), (5, 0, "closed")]
    first, second, third = view(env, o1), view(env, o2), view(env, o3)
    assert [(a["source"], a["qty"]) for a in first["lines"][0]["allocations"]] == [("stock", 6)]
    # The first line kept one of the second order's four units; three still wait on the open receipt.
    assert sorted((a["source"], a["qty"]) for a in second["lines"][0]["allocations"]) == [
        ("receipt", 3), ("stock", 1)]
    line = third["lines"][0]
    assert ([(a["source"], a["qty"]) for a in line["allocations"]], line["qty_backordered"]) == ([("stock", 5)], 3)
    assert third["status"] == "partially_allocated"
    assert [e["data"]["units"] for e in events(third, "receipt_arrived")] == [5]
    (bo,) = [e for e in events(third, "backordered") if e["reason"]]
    assert (bo["reason"], bo["data"]["units"]) == (f"receipt {r2} will not deliver", 3)
    assert [e["data"] for e in events(second, "receipt_arrived")] == [{"receipt_id": r1, "units": 1}]
    assert_books_balance(env)


def test_a_truck_is_refused_whole_when_its_lines_together_overfill_the_shelf(env):
    from ordercare.domain.orders import MAX_STOCK
    world(env)
    half = MAX_STOCK // 2 + 1  # each line alone fits, the two together do not
    (r1,) = receipt_ids(env, purchase(env, "PO-1", "NEAR", [("SKU-B", half)]))
    (r2,) = receipt_ids(env, purchase(env, "PO-2", "NEAR", [("SKU-B", half)]))
    env.clock.advance(days=10)
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        receipts.receive_delivery(env.uow, env.clock, env.settings, env.actor,
                                  [receipts.GoodsIn(r1, half), receipts.GoodsIn(r2, half)])
    assert (exc.value.code, exc.value.field) == ("stock_too_large", "lines[1].qty")
    assert snapshot(env) == before


def test_stock_added_for_more_products_than_one_read_serves_each_by_package_priority_then_first_come(env, monkeypatch):
    """The waiting lines are read in chunks of products (a read has a bounded number of parameters); with one
    product per chunk, the lines are still served in one order: package priority, then first come."""
    from ordercare.services.master_data_bulk import StockChange, adjust_stock_many
    from ordercare.store import prepared
    monkeypatch.setattr(prepared, "IN_CHUNK", 1)
    world(env, customers=())
    add_customer(env, "C-FIRST", package="C")
    add_customer(env, "A-LATE", package="A")
    c1 = order(env, [("SKU-A", 4), ("SKU-B", 4)], customer="C-FIRST")
    env.clock.advance(hours=1)
    a = order(env, [("SKU-B", 4), ("SKU-A", 4)], customer="A-LATE")
    adjust_stock_many(env.uow, env.clock, env.settings, env.actor,
                      [StockChange("NEAR", "SKU-A", 6), StockChange("NEAR", "SKU-B", 5)], reason="count")
    got = {o: {ln["sku"]: ln["qty_backordered"] for ln in view(env, o)["lines"]} for o in (c1, a)}
    assert got == {a: {"SKU-A": 0, "SKU-B": 0}, c1: {"SKU-A": 2, "SKU-B": 3}}
    from sqlalchemy import select
    from ordercare.store.tables import order_events
    with env.uow.read() as c:  # served in one order across the chunks: the A customer's lines, then the C's
        served = c.execute(select(order_events.c.order_id).where(order_events.c.kind == "backorder_allocated")
                           .order_by(order_events.c.id)).scalars().all()
    assert served == [a, a, c1, c1]
    assert stock_of(env, "NEAR", "SKU-A") == (6, 6) and stock_of(env, "NEAR", "SKU-B") == (5, 5)
    assert_books_balance(env)
