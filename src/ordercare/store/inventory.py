"""Stock and scheduled receipts: reading supply under lock, reserving, giving back.

Every statement that takes supply is a conditional update that the database
evaluates on the current row ("... WHERE on_hand - reserved >= :qty"); on
PostgreSQL the rows were locked first, stock rows in (warehouse, product)
order and then receipt rows in id order, the one order every writer uses.
The CHECK constraints on both tables are the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from ..domain.atp import ScheduledReceipt, SupplyPosition
from ..domain.errors import Conflict
from ..domain.sourcing import PlannedAllocation, SupplyMap
from .tables import allocations, receipts, stock


def load_supply(conn: Connection, product_ids: Iterable[int], *, lock: bool) -> SupplyMap:
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    q = (select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved)
         .where(stock.c.product_id.in_(ids))
         .order_by(stock.c.warehouse_id, stock.c.product_id))
    if lock:
        q = q.with_for_update()
    on_hand: dict[tuple[int, int], tuple[int, int]] = {
        (r.warehouse_id, r.product_id): (r.on_hand, r.reserved) for r in conn.execute(q)
    }
    rq = (select(receipts.c.id, receipts.c.warehouse_id, receipts.c.product_id, receipts.c.expected_date,
                 receipts.c.qty_ordered, receipts.c.qty_received, receipts.c.promised)
          .where(receipts.c.product_id.in_(ids), receipts.c.status == "open")
          .order_by(receipts.c.id))
    if lock:
        rq = rq.with_for_update()
    scheduled: dict[tuple[int, int], list[ScheduledReceipt]] = {}
    for r in conn.execute(rq):
        free = r.qty_ordered - r.qty_received - r.promised
        scheduled.setdefault((r.warehouse_id, r.product_id), []).append(
            ScheduledReceipt(r.id, r.expected_date, free))
    keys = set(on_hand) | set(scheduled)
    return {
        k: SupplyPosition(on_hand.get(k, (0, 0))[0], on_hand.get(k, (0, 0))[1], tuple(scheduled.get(k, ())))
        for k in keys
    }


class SupplyTaken(Conflict):
    """Raised when a conditional update finds less supply than planned (another order got there first)."""

    def __init__(self, warehouse_id: int, product_id: int, qty: int):
        super().__init__("supply_taken", "stock changed while the order was being placed; retry",
                         warehouse_id=warehouse_id, product_id=product_id, qty=qty)


def take_supply(conn: Connection, product_id: int, plans: list[PlannedAllocation]) -> None:
    """Reserve planned units: stock (reserved += q) or a receipt (promised += q), each conditionally."""
    for a in sorted(plans, key=lambda a: (a.receipt_id is not None, a.warehouse_id, a.receipt_id or 0)):
        if a.receipt_id is None:
            res = conn.execute(
                update(stock)
                .where(stock.c.warehouse_id == a.warehouse_id, stock.c.product_id == product_id,
                       stock.c.on_hand - stock.c.reserved >= a.qty)
                .values(reserved=stock.c.reserved + a.qty))
        else:
            res = conn.execute(
                update(receipts)
                .where(receipts.c.id == a.receipt_id, receipts.c.status == "open",
                       receipts.c.qty_ordered - receipts.c.qty_received - receipts.c.promised >= a.qty)
                .values(promised=receipts.c.promised + a.qty))
        if res.rowcount != 1:
            raise SupplyTaken(a.warehouse_id, product_id, a.qty)


def record_allocations(conn: Connection, order_id: int, taken: list[tuple[int, int, PlannedAllocation]],
                       at: datetime) -> None:
    """Insert allocation rows; taken holds (order line id, product id, planned allocation)."""
    if not taken:
        return
    conn.execute(insert(allocations), [
        {"order_line_id": line_id, "order_id": order_id, "warehouse_id": a.warehouse_id, "product_id": product_id,
         "receipt_id": a.receipt_id, "qty": a.qty, "available_date": a.available_date, "ship_date": a.ship_date,
         "delivery_date": a.delivery_date, "created_at": at}
        for line_id, product_id, a in taken
    ])


def give_back(conn: Connection, rows) -> None:
    """Return allocated units to free supply (cancellation, re-planning)."""
    for r in rows:
        if r.receipt_id is None:
            conn.execute(update(stock)
                         .where(stock.c.warehouse_id == r.warehouse_id, stock.c.product_id == r.product_id)
                         .values(reserved=stock.c.reserved - r.qty))
        else:
            conn.execute(update(receipts).where(receipts.c.id == r.receipt_id)
                         .values(promised=receipts.c.promised - r.qty))


def stock_row(conn: Connection, warehouse_id: int, product_id: int):
    return conn.execute(select(stock).where(stock.c.warehouse_id == warehouse_id,
                                            stock.c.product_id == product_id)).first()


def ensure_stock_row(conn: Connection, warehouse_id: int, product_id: int) -> None:
    """Create an empty stock row unless one exists; two writers racing to create it both succeed."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    conn.execute(upsert(stock).values(warehouse_id=warehouse_id, product_id=product_id, on_hand=0, reserved=0)
                 .on_conflict_do_nothing())


