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
from .records import LineRecord, OrderRecord

RETURN_REASONS = ("damaged", "wrong_item", "defective", "not_as_described", "not_needed", "ordered_by_mistake",
                  "warranty", "other")

Flag = int | None


def _flag(value: bool | None) -> Flag:
    return None if value is None else int(bool(value))


def all_of(values: Iterable[Flag]) -> Flag:
    """And over known/unknown facts: one known failure decides; otherwise unknown if any is unknown."""
    values = list(values)
    if 0 in values:  # `in` compares as == (and None is no 0): the same test as any(v == 0 ...), in C
        return 0
    if None in values:
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


_NO_RETURNS = dict.fromkeys(RETURN_REASONS, 0)
_RETURN_FIELDS = {r: f"ret_{r}" for r in RETURN_REASONS}
_NO_RETURN_FIELDS = dict.fromkeys(_RETURN_FIELDS.values(), 0)
_UNSETTLED = dict.fromkeys(DELIVERY_FLAGS)


def line_fact(order: OrderRecord, line: LineRecord, *, doc_ok: bool) -> LineFact:
    return _line_fact(order, line, doc_ok)[0]


def _line_fact(order: OrderRecord, line: LineRecord, doc_ok: bool) -> tuple[LineFact, date | None, int, bool]:
    """The line's fact, with what derive needs of it for the order: its first shipping day, the units shipped
    that day, and whether it never went to back-order. One pass over the line's shipments (a midnight refresh
    derives tens of thousands of lines: a generator per sum cost more than the rules)."""
    qty, from_stock, by = line.qty, line.qty_from_stock, line.first_promised_ship
    clean = from_stock >= qty  # never back-ordered: every unit in stock when ordered, and (below) none fell back
    shipped = 0  # parts that left with units
    delivered = units = units_first = units_by = got = damaged = wrong = short = 0
    first_day = last_day = last_delivery = None
    first = None  # the part the line is attributed to: its first shipped one (day, shipment), else first released
    for p in line.shipments:
        day = p.shipped_on
        if p.short_picked or p.left_behind:
            clean = False
        if day is None or p.qty_shipped <= 0:
            if shipped == 0 and (first is None or p.shipment_id < first.shipment_id):
                first = p
            continue
        q = p.qty_shipped
        if shipped == 0 or (day, p.shipment_id) < (first.shipped_on, first.shipment_id):
            first = p
        shipped += 1
        units += q
        if first_day is None or day < first_day:
            first_day, units_first = day, q
        elif day == first_day:
            units_first += q
        if last_day is None or day > last_day:
            last_day = day
        if by is not None and day <= by:
            units_by += q
        if p.delivered_on is not None:
            delivered += 1
            if last_delivery is None or p.delivered_on > last_delivery:
                last_delivery = p.delivered_on
        got += p.qty_delivered
        damaged += p.qty_damaged
        wrong += p.qty_wrong
        short += p.qty_short
    if line.returns:
        returned = dict(_NO_RETURNS)
        for reason, n in line.returns:
            returned[reason if reason in returned else "other"] += n
    else:
        returned = _NO_RETURNS
    warehouse_id = first.warehouse_id if first else line.planned_warehouse_id
    carrier_id = first.carrier_id if first else None
    if order.cancelled:
        fact = LineFact(
            order_line_id=line.line_id, order_id=order.order_id, order_day=order.ordered_on,
            product_id=line.product_id, warehouse_id=warehouse_id, carrier_id=carrier_id, counted=0, open=0,
            qty=qty, units_ordered=0, qty_from_stock=from_stock, requested_date=line.requested_date,
            first_promised_ship=by, first_promised_date=line.first_promised_date, u_fill_n=0, u_filled=0,
            filled=None, u_fillp_n=0, u_fillp=0, filled_p=None, settled=0, **_UNSETTLED, ship_days=None,
            deliver_days=None, units_shipped=0, units_delivered=0, units_damaged=0, units_wrong=0, units_short=0)
        return fact, first_day, units_first, clean  # a cancelled line counts no returns either
    fully_shipped = units >= qty
    # First-shipment rule: known once the line is back-ordered or its first shipment has left.
    filled = None if first_day is None and clean else int(clean and units_first >= qty)
    units_known = first_day is not None or from_stock == 0
    u_filled = min(units_first, from_stock) if first_day is not None else 0
    # Promised-date rule: known once every unit has shipped.
    settled = fully_shipped and delivered == shipped
    facts = _UNSETTLED
    deliver_days = None
    if settled:
        day = last_delivery
        promise = line.first_promised_date or order.first_promised_date
        complete = got - returned["wrong_item"] >= qty
        # Never promised (only data from before the measures existed): no promise was broken.
        on_time = promise is None or day <= promise
        on_time_req = None if line.requested_date is None else day <= line.requested_date
        damage_free = damaged == 0 and returned["damaged"] == 0
        accurate = wrong + short == 0 and returned["wrong_item"] == 0
        deliver_days = (day - order.ordered_on).days
        facts = dict(complete=complete, on_time=on_time, on_time_req=on_time_req, damage_free=damage_free,
                     doc_ok=doc_ok, accurate=accurate,
                     perfect=complete and on_time and damage_free and doc_ok, otif=on_time and complete,
                     otif_req=None if on_time_req is None else on_time_req and complete,
                     within_lead=deliver_days <= order.lead_time_days)
        facts = {k: _flag(v) for k, v in facts.items()}
    fact = LineFact(
        order_line_id=line.line_id, order_id=order.order_id, order_day=order.ordered_on,
        product_id=line.product_id, warehouse_id=warehouse_id, carrier_id=carrier_id, counted=1,
        open=int(not settled), qty=qty, units_ordered=qty, qty_from_stock=from_stock,
        requested_date=line.requested_date, first_promised_ship=by, first_promised_date=line.first_promised_date,
        u_fill_n=qty if units_known else 0, u_filled=u_filled if units_known else 0, filled=filled,
        u_fillp_n=qty if fully_shipped else 0, u_fillp=min(units_by, qty) if fully_shipped else 0,
        filled_p=int(units_by >= qty) if fully_shipped else None, settled=int(settled), **facts,
        ship_days=(last_day - order.ordered_on).days if fully_shipped else None, deliver_days=deliver_days,
        units_shipped=units, units_delivered=got, units_damaged=damaged, units_wrong=wrong, units_short=short,
        **(_NO_RETURN_FIELDS if returned is _NO_RETURNS else {_RETURN_FIELDS[r]: n for r, n in returned.items()}))
    return fact, first_day, units_first, clean


def derive(order: OrderRecord) -> tuple[OrderFact, list[LineFact]]:
    """The facts of an order and of each of its lines, as they stand."""
    # A dispute counts against the documentation unless it was rejected (the invoice was right after all).
    doc_ok = not any(s in COUNTS_AS_ERROR for s in order.disputes)
    parts = [_line_fact(order, ln, doc_ok) for ln in order.lines]
    lines = [f for f, _, _, _ in parts]
    base = dict(order_id=order.order_id, order_day=order.ordered_on, customer_id=order.customer_id,
                segment=order.segment, package=order.package, customer_kind=order.customer_kind,
                channel=order.channel, lead_time_days=order.lead_time_days, credit_held=int(order.credit_held),
                first_promised_date=order.first_promised_date)
    if order.cancelled:
        return OrderFact(**base, counted=0, cancelled=1, open=0, lines=0, units=0, filled=None, filled_p=None,
                         settled=0, **dict.fromkeys(DELIVERY_FLAGS), ship_days=None, deliver_days=None), lines
    first_day = min((day for _, day, _, _ in parts if day is not None), default=None)
    if first_day is None and all(clean for _, _, _, clean in parts):
        filled = None
    else:
        # Shipped complete: every unit of every line left on the order's first shipping day (a line whose own
        # first day is later shipped nothing that day).
        filled = int(all(clean and (units_first if day == first_day else 0) >= ln.qty
                         for (_, day, units_first, clean), ln in zip(parts, order.lines, strict=True)))
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
