"""Invariants of the orders: every unit of a line is accounted for, allocations agree with what they point at,
and each order's status is the one its lines and shipments give it (services/allocation.py status_from_facts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from ..domain.orders import OrderStatus, order_number
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.tables import allocations, order_lines, orders, receipts
from .allocation import statuses_from_facts
from .violations import Violation

S = OrderStatus
# Statuses the facts do not decide: finance's hold, and the ends of the road.
_NOT_FROM_FACTS = {S.CREDIT_HOLD, S.CANCELLED, S.CLOSED, S.INVOICED}
_ALLOCATION_STATES = {S.BACKORDERED, S.PARTIALLY_ALLOCATED, S.ALLOCATED}


def order_quantities(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Per order line: back-ordered + allocated + shipped = ordered (a cancelled order's lines hold, wait for and
    shipped nothing); delivered <= shipped <= ordered; its shipment lines add up to its shipped and delivered units."""
    alloc = (select(allocations.c.order_line_id, func.sum(allocations.c.qty).label("total"))
             .group_by(allocations.c.order_line_id).subquery())
    sent = (select(shipment_lines.c.order_line_id, func.sum(shipment_lines.c.qty_shipped).label("shipped"),
                   func.sum(shipment_lines.c.qty_delivered).label("delivered"))
            .group_by(shipment_lines.c.order_line_id).subquery())
    out = []
    for r in conn.execute(
            select(order_lines.c.id, order_lines.c.order_id, order_lines.c.line_no, orders.c.status, order_lines.c.qty,
                   order_lines.c.qty_backordered, order_lines.c.qty_shipped, order_lines.c.qty_delivered,
                   func.coalesce(alloc.c.total, 0).label("allocated"),
                   func.coalesce(sent.c.shipped, 0).label("sl_shipped"),
                   func.coalesce(sent.c.delivered, 0).label("sl_delivered"))
            .select_from(order_lines.join(orders, orders.c.id == order_lines.c.order_id)
                         .outerjoin(alloc, alloc.c.order_line_id == order_lines.c.id)
                         .outerjoin(sent, sent.c.order_line_id == order_lines.c.id))
            .order_by(order_lines.c.id)):
        subject = f"order {order_number(r.order_id)} line {r.id}"

        def bad(expected, found, problem: str, subject: str = subject) -> None:
            out.append(Violation("order_quantities", subject, str(expected), str(found), f"{subject}: {problem}"))

        accounted = r.qty_backordered + r.allocated + r.qty_shipped
        if r.status == S.CANCELLED:
            if r.allocated or r.qty_backordered or r.qty_shipped:
                bad("nothing held", f"allocated {r.allocated}, back-ordered {r.qty_backordered}, shipped "
                    f"{r.qty_shipped}", f"cancelled, yet {r.allocated} units allocated, {r.qty_backordered} "
                    f"back-ordered and {r.qty_shipped} shipped")
        elif accounted != r.qty:
            bad(r.qty, accounted, f"backordered {r.qty_backordered} + allocated {r.allocated} + shipped "
                f"{r.qty_shipped} != qty {r.qty}")
        if r.qty_backordered < 0:
            bad(">= 0", r.qty_backordered, f"backordered {r.qty_backordered} is negative")
        if not 0 <= r.qty_delivered <= r.qty_shipped <= r.qty:
            bad(f"0 <= delivered <= shipped <= {r.qty}", f"shipped {r.qty_shipped}, delivered {r.qty_delivered}",
                f"shipped {r.qty_shipped} and delivered {r.qty_delivered} of {r.qty} ordered")
        if (r.sl_shipped, r.sl_delivered) != (r.qty_shipped, r.qty_delivered):
            bad(f"shipped {r.sl_shipped}, delivered {r.sl_delivered}",
                f"shipped {r.qty_shipped}, delivered {r.qty_delivered}",
                f"shipped {r.qty_shipped} / delivered {r.qty_delivered}, but its shipment lines say "
                f"{r.sl_shipped} / {r.sl_delivered}")
    return out


def allocation_links(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Every allocation is positive, belongs to its line's order and product, and one on a receipt is in that
    receipt's warehouse and product."""
    out = []
    for r in conn.execute(
            select(allocations.c.id, allocations.c.qty, allocations.c.order_id, allocations.c.product_id,
                   allocations.c.warehouse_id, allocations.c.receipt_id, order_lines.c.id.label("line_id"),
                   order_lines.c.order_id.label("line_order"), order_lines.c.product_id.label("line_product"),
                   receipts.c.id.label("rc_id"), receipts.c.warehouse_id.label("rc_warehouse"),
                   receipts.c.product_id.label("rc_product"))
            .select_from(allocations.outerjoin(order_lines, order_lines.c.id == allocations.c.order_line_id)
                         .outerjoin(receipts, receipts.c.id == allocations.c.receipt_id))
            .where(or_(allocations.c.qty <= 0, order_lines.c.id.is_(None),
                       order_lines.c.order_id != allocations.c.order_id,
                       order_lines.c.product_id != allocations.c.product_id,
                       and_(allocations.c.receipt_id.is_not(None),
                            or_(receipts.c.id.is_(None), receipts.c.warehouse_id != allocations.c.warehouse_id,
                                receipts.c.product_id != allocations.c.product_id))))
            .order_by(allocations.c.id)):
        subject = f"allocation {r.id}"
        out.append(Violation(
            "allocation_links", subject, f"qty > 0, line of order {r.order_id} product {r.product_id}",
            f"qty {r.qty}, line {r.line_id} (order {r.line_order}, product {r.line_product}), receipt {r.rc_id}",
            f"{subject} (qty {r.qty}, order {r.order_id}, product {r.product_id}, warehouse {r.warehouse_id}, "
            f"receipt {r.receipt_id}) disagrees with line {r.line_id} (order {r.line_order}, product "
            f"{r.line_product}) or receipt (warehouse {r.rc_warehouse}, product {r.rc_product})"))
    return out


def order_statuses(conn: Connection, now: datetime | None = None) -> list[Violation]:
    """Each order's status is the one its facts give it: promises before release, then the most advanced stage
    of its shipments, then units shipped (`shipped`: every unit; `delivered`: and every shipment delivered).
    Credit hold, cancelled, invoiced and closed are decisions, not facts: a cancelled order holds nothing
    (order_quantities) and has no line left on a shipment that has not gone."""
    facts = statuses_from_facts(conn)
    sums = {r.order_id: r for r in conn.execute(
        select(order_lines.c.order_id, func.sum(order_lines.c.qty).label("units"),
               func.sum(order_lines.c.qty_backordered).label("backordered"),
               func.sum(order_lines.c.qty_shipped).label("shipped")).group_by(order_lines.c.order_id))}
    out = []
    for oid, status in conn.execute(select(orders.c.id, orders.c.status).order_by(orders.c.id)):
        subject = f"order {order_number(oid)}"
        want = facts.get(oid)
        if want is None:
            out.append(Violation("order_statuses", subject, "at least one line", "none", f"{subject}: has no lines"))
            continue
        if status in _NOT_FROM_FACTS or status == want:
            continue
        s = sums[oid]
        if status in _ALLOCATION_STATES and want in _ALLOCATION_STATES:
            why = f"{s.units - s.backordered} of {s.units} units promised make it {want}"
        else:
            why = (f"its lines and shipments make it {want} (ordered {s.units}, back-ordered {s.backordered}, "
                   f"shipped {s.shipped})")
        out.append(Violation("order_statuses", subject, str(want), str(status),
                             f"{subject}: status {status}, but {why}"))
    for r in conn.execute(
            select(shipment_lines.c.order_id, shipment_lines.c.id, shipments.c.id.label("shipment_id"),
                   shipments.c.status)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .join(orders, orders.c.id == shipment_lines.c.order_id)
            .where(orders.c.status == S.CANCELLED, shipments.c.status.not_in(["shipped", "delivered"]))
            .order_by(shipment_lines.c.id)):
        subject = f"order {order_number(r.order_id)}"
        out.append(Violation("order_statuses", subject, "no line on an open shipment",
                             f"shipment {r.shipment_id} ({r.status})",
                             f"{subject}: cancelled, yet line {r.id} is still on shipment {r.shipment_id} "
                             f"({r.status})"))
    return out
