"""Reverse logistics at the warehouse: receive returned units, inspect them, give each a disposition.

Received units wait in the warehouse's non-sellable "inspection" bucket. Restocked units go back on the
shelf (on hand rises, so ATP rises; a "return" stock move; waiting back-orders are served); every other
disposition moves them to its own non-sellable bucket. Units are never lost: what came in is on the shelf
or in a bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.cases import check_text
from ..domain.errors import Conflict, ValidationFailed
from ..domain.orders import MAX_STOCK
from ..domain.returns import INSPECTION, SELLABLE, ReturnStatus, check_disposition, check_receipt_qty, \
    rma_number
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.prepared import Prepared, insert_of
from ..store.service_events import append_return_event
from ..store.service_tables import nonsellable_moves, nonsellable_stock, return_dispositions, return_lines, returns
from ..store.tables import products, stock, stock_moves, warehouses
from .allocation import release_backorders
from .returns import load_return_for, move_return

R = ReturnStatus


@dataclass(frozen=True)
class ReceivedLine:
    line_id: int  # return line
    qty: int


@dataclass(frozen=True)
class DispositionLine:
    line_id: int  # return line
    disposition: str
    qty: int
    note: str | None = None


def move_nonsellable(conn: Connection, warehouse_id: int, product_id: int, bucket: str, qty: int, *, kind: str,
                     ref: str, at: datetime, actor: str) -> None:
    """Add (qty > 0) or take (qty < 0) units of a non-sellable bucket, with a move row."""
    where = {"warehouse_id": warehouse_id, "product_id": product_id, "bucket": bucket}
    _BUCKET_ROW[conn.dialect.name].execute(conn, where)
    if _BUCKET_MOVE.execute(conn, {**where, "qty": qty}) != 1:
        raise Conflict("nonsellable_stock_short", f"bucket {bucket} holds fewer than {-qty} units", field="qty")
    _BUCKET_LOG.execute(conn, {**where, "qty": qty, "kind": kind, "ref": ref, "at": at, "actor": actor})


# Compiled once (every unit returned moves through a bucket): the bucket's row made if missing (the upsert is
# each dialect's own), the conditional move, its log row.
_BUCKET_ROW = {name: Prepared(dialect_insert(nonsellable_stock).values(
    warehouse_id=bindparam("warehouse_id"), product_id=bindparam("product_id"), bucket=bindparam("bucket"), qty=0)
    .on_conflict_do_nothing()) for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}
_BUCKET_MOVE = Prepared(update(nonsellable_stock).where(
    nonsellable_stock.c.warehouse_id == bindparam("warehouse_id"),
    nonsellable_stock.c.product_id == bindparam("product_id"), nonsellable_stock.c.bucket == bindparam("bucket"),
    nonsellable_stock.c.qty + bindparam("qty") >= 0).values(qty=nonsellable_stock.c.qty + bindparam("qty")))
_BUCKET_LOG = insert_of(nonsellable_moves, ("warehouse_id", "product_id", "bucket", "qty", "kind", "ref", "at",
                                            "actor"))


def restock(conn: Connection, settings: Settings, clock: Clock, warehouse_id: int, product_id: int, qty: int, *,
            ref: str, reason: str, actor: str) -> None:
    """Units back into sellable stock: on hand rises, a "return" stock move, back-orders are served."""
    inventory.load_supply(conn, [product_id], lock=True)
    inventory.ensure_stock_row(conn, warehouse_id, product_id)
    if inventory.stock_row(conn, warehouse_id, product_id).on_hand + qty > MAX_STOCK:
        raise ValidationFailed("stock_too_large", f"qty: on hand would exceed {MAX_STOCK}", field="qty")
    conn.execute(update(stock).where(stock.c.warehouse_id == warehouse_id, stock.c.product_id == product_id)
                 .values(on_hand=stock.c.on_hand + qty))
    now, today = clock.now(), clock.today()
    conn.execute(insert(stock_moves).values(warehouse_id=warehouse_id, product_id=product_id, qty=qty, kind="return",
                                            ref=ref, reason=reason, at=now, actor=actor))
    release_backorders(conn, {product_id}, today=today, at=now, actor=actor,
                       horizon_end=today + timedelta(days=settings.promise_horizon_days),
                       reason=f"returned units restocked ({ref})")


def _lines(conn: Connection, return_id: int) -> dict[int, object]:
    return {r.id: r for r in conn.execute(select(return_lines, products.c.sku)
                                          .join(products, products.c.id == return_lines.c.product_id)
                                          .where(return_lines.c.return_id == return_id))}


def receive_return(uow: UnitOfWork, clock: Clock, actor: Actor, return_id: int, lines: list[ReceivedLine], *,
                   warehouse: str | None = None) -> dict:
    """Goods in at the warehouse (the one the goods left from, unless another is named): they await inspection."""
    actor.require(Permission.RECEIVE_RETURN)
    if not lines:
        raise ValidationFailed("no_lines", "lines: receive at least one line", field="lines")

    def work(conn: Connection) -> dict:
        ret = load_return_for(conn, actor, return_id, lock=True)
        if ret.status not in (R.AUTHORISED, R.RECEIVED, R.INSPECTED):
            raise Conflict("return_not_authorised", f"return {return_id} is {ret.status}: only an authorised return "
                           "is received", field="status", status=ret.status)
        wh_id = ret.warehouse_id
        if warehouse is not None:
            wh_id = conn.execute(select(warehouses.c.id).where(warehouses.c.code == warehouse)).scalar()
            if wh_id is None:
                raise ValidationFailed("unknown_warehouse", f"warehouse: no warehouse '{warehouse}'",
                                       field="warehouse")
        if wh_id is None:
            raise ValidationFailed("warehouse_required", "warehouse: name the warehouse that receives the goods",
                                   field="warehouse")
        known = _lines(conn, return_id)
        taken: dict[int, int] = {}
        for i, ln in enumerate(lines):
            if ln.line_id not in known:
                raise ValidationFailed("unknown_line", f"lines[{i}].line_id: not a line of this return",
                                       field=f"lines[{i}].line_id")
            rl = known[ln.line_id]
            check_receipt_qty(f"lines[{i}].qty", qty=ln.qty, authorised=rl.qty,
                              received=rl.qty_received + taken.get(ln.line_id, 0))
            taken[ln.line_id] = taken.get(ln.line_id, 0) + ln.qty
        now, ref = clock.now(), rma_number(return_id)
        for line_id, qty in taken.items():
            rl = known[line_id]
            conn.execute(update(return_lines).where(return_lines.c.id == line_id)
                         .values(qty_received=return_lines.c.qty_received + qty))
            move_nonsellable(conn, wh_id, rl.product_id, INSPECTION, qty, kind="return_received", ref=ref, at=now,
                             actor=actor.username)
        facts = [{"sku": known[i].sku, "qty": q} for i, q in taken.items()]
        if ret.status == R.RECEIVED:
            conn.execute(update(returns).where(returns.c.id == return_id).values(warehouse_id=wh_id))
            append_return_event(conn, return_id, "received", at=now, actor=actor.username, payload={"lines": facts})
        else:
            move_return(conn, ret, R.RECEIVED, at=now, actor=actor.username, kind="received",
                        payload={"lines": facts}, warehouse_id=wh_id)
        append_event(conn, ret.order_id, "return_received", at=now, actor=actor.username,
                     payload={"rma": ref, "lines": facts})
        return {"return_id": return_id, "received": sum(taken.values())}

    return uow.run(work)


def inspect_return(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, return_id: int,
                   dispositions: list[DispositionLine]) -> dict:
    """A disposition per received unit; when every received unit has one the return is inspected."""
    actor.require(Permission.RECEIVE_RETURN)
    if not dispositions:
        raise ValidationFailed("no_lines", "dispositions: give at least one", field="dispositions")

    def work(conn: Connection) -> dict:
        ret = load_return_for(conn, actor, return_id, lock=True)
        known = _lines(conn, return_id)
        used: dict[int, int] = {}
        checked = []
        for i, d in enumerate(dispositions):
            field = f"dispositions[{i}]"
            if d.line_id not in known:
                raise ValidationFailed("unknown_line", f"{field}.line_id: not a line of this return",
                                       field=f"{field}.line_id")
            rl = known[d.line_id]
            kind = check_disposition(field, disposition=d.disposition, qty=d.qty, received=rl.qty_received,
                                     disposed=rl.qty_disposed + used.get(d.line_id, 0))
            checked.append((d, kind, check_text(d.note, f"{field}.note", max_len=500)))
            used[d.line_id] = used.get(d.line_id, 0) + d.qty
        if ret.status != R.RECEIVED:
            raise Conflict("return_not_received", f"return {return_id} is {ret.status}: nothing waits for inspection",
                           field="status", status=ret.status)
        now, ref = clock.now(), rma_number(return_id)
        for d, kind, note in checked:
            rl = known[d.line_id]
            move_nonsellable(conn, ret.warehouse_id, rl.product_id, INSPECTION, -d.qty, kind="inspected", ref=ref,
                             at=now, actor=actor.username)
            if kind in SELLABLE:
                restock(conn, settings, clock, ret.warehouse_id, rl.product_id, d.qty, ref=ref,
                        reason=f"returned ({rl.reason}), inspected fit for sale", actor=actor.username)
            else:
                move_nonsellable(conn, ret.warehouse_id, rl.product_id, kind.value, d.qty, kind="disposition",
                                 ref=ref, at=now, actor=actor.username)
            conn.execute(insert(return_dispositions).values(
                return_id=return_id, return_line_id=rl.id, warehouse_id=ret.warehouse_id, product_id=rl.product_id,
                disposition=kind, qty=d.qty, note=note, at=now, actor=actor.username))
            conn.execute(update(return_lines).where(return_lines.c.id == rl.id)
                         .values(qty_disposed=return_lines.c.qty_disposed + d.qty))
        facts = [{"sku": known[d.line_id].sku, "disposition": k.value, "qty": d.qty} for d, k, _ in checked]
        left = sum(r.qty_received - r.qty_disposed for r in _lines(conn, return_id).values())
        if left == 0:
            move_return(conn, ret, R.INSPECTED, at=now, actor=actor.username, kind="inspected",
                        payload={"dispositions": facts})
        else:
            append_return_event(conn, return_id, "inspected", at=now, actor=actor.username,
                                payload={"dispositions": facts, "awaiting_inspection": left})
        append_event(conn, ret.order_id, "return_inspected", at=now, actor=actor.username,
                     payload={"rma": ref, "dispositions": facts})
        return {"return_id": return_id, "dispositions": facts, "awaiting_inspection": left}

    return uow.run(work)


def nonsellable_position(conn: Connection, warehouse_id: int, product_id: int) -> dict[str, int]:
    return dict(conn.execute(select(nonsellable_stock.c.bucket, nonsellable_stock.c.qty).where(
        nonsellable_stock.c.warehouse_id == warehouse_id, nonsellable_stock.c.product_id == product_id)).all())
