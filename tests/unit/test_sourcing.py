"""Sourcing plans (domain/sourcing.py): which warehouse and which receipt, worked by hand.

Lanes used throughout (today = Monday 2026-03-02):

    WH 1   100 km  handling 1  transit 1   stock today delivers 03-04
    WH 2   900 km  handling 1  transit 2   stock today delivers 03-05
    WH 3  1600 km  handling 0  transit 4   stock today delivers 03-06
"""

from __future__ import annotations

from datetime import date, timedelta

from ordercare.domain.atp import Lane, ScheduledReceipt, SupplyPosition
from ordercare.domain.customers import SourcingPolicy
from ordercare.domain.sourcing import LineDemand, LinePlan, PlannedAllocation, plan_order

TODAY = date(2026, 3, 2)
HORIZON = date(2026, 6, 30)  # today + 120 days

WH1 = Lane(warehouse_id=1, distance_km=100.0, handling_days=1, transit_days=1)
WH2 = Lane(warehouse_id=2, distance_km=900.0, handling_days=1, transit_days=2)
WH3 = Lane(warehouse_id=3, distance_km=1600.0, handling_days=0, transit_days=4)
LANES = [WH1, WH2, WH3]

A, B = 10, 11  # product ids

NEAREST = SourcingPolicy.NEAREST
SINGLE = SourcingPolicy.SINGLE_WAREHOUSE


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def stock(on_hand: int, reserved: int = 0, *receipts: tuple[int, date, int]) -> SupplyPosition:
    return SupplyPosition(on_hand, reserved, tuple(ScheduledReceipt(*r) for r in receipts))


def plan(demands, supply, lanes=LANES, policy=NEAREST, horizon=HORIZON):
    return plan_order(demands, supply, lanes, policy=policy, today=TODAY, horizon_end=horizon)


def alloc(wh, receipt, qty, available, ship, delivery):
    return PlannedAllocation(wh, receipt, qty, available, ship, delivery)


class TestPerLineRule:
    def test_nearest_warehouse_with_stock_wins(self):
        supply = {(1, A): stock(20), (2, A): stock(20), (3, A): stock(20)}
        [line] = plan([LineDemand(A, 5, None)], supply)
        assert line.allocations == [alloc(1, None, 5, d(3, 2), d(3, 3), d(3, 4))]
        assert line.backordered == 0
        assert line.promised_qty == 5
        assert line.ship_date == d(3, 3)
        assert line.delivery_date == d(3, 4)

    def test_nearest_with_free_stock_wins_when_nearer_is_fully_reserved(self):
        supply = {(1, A): stock(20, 20), (2, A): stock(20, 5), (3, A): stock(20)}
        [line] = plan([LineDemand(A, 5, None)], supply)
        assert line.allocations == [alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5))]

    def test_lane_order_in_input_does_not_matter(self):
        supply = {(1, A): stock(20), (2, A): stock(20), (3, A): stock(20)}
        [line] = plan([LineDemand(A, 5, None)], supply, lanes=[WH3, WH2, WH1])
        assert [a.warehouse_id for a in line.allocations] == [1]

    def test_earliest_delivery_wins_over_distance(self):
        # WH1 only has a receipt on 03-06 -> ships 03-07, delivers 03-08; WH2 stock delivers 03-05
        supply = {(1, A): stock(0, 0, (7, d(3, 6), 50)), (2, A): stock(10)}
        [line] = plan([LineDemand(A, 5, None)], supply)
        assert line.allocations == [alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5))]
        assert line.delivery_date == d(3, 5)

    def test_delivery_before_requested_date_counts_as_requested_so_nearest_wins(self):
        # requested 03-10: WH1's receipt (delivers 03-08) and WH2's stock (03-05) are both in time
        supply = {(1, A): stock(0, 0, (7, d(3, 6), 50)), (2, A): stock(10)}
        [line] = plan([LineDemand(A, 5, d(3, 10))], supply)
        assert line.allocations == [alloc(1, 7, 5, d(3, 6), d(3, 7), d(3, 8))]
        assert line.delivery_date == d(3, 10)  # later of ATD (03-08) and requested (03-10)
        assert line.ship_date == d(3, 7)

    def test_late_nearest_loses_to_farther_in_time(self):
        # requested 03-07: WH1's receipt delivers 03-08 (late); WH2's stock 03-05 is in time
        supply = {(1, A): stock(0, 0, (7, d(3, 6), 50)), (2, A): stock(10)}
        [line] = plan([LineDemand(A, 5, d(3, 7))], supply)
        assert line.allocations == [alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5))]
        assert line.delivery_date == d(3, 7)

    def test_requested_exactly_on_atd_is_in_time(self):
        supply = {(1, A): stock(0, 0, (7, d(3, 6), 50)), (2, A): stock(10)}
        [line] = plan([LineDemand(A, 5, d(3, 8))], supply)
        assert [a.warehouse_id for a in line.allocations] == [1]
        assert line.delivery_date == d(3, 8)

    def test_stock_today_preferred_to_a_receipt_in_the_same_warehouse(self):
        # requested 03-10: stock (03-04) and receipt 8 (avail 03-03, delivers 03-05) both in time
        supply = {(1, A): stock(5, 0, (8, d(3, 3), 5))}
        [line] = plan([LineDemand(A, 5, d(3, 10))], supply)
        assert line.allocations == [alloc(1, None, 5, d(3, 2), d(3, 3), d(3, 4))]

    def test_earlier_receipt_before_later_receipt_then_lower_id(self):
        # all in time for 04-30; same warehouse: earlier availability first, then the lower receipt id
        supply = {(1, A): stock(0, 0, (30, d(3, 20), 2), (20, d(3, 10), 2), (10, d(3, 20), 2))}
        [line] = plan([LineDemand(A, 5, d(4, 30))], supply)
        assert line.allocations == [
            alloc(1, 20, 2, d(3, 10), d(3, 11), d(3, 12)),
            alloc(1, 10, 2, d(3, 20), d(3, 21), d(3, 22)),
            alloc(1, 30, 1, d(3, 20), d(3, 21), d(3, 22)),
        ]
        assert line.delivery_date == d(4, 30)

    def test_split_across_warehouses(self):
        supply = {(1, A): stock(3), (2, A): stock(4), (3, A): stock(9)}
        [line] = plan([LineDemand(A, 6, None)], supply)
        assert line.allocations == [
            alloc(1, None, 3, d(3, 2), d(3, 3), d(3, 4)),
            alloc(2, None, 3, d(3, 2), d(3, 3), d(3, 5)),
        ]
        assert line.backordered == 0
        assert line.ship_date == d(3, 3)
        assert line.delivery_date == d(3, 5)

    def test_split_stock_now_and_a_later_receipt(self):
        # 4 from stock (delivers 03-04), 6 from receipt 9 on 03-20 (ships 03-21, delivers 03-22)
        supply = {(1, A): stock(6, 2, (9, d(3, 20), 10))}
        [line] = plan([LineDemand(A, 10, None)], supply)
        assert line.allocations == [
            alloc(1, None, 4, d(3, 2), d(3, 3), d(3, 4)),
            alloc(1, 9, 6, d(3, 20), d(3, 21), d(3, 22)),
        ]
        assert line.ship_date == d(3, 21)
        assert line.delivery_date == d(3, 22)

    def test_overdue_receipt_is_planned_from_tomorrow(self):
        supply = {(1, A): stock(0, 0, (4, d(2, 20), 10))}
        [line] = plan([LineDemand(A, 3, None)], supply)
        assert line.allocations == [alloc(1, 4, 3, d(3, 3), d(3, 4), d(3, 5))]

    def test_backorder_what_no_bucket_covers(self):
        supply = {(1, A): stock(4), (2, A): stock(0, 0, (5, d(3, 10), 3))}
        [line] = plan([LineDemand(A, 10, d(3, 4))], supply)
        assert line.allocations == [
            alloc(1, None, 4, d(3, 2), d(3, 3), d(3, 4)),
            alloc(2, 5, 3, d(3, 10), d(3, 11), d(3, 13)),
        ]
        assert line.promised_qty == 7
        assert line.backordered == 3
        assert line.ship_date is None
        assert line.delivery_date is None

    def test_nothing_anywhere_is_all_backordered(self):
        [line] = plan([LineDemand(A, 4, None)], {})
        assert line.allocations == []
        assert line.backordered == 4
        assert line.delivery_date is None
        assert line.ship_date is None

    def test_receipts_with_no_free_qty_are_not_buckets(self):
        supply = {(1, A): stock(0, 0, (5, d(3, 10), 0))}
        [line] = plan([LineDemand(A, 1, None)], supply)
        assert line.allocations == []
        assert line.backordered == 1

    def test_receipt_beyond_horizon_is_not_promised(self):
        supply = {(1, A): stock(2, 0, (5, d(7, 1), 50))}
        [line] = plan([LineDemand(A, 5, None)], supply)
        assert line.allocations == [alloc(1, None, 2, d(3, 2), d(3, 3), d(3, 4))]
        assert line.backordered == 3

    def test_receipt_on_horizon_day_is_promised(self):
        supply = {(1, A): stock(2, 0, (5, d(6, 30), 50))}
        [line] = plan([LineDemand(A, 5, None)], supply)
        assert line.allocations == [
            alloc(1, None, 2, d(3, 2), d(3, 3), d(3, 4)),
            alloc(1, 5, 3, d(6, 30), d(7, 1), d(7, 2)),
        ]
        assert line.backordered == 0

    def test_supply_in_a_warehouse_without_a_lane_is_not_used(self):
        supply = {(9, A): stock(100), (2, A): stock(1)}
        [line] = plan([LineDemand(A, 3, None)], supply)
        assert line.allocations == [alloc(2, None, 1, d(3, 2), d(3, 3), d(3, 5))]
        assert line.backordered == 2

    def test_lines_of_different_products_are_planned_independently(self):
        supply = {(1, A): stock(5), (2, B): stock(5), (3, B): stock(5)}
        la, lb = plan([LineDemand(A, 5, None), LineDemand(B, 7, None)], supply)
        assert la.allocations == [alloc(1, None, 5, d(3, 2), d(3, 3), d(3, 4))]
        assert lb.allocations == [
            alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5)),
            alloc(3, None, 2, d(3, 2), d(3, 2), d(3, 6)),
        ]
        assert la.demand == LineDemand(A, 5, None)
        assert lb.demand == LineDemand(B, 7, None)

    def test_does_not_change_the_supply_given(self):
        pos = stock(5, 1, (3, d(3, 9), 4))
        supply = {(1, A): pos}
        plan([LineDemand(A, 8, None)], supply)
        plan([LineDemand(A, 8, None)], supply)
        assert supply == {(1, A): stock(5, 1, (3, d(3, 9), 4))}
        [line] = plan([LineDemand(A, 8, None)], supply)
        assert line.promised_qty == 8


class TestSingleWarehouse:
    def test_one_warehouse_covering_the_whole_order_beats_splitting(self):
        supply = {(1, A): stock(10), (2, A): stock(10), (2, B): stock(10)}
        demands = [LineDemand(A, 5, None), LineDemand(B, 5, None)]
        nearest = plan(demands, supply)
        assert [[a.warehouse_id for a in p.allocations] for p in nearest] == [[1], [2]]
        single = plan(demands, supply, policy=SINGLE)
        assert single[0].allocations == [alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5))]
        assert single[1].allocations == [alloc(2, None, 5, d(3, 2), d(3, 3), d(3, 5))]

    def test_earliest_order_delivery_wins(self):
        # WH1 has B only on a receipt of 03-20 (order delivers 03-22); WH2 has both in stock (03-05)
        supply = {(1, A): stock(10), (1, B): stock(0, 0, (4, d(3, 20), 10)),
                  (2, A): stock(10), (2, B): stock(10)}
        demands = [LineDemand(A, 5, None), LineDemand(B, 5, None)]
        single = plan(demands, supply, policy=SINGLE)
        assert {a.warehouse_id for p in single for a in p.allocations} == {2}
        assert [p.delivery_date for p in single] == [d(3, 5), d(3, 5)]

    def test_nearest_wins_among_warehouses_in_time(self):
        # requested 03-25: WH1 order delivers 03-22, WH2 03-05: both count as 03-25 -> nearest WH1
        supply = {(1, A): stock(10), (1, B): stock(0, 0, (4, d(3, 20), 10)),
                  (2, A): stock(10), (2, B): stock(10)}
        demands = [LineDemand(A, 5, d(3, 25)), LineDemand(B, 5, d(3, 25))]
        single = plan(demands, supply, policy=SINGLE)
        assert single[0].allocations == [alloc(1, None, 5, d(3, 2), d(3, 3), d(3, 4))]
        assert single[1].allocations == [alloc(1, 4, 5, d(3, 20), d(3, 21), d(3, 22))]
        assert [p.delivery_date for p in single] == [d(3, 25), d(3, 25)]

    def test_single_warehouse_may_use_its_receipts(self):
        # only WH3 holds both products: A from stock, B partly stock, partly a receipt
        supply = {(1, A): stock(10), (3, A): stock(10), (3, B): stock(2, 0, (6, d(3, 9), 5))}
        single = plan([LineDemand(A, 3, None), LineDemand(B, 6, None)], supply, policy=SINGLE)
        assert single[0].allocations == [alloc(3, None, 3, d(3, 2), d(3, 2), d(3, 6))]
        assert single[1].allocations == [
            alloc(3, None, 2, d(3, 2), d(3, 2), d(3, 6)),
            alloc(3, 6, 4, d(3, 9), d(3, 9), d(3, 13)),
        ]

    def test_falls_back_to_per_line_when_no_warehouse_covers_all(self):
        supply = {(1, A): stock(10), (2, B): stock(3), (3, B): stock(10)}
        demands = [LineDemand(A, 5, None), LineDemand(B, 5, None)]
        single = plan(demands, supply, policy=SINGLE)
        assert single[0].allocations == [alloc(1, None, 5, d(3, 2), d(3, 3), d(3, 4))]
        assert single[1].allocations == [
            alloc(2, None, 3, d(3, 2), d(3, 3), d(3, 5)),
            alloc(3, None, 2, d(3, 2), d(3, 2), d(3, 6)),
        ]

    def test_fallback_keeps_backorders(self):
        supply = {(1, A): stock(2), (2, B): stock(1)}
        single = plan([LineDemand(A, 5, None), LineDemand(B, 1, None)], supply, policy=SINGLE)
        assert single[0].promised_qty == 2 and single[0].backordered == 3
        assert single[1].allocations == [alloc(2, None, 1, d(3, 2), d(3, 3), d(3, 5))]

    def test_receipt_beyond_horizon_does_not_make_a_warehouse_complete(self):
        supply = {(1, A): stock(10), (1, B): stock(0, 0, (4, d(7, 1), 10)),
                  (2, A): stock(10), (2, B): stock(10)}
        single = plan([LineDemand(A, 5, d(12, 1)), LineDemand(B, 5, d(12, 1))], supply, policy=SINGLE)
        assert {a.warehouse_id for p in single for a in p.allocations} == {2}

    def test_equal_distance_and_date_picks_the_first_lane(self):
        twin = Lane(4, 100.0, 1, 1)
        supply = {(1, A): stock(10), (4, A): stock(10)}
        single = plan([LineDemand(A, 5, None)], supply, lanes=[WH1, twin], policy=SINGLE)
        again = plan([LineDemand(A, 5, None)], supply, lanes=[WH1, twin], policy=SINGLE)
        assert single[0].allocations == again[0].allocations
        assert len({a.warehouse_id for a in single[0].allocations}) == 1


class TestLinePlanDates:
    def _a(self, delivery: date, ship: date) -> PlannedAllocation:
        return alloc(1, None, 1, d(3, 2), ship, delivery)

    def test_backordered_line_has_no_dates(self):
        lp = LinePlan(LineDemand(A, 3, None), [self._a(d(3, 4), d(3, 3))], backordered=2)
        assert lp.delivery_date is None
        assert lp.ship_date is None
        assert lp.promised_qty == 1

    def test_empty_plan_has_no_dates(self):
        lp = LinePlan(LineDemand(A, 3, None))
        assert lp.delivery_date is None
        assert lp.ship_date is None
        assert lp.promised_qty == 0

    def test_latest_allocation_without_requested_date(self):
        lp = LinePlan(LineDemand(A, 2, None), [self._a(d(3, 4), d(3, 3)), self._a(d(3, 9), d(3, 7))])
        assert lp.delivery_date == d(3, 9)
        assert lp.ship_date == d(3, 7)

    def test_requested_date_later_than_allocations_wins(self):
        lp = LinePlan(LineDemand(A, 2, d(3, 20)), [self._a(d(3, 4), d(3, 3)), self._a(d(3, 9), d(3, 7))])
        assert lp.delivery_date == d(3, 20)

    def test_allocation_later_than_requested_date_wins(self):
        lp = LinePlan(LineDemand(A, 2, d(3, 5)), [self._a(d(3, 4), d(3, 3)), self._a(d(3, 9), d(3, 7))])
        assert lp.delivery_date == d(3, 9)


def test_horizon_today_only_uses_stock():
    supply = {(1, A): stock(1, 0, (5, TODAY + timedelta(days=1), 9))}
    [line] = plan([LineDemand(A, 3, None)], supply, horizon=TODAY)
    assert line.allocations == [alloc(1, None, 1, d(3, 2), d(3, 3), d(3, 4))]
    assert line.backordered == 2
