"""Who carries a failure (DOMAIN §4): the department whose error caused it, not the one that delivered the news.

Each failed component of an order (not filled, late, incomplete, damaged, inaccurate, documentation) is charged
to one department, by the first rule that applies:

1. a complaint case about the order whose category concerns that failure and whose investigation named a
   department (the root cause found by people beats any rule);
2. the root cause recorded where the failure arose: a short pick names its department (a late delivery
   caused by a replenishment error is charged to replenishment, not to shipping);
3. the default for what is known: no stock when ordered -> inventory control; held for credit -> billing;
   shipped after the promised ship date -> picking (the warehouse); otherwise late, short or damaged on the
   way -> transport; a wrong item -> picking; an invoice dispute -> billing.
"""

from __future__ import annotations

from ..domain.fulfilment import Department as D
from .records import LineRecord, OrderRecord

FAILURE_KINDS = ("not_filled", "late", "incomplete", "damaged", "inaccurate", "documentation")

# Case categories (domain/cases.py CaseCategory) that speak to each failure.
CASE_CATEGORIES: dict[str, frozenset[str]] = {
    "not_filled": frozenset({"short_shipment"}),
    "late": frozenset({"late_delivery"}),
    "incomplete": frozenset({"short_shipment", "wrong_item"}),
    "damaged": frozenset({"damaged_goods"}),
    "inaccurate": frozenset({"wrong_item", "short_shipment"}),
    "documentation": frozenset({"billing_error"}),
}


def _short_pick_department(order: OrderRecord) -> str | None:
    for line in order.lines:
        for part in sorted(line.shipments, key=lambda p: p.shipment_id):
            if part.short_picked and part.short_department:
                return part.short_department
    return None


def _shipped_late(line: LineRecord) -> bool:
    promise = line.first_promised_ship
    return promise is not None and any(p.shipped_on is not None and p.qty_shipped and p.shipped_on > promise
                                       for p in line.shipments)


def _recorded(order: OrderRecord, kind: str) -> str:
    picked_short = _short_pick_department(order)
    not_in_stock = any(ln.qty_from_stock < ln.qty for ln in order.lines)
    left_behind = any(p.left_behind for ln in order.lines for p in ln.shipments)
    wrong = any(p.qty_wrong for ln in order.lines for p in ln.shipments) or any(
        r == "wrong_item" for ln in order.lines for r, _ in ln.returns)
    if kind == "not_filled":
        return picked_short or (D.TRANSPORT if left_behind and not not_in_stock else D.INVENTORY_CONTROL)
    if kind == "late":
        if picked_short:
            return picked_short
        if not_in_stock:
            return D.INVENTORY_CONTROL
        if order.credit_held:
            return D.BILLING
        if any(_shipped_late(ln) for ln in order.lines):
            return D.PICKING
        return D.TRANSPORT
    if kind in ("incomplete", "inaccurate"):
        short_on_arrival = any(p.qty_short for ln in order.lines for p in ln.shipments)
        return D.PICKING if wrong and not short_on_arrival else D.TRANSPORT
    if kind == "damaged":
        return D.TRANSPORT
    return D.BILLING  # documentation


def charge_failures(order: OrderRecord, kinds: list[str]) -> dict[str, str]:
    """{failure kind: department} for the failed components given."""
    out = {}
    for kind in kinds:
        case = next((c for c in sorted(order.cases, key=lambda c: c.case_id)
                     if c.department and c.category in CASE_CATEGORIES[kind]), None)
        out[kind] = str(case.department if case else _recorded(order, kind))
    return out
