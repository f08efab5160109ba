"""Purchase orders as scheduled receipts: create, receive, reschedule. Receipts feed ATP and back-orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.atp import receipt_available_date
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.orders import MAX_STOCK
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.tables import allocations, order_lines, orders, products, purchase_orders, receipts, stock, stock_moves, \
    warehouses
from .allocation import note_promise_change, recompute_statuses, refresh_promises, release_backorders


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    qty: int
    expected_date: date


def _warehouse(conn: Connection, code: str, field: str = "warehouse"):
    w = conn.execute(select(warehouses).where(warehouses.c.code == code)).first()
    if w is None:
        raise ValidationFailed("unknown_warehouse", f"{field}: no warehouse with code '{code}'", field=field,
                               warehouse=code)
    return w


def _horizon(clock: Clock, settings: Settings) -> date:
    return clock.today() + timedelta(days=settings.promise_horizon_days)


def create_purchase_order(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, *, number: str,
                          supplier: str, warehouse: str, lines: list[ReceiptLine]) -> int:
    """Scheduled receipts become promisable at once: waiting back-orders get a date."""
    actor.require(Permission.MANAGE_RECEIPTS)
    if not lines:
        raise ValidationFailed("no_lines", "lines: a purchase order needs at least one line", field="lines")

    def work(conn: Connection) -> int:
        wh = _warehouse(conn, warehouse)
        if conn.execute(select(purchase_orders.c.id).where(purchase_orders.c.number == number)).first():
            raise Conflict("duplicate_purchase_order", f"number: purchase order '{number}' exists already",
                           field="number")
        by_sku = {r.sku: r.id for r in conn.execute(select(products.c.sku, products.c.id)
                                                    .where(products.c.sku.in_([ln.sku for ln in lines])))}
        for i, ln in enumerate(lines):
            if ln.sku not in by_sku:
                raise ValidationFailed("unknown_sku", f"lines[{i}].sku: no product with SKU '{ln.sku}'",
                                       field=f"lines[{i}].sku", sku=ln.sku)
            if ln.qty <= 0:
                raise ValidationFailed("invalid_quantity", f"lines[{i}].qty: must be a positive whole number",
                                       field=f"lines[{i}].qty")
            if ln.expected_date < clock.today():
                raise ValidationFailed("expected_date_in_past",
                                       f"lines[{i}].expected_date: {ln.expected_date} is before today",
                                       field=f"lines[{i}].expected_date")
        now = clock.now()
        po_id = conn.execute(insert(purchase_orders).values(number=number, supplier=supplier, warehouse_id=wh.id,
                                                            created_at=now).returning(purchase_orders.c.id)).scalar_one()
        product_ids = {by_sku[ln.sku] for ln in lines}
        inventory.load_supply(conn, product_ids, lock=True)
        for pid in sorted(product_ids):
            inventory.ensure_stock_row(conn, wh.id, pid)
        conn.execute(insert(receipts), [
            {"purchase_order_id": po_id, "warehouse_id": wh.id, "product_id": by_sku[ln.sku], "qty_ordered": ln.qty,
             "qty_received": 0, "promised": 0, "expected_date": ln.expected_date, "status": "open"}
            for ln in lines])
        release_backorders(conn, product_ids, today=clock.today(), at=now, actor=actor.username,
                           horizon_end=_horizon(clock, settings), reason=f"purchase order {number} scheduled")
        return po_id

    return uow.run(work)


def _receipt_for_update(conn: Connection, receipt_id: int):
    r = conn.execute(select(receipts).where(receipts.c.id == receipt_id)).first()
    if r is None:
        raise NotFound("receipt_not_found", f"receipt {receipt_id}: no such receipt", field="receipt_id")
    inventory.load_supply(conn, [r.product_id], lock=True)  # the global lock order
    return conn.execute(select(receipts).where(receipts.c.id == receipt_id)).one()


def _promises_on(conn: Connection, receipt_id: int):
    """Allocations against a receipt, in the order they should be served: priority, then first come."""
    return conn.execute(
        select(allocations).join(orders, orders.c.id == allocations.c.order_id)
        .where(allocations.c.receipt_id == receipt_id)
        .order_by(orders.c.priority, orders.c.created_at, allocations.c.id)).all()


def receive(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, receipt_id: int, qty: int, *,
            close: bool = False) -> dict:
    """Goods in: on hand rises, promises on this receipt become reservations, back-orders get the rest.

    With close=True the receipt is finished short: promises it can no longer
    keep go back to back-order (and are re-planned on other supply).
    """
    actor.require(Permission.MANAGE_RECEIPTS)
    if qty < 0:
        raise ValidationFailed("invalid_quantity", "qty: must not be negative", field="qty")

    def work(conn: Connection) -> dict:
        out = _receive_in(conn, clock, actor, receipt_id, qty, close, "qty")
        out["backorders_released"] = release_backorders(
            conn, {out.pop("product_id")}, today=clock.today(), at=clock.now(), actor=actor.username,
            horizon_end=_horizon(clock, settings), reason=f"receipt {receipt_id} arrived")
        return out

    return uow.run(work)


@dataclass(frozen=True)
class GoodsIn:
    receipt_id: int
    qty: int
    close: bool = False  # finished short: what is still missing will not come


def receive_delivery(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, lines: list[GoodsIn]) -> dict:
    """A supplier's truck: several receipt lines received in one transaction, by the rules of receive(); waiting
    back-orders are served once, when everything is on the shelf (package priority, then first come)."""
    actor.require(Permission.MANAGE_RECEIPTS)
    if not lines:
        raise ValidationFailed("no_lines", "lines: receive at least one line", field="lines")
    for i, ln in enumerate(lines):
        if ln.qty < 0:
            raise ValidationFailed("invalid_quantity", f"lines[{i}].qty: must not be negative", field=f"lines[{i}].qty")
    if len({ln.receipt_id for ln in lines}) != len(lines):
        raise ValidationFailed("duplicate_receipt", "lines: a receipt is given twice", field="lines")

    def work(conn: Connection) -> dict:
        # The global lock order: every product's stock and receipts first, then the rows one by one.
        ids = [ln.receipt_id for ln in lines]
        inventory.load_supply(conn, conn.execute(select(receipts.c.product_id).where(receipts.c.id.in_(ids)))
                              .scalars(), lock=True)
        done = [_receive_in(conn, clock, actor, ln.receipt_id, ln.qty, ln.close, f"lines[{i}].qty",
                            prefix=f"lines[{i}]") for i, ln in enumerate(lines)]
        released = release_backorders(conn, {d.pop("product_id") for d in done}, today=clock.today(),
                                      at=clock.now(), actor=actor.username, horizon_end=_horizon(clock, settings),
                                      reason="purchase delivery arrived")
        return {"lines": done, "backorders_released": released}

    return uow.run(work)


def _receive_in(conn: Connection, clock: Clock, actor: Actor, receipt_id: int, qty: int, close: bool,
                qty_field: str, prefix: str = "") -> dict:
    """One receipt line's goods in, without serving back-orders (the caller does, once)."""
    where = f"{prefix}: " if prefix else ""
    r = _receipt_for_update(conn, receipt_id)
    if r.status != "open":
        raise Conflict("receipt_closed", f"{where}receipt {receipt_id} is closed", field=prefix or "receipt_id")
    outstanding = r.qty_ordered - r.qty_received
    if qty > outstanding:
        raise ValidationFailed("over_receipt", f"{qty_field}: {qty} is more than the {outstanding} still expected",
                               field=qty_field, outstanding=outstanding)
    now, today = clock.now(), clock.today()
    inventory.ensure_stock_row(conn, r.warehouse_id, r.product_id)
    if inventory.stock_row(conn, r.warehouse_id, r.product_id).on_hand + qty > MAX_STOCK:
        raise ValidationFailed("stock_too_large", f"{qty_field}: on hand would exceed {MAX_STOCK}", field=qty_field)
    conn.execute(update(stock).where(stock.c.warehouse_id == r.warehouse_id, stock.c.product_id == r.product_id)
                 .values(on_hand=stock.c.on_hand + qty))
    conn.execute(insert(stock_moves).values(warehouse_id=r.warehouse_id, product_id=r.product_id, qty=qty,
                                            kind="receipt", ref=f"receipt:{receipt_id}", at=now, actor=actor.username))
    converted, lost, touched = 0, 0, set()
    left = qty
    for a in _promises_on(conn, receipt_id):
        take = min(left, a.qty)
        if take > 0:
            # These units are now on the shelf: the promise becomes a reservation of stock.
            conn.execute(update(stock).where(stock.c.warehouse_id == r.warehouse_id,
                                             stock.c.product_id == r.product_id)
                         .values(reserved=stock.c.reserved + take))
            if take == a.qty:
                conn.execute(update(allocations).where(allocations.c.id == a.id)
                             .values(receipt_id=None, available_date=today))
            else:
                conn.execute(update(allocations).where(allocations.c.id == a.id).values(qty=a.qty - take))
                conn.execute(insert(allocations).values(
                    order_line_id=a.order_line_id, order_id=a.order_id, warehouse_id=a.warehouse_id,
                    product_id=a.product_id, receipt_id=None, qty=take, available_date=today,
                    ship_date=a.ship_date, delivery_date=a.delivery_date, created_at=now))
            left -= take
            converted += take
            append_event(conn, a.order_id, "receipt_arrived", at=now, actor=actor.username,
                         payload={"receipt_id": receipt_id, "units": take})
        remaining = a.qty - take
        if close and remaining > 0:
            lost += remaining
            _drop_promise(conn, a, remaining, now, actor.username, receipt_id)
            touched.add(a.order_id)
    received = r.qty_received + qty
    conn.execute(update(receipts).where(receipts.c.id == receipt_id).values(
        qty_received=received, promised=r.promised - converted - lost,
        status="closed" if close or received == r.qty_ordered else "open"))
    for order_id in sorted(touched):
        old, new = refresh_promises(conn, order_id)
        note_promise_change(conn, order_id, old, new, at=now, actor=actor.username,
                            reason=f"receipt {receipt_id} closed short")
    recompute_statuses(conn, touched, at=now, actor=actor.username, reason=f"receipt {receipt_id} closed short")
    return {"receipt_id": receipt_id, "received": qty, "promises_kept": converted, "promises_lost": lost,
            "product_id": r.product_id}


def _drop_promise(conn: Connection, a, units: int, now, actor: str, receipt_id: int) -> None:
    """The allocation row a now holds exactly `units` on the receipt (any kept part was split off): drop it."""
    conn.execute(delete(allocations).where(allocations.c.id == a.id, allocations.c.receipt_id == receipt_id))
    conn.execute(update(order_lines).where(order_lines.c.id == a.order_line_id)
                 .values(qty_backordered=order_lines.c.qty_backordered + units))
    append_event(conn, a.order_id, "backordered", at=now, actor=actor,
                 reason=f"receipt {receipt_id} will not deliver", payload={"units": units, "line_id": a.order_line_id})


def reschedule_receipt(uow: UnitOfWork, clock: Clock, actor: Actor, receipt_id: int, expected_date: date,
                       reason: str) -> dict:
    """A supplier's new date moves every promise that rests on it; each change is on the order's timeline."""
    actor.require(Permission.MANAGE_RECEIPTS)

    def work(conn: Connection) -> dict:
        r = _receipt_for_update(conn, receipt_id)
        if r.status != "open":
            raise Conflict("receipt_closed", f"receipt {receipt_id} is closed", field="receipt_id")
        today, now = clock.today(), clock.now()
        if expected_date < today:
            raise ValidationFailed("expected_date_in_past", f"expected_date: {expected_date} is before today",
                                   field="expected_date")
        shift = receipt_available_date(expected_date, today) - receipt_available_date(r.expected_date, today)
        conn.execute(update(receipts).where(receipts.c.id == receipt_id).values(expected_date=expected_date))
        changed = []
        if shift:
            held = _promises_on(conn, receipt_id)
            for a in held:
                conn.execute(update(allocations).where(allocations.c.id == a.id).values(
                    available_date=a.available_date + shift, ship_date=a.ship_date + shift,
                    delivery_date=a.delivery_date + shift))
            for order_id in sorted({a.order_id for a in held}):
                old, new = refresh_promises(conn, order_id)
                note_promise_change(conn, order_id, old, new, at=now, actor=actor.username,
                                    reason=reason or f"receipt {receipt_id} rescheduled")
                if old != new:
                    changed.append(order_id)
        return {"receipt_id": receipt_id, "expected_date": expected_date.isoformat(), "orders_repromised": changed}

    return uow.run(work)
