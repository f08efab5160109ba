"""Where each unit comes from: the sourcing plan of an order (pure).

Candidates are buckets of free supply (a warehouse's free stock today, or the
free part of one scheduled receipt). For each line the buckets are used in
order of: delivery date (a delivery earlier than the customer asked for counts
as on the requested date), then distance, then availability date. So among
the warehouses that can deliver in time the nearest wins, and stock today is
preferred to a receipt. What no bucket within the horizon can cover is
back-ordered.

The single-warehouse policy first looks for one warehouse that can cover the
whole order and takes the one with the earliest delivery (then the nearest);
only when none can does it fall back to the per-line rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .atp import Lane, SupplyPosition, receipt_available_date
from .customers import SourcingPolicy


@dataclass(frozen=True)
class LineDemand:
    product_id: int
    qty: int
    requested_date: date | None


@dataclass(frozen=True)
class PlannedAllocation:
    warehouse_id: int
    receipt_id: int | None  # None: reserved from stock on hand
    qty: int
    available_date: date
    ship_date: date
    delivery_date: date


@dataclass
class LinePlan:
    demand: LineDemand
    allocations: list[PlannedAllocation] = field(default_factory=list)
    backordered: int = 0

    @property
    def promised_qty(self) -> int:
        return sum(a.qty for a in self.allocations)

    @property
    def ship_date(self) -> date | None:
        return max((a.ship_date for a in self.allocations), default=None) if not self.backordered else None

    @property
    def delivery_date(self) -> date | None:
        """The promised delivery of the whole line; None while part of it is back-ordered."""
        if self.backordered or not self.allocations:
            return None
        latest = max(a.delivery_date for a in self.allocations)
        req = self.demand.requested_date
        return max(latest, req) if req else latest


@dataclass
class _Bucket:
    warehouse_id: int
    receipt_id: int | None
    available: date
    free: int


def _buckets(position: SupplyPosition, warehouse_id: int, today: date, horizon_end: date) -> list[_Bucket]:
    out = [_Bucket(warehouse_id, None, today, position.free_now)] if position.free_now > 0 else []
    for r in position.receipts:
        when = receipt_available_date(r.expected_date, today)
        if r.free_qty > 0 and when <= horizon_end:
            out.append(_Bucket(warehouse_id, r.receipt_id, when, r.free_qty))
    return out


SupplyMap = dict[tuple[int, int], SupplyPosition]  # (warehouse_id, product_id) -> position


class _LaneDates(dict):
    """(warehouse id, available date) -> (ship date, delivery date) by that warehouse's lane, each worked out once
    per plan (the lines of an order rank the same buckets' dates over and over)."""

    def __init__(self, lanes: dict[int, Lane]):
        super().__init__()
        self.lanes = lanes

    def __missing__(self, key: tuple[int, date]) -> tuple[date, date]:
        lane = self.lanes[key[0]]
        dates = self[key] = (lane.ship_date(key[1]), lane.delivery_date(key[1]))
        return dates


def _fill(demand: LineDemand, buckets: list[_Bucket], lanes: dict[int, Lane], dates: _LaneDates) -> LinePlan:
    requested = demand.requested_date

    def rank(b: _Bucket):
        delivery = dates[(b.warehouse_id, b.available)][1]
        if requested and delivery < requested:
            delivery = requested
        return (delivery, lanes[b.warehouse_id].distance_km, b.available, b.receipt_id is not None, b.receipt_id or 0)

    plan = LinePlan(demand)
    needed = demand.qty
    for b in sorted(buckets, key=rank):
        if needed == 0:
            break
        take = min(needed, b.free)
        if take <= 0:
            continue
        ship, delivery = dates[(b.warehouse_id, b.available)]
        plan.allocations.append(PlannedAllocation(b.warehouse_id, b.receipt_id, take, b.available, ship, delivery))
        b.free -= take
        needed -= take
    plan.backordered = needed
    return plan


def _line_buckets(demand: LineDemand, supply: SupplyMap, lanes: dict[int, Lane], today: date, horizon_end: date,
                  only_warehouse: int | None = None) -> list[_Bucket]:
    out: list[_Bucket] = []
    for wh in lanes:
        if only_warehouse is not None and wh != only_warehouse:
            continue
        pos = supply.get((wh, demand.product_id))
        if pos is not None:
            out.extend(_buckets(pos, wh, today, horizon_end))
    return out


def plan_order(
    demands: list[LineDemand],
    supply: SupplyMap,
    lanes: list[Lane],
    *,
    policy: SourcingPolicy,
    today: date,
    horizon_end: date,
) -> list[LinePlan]:
    """Plan every line; each product appears once (merge duplicate SKUs first)."""
    if len({d.product_id for d in demands}) != len(demands):
        raise ValueError("plan_order needs one line per product: merge duplicate SKUs first")
    if not demands:
        return []
    by_wh = {lane.warehouse_id: lane for lane in lanes}
    dates = _LaneDates(by_wh)
    if policy is SourcingPolicy.SINGLE_WAREHOUSE:
        best: tuple | None = None
        for lane in sorted(lanes, key=lambda ln: ln.distance_km):
            plans = [_fill(d, _line_buckets(d, supply, by_wh, today, horizon_end, lane.warehouse_id), by_wh, dates)
                     for d in demands]
            if any(p.backordered for p in plans):
                continue
            key = (max(p.delivery_date for p in plans), lane.distance_km)
            if best is None or key < best[0]:
                best = (key, plans)
        if best is not None:
            return best[1]
    return [_fill(d, _line_buckets(d, supply, by_wh, today, horizon_end), by_wh, dates) for d in demands]
