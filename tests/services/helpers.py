"""Reading the database directly, to check what the services wrote (and what they did not)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select

from ordercare.domain.access import Actor, Role
from ordercare.store.tables import (
    allocations,
    customers,
    idempotency_keys,
    order_events,
    order_lines,
    orders,
    products,
    receipts,
    receivables,
    stock,
    stock_moves,
    warehouses,
)

D0 = date(2026, 3, 2)  # the test clock's today (a Monday)


def day(n: int) -> date:
    """The date n days after the test clock's start."""
    return D0 + timedelta(days=n)


AGENT = Actor(2, "alice", Role.CS_AGENT)
FINANCE = Actor(3, "fiona", Role.FINANCE)
BUYER = Actor(4, "buyer", Role.WAREHOUSE)


def count(env, table) -> int:
    with env.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def ids(env, table, column) -> dict[str, int]:
    with env.uow.read() as conn:
        return dict(conn.execute(select(column, table.c.id)).all())


def stock_of(env, warehouse: str, sku: str) -> tuple[int, int]:
    """(on_hand, reserved); (0, 0) when the row does not exist."""
    with env.uow.read() as conn:
        row = conn.execute(select(stock.c.on_hand, stock.c.reserved)
                           .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
                           .join(products, products.c.id == stock.c.product_id)
                           .where(warehouses.c.code == warehouse, products.c.sku == sku)).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def reserved_by_allocations(env, warehouse: str, sku: str) -> int:
    """Units allocated from stock (not from a receipt) in this warehouse."""
    with env.uow.read() as conn:
        return conn.execute(select(func.coalesce(func.sum(allocations.c.qty), 0))
                            .join(warehouses, warehouses.c.id == allocations.c.warehouse_id)
                            .join(products, products.c.id == allocations.c.product_id)
                            .where(warehouses.c.code == warehouse, products.c.sku == sku,
                                   allocations.c.receipt_id.is_(None))).scalar_one()


def receipt_row(env, receipt_id: int):
    with env.uow.read() as conn:
        return conn.execute(select(receipts).where(receipts.c.id == receipt_id)).one()


def receipt_ids(env, po_id: int) -> list[int]:
    with env.uow.read() as conn:
        return list(conn.execute(select(receipts.c.id).where(receipts.c.purchase_order_id == po_id)
                                 .order_by(receipts.c.id)).scalars())


def promised_on_receipt(env, receipt_id: int) -> int:
    with env.uow.read() as conn:
        return conn.execute(select(func.coalesce(func.sum(allocations.c.qty), 0))
                            .where(allocations.c.receipt_id == receipt_id)).scalar_one()


def assert_books_balance(env) -> None:
    """Every stock row's reserved = its stock allocations; every receipt's promised = its allocations;
    every order line's promised units = its allocations."""
    with env.uow.read() as conn:
        for s in conn.execute(select(stock)).all():
            alloc = conn.execute(select(func.coalesce(func.sum(allocations.c.qty), 0)).where(
                allocations.c.warehouse_id == s.warehouse_id, allocations.c.product_id == s.product_id,
                allocations.c.receipt_id.is_(None))).scalar_one()
            assert s.reserved == alloc, f"stock {s.warehouse_id}/{s.product_id}: reserved {s.reserved} != {alloc}"
        for r in conn.execute(select(receipts)).all():
            alloc = conn.execute(select(func.coalesce(func.sum(allocations.c.qty), 0))
                                 .where(allocations.c.receipt_id == r.id)).scalar_one()
            assert r.promised == alloc, f"receipt {r.id}: promised {r.promised} != allocations {alloc}"
        for ln in conn.execute(select(order_lines, orders.c.status).join(orders)).all():
            alloc = conn.execute(select(func.coalesce(func.sum(allocations.c.qty), 0))
                                 .where(allocations.c.order_line_id == ln.id)).scalar_one()
            expected = 0 if ln.status == "cancelled" else ln.qty - ln.qty_backordered
            assert alloc == expected, f"line {ln.id}: allocations {alloc} != promised {expected}"


def snapshot(env) -> dict:
    """Everything an order placement may write, to prove a refused request changed nothing."""
    with env.uow.read() as conn:
        out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
               for t in (orders, order_lines, allocations, order_events, idempotency_keys, stock_moves)}
        out["stock"] = sorted(tuple(r) for r in conn.execute(
            select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved)))
        out["receipts"] = sorted(tuple(r) for r in conn.execute(
            select(receipts.c.id, receipts.c.promised, receipts.c.qty_received, receipts.c.status)))
    return out


def add_receivable(env, customer_code: str, amount, *, ref: str = "INV-1") -> None:
    from decimal import Decimal

    def work(conn):
        cid = conn.execute(select(customers.c.id).where(customers.c.code == customer_code)).scalar_one()
        conn.execute(insert(receivables).values(customer_id=cid, kind="invoice", ref=ref, amount=Decimal(amount),
                                                posted_on=D0 - timedelta(days=5), due_on=D0 + timedelta(days=25)))
    env.uow.run(work)


def events(view: dict, kind: str | None = None) -> list[dict]:
    return [e for e in view["timeline"] if kind is None or e["kind"] == kind]
