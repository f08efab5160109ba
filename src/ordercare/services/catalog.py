"""Reading master data: customers (scoped for customer users), products, warehouses, stock, receipts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from ..domain.access import Actor, Permission
from ..domain.errors import NotFound
from ..store.db import UnitOfWork
from ..store.tables import (
    customers, payment_terms, price_list_items, price_lists, products, purchase_orders, receipts, service_packages,
    ship_tos, stock, warehouses,
)


def _row(r) -> dict[str, Any]:
    return dict(r._mapping)


def list_customers(uow: UnitOfWork, actor: Actor, *, q: str | None = None, limit: int = 100,
                   offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_ORDERS)
    stmt = select(customers, price_lists.c.code.label("price_list")).outerjoin(price_lists)
    if actor.is_customer:
        stmt = stmt.where(customers.c.id == actor.customer_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(customers.c.code.ilike(like), customers.c.name.ilike(like)))
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(stmt.order_by(customers.c.code).limit(limit).offset(offset)).all()
    return {"total": total, "items": [_customer(r) for r in rows]}


def _customer(r) -> dict[str, Any]:
    d = _row(r)
    d.pop("price_list_id", None)
    return d


def get_customer(uow: UnitOfWork, actor: Actor, code: str) -> dict[str, Any]:
    actor.require(Permission.READ_ORDERS)
    with uow.read() as conn:
        r = conn.execute(select(customers, price_lists.c.code.label("price_list")).outerjoin(price_lists)
                         .where(customers.c.code == code)).first()
        if r is None or (actor.is_customer and r.id != actor.customer_id):
            raise NotFound("customer_not_found", f"customer '{code}': no such customer", field="code")
        sites = conn.execute(select(ship_tos).where(ship_tos.c.customer_id == r.id).order_by(ship_tos.c.code)).all()
    d = _customer(r)
    d["ship_tos"] = [{k: v for k, v in _row(s).items() if k != "customer_id"} for s in sites]
    return d


def list_products(uow: UnitOfWork, actor: Actor, *, q: str | None = None, category: str | None = None,
                  limit: int = 100, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_MASTER)
    stmt = select(products)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(products.c.sku.ilike(like), products.c.name.ilike(like)))
    if category:
        stmt = stmt.where(products.c.category == category)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(stmt.order_by(products.c.sku).limit(limit).offset(offset)).all()
    items = [_row(r) for r in rows]
    if actor.is_customer:  # our costs are not the customer's business
        for item in items:
            item.pop("unit_cost")
    return {"total": total, "items": items}


def get_product(uow: UnitOfWork, actor: Actor, sku: str) -> dict[str, Any]:
    actor.require(Permission.READ_MASTER)
    with uow.read() as conn:
        p = conn.execute(select(products).where(products.c.sku == sku)).first()
        if p is None:
            raise NotFound("product_not_found", f"product '{sku}': no such product", field="sku")
        prices = conn.execute(select(price_lists.c.code, price_list_items.c.min_qty, price_list_items.c.price)
                              .join(price_lists).where(price_list_items.c.product_id == p.id)
                              .order_by(price_lists.c.code, price_list_items.c.min_qty)).all()
    d = _row(p)
    if not actor.is_customer:
        d["prices"] = [{"price_list": r.code, "min_qty": r.min_qty, "price": r.price} for r in prices]
    else:
        d.pop("unit_cost")
    return d


def reference_data(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Service packages (DOMAIN §6), payment terms and price lists."""
    actor.require(Permission.READ_MASTER)
    with uow.read() as conn:
        return {
            "service_packages": [_row(r) for r in conn.execute(select(service_packages)
                                                               .order_by(service_packages.c.code))],
            "payment_terms": [_row(r) for r in conn.execute(select(payment_terms).order_by(payment_terms.c.code))],
            "price_lists": [] if actor.is_customer else
            [_row(r) for r in conn.execute(select(price_lists).order_by(price_lists.c.code))],
        }


def list_warehouses(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_MASTER)
    with uow.read() as conn:
        return [_row(r) for r in conn.execute(select(warehouses).order_by(warehouses.c.code))]


def list_stock(uow: UnitOfWork, actor: Actor, *, sku: str | None = None, warehouse: str | None = None,
               limit: int = 200, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_STOCK)
    stmt = (select(warehouses.c.code.label("warehouse"), products.c.sku, stock.c.on_hand, stock.c.reserved,
                   (stock.c.on_hand - stock.c.reserved).label("available"))
            .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
            .join(products, products.c.id == stock.c.product_id))
    if sku:
        stmt = stmt.where(products.c.sku == sku)
    if warehouse:
        stmt = stmt.where(warehouses.c.code == warehouse)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(stmt.order_by(products.c.sku, warehouses.c.code).limit(limit).offset(offset)).all()
    return {"total": total, "items": [_row(r) for r in rows]}


def list_receipts(uow: UnitOfWork, actor: Actor, *, sku: str | None = None, status: str | None = "open",
                  limit: int = 200, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_STOCK)
    stmt = (select(receipts.c.id, purchase_orders.c.number.label("purchase_order"), purchase_orders.c.supplier,
                   warehouses.c.code.label("warehouse"), products.c.sku, receipts.c.qty_ordered,
                   receipts.c.qty_received, receipts.c.promised, receipts.c.expected_date, receipts.c.status)
            .join(purchase_orders, purchase_orders.c.id == receipts.c.purchase_order_id)
            .join(warehouses, warehouses.c.id == receipts.c.warehouse_id)
            .join(products, products.c.id == receipts.c.product_id))
    if sku:
        stmt = stmt.where(products.c.sku == sku)
    if status:
        stmt = stmt.where(receipts.c.status == status)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = conn.execute(stmt.order_by(receipts.c.expected_date, receipts.c.id).limit(limit).offset(offset)).all()
    return {"total": total, "items": [_row(r) for r in rows]}
