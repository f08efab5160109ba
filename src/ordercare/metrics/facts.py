"""The facts of one order and its lines: filled or not, on time or not, perfect or not (docs/kpis.md).

Every yes/no fact is 1, 0 or None. None means "not known yet" (pending): a line is not filled or unfilled
until its first shipment leaves or it is back-ordered; delivery facts are known once the order is settled
(every unit shipped and every shipment delivered). Reports count a fact only once it is known, and show
the pending ones apart. A cancelled order keeps no facts but its cancellation.

Days are whole calendar days (UTC dates, as every date in the system): cycle time = ship or delivery day
minus order day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from ..domain.disputes import COUNTS_AS_ERROR
from .attribution import FAILURE_KINDS, charge_failures
from .records import LineRecord, OrderRecord, ShipmentPart

RETURN_REASONS = ("damaged", "wrong_item", "defective", "not_as_described", "not_needed", "ordered_by_mistake",
                  "warranty", "other")

Flag = int | None


def _flag(value: bool | None) -> Flag:
    return None if value is None else int(bool(value))


def all_of(values: Iterable[Flag]) -> Flag:
    """And over known/unknown facts: one known failure decides; otherwise unknown if any is unknown."""
    values = list(values)
    if any(v == 0 for v in values):
        return 0
    if any(v is None for v in values):
        return None
    return 1


@dataclass
class LineFact:
    order_line_id: int
    order_id: int
    order_day: date
    product_id: int
    warehouse_id: int | None
    carrier_id: int | None
    counted: int  # 1 unless the order was cancelled
    open: int  # counted and not settled
    qty: int
    units_ordered: int  # qty, or 0 when cancelled
    qty_from_stock: int
    requested_date: date | None
    first_promised_ship: date | None
    first_promised_date: date | None
    u_fill_n: int  # units whose fill outcome is known
    u_filled: int
    filled: Flag
    u_fillp_n: int
    u_fillp: int
    filled_p: Flag  # filled by the promised ship date
    settled: int
    complete: Flag
    on_time: Flag  # vs the first promised date
    on_time_req: Flag  # vs the requested date; None when none was requested
    damage_free: Flag
    doc_ok: Flag
    accurate: Flag
    perfect: Flag
    otif: Flag
    otif_req: Flag
    within_lead: Flag
    ship_days: int | None
    deliver_days: int | None
    units_shipped: int
    units_delivered: int
    units_damaged: int
    units_wrong: int
    units_short: int
    ret_damaged: int = 0
    ret_wrong_item: int = 0
    ret_defective: int = 0
    ret_not_as_described: int = 0
    ret_not_needed: int = 0
    ret_ordered_by_mistake: int = 0
    ret_warranty: int = 0
    ret_other: int = 0


@dataclass
class OrderFact:
    order_id: int
    order_day: date
    customer_id: int
    segment: str
    package: str
    customer_kind: str
    channel: str
    lead_time_days: int
    counted: int
    cancelled: int
    open: int
    credit_held: int
    first_promised_date: date | None
    lines: int
    units: int
    filled: Flag
    filled_p: Flag
    settled: int
    complete: Flag
    on_time: Flag
    on_time_req: Flag
    damage_free: Flag
    doc_ok: Flag
    accurate: Flag
    perfect: Flag
    otif: Flag
    otif_req: Flag
    within_lead: Flag
    ship_days: int | None
    deliver_days: int | None
    fail_not_filled: str | None = None  # the department charged with each failure (docs/kpis.md, Pareto)
    fail_late: str | None = None
    fail_incomplete: str | None = None
    fail_damaged: str | None = None
    fail_inaccurate: str | None = None
    fail_documentation: str | None = None


LINE_COLUMNS = tuple(f.name for f in fields(LineFact))
ORDER_COLUMNS = tuple(f.name for f in fields(OrderFact))
DELIVERY_FLAGS = ("complete", "on_time", "on_time_req", "damage_free", "doc_ok", "accurate", "perfect", "otif",
                  "otif_req", "within_lead")


def _shipped(line: LineRecord) -> list[ShipmentPart]:
    return [p for p in line.shipments if p.shipped_on is not None and p.qty_shipped > 0]


def never_backordered(line: LineRecord) -> bool:
    """Every unit was in stock when ordered and none fell back to back-order later (short pick, left behind)."""
    return line.qty_from_stock >= line.qty and not any(p.short_picked or p.left_behind for p in line.shipments)


def _first_carrying(line: LineRecord) -> ShipmentPart | None:
    """The shipment a line is attributed to (warehouse, carrier): its first shipped one, else its first released."""
    shipped = sorted(_shipped(line), key=lambda p: (p.shipped_on, p.shipment_id))
    if shipped:
        return shipped[0]
    return min(line.shipments, key=lambda p: p.shipment_id, default=None)


def line_fact(order: OrderRecord, line: LineRecord, *, doc_ok: bool) -> LineFact:
    shipped = _shipped(line)
    returned = dict.fromkeys(RETURN_REASONS, 0)
    for reason, units in line.returns:
        returned[reason if reason in returned else "other"] += units
    first = _first_carrying(line)
    base = dict(order_line_id=line.line_id, order_id=order.order_id, order_day=order.ordered_on,
                product_id=line.product_id, warehouse_id=first.warehouse_id if first else line.planned_warehouse_id,
                carrier_id=first.carrier_id if first else None, qty=line.qty, qty_from_stock=line.qty_from_stock,
                requested_date=line.requested_date, first_promised_ship=line.first_promised_ship,
                first_promised_date=line.first_promised_date)
    if order.cancelled:
        return LineFact(**base, counted=0, open=0, units_ordered=0, u_fill_n=0, u_filled=0, filled=None,
                        u_fillp_n=0, u_fillp=0, filled_p=None, settled=0, **dict.fromkeys(DELIVERY_FLAGS),
                        ship_days=None, deliver_days=None, units_shipped=0, units_delivered=0, units_damaged=0,
                        units_wrong=0, units_short=0)
    units_shipped = sum(p.qty_shipped for p in shipped)
    fully_shipped = units_shipped >= line.qty
    first_day = min((p.shipped_on for p in shipped), default=None)
    clean = never_backordered(line)
    units_first = sum(p.qty_shipped for p in shipped if p.shipped_on == first_day)
    # First-shipment rule: known once the line is back-ordered or its first shipment has left.
    filled = None if first_day is None and clean else int(clean and units_first >= line.qty)
    units_known = first_day is not None or line.qty_from_stock == 0
    u_filled = min(units_first, line.qty_from_stock) if first_day is not None else 0
    # Promised-date rule: known once every unit has shipped.
    by = line.first_promised_ship
    units_by = sum(p.qty_shipped for p in shipped if by is not None and p.shipped_on <= by)
    delivered = [p for p in shipped if p.delivered_on is not None]
    settled = fully_shipped and len(delivered) == len(shipped)
    facts: dict = dict.fromkeys(DELIVERY_FLAGS)
    deliver_days = None
    if settled:
        day = max(p.delivered_on for p in delivered)
        units_delivered = sum(p.qty_delivered for p in shipped)
        promise = line.first_promised_date or order.first_promised_date
        complete = units_delivered - returned["wrong_item"] >= line.qty
        # Never promised (only data from before the measures existed): no promise was broken.
        on_time = promise is None or day <= promise
        on_time_req = None if line.requested_date is None else day <= line.requested_date
        damage_free = sum(p.qty_damaged for p in shipped) == 0 and returned["damaged"] == 0
        accurate = (sum(p.qty_wrong + p.qty_short for p in shipped) == 0 and returned["wrong_item"] == 0)
        deliver_days = (day - order.ordered_on).days
        facts = dict(complete=complete, on_time=on_time, on_time_req=on_time_req, damage_free=damage_free,
                     doc_ok=doc_ok, accurate=accurate,
                     perfect=complete and on_time and damage_free and doc_ok, otif=on_time and complete,
                     otif_req=None if on_time_req is None else on_time_req and complete,
                     within_lead=deliver_days <= order.lead_time_days)
        facts = {k: _flag(v) for k, v in facts.items()}
    last_ship = max((p.shipped_on for p in shipped), default=None)
    return LineFact(
        **base, counted=1, open=int(not settled), units_ordered=line.qty,
        u_fill_n=line.qty if units_known else 0, u_filled=u_filled if units_known else 0, filled=filled,
        u_fillp_n=line.qty if fully_shipped else 0, u_fillp=min(units_by, line.qty) if fully_shipped else 0,
        filled_p=int(units_by >= line.qty) if fully_shipped else None, settled=int(settled), **facts,
        ship_days=(last_ship - order.ordered_on).days if fully_shipped else None, deliver_days=deliver_days,
        units_shipped=units_shipped, units_delivered=sum(p.qty_delivered for p in shipped),
        units_damaged=sum(p.qty_damaged for p in shipped), units_wrong=sum(p.qty_wrong for p in shipped),
        units_short=sum(p.qty_short for p in shipped), **{f"ret_{r}": n for r, n in returned.items()})


def derive(order: OrderRecord) -> tuple[OrderFact, list[LineFact]]:
    """The facts of an order and of each of its lines, as they stand."""
    # A dispute counts against the documentation unless it was rejected (the invoice was right after all).
    doc_ok = not any(s in COUNTS_AS_ERROR for s in order.disputes)
    lines = [line_fact(order, ln, doc_ok=doc_ok) for ln in order.lines]
    base = dict(order_id=order.order_id, order_day=order.ordered_on, customer_id=order.customer_id,
                segment=order.segment, package=order.package, customer_kind=order.customer_kind,
                channel=order.channel, lead_time_days=order.lead_time_days, credit_held=int(order.credit_held),
                first_promised_date=order.first_promised_date)
    if order.cancelled:
        return OrderFact(**base, counted=0, cancelled=1, open=0, lines=0, units=0, filled=None, filled_p=None,
                         settled=0, **dict.fromkeys(DELIVERY_FLAGS), ship_days=None, deliver_days=None), lines
    first_day = min((p.shipped_on for ln in order.lines for p in _shipped(ln)), default=None)
    clean = [never_backordered(ln) for ln in order.lines]
    if first_day is None and all(clean):
        filled = None
    else:
        # Shipped complete: every unit of every line left on the order's first shipping day.
        filled = int(all(ok and sum(p.qty_shipped for p in _shipped(ln) if p.shipped_on == first_day) >= ln.qty
                         for ok, ln in zip(clean, order.lines, strict=True)))
    settled = all(f.settled for f in lines)
    facts: dict = dict.fromkeys(DELIVERY_FLAGS)
    deliver_days = ship_days = None
    if all(f.ship_days is not None for f in lines):
        ship_days = max(f.ship_days for f in lines)
    if settled:
        facts = {k: all_of(getattr(f, k) for f in lines) for k in DELIVERY_FLAGS if not k.endswith("_req")}
        dated = [f for f in lines if f.on_time_req is not None]
        facts["on_time_req"] = all_of(f.on_time_req for f in dated) if dated else None
        facts["otif_req"] = all_of(f.otif_req for f in dated) if dated else None
        deliver_days = max(f.deliver_days for f in lines)
        facts["within_lead"] = int(deliver_days <= order.lead_time_days)
    fact = OrderFact(**base, counted=1, cancelled=0, open=int(not settled), lines=len(lines),
                     units=sum(ln.qty for ln in order.lines), filled=filled,
                     filled_p=all_of(f.filled_p for f in lines), settled=int(settled), **facts,
                     ship_days=ship_days, deliver_days=deliver_days)
    failed = {"not_filled": fact.filled == 0, "late": fact.on_time == 0, "incomplete": fact.complete == 0,
              "damaged": fact.damage_free == 0, "inaccurate": fact.accurate == 0,
              "documentation": fact.doc_ok == 0}
    assert set(failed) == set(FAILURE_KINDS)
    for kind, department in charge_failures(order, [k for k in FAILURE_KINDS if failed[k]]).items():
        setattr(fact, f"fail_{kind}", department)
    return fact, lines
