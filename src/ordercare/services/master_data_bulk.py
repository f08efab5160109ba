"""Master data in bulk: a catalogue, a price list, a stock count at once, each in one transaction.

The same rules as the one-record services in master_data.py (duplicates refused, nothing negative, on hand
never below what is reserved), checked for every record before anything is written and answered with the
record's position (`products[12].sku`); then a few set-based statements whatever the number of records. A
distributor loading its range from the old system, or counting a warehouse, waits seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, ValidationFailed
from ..domain.orders import MAX_STOCK
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.tables import price_list_items, price_lists, products, stock, stock_moves, warehouses
from .allocation import release_backorders
from .master_data import ProductData

_MEASURES = ("weight_kg", "volume_m3", "list_price", "unit_cost")


def create_products(uow: UnitOfWork, actor: Actor, items: list[ProductData]) -> dict[str, int]:
    """Many products at once; returns their ids by SKU."""
    actor.require(Permission.WRITE_MASTER)
    seen: set[str] = set()
    for i, p in enumerate(items):
        if p.sku in seen:
            raise Conflict("duplicate_sku", f"products[{i}].sku: '{p.sku}' is given twice", field=f"products[{i}].sku")
        seen.add(p.sku)
        for name in _MEASURES:
            if getattr(p, name) < 0:
                raise ValidationFailed("invalid_value", f"products[{i}].{name}: must not be negative",
                                       field=f"products[{i}].{name}")

    def work(conn: Connection) -> dict[str, int]:
        taken = set(conn.execute(select(products.c.sku).where(products.c.sku.in_(sorted(seen)))).scalars())
        for i, p in enumerate(items):
            if p.sku in taken:
                raise Conflict("duplicate_sku", f"products[{i}].sku: product '{p.sku}' exists already",
                               field=f"products[{i}].sku")
        if items:
            conn.execute(insert(products), [asdict(p) for p in items])
        return dict(conn.execute(select(products.c.sku, products.c.id).where(products.c.sku.in_(sorted(seen)))).all())

    return uow.run(work)


@dataclass(frozen=True)
class PriceBreak:
    sku: str
    price: Decimal
    min_qty: int = 1


def set_prices(uow: UnitOfWork, actor: Actor, price_list: str, breaks: list[PriceBreak]) -> int:
    """Set many prices of one price list (created if new); an existing break of a SKU is replaced."""
    actor.require(Permission.WRITE_MASTER)
    for i, b in enumerate(breaks):
        if b.price < 0 or b.min_qty < 1:
            raise ValidationFailed("invalid_price", f"prices[{i}]: price must be ≥ 0 and min_qty ≥ 1",
                                   field=f"prices[{i}].price")

    def work(conn: Connection) -> int:
        pl = conn.execute(select(price_lists.c.id).where(price_lists.c.code == price_list)).scalar()
        if pl is None:
            pl = conn.execute(insert(price_lists).values(code=price_list, name=price_list)
                              .returning(price_lists.c.id)).scalar_one()
        ids = dict(conn.execute(select(products.c.sku, products.c.id)
                                .where(products.c.sku.in_(sorted({b.sku for b in breaks})))).all())
        for i, b in enumerate(breaks):
            if b.sku not in ids:
                raise ValidationFailed("unknown_sku", f"prices[{i}].sku: no product with SKU '{b.sku}'",
                                       field=f"prices[{i}].sku")
        have = {(r.product_id, r.min_qty) for r in conn.execute(
            select(price_list_items.c.product_id, price_list_items.c.min_qty)
            .where(price_list_items.c.price_list_id == pl))}
        rows = {(ids[b.sku], b.min_qty): b.price for b in breaks}  # the last of a repeated break wins
        new = [{"price_list_id": pl, "product_id": p, "min_qty": q, "price": v}
               for (p, q), v in rows.items() if (p, q) not in have]
        old = [{"pl": pl, "pid": p, "q": q, "price": v} for (p, q), v in rows.items() if (p, q) in have]
        if new:
            conn.execute(insert(price_list_items), new)
        if old:
            conn.execute(_REPRICE, old)
        return len(rows)

    return uow.run(work)


_REPRICE = (update(price_list_items).where(price_list_items.c.price_list_id == bindparam("pl"),
                                           price_list_items.c.product_id == bindparam("pid"),
                                           price_list_items.c.min_qty == bindparam("q"))
            .values(price=bindparam("price")))


@dataclass(frozen=True)
class StockChange:
    warehouse: str
    sku: str
    delta: int


def adjust_stock_many(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, changes: list[StockChange], *,
                      reason: str, kind: str = "adjustment") -> int:
    """Many stock corrections (a count, the opening stock) with one reason; waiting back-orders are served
    once from what was added. Returns the number of stock moves."""
    actor.require(Permission.ADJUST_STOCK)
    if not reason.strip():
        raise ValidationFailed("reason_required", "reason: say why the stock changes", field="reason")
    cells: dict[tuple[str, str], int] = {}
    for i, c in enumerate(changes):
        if c.delta == 0:
            raise ValidationFailed("invalid_quantity", f"changes[{i}].delta: must not be zero",
                                   field=f"changes[{i}].delta")
        if (c.warehouse, c.sku) in cells:
            raise ValidationFailed("duplicate_cell", f"changes[{i}]: {c.warehouse}/{c.sku} is given twice",
                                   field=f"changes[{i}]")
        cells[(c.warehouse, c.sku)] = c.delta

    def work(conn: Connection) -> int:
        wh = dict(conn.execute(select(warehouses.c.code, warehouses.c.id)).all())
        ids = dict(conn.execute(select(products.c.sku, products.c.id)
                                .where(products.c.sku.in_(sorted({s for _, s in cells})))).all())
        for i, c in enumerate(changes):
            if c.warehouse not in wh:
                raise ValidationFailed("unknown_warehouse", f"changes[{i}].warehouse: no warehouse '{c.warehouse}'",
                                       field=f"changes[{i}].warehouse")
            if c.sku not in ids:
                raise ValidationFailed("unknown_sku", f"changes[{i}].sku: no product with SKU '{c.sku}'",
                                       field=f"changes[{i}].sku")
        inventory.load_supply(conn, ids.values(), lock=True)
        keyed = {(wh[w], ids[s]): d for (w, s), d in cells.items()}
        upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(stock).on_conflict_do_nothing()
        conn.execute(upsert, [{"warehouse_id": w, "product_id": p, "on_hand": 0, "reserved": 0}
                              for w, p in sorted(keyed)])
        now = {(r.warehouse_id, r.product_id): r for r in conn.execute(
            select(stock).where(stock.c.product_id.in_(sorted(ids.values()))))}
        for i, c in enumerate(changes):
            row, delta = now[(wh[c.warehouse], ids[c.sku])], c.delta
            if not 0 <= row.on_hand + delta <= MAX_STOCK or row.on_hand + delta < row.reserved:
                raise Conflict("stock_reserved" if row.on_hand + delta >= 0 else "negative_stock",
                               f"changes[{i}].delta: on hand {row.on_hand} {delta:+d} would be out of range "
                               f"(reserved {row.reserved}, at most {MAX_STOCK})", field=f"changes[{i}].delta",
                               on_hand=row.on_hand, reserved=row.reserved)
        rows = [{"w": w, "p": p, "d": d} for (w, p), d in sorted(keyed.items())]
        # Conditional all the same: the CHECK constraint and this condition guard against a missed lock.
        if conn.execute(_ADJUST, rows).rowcount != len(rows):
            raise Conflict("stock_changed", "stock changed meanwhile; retry", field="changes")
        at = clock.now()
        conn.execute(insert(stock_moves), [{"warehouse_id": w, "product_id": p, "qty": d, "kind": kind,
                                            "reason": reason, "at": at, "actor": actor.username}
                                           for (w, p), d in sorted(keyed.items())])
        added = {p for (_, p), d in keyed.items() if d > 0}
        if added:
            release_backorders(conn, added, today=clock.today(), at=at, actor=actor.username,
                               horizon_end=clock.today() + timedelta(days=settings.promise_horizon_days),
                               reason="stock added")
        return len(rows)

    return uow.run(work)


_ADJUST = (update(stock).where(stock.c.warehouse_id == bindparam("w"), stock.c.product_id == bindparam("p"),
                               stock.c.on_hand + bindparam("d") >= stock.c.reserved)
           .values(on_hand=stock.c.on_hand + bindparam("d")))
