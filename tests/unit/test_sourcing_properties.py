"""Properties of plan_order over random supplies, lanes and demands (hypothesis).

The expectations are the rules of docs/ordering.md spelled out directly (sums, dates, minimal
delivery), never computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.atp import Lane, ScheduledReceipt, SupplyPosition
from ordercare.domain.customers import SourcingPolicy
from ordercare.domain.sourcing import LineDemand, plan_order

NO_LANE_WH = 99  # holds supply but cannot reach the ship-to
ONE_DAY = timedelta(days=1)


@dataclass
class Case:
    today: date
    horizon: date
    lanes: list[Lane]
    supply: dict
    demands: list[LineDemand]

    def plan(self, policy: SourcingPolicy):
        return plan_order(self.demands, self.supply, self.lanes, policy=policy, today=self.today,
                          horizon_end=self.horizon)

    @property
    def lane_of(self) -> dict[int, Lane]:
        return {ln.warehouse_id: ln for ln in self.lanes}

    def available(self, r: ScheduledReceipt) -> date:
        return r.expected_date if r.expected_date > self.today else self.today + ONE_DAY

    def buckets(self, product: int, warehouse: int | None = None) -> list[tuple[int, int | None, date, int]]:
        """(warehouse, receipt id, available date, free) of the usable supply of a product."""
        out = []
        for (wh, prod), pos in self.supply.items():
            if prod != product or wh not in self.lane_of or (warehouse is not None and wh != warehouse):
                continue
            if pos.on_hand - pos.reserved > 0:
                out.append((wh, None, self.today, pos.on_hand - pos.reserved))
            for r in pos.receipts:
                if r.free_qty > 0 and self.available(r) <= self.horizon:
                    out.append((wh, r.receipt_id, self.available(r), r.free_qty))
        return out

    def delivery(self, wh: int, available: date) -> date:
        lane = self.lane_of[wh]
        return available + timedelta(days=lane.handling_days + lane.transit_days)

    def best_delivery(self, demand: LineDemand, warehouse: int | None = None) -> date | None:
        """The earliest date by which the free supply delivered covers the line, then the requested date."""
        deliveries = sorted((self.delivery(wh, avail), free) for wh, _, avail, free in
                            self.buckets(demand.product_id, warehouse))
        covered = 0
        for when, free in deliveries:
            covered += free
            if covered >= demand.qty:
                return max(when, demand.requested_date) if demand.requested_date else when
        return None


@st.composite
def cases(draw) -> Case:
    today = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
    horizon = today + timedelta(days=draw(st.integers(0, 30)))
    n_wh = draw(st.integers(1, 4))
    lanes = [
        Lane(wh, float(draw(st.sampled_from([0, 50, 100, 480, 900, 1600, 2500]))), draw(st.integers(0, 3)),
             draw(st.integers(1, 5)))
        for wh in range(1, n_wh + 1)
    ]
    products = list(range(1, draw(st.integers(1, 3)) + 1))
    next_receipt = 1
    supply: dict[tuple[int, int], SupplyPosition] = {}
    for wh in [*range(1, n_wh + 1), NO_LANE_WH]:
        for prod in products:
            if not draw(st.booleans()):
                continue
            on_hand = draw(st.integers(0, 20))
            reserved = draw(st.integers(0, on_hand))
            receipts = []
            for _ in range(draw(st.integers(0, 3))):
                receipts.append(ScheduledReceipt(next_receipt, today + timedelta(days=draw(st.integers(-5, 40))),
                                                 draw(st.integers(0, 15))))
                next_receipt += 1
            supply[(wh, prod)] = SupplyPosition(on_hand, reserved, tuple(receipts))
    chosen = draw(st.lists(st.sampled_from(products), min_size=1, max_size=len(products), unique=True))
    demands = []
    for prod in chosen:
        offset = draw(st.one_of(st.none(), st.integers(0, 40)))
        demands.append(LineDemand(prod, draw(st.integers(1, 60)),
                                  None if offset is None else today + timedelta(days=offset)))
    return Case(today, horizon, lanes, supply, demands)


POLICIES = st.sampled_from(list(SourcingPolicy))
PROPS = settings(max_examples=120, deadline=None)


@PROPS
@given(case=cases(), policy=POLICIES)
def test_every_unit_is_allocated_or_backordered(case, policy):
    plans = case.plan(policy)
    assert [p.demand for p in plans] == case.demands
    for p in plans:
        assert p.backordered >= 0
        assert all(a.qty > 0 for a in p.allocations)
        assert sum(a.qty for a in p.allocations) + p.backordered == p.demand.qty


@PROPS
@given(case=cases(), policy=POLICIES)
def test_no_bucket_is_used_beyond_its_free_qty(case, policy):
    used: dict[tuple, int] = {}
    for p in case.plan(policy):
        for a in p.allocations:
            key = (a.warehouse_id, p.demand.product_id, a.receipt_id)
            used[key] = used.get(key, 0) + a.qty
    for (wh, prod, receipt_id), qty in used.items():
        assert wh in case.lane_of, "only warehouses with a lane to the ship-to serve it"
        pos = case.supply[(wh, prod)]
        if receipt_id is None:
            assert qty <= pos.on_hand - pos.reserved
        else:
            [r] = [r for r in pos.receipts if r.receipt_id == receipt_id]  # the receipt is of that wh/product
            assert qty <= r.free_qty


@PROPS
@given(case=cases(), policy=POLICIES)
def test_allocation_dates(case, policy):
    for p in case.plan(policy):
        for a in p.allocations:
            assert case.today <= a.available_date <= case.horizon
            pos = case.supply[(a.warehouse_id, p.demand.product_id)]
            if a.receipt_id is None:
                assert a.available_date == case.today
            else:
                [r] = [r for r in pos.receipts if r.receipt_id == a.receipt_id]
                assert a.available_date == case.available(r)
                assert a.available_date > case.today
            lane = case.lane_of[a.warehouse_id]
            assert a.ship_date == a.available_date + timedelta(days=lane.handling_days)
            assert a.delivery_date == a.ship_date + timedelta(days=lane.transit_days)
        if p.backordered:
            assert p.delivery_date is None and p.ship_date is None
        else:
            latest = max(a.delivery_date for a in p.allocations)
            req = p.demand.requested_date
            assert p.delivery_date == (max(latest, req) if req else latest)
            assert p.ship_date == max(a.ship_date for a in p.allocations)


@PROPS
@given(case=cases())
def test_nearest_backorders_only_what_the_horizon_cannot_cover(case):
    for p in case.plan(SourcingPolicy.NEAREST):
        total_free = sum(free for *_, free in case.buckets(p.demand.product_id))
        assert p.backordered == max(0, p.demand.qty - total_free)
        if p.backordered > 0:
            assert total_free < p.demand.qty


@PROPS
@given(case=cases())
def test_nearest_promises_the_earliest_possible_delivery(case):
    for p in case.plan(SourcingPolicy.NEAREST):
        assert p.delivery_date == case.best_delivery(p.demand)


@PROPS
@given(case=cases())
def test_single_warehouse_policy(case):
    plans = case.plan(SourcingPolicy.SINGLE_WAREHOUSE)
    keys = {}
    for lane in case.lanes:
        dates = [case.best_delivery(dm, lane.warehouse_id) for dm in case.demands]
        if all(dates):
            keys[lane.warehouse_id] = (max(dates), lane.distance_km)
    if not keys:
        assert plans == case.plan(SourcingPolicy.NEAREST)
        return
    used = {a.warehouse_id for p in plans for a in p.allocations}
    assert len(used) == 1
    [wh] = used
    assert all(p.backordered == 0 for p in plans)
    assert wh in keys
    assert keys[wh] == min(keys.values()), "earliest order delivery, then nearest"
    assert max(p.delivery_date for p in plans) == keys[wh][0]


@PROPS
@given(case=cases(), policy=POLICIES)
def test_deterministic(case, policy):
    first = case.plan(policy)
    assert case.plan(policy) == first
    # the order receipts and supply entries are listed in does not matter
    shuffled = {k: SupplyPosition(v.on_hand, v.reserved, tuple(reversed(v.receipts)))
                for k, v in reversed(list(case.supply.items()))}
    again = plan_order(case.demands, shuffled, case.lanes, policy=policy, today=case.today,
                       horizon_end=case.horizon)
    assert again == first
