"""Order lifecycle: one status machine, one transitions table, line rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .errors import InvalidTransition, ValidationFailed


class Channel(StrEnum):
    DESK = "desk"
    PHONE = "phone"
    WEB = "web"
    PORTAL = "portal"
    API = "api"
    FILE = "file"
    EDI = "edi"


class OrderStatus(StrEnum):
    CREDIT_HOLD = "credit_hold"  # placed, stock promised, waiting for finance
    BACKORDERED = "backordered"  # nothing could be promised yet
    PARTIALLY_ALLOCATED = "partially_allocated"  # some units promised, the rest back-ordered
    ALLOCATED = "allocated"  # every unit has stock or a dated receipt behind it
    RELEASED = "released"  # handed to the warehouse
    PICKING = "picking"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = OrderStatus
_ALLOCATION_STATES = {S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.ALLOCATED}

_FULFILMENT_OPEN = {S.RELEASED, S.PICKING, S.PACKED, S.PARTIALLY_SHIPPED}
_OPEN = {*_ALLOCATION_STATES, *_FULFILMENT_OPEN}

# from-status -> the statuses it may move to. "new" is the state before placement.
TRANSITIONS: dict[str, frozenset[OrderStatus]] = {
    "new": frozenset({S.CREDIT_HOLD, *_ALLOCATION_STATES}),
    # Finance releases an order back to where it was (any open status), or it is cancelled.
    S.CREDIT_HOLD: frozenset({*_OPEN, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.CREDIT_HOLD, S.CANCELLED}),
    S.PARTIALLY_ALLOCATED: frozenset({S.BACKORDERED, S.ALLOCATED, S.CREDIT_HOLD, S.RELEASED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.CREDIT_HOLD, S.RELEASED, S.CANCELLED}),
    # A short pick can send an order back to waiting for supply.
    S.RELEASED: frozenset({S.PICKING, *_ALLOCATION_STATES, S.CREDIT_HOLD, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.RELEASED, *_ALLOCATION_STATES, S.CREDIT_HOLD}),
    S.PACKED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.PICKING, S.RELEASED, *_ALLOCATION_STATES, S.CREDIT_HOLD}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.CREDIT_HOLD}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.INVOICED, S.CLOSED}),
    S.INVOICED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Orders whose back-ordered units may still receive supply.
OPEN_FOR_SUPPLY = frozenset({S.CREDIT_HOLD, *_OPEN})

# Statuses whose value still counts as an open order in the credit exposure.
OPEN_FOR_CREDIT = frozenset(
    {S.CREDIT_HOLD, S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.RELEASED, S.PICKING, S.PACKED,
     S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED}
)
# Statuses in which a customer may still cancel and the reservation is given back.
CANCELLABLE = frozenset({S.CREDIT_HOLD, S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.RELEASED})


def cancellable(status: str, units_shipped: int) -> bool:
    """Whether the whole order may still be cancelled. A credit hold can stop an order part of which has left
    (finance holds the rest at shipping): what left cannot be cancelled, so neither can the order, held or not."""
    return status in CANCELLABLE and units_shipped == 0


def check_transition(current: str, target: OrderStatus) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition("order", str(current), str(target))


def progress_status(*, units: int, backordered: int, shipped: int, all_shipments_delivered: bool,
                    open_stage: str | None) -> OrderStatus:
    """The status an order's facts put it in (credit hold aside).

    units shipped decide first; before any shipment, the most advanced stage of
    its unshipped shipment lines ("released" < "picking" < "picked"); before
    release, its promises.
    """
    if units and shipped >= units:
        return S.DELIVERED if all_shipments_delivered else S.SHIPPED
    if shipped > 0:
        return S.PARTIALLY_SHIPPED
    stage = {"picked": S.PACKED, "picking": S.PICKING, "released": S.RELEASED}.get(open_stage or "")
    if stage is not None:
        return stage
    return allocation_status(units, units - backordered)


def allocation_status(units_ordered: int, units_promised: int) -> OrderStatus:
    """The status an order's promises put it in (before credit and fulfilment)."""
    if units_promised <= 0:
        return S.BACKORDERED
    if units_promised < units_ordered:
        return S.PARTIALLY_ALLOCATED
    return S.ALLOCATED


@dataclass(frozen=True)
class RequestedLine:
    sku: str
    qty: int
    requested_date: date | None = None
    position: int = 0  # index in the request, to name the field in errors


@dataclass(frozen=True)
class MergedLine:
    sku: str
    qty: int
    requested_date: date | None
    positions: tuple[int, ...]  # the request lines merged into this one


MAX_LINE_QTY = 1_000_000_000
# Stock columns are 32-bit integers: on hand in one warehouse never goes above this.
MAX_STOCK = 2_000_000_000


def merge_duplicate_skus(lines: list[RequestedLine]) -> list[MergedLine]:
    """Lines for one SKU become one line, so stock is checked once for the sum.

    The earliest requested date among the merged lines wins: the customer asked
    for part of the quantity by then; an undated line (as soon as possible) wins over any date.
    """
    if not lines:
        raise ValidationFailed("no_lines", "lines: an order needs at least one line", field="lines")
    merged: dict[str, MergedLine] = {}
    for line in lines:
        if line.qty <= 0:
            raise ValidationFailed(
                "invalid_quantity", f"lines[{line.position}].qty: must be a positive whole number, got {line.qty}",
                field=f"lines[{line.position}].qty", qty=line.qty,
            )
        prev = merged.get(line.sku)
        if prev is None:
            merged[line.sku] = MergedLine(line.sku, line.qty, line.requested_date, (line.position,))
            continue
        # No date means "as soon as possible", which also meets any dated line it is merged with.
        dates = (prev.requested_date, line.requested_date)
        earliest = None if None in dates else min(dates)
        merged[line.sku] = MergedLine(line.sku, prev.qty + line.qty, earliest, prev.positions + (line.position,))
    for m in merged.values():
        if m.qty > MAX_LINE_QTY:
            raise ValidationFailed(
                "invalid_quantity", f"lines[{m.positions[0]}].qty: {m.qty} exceeds the maximum of {MAX_LINE_QTY}",
                field=f"lines[{m.positions[0]}].qty", qty=m.qty,
            )
    return list(merged.values())


def order_number(order_id: int) -> str:
    return f"SO-{order_id:07d}"


def parse_order_number(ref: str) -> int | None:
    """Accept 'SO-0000042', 'so-42' or '42'; None if it is neither."""
    text = ref.strip().upper()
    if text.startswith("SO-"):
        text = text[3:]
    # isascii: str.isdigit() also accepts "²" or "١", which int() rejects or misreads.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None
