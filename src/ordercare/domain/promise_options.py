"""The delivery options of one order line, for the order desk: what the order would get (possibly split over
warehouses and receipts), and what each warehouse could do alone (wait for one shipment, or another warehouse).

Pure: built on the same sourcing plan as placing the order, so the first option is exactly what placing the
order now would promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .atp import Lane, earliest_atp_date
from .customers import SourcingPolicy
from .sourcing import LineDemand, SupplyMap, plan_order


@dataclass(frozen=True)
class OptionPart:
    warehouse_id: int
    qty: int
    from_receipt: bool
    available_date: date
    delivery_date: date


@dataclass(frozen=True)
class DeliveryOption:
    kind: str  # "as_planned": what the order gets; "one_warehouse": all units from one warehouse, one shipment
    parts: tuple[OptionPart, ...]
    backordered: int
    delivery_date: date | None  # when the whole line is there (None while any unit is back-ordered)

    @property
    def split(self) -> bool:
        return len({(p.warehouse_id, p.delivery_date) for p in self.parts}) > 1


def line_options(demand: LineDemand, supply: SupplyMap, lanes: list[Lane], *, policy: SourcingPolicy, today: date,
                 horizon_end: date) -> list[DeliveryOption]:
    """The planned promise first, then each warehouse that can deliver the whole line alone, earliest first."""
    [plan] = plan_order([demand], supply, lanes, policy=policy, today=today, horizon_end=horizon_end)
    planned = DeliveryOption("as_planned", tuple(
        OptionPart(a.warehouse_id, a.qty, a.receipt_id is not None, a.available_date, a.delivery_date)
        for a in plan.allocations), plan.backordered, plan.delivery_date)
    alone = []
    for lane in lanes:
        position = supply.get((lane.warehouse_id, demand.product_id))
        when = earliest_atp_date(position, demand.qty, today, horizon_end) if position else None
        if when is None:
            continue
        delivery = lane.delivery_date(when)
        if demand.requested_date and delivery < demand.requested_date:
            delivery = demand.requested_date
        option = DeliveryOption("one_warehouse", (OptionPart(lane.warehouse_id, demand.qty, when > today, when,
                                                             lane.delivery_date(when)),), 0, delivery)
        alone.append((delivery, lane.distance_km, option))
    same_as_planned = {(p.warehouse_id, p.delivery_date) for p in planned.parts}
    others = [o for _, _, o in sorted(alone, key=lambda t: (t[0], t[1]))
              if planned.split or planned.backordered or
              {(p.warehouse_id, p.delivery_date) for p in o.parts} != same_as_planned]
    return [planned, *others]
