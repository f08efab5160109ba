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

from sqlalchemy import Connection, bindparam, select, update

from ..domain.atp import ScheduledReceipt, SupplyPosition
from ..domain.errors import Conflict
from ..domain.sourcing import PlannedAllocation, SupplyMap
from .prepared import Prepared, in_ids, insert_of, padded_ids
from .tables import allocations, receipts, stock


# Compiled once: these run on every order (store/prepared.py).
_STOCK = (select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved)
          .where(in_ids(stock.c.product_id))
          .order_by(stock.c.warehouse_id, stock.c.product_id))
_RECEIPTS = (select(receipts.c.id, receipts.c.warehouse_id, receipts.c.product_id, receipts.c.expected_date,
                    receipts.c.qty_ordered, receipts.c.qty_received, receipts.c.promised)
             .where(in_ids(receipts.c.product_id), receipts.c.status == "open")
             .order_by(receipts.c.id))
_SUPPLY = {lock: (Prepared(_STOCK.with_for_update() if lock else _STOCK, expanding="ids"),
                  Prepared(_RECEIPTS.with_for_update() if lock else _RECEIPTS, expanding="ids"))
           for lock in (False, True)}
_RESERVE_STOCK = Prepared(update(stock)
                          .where(stock.c.warehouse_id == bindparam("wh"), stock.c.product_id == bindparam("pid"),
                                 stock.c.on_hand - stock.c.reserved >= bindparam("qty"))
                          .values(reserved=stock.c.reserved + bindparam("qty")))
_PROMISE_RECEIPT = Prepared(update(receipts)
                            .where(receipts.c.id == bindparam("rid"), receipts.c.status == "open",
                                   receipts.c.qty_ordered - receipts.c.qty_received - receipts.c.promised
                                   >= bindparam("qty"))
                            .values(promised=receipts.c.promised + bindparam("qty")))
_INSERT_ALLOCATIONS = insert_of(allocations, ("order_line_id", "order_id", "warehouse_id", "product_id", "receipt_id",
                                              "qty", "available_date", "ship_date", "delivery_date", "created_at"))


def load_supply(conn: Connection, product_ids: Iterable[int], *, lock: bool) -> SupplyMap:
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    stock_q, receipts_q = _SUPPLY[lock]
    padded = padded_ids(ids)  # a handful of IN-list widths compiled, not one per number of products
    on_hand: dict[tuple[int, int], tuple[int, int]] = {
        (r[0], r[1]): (r[2], r[3]) for r in stock_q.rows(conn, padded)
    }
    scheduled: dict[tuple[int, int], list[ScheduledReceipt]] = {}
    for r in receipts_q.rows(conn, padded):
        scheduled.setdefault((r.warehouse_id, r.product_id), []).append(
            ScheduledReceipt(r.id, r.expected_date, r.qty_ordered - r.qty_received - r.promised))
    empty = (0, 0)
    return {
        k: SupplyPosition(*on_hand.get(k, empty), tuple(scheduled.get(k, ())))
        for k in on_hand.keys() | scheduled.keys()
    }


# The same rows as _SUPPLY locks, in the same order, without reading what they hold.
_LOCK_STOCK = Prepared(select(stock.c.warehouse_id).where(in_ids(stock.c.product_id))
                       .order_by(stock.c.warehouse_id, stock.c.product_id).with_for_update(), expanding="ids")
_LOCK_RECEIPTS = Prepared(select(receipts.c.id).where(in_ids(receipts.c.product_id), receipts.c.status == "open")
                          .order_by(receipts.c.id).with_for_update(), expanding="ids")


def lock_supply(conn: Connection, product_ids: Iterable[int]) -> None:
    """Take the supply locks of these products, as load_supply(lock=True) does, for a writer that does not need
    the supply itself (picking, shipping). On SQLite the write transaction (BEGIN IMMEDIATE) already holds the
    database's one write lock: there is nothing to take, and nothing is read."""
    ids = sorted(set(product_ids))
    if not ids or conn.dialect.name != "postgresql":
        return
    _LOCK_STOCK.rows(conn, padded_ids(ids))
    _LOCK_RECEIPTS.rows(conn, padded_ids(ids))


class SupplyTaken(Conflict):
    """A conditional update found less supply than planned: the lock order was not kept somewhere."""

    def __init__(self, wanted: list[dict]):
        super().__init__("supply_taken", "stock changed while the order was being placed; retry", wanted=wanted)


def take_supply(conn: Connection, taken: list[tuple[int, PlannedAllocation]]) -> None:
    """Reserve planned units, (product id, allocation) each: stock (reserved += q) or a receipt (promised += q).

    Each update is conditional on the supply still being free; one batch per kind.
    """
    from_stock = [{"wh": a.warehouse_id, "pid": pid, "qty": a.qty} for pid, a in taken if a.receipt_id is None]
    on_receipts = [{"rid": a.receipt_id, "qty": a.qty} for _, a in taken if a.receipt_id is not None]
    for stmt, rows in ((_RESERVE_STOCK, from_stock), (_PROMISE_RECEIPT, on_receipts)):
        if rows and stmt.execute_many(conn, rows) != len(rows):
            raise SupplyTaken(rows)


def record_allocations(conn: Connection, order_id: int, taken: list[tuple[int, int, PlannedAllocation]],
                       at: datetime) -> None:
    """Insert allocation rows; taken holds (order line id, product id, planned allocation)."""
    if not taken:
        return
    _INSERT_ALLOCATIONS.execute_many(conn, [
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
    ensure_stock_rows(conn, [(warehouse_id, product_id)])


def _create_stock_row(dialect: str) -> Prepared:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    return Prepared(upsert(stock).values(warehouse_id=bindparam("wh"), product_id=bindparam("pid"), on_hand=0,
                                         reserved=0).on_conflict_do_nothing())


_CREATE_STOCK_ROW = {d: _create_stock_row(d) for d in ("postgresql", "sqlite")}


def ensure_stock_rows(conn: Connection, keys: Iterable[tuple[int, int]]) -> None:
    """ensure_stock_row for each (warehouse id, product id), in the order given, in one batch."""
    rows = [{"wh": wh, "pid": pid} for wh, pid in keys]
    _CREATE_STOCK_ROW[conn.dialect.name].execute_many(conn, rows)
