"""What the measures are computed from: an order as it stands, in plain records (read by store/measure_facts.py).

The `first_*` promises are the ones the customer was first given: captured when the order is placed, or when a
back-ordered line is first promised, and never overwritten by later re-promises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ShipmentPart:
    """One shipment line of an order line: what was released, picked, shipped and received."""

    shipment_id: int
    warehouse_id: int
    carrier_id: int | None
    qty_released: int
    qty_picked: int | None  # None until picking is confirmed
    qty_shipped: int
    shipped_on: date | None  # None: not shipped yet
    delivered_on: date | None
    qty_delivered: int = 0  # received, damaged included
    qty_short: int = 0  # missing at delivery
    qty_damaged: int = 0
    qty_wrong: int = 0  # a wrong item came instead
    short_department: str | None = None  # a short pick's root cause

    @property
    def short_picked(self) -> bool:
        return self.qty_picked is not None and self.qty_picked < self.qty_released

    @property
    def left_behind(self) -> bool:
        """Picked units that did not go with the shipment (they went back to back-order)."""
        return self.shipped_on is not None and self.qty_picked is not None and self.qty_shipped < self.qty_picked


@dataclass(frozen=True)
class LineRecord:
    line_id: int
    product_id: int
    qty: int
    qty_from_stock: int  # units reserved from stock on hand when the order was placed
    requested_date: date | None
    first_promised_ship: date | None
    first_promised_date: date | None  # delivery
    planned_warehouse_id: int | None  # where its stock was reserved at placement
    shipments: tuple[ShipmentPart, ...] = ()
    returns: tuple[tuple[str, int], ...] = ()  # (reason, units) of returns not refused or cancelled


@dataclass(frozen=True)
class CaseLink:
    """A complaint about the order, with the department its investigation blamed (None: not known yet)."""

    case_id: int
    category: str
    department: str | None


@dataclass(frozen=True)
class OrderRecord:
    order_id: int
    ordered_on: date
    customer_id: int
    segment: str
    package: str
    customer_kind: str
    channel: str
    lead_time_days: int  # the package's promised lead time when the order was placed
    cancelled: bool
    credit_held: bool  # was on credit hold at some time
    first_promised_date: date | None
    lines: tuple[LineRecord, ...]
    disputes: tuple[str, ...] = ()  # statuses of invoice disputes about the order: open, upheld, rejected
    cases: tuple[CaseLink, ...] = field(default_factory=tuple)
