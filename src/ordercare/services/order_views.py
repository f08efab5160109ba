"""Reading orders: one order with lines, promises and timeline; lists for desks and portals."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.orders import OrderStatus, order_number
from ..store.db import UnitOfWork
from ..store.events import timeline
from ..store.tables import allocations, customers, order_lines, orders, products, ship_tos, warehouses
from .orders import load_order_for


def order_view(conn: Connection, actor: Actor, order_id: int) -> dict[str, Any]:
    o = load_order_for(conn, actor, order_id)
    cust = conn.execute(select(customers.c.code, customers.c.name).where(customers.c.id == o.customer_id)).one()
    ship_to = conn.execute(select(ship_tos.c.code).where(ship_tos.c.id == o.ship_to_id)).scalar_one()
    wh = dict(conn.execute(select(warehouses.c.id, warehouses.c.code)).all())
    allocs: dict[int, list[dict]] = {}
    for a in conn.execute(select(allocations).where(allocations.c.order_id == order_id).order_by(allocations.c.id)):
        allocs.setdefault(a.order_line_id, []).append({
            "warehouse": wh[a.warehouse_id], "qty": a.qty, "source": "stock" if a.receipt_id is None else "receipt",
            "receipt_id": a.receipt_id, "available_date": a.available_date, "ship_date": a.ship_date,
            "delivery_date": a.delivery_date})
    lines = conn.execute(select(order_lines, products.c.sku, products.c.name.label("product_name"))
                         .join(products, products.c.id == order_lines.c.product_id)
                         .where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)).all()
    return {
        "id": o.id, "number": order_number(o.id), "customer": cust.code, "customer_name": cust.name,
        "ship_to": ship_to, "channel": o.channel, "status": o.status, "credit_hold": o.credit_hold,
        "ship_complete": o.ship_complete, "requested_date": o.requested_date, "promised_date": o.promised_date,
        "customer_po": o.customer_po, "currency": o.currency, "total_amount": o.total_amount,
        "quote_id": o.quote_id, "created_at": o.created_at, "created_by": o.created_by,
        "lines": [{
            "line_no": ln.line_no, "sku": ln.sku, "product_name": ln.product_name, "qty": ln.qty,
            "unit_price": ln.unit_price, "amount": ln.amount, "requested_date": ln.requested_date,
            "qty_promised": ln.qty - ln.qty_backordered, "qty_backordered": ln.qty_backordered,
            "qty_shipped": ln.qty_shipped, "qty_delivered": ln.qty_delivered,
            "promised_ship_date": ln.promised_ship_date, "promised_date": ln.promised_date,
            "merged_from": ln.merged_from, "allocations": allocs.get(ln.id, []),
        } for ln in lines],
        "timeline": timeline(conn, order_id),
    }


def get_order(uow: UnitOfWork, actor: Actor, order_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_ORDERS)
    with uow.read() as conn:
        return order_view(conn, actor, order_id)


def list_orders(uow: UnitOfWork, actor: Actor, *, customer: str | None = None, status: str | None = None,
                sku: str | None = None, placed_from: date | None = None, placed_to: date | None = None,
                limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_ORDERS)
    if status is not None and status not in {s.value for s in OrderStatus}:
        raise ValidationFailed("unknown_status", f"status: '{status}' is not an order status", field="status",
                               allowed=[s.value for s in OrderStatus])
    q = select(orders.c.id, orders.c.status, orders.c.created_at, orders.c.promised_date, orders.c.total_amount,
               orders.c.channel, customers.c.code.label("customer")).join(customers)
    if actor.is_customer:
        q = q.where(orders.c.customer_id == actor.customer_id)
    if customer:
        q = q.where(customers.c.code == customer)
    if status:
        q = q.where(orders.c.status == status)
    if sku:
        q = q.where(orders.c.id.in_(select(order_lines.c.order_id).join(products).where(products.c.sku == sku)))
    if placed_from:
        q = q.where(func.date(orders.c.created_at) >= placed_from)
    if placed_to:
        q = q.where(func.date(orders.c.created_at) <= placed_to)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(orders.c.id.desc()).limit(limit).offset(offset)).all()
    return {"total": total, "items": [
        {"id": r.id, "number": order_number(r.id), "customer": r.customer, "status": r.status, "channel": r.channel,
         "created_at": r.created_at, "promised_date": r.promised_date, "total_amount": r.total_amount}
        for r in rows]}
