"""Placing an order: promised dates, sourcing across warehouses, merged lines, reservations, timeline.

Geometry (tests/factories.py): the customer sits next to NEAR; MID is ~300 km away, FAR ~900 km.
Handling is 1 day everywhere; transit is 1 day per 500 km started: NEAR 1, MID 1, FAR 2.
Today is Monday 2026-03-02, so stock today ships 03-03 and arrives 03-04 (NEAR, MID) or 03-05 (FAR).
"""

from decimal import Decimal


from ordercare.domain.customers import SourcingPolicy
from ordercare.domain.orders import Channel, RequestedLine
from ordercare.services import orders as order_service
from ordercare.services.intake import OrderRequest
from ordercare.services.order_views import get_order, list_orders
from tests.factories import add_customer, order, purchase, world
from tests.services.helpers import (
    AGENT,
    assert_books_balance,
    day,
    events,
    receipt_ids,
    receipt_row,
    reserved_by_allocations,
    stock_of,
)


def allocs(line):
    return [(a["warehouse"], a["source"], a["qty"], a["available_date"], a["ship_date"], a["delivery_date"])
            for a in line["allocations"]]


def test_stock_today_in_the_nearest_warehouse_ships_tomorrow_and_arrives_the_day_after(env):
    world(env, stock={("NEAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3)]))
    line = o["lines"][0]
    assert o["status"] == "allocated"
    assert allocs(line) == [("NEAR", "stock", 3, day(0), day(1), day(2))]
    assert (line["promised_ship_date"], line["promised_date"]) == (day(1), day(2))
    assert o["promised_date"] == day(2)
    assert (line["qty_promised"], line["qty_backordered"]) == (3, 0)
    assert (line["unit_price"], line["amount"], o["total_amount"]) == (Decimal("10.00"), Decimal("30.00"),
                                                                        Decimal("30.00"))


def test_far_warehouse_adds_a_day_of_transit(env):
    world(env, stock={("FAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3)]))
    assert allocs(o["lines"][0]) == [("FAR", "stock", 3, day(0), day(1), day(3))]
    assert o["promised_date"] == day(3)


def test_mid_warehouse_is_one_day_of_transit_like_near(env):
    world(env, stock={("MID", "SKU-A"): 5, ("FAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 5)]))
    assert allocs(o["lines"][0]) == [("MID", "stock", 5, day(0), day(1), day(2))]
    assert o["promised_date"] == day(2)


def test_requested_date_later_than_the_atd_becomes_the_promised_date(env):
    world(env, stock={("NEAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3)], requested_date=day(18)))
    line = o["lines"][0]
    assert o["requested_date"] == day(18)
    assert line["requested_date"] == day(18)
    assert line["promised_date"] == day(18)
    assert o["promised_date"] == day(18)
    # The goods are still reserved today, from the nearest warehouse.
    assert allocs(line) == [("NEAR", "stock", 3, day(0), day(1), day(2))]
    assert stock_of(env, "NEAR", "SKU-A") == (5, 3)


def test_requested_date_earlier_than_the_atd_is_not_promised(env):
    world(env, stock={("FAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3)], requested_date=day(1)))
    assert o["promised_date"] == day(3)  # FAR stock cannot arrive before 03-05


def test_a_later_requested_date_lets_the_nearest_warehouse_serve_from_a_receipt(env):
    # FAR stock would arrive 03-05, a NEAR receipt on 03-10 arrives 03-12: both are in time for 03-20,
    # and among sources that are in time the nearest wins.
    world(env, stock={("FAR", "SKU-A"): 10})
    po = purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=8)
    (rid,) = receipt_ids(env, po)
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 4)], requested_date=day(18)))
    assert allocs(o["lines"][0]) == [("NEAR", "receipt", 4, day(8), day(9), day(10))]
    assert o["promised_date"] == day(18)
    assert receipt_row(env, rid).promised == 4
    assert stock_of(env, "FAR", "SKU-A") == (10, 0)


def test_without_a_requested_date_the_earliest_delivery_wins_over_the_nearer_receipt(env):
    world(env, stock={("FAR", "SKU-A"): 10})
    po = purchase(env, "PO-1", "NEAR", [("SKU-A", 10)], days_out=8)
    (rid,) = receipt_ids(env, po)
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 4)]))
    assert allocs(o["lines"][0]) == [("FAR", "stock", 4, day(0), day(1), day(3))]
    assert receipt_row(env, rid).promised == 0


def test_a_line_splits_across_warehouses_and_the_line_is_promised_by_its_latest_part(env):
    world(env, stock={("NEAR", "SKU-A"): 2, ("FAR", "SKU-A"): 10})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 5)]))
    line = o["lines"][0]
    assert allocs(line) == [("NEAR", "stock", 2, day(0), day(1), day(2)),
                            ("FAR", "stock", 3, day(0), day(1), day(3))]
    assert (line["promised_ship_date"], line["promised_date"]) == (day(1), day(3))
    assert o["status"] == "allocated"
    assert o["promised_date"] == day(3)
    assert stock_of(env, "NEAR", "SKU-A") == (2, 2)
    assert stock_of(env, "FAR", "SKU-A") == (10, 3)


def test_the_order_is_promised_by_its_latest_line(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("FAR", "SKU-B"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 1), ("SKU-B", 1)]))
    assert [ln["promised_date"] for ln in o["lines"]] == [day(2), day(3)]
    assert o["promised_date"] == day(3)


def test_duplicate_sku_lines_are_merged_and_checked_once_against_stock(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("NEAR", "SKU-B"): 5})
    oid = order(env, [("SKU-A", 3), ("SKU-B", 1), ("SKU-A", 3)])
    o = get_order(env.uow, env.actor, oid)
    assert [(ln["line_no"], ln["sku"], ln["qty"]) for ln in o["lines"]] == [(1, "SKU-A", 6), (2, "SKU-B", 1)]
    a = o["lines"][0]
    assert a["merged_from"] == [0, 2]
    assert (a["qty_promised"], a["qty_backordered"]) == (5, 1)
    assert allocs(a) == [("NEAR", "stock", 5, day(0), day(1), day(2))]
    assert a["promised_date"] is None  # one unit is still back-ordered
    assert o["lines"][1]["merged_from"] is None
    assert o["status"] == "partially_allocated"
    assert o["promised_date"] is None
    assert o["total_amount"] == Decimal("70.00")
    # Never 6 reserved out of 5.
    assert stock_of(env, "NEAR", "SKU-A") == (5, 5)
    (placed,) = events(o, "placed")
    assert placed["data"]["merged_lines"] == [[0, 2]]
    (bo,) = events(o, "backordered")
    assert bo["data"] == {"units": 1, "skus": ["SKU-A"]}


def test_merged_lines_that_fit_are_promised_in_full(env):
    world(env, stock={("NEAR", "SKU-A"): 6})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 3), ("SKU-A", 3)]))
    assert len(o["lines"]) == 1
    assert (o["lines"][0]["qty"], o["lines"][0]["qty_backordered"]) == (6, 0)
    assert o["status"] == "allocated"
    assert stock_of(env, "NEAR", "SKU-A") == (6, 6)


def test_merged_lines_take_the_earliest_requested_date(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    req = OrderRequest(customer="CUST1", lines=[RequestedLine("SKU-A", 2, day(20), 0),
                                                RequestedLine("SKU-A", 2, day(10), 1)])
    oid, replayed = order_service.place_order(env.uow, env.clock, env.settings, env.actor, req)
    line = get_order(env.uow, env.actor, oid)["lines"][0]
    assert replayed is False
    assert (line["qty"], line["requested_date"], line["promised_date"]) == (4, day(10), day(10))


def test_merging_an_undated_line_with_a_dated_one_keeps_as_soon_as_possible(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    req = OrderRequest(customer="CUST1", lines=[RequestedLine("SKU-A", 3, None, 0),
                                                RequestedLine("SKU-A", 3, day(20), 1)])
    oid, _ = order_service.place_order(env.uow, env.clock, env.settings, env.actor, req)
    line = get_order(env.uow, env.actor, oid)["lines"][0]
    # Three units were wanted as soon as possible: the earliest need of the merged line is "now",
    # so it is promised on its ATD (day 2), not on day 20.
    assert (line["qty"], line["requested_date"], line["promised_date"]) == (6, None, day(2))


def test_reserved_stock_always_equals_the_stock_allocations(env):
    world(env, stock={("NEAR", "SKU-A"): 4, ("MID", "SKU-A"): 3, ("FAR", "SKU-A"): 5, ("NEAR", "SKU-B"): 2})
    order(env, [("SKU-A", 3), ("SKU-B", 1)])
    order(env, [("SKU-A", 3)])
    order(env, [("SKU-A", 4), ("SKU-B", 4)])
    order(env, [("SKU-A", 4)])
    # 14 units of A asked for, 12 exist: NEAR 4, MID 3, FAR 5 are all reserved, 2 back-ordered.
    assert stock_of(env, "NEAR", "SKU-A") == (4, 4)
    assert stock_of(env, "MID", "SKU-A") == (3, 3)
    assert stock_of(env, "FAR", "SKU-A") == (5, 5)
    assert stock_of(env, "NEAR", "SKU-B") == (2, 2)
    for wh in ("NEAR", "MID", "FAR"):
        assert reserved_by_allocations(env, wh, "SKU-A") == stock_of(env, wh, "SKU-A")[1]
    assert_books_balance(env)
    statuses = [o["status"] for o in reversed(list_orders(env.uow, env.actor)["items"])]
    assert statuses == ["allocated", "allocated", "partially_allocated", "partially_allocated"]


def test_timeline_records_placement_status_and_back_order_with_the_actor(env):
    world(env, stock={("NEAR", "SKU-A"): 2})
    oid = order(env, [("SKU-A", 5), ("SKU-B", 1)], actor=AGENT, channel=Channel.PHONE)
    o = get_order(env.uow, env.actor, oid)
    assert o["channel"] == "phone"
    assert o["created_by"] == "alice"
    assert [e["kind"] for e in o["timeline"]] == ["placed", "backordered", "status_changed"]
    assert {e["actor"] for e in o["timeline"]} == {"alice"}
    assert {e["at"] for e in o["timeline"]} == {env.clock.now()}
    placed, bo, status = o["timeline"]
    assert placed["data"]["channel"] == "phone"
    assert placed["data"]["lines"] == 2
    assert Decimal(placed["data"]["total"]) == Decimal("60.00")
    assert bo["data"] == {"units": 4, "skus": ["SKU-A", "SKU-B"]}
    assert (status["from_status"], status["to_status"], status["reason"]) == ("new", "partially_allocated",
                                                                              "placed")
    assert status["data"] == {"promised_date": None}


def test_a_fully_promised_order_has_no_back_order_event(env):
    world(env, stock={("NEAR", "SKU-A"): 5})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 1)], channel=Channel.EDI))
    assert o["channel"] == "edi"
    assert [e["kind"] for e in o["timeline"]] == ["placed", "status_changed"]
    assert o["timeline"][1]["to_status"] == "allocated"
    assert o["timeline"][1]["data"] == {"promised_date": day(2).isoformat()}


def test_each_channel_is_recorded(env):
    world(env, stock={("NEAR", "SKU-A"): 50})
    placed = {ch: order(env, [("SKU-A", 1)], channel=ch) for ch in Channel}
    for ch, oid in placed.items():
        assert get_order(env.uow, env.actor, oid)["channel"] == str(ch)


def test_ship_complete_customer_orders_are_marked_and_promised_as_a_whole(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("FAR", "SKU-B"): 5})
    add_customer(env, "WHOLE", ship_complete=True)
    whole = get_order(env.uow, env.actor, order(env, [("SKU-A", 1), ("SKU-B", 1)], customer="WHOLE"))
    normal = get_order(env.uow, env.actor, order(env, [("SKU-A", 1)]))
    assert whole["ship_complete"] is True
    assert normal["ship_complete"] is False
    assert whole["promised_date"] == day(3)  # the FAR line sets the date of the whole order
    short = get_order(env.uow, env.actor, order(env, [("SKU-A", 1), ("SKU-C", 1)], customer="WHOLE"))
    assert short["ship_complete"] is True
    assert short["status"] == "partially_allocated"
    assert short["promised_date"] is None  # nothing is promised for the order while a line waits


def test_single_warehouse_customer_is_served_from_one_warehouse_that_has_everything(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("FAR", "SKU-A"): 5, ("FAR", "SKU-B"): 5})
    add_customer(env, "SOLO", policy=SourcingPolicy.SINGLE_WAREHOUSE)
    split = get_order(env.uow, env.actor, order(env, [("SKU-A", 3), ("SKU-B", 3)]))
    assert [[a["warehouse"] for a in ln["allocations"]] for ln in split["lines"]] == [["NEAR"], ["FAR"]]
    solo = get_order(env.uow, env.actor, order(env, [("SKU-A", 2), ("SKU-B", 2)], customer="SOLO"))
    assert [allocs(ln) for ln in solo["lines"]] == [[("FAR", "stock", 2, day(0), day(1), day(3))],
                                                    [("FAR", "stock", 2, day(0), day(1), day(3))]]
    assert solo["promised_date"] == day(3)
    assert stock_of(env, "FAR", "SKU-A") == (5, 2)


def test_single_warehouse_prefers_the_nearest_of_the_warehouses_that_have_everything(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("NEAR", "SKU-B"): 5, ("FAR", "SKU-A"): 5, ("FAR", "SKU-B"): 5},
          policy=SourcingPolicy.SINGLE_WAREHOUSE)
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 2), ("SKU-B", 2)]))
    assert [[a["warehouse"] for a in ln["allocations"]] for ln in o["lines"]] == [["NEAR"], ["NEAR"]]


def test_single_warehouse_falls_back_to_splitting_when_no_warehouse_has_everything(env):
    world(env, stock={("NEAR", "SKU-A"): 5, ("MID", "SKU-B"): 5}, policy=SourcingPolicy.SINGLE_WAREHOUSE)
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 2), ("SKU-B", 2)]))
    assert [[a["warehouse"] for a in ln["allocations"]] for ln in o["lines"]] == [["NEAR"], ["MID"]]
    assert o["status"] == "allocated"
    assert o["promised_date"] == day(2)
