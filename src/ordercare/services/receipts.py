"""Purchase orders as scheduled receipts: create, receive, reschedule. Receipts feed ATP and back-orders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, bindparam, delete, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.atp import receipt_available_date
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.orders import MAX_STOCK
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row
from ..store.prepared import Prepared, in_ids, insert_of, padded_ids
from ..store.tables import allocations, order_lines, orders, products, purchase_orders, receipts, stock, stock_moves, \
    warehouses
from .allocation import note_promise_change, recompute_statuses, refresh_promises, release_backorders


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    qty: int
    expected_date: date


# A purchase order's statements, compiled once (store/prepared.py).
_WAREHOUSE = Prepared(select(warehouses).where(warehouses.c.code == bindparam("code")))
_PO_NUMBER = Prepared(select(purchase_orders.c.id).where(purchase_orders.c.number == bindparam("number")))
_PRODUCT_IDS = Prepared(select(products.c.sku, products.c.id)
                        .where(products.c.sku.in_(bindparam("skus", expanding=True))), expanding="skus")
_INSERT_PO = insert_of(purchase_orders, ("number", "supplier", "warehouse_id", "created_at"),
                       returning=purchase_orders.c.id)
_INSERT_RECEIPTS = insert_of(receipts, ("purchase_order_id", "warehouse_id", "product_id", "qty_ordered",
                                        "qty_received", "promised", "expected_date", "status"))


def _warehouse(conn: Connection, code: str, field: str = "warehouse"):
    w = _WAREHOUSE.first(conn, {"code": code})
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
        if _PO_NUMBER.first(conn, {"number": number}):
            raise Conflict("duplicate_purchase_order", f"number: purchase order '{number}' exists already",
                           field="number")
        by_sku = {r.sku: r.id for r in _PRODUCT_IDS.rows(conn, {"skus": [ln.sku for ln in lines]})}
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
        po_id = _INSERT_PO.scalar(conn, dict(number=number, supplier=supplier, warehouse_id=wh.id, created_at=now))
        product_ids = {by_sku[ln.sku] for ln in lines}
        inventory.load_supply(conn, product_ids, lock=True)
        inventory.ensure_stock_rows(conn, [(wh.id, pid) for pid in sorted(product_ids)])
        _INSERT_RECEIPTS.execute_many(conn, [
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


# Goods in, compiled once (store/prepared.py): a truck's lines are read together and written in batches.
_PRODUCTS_OF = Prepared(select(receipts.c.product_id).where(in_ids(receipts.c.id)), expanding="ids")
_RECEIPTS = Prepared(select(receipts).where(receipts.c.id.in_(bindparam("ids", expanding=True))), expanding="ids")
_PROMISES = Prepared(  # in the order they are served: priority, then first come
    select(allocations).join(orders, orders.c.id == allocations.c.order_id)
    .where(allocations.c.receipt_id.in_(bindparam("ids", expanding=True)))
    .order_by(orders.c.priority, orders.c.created_at, allocations.c.id), expanding="ids")
_ON_HAND = Prepared(select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand)
                    .where(stock.c.product_id.in_(bindparam("ids", expanding=True))), expanding="ids")
_STOCK_IN = Prepared(update(stock)
                     .where(stock.c.warehouse_id == bindparam("wh"), stock.c.product_id == bindparam("pid"))
                     .values(on_hand=stock.c.on_hand + bindparam("qty"), reserved=stock.c.reserved + bindparam("kept")),
                     order=("qty", "kept", "wh", "pid"))
_MOVE_IN = insert_of(stock_moves, ("warehouse_id", "product_id", "qty", "kind", "ref", "at", "actor"), positional=True)
_ON_SHELF = Prepared(update(allocations).where(allocations.c.id == bindparam("aid"))
                     .values(receipt_id=None, available_date=bindparam("today")))
_STILL_DUE = Prepared(update(allocations).where(allocations.c.id == bindparam("aid")).values(qty=bindparam("qty")))
_SPLIT_OFF = insert_of(allocations, ("order_line_id", "order_id", "warehouse_id", "product_id", "receipt_id", "qty",
                                     "available_date", "ship_date", "delivery_date", "created_at"))
_DROP = Prepared(delete(allocations).where(allocations.c.id == bindparam("aid"),
                                           allocations.c.receipt_id == bindparam("rid")))
_BACK_TO_ORDER = Prepared(update(order_lines).where(order_lines.c.id == bindparam("lid"))
                          .values(qty_backordered=order_lines.c.qty_backordered + bindparam("units")))
_RECEIPT_DONE = Prepared(update(receipts).where(receipts.c.id == bindparam("rid")).values(
    qty_received=bindparam("received"), promised=bindparam("promised"), status=bindparam("status")),
    order=("received", "promised", "status", "rid"))


def _promises_on(conn: Connection, receipt_id: int):
    """Allocations against a receipt, in the order they should be served: priority, then first come."""
    return _PROMISES.rows(conn, {"ids": [receipt_id]})


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
        _receipt_for_update(conn, receipt_id)  # 404 first, then the lock
        out = _goods_in(conn, clock, actor, [GoodsIn(receipt_id, qty, close)], ["qty"], [""])[0]
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
        inventory.lock_supply(conn, {r.product_id for r in _PRODUCTS_OF.rows(conn, padded_ids(
            [ln.receipt_id for ln in lines]))})
        done = _goods_in(conn, clock, actor, lines, [f"lines[{i}].qty" for i in range(len(lines))],
                         [f"lines[{i}]" for i in range(len(lines))])
        released = release_backorders(conn, {d.pop("product_id") for d in done}, today=clock.today(),
                                      at=clock.now(), actor=actor.username, horizon_end=_horizon(clock, settings),
                                      reason="purchase delivery arrived")
        return {"lines": done, "backorders_released": released}

    return uow.run(work)


def _goods_in(conn: Connection, clock: Clock, actor: Actor, lines: list[GoodsIn], qty_fields: list[str],
              prefixes: list[str]) -> list[dict]:
    """The lines' goods in, one after another, without serving back-orders (the caller does, once); the caller
    holds the supply locks of their products. A line changes only its own receipt and the promises on it, so
    the receipts, their promises and the stock on hand are read once for all lines."""
    ids = [ln.receipt_id for ln in lines]
    found = {r.id: r for r in _RECEIPTS.rows(conn, padded_ids(ids))}
    held = defaultdict(list)
    for a in _PROMISES.rows(conn, padded_ids(ids)):
        held[a.receipt_id].append(a)
    keys = list(dict.fromkeys((r.warehouse_id, r.product_id) for r in (found.get(i) for i in ids) if r))
    inventory.ensure_stock_rows(conn, keys)
    on_hand = {(r.warehouse_id, r.product_id): r.on_hand
               for r in _ON_HAND.rows(conn, padded_ids(sorted({pid for _, pid in keys})))} if keys else {}
    out, landed = [], _Landed()
    for ln, qty_field, prefix in zip(lines, qty_fields, prefixes, strict=True):
        r = found.get(ln.receipt_id)
        if r is None:
            raise NotFound("receipt_not_found", f"receipt {ln.receipt_id}: no such receipt", field="receipt_id")
        out.append(_receive_in(conn, clock, actor, r, ln.qty, ln.close, qty_field, prefix, on_hand,
                               held[ln.receipt_id], landed))
    # Stock, moves and receipts are written for all lines at once: a line's promises and statuses (written line
    # by line) read none of them, and the caller serves back-orders only after this.
    _STOCK_IN.execute_many(conn, landed.stock)
    _MOVE_IN.execute_many(conn, landed.moves)
    _RECEIPT_DONE.execute_many(conn, landed.receipts)
    return out


class _Landed:
    """The truck's rows for stock, stock moves and receipts, in line order, written once all lines are done."""

    __slots__ = ("stock", "moves", "receipts")

    def __init__(self) -> None:
        self.stock: list[tuple] = []
        self.moves: list[tuple] = []
        self.receipts: list[tuple] = []


def _receive_in(conn: Connection, clock: Clock, actor: Actor, r, qty: int, close: bool, qty_field: str,
                prefix: str, on_hand: dict[tuple[int, int], int], promises: list, landed: _Landed) -> dict:
    """One receipt line's goods in: r is its receipt, promises the allocations on it in the order they are
    served, on_hand the stock on hand so far (kept up to date here); its stock, move and receipt rows go to
    `landed`."""
    receipt_id = r.id
    where = f"{prefix}: " if prefix else ""
    if r.status != "open":
        raise Conflict("receipt_closed", f"{where}receipt {receipt_id} is closed", field=prefix or "receipt_id")
    outstanding = r.qty_ordered - r.qty_received
    if qty > outstanding:
        raise ValidationFailed("over_receipt", f"{qty_field}: {qty} is more than the {outstanding} still expected",
                               field=qty_field, outstanding=outstanding)
    now, today = clock.now(), clock.today()
    key = (r.warehouse_id, r.product_id)
    if on_hand[key] + qty > MAX_STOCK:
        raise ValidationFailed("stock_too_large", f"{qty_field}: on hand would exceed {MAX_STOCK}", field=qty_field)
    on_hand[key] += qty
    converted, lost, touched = 0, 0, set()
    left = qty
    on_shelf, still_due, split_off, dropped, events = [], [], [], [], []
    for a in promises:
        take = min(left, a.qty)
        if take > 0:
            # These units are now on the shelf: the promise becomes a reservation of stock.
            if take == a.qty:
                on_shelf.append({"aid": a.id, "today": today})
            else:
                still_due.append({"aid": a.id, "qty": a.qty - take})
                split_off.append({
                    "order_line_id": a.order_line_id, "order_id": a.order_id, "warehouse_id": a.warehouse_id,
                    "product_id": a.product_id, "receipt_id": None, "qty": take, "available_date": today,
                    "ship_date": a.ship_date, "delivery_date": a.delivery_date, "created_at": now})
            left -= take
            converted += take
            events.append(event_row(a.order_id, "receipt_arrived", at=now, actor=actor.username,
                                    payload={"receipt_id": receipt_id, "units": take}))
        remaining = a.qty - take
        if close and remaining > 0:
            # The allocation now holds exactly `remaining` on the receipt (any kept part was split off): dropped.
            lost += remaining
            dropped.append({"aid": a.id, "rid": receipt_id, "lid": a.order_line_id, "units": remaining})
            events.append(event_row(a.order_id, "backordered", at=now, actor=actor.username,
                                    reason=f"receipt {receipt_id} will not deliver",
                                    payload={"units": remaining, "line_id": a.order_line_id}))
            touched.add(a.order_id)
    landed.stock.append((qty, converted, r.warehouse_id, r.product_id))
    landed.moves.append((r.warehouse_id, r.product_id, qty, "receipt", f"receipt:{receipt_id}", now, actor.username))
    _ON_SHELF.execute_many(conn, on_shelf)
    _STILL_DUE.execute_many(conn, still_due)
    _SPLIT_OFF.execute_many(conn, split_off)
    _DROP.execute_many(conn, dropped)
    _BACK_TO_ORDER.execute_many(conn, dropped)
    append_events(conn, events)
    received = r.qty_received + qty
    landed.receipts.append((received, r.promised - converted - lost,
                            "closed" if close or received == r.qty_ordered else "open", receipt_id))
    for order_id in sorted(touched):
        old, new = refresh_promises(conn, order_id)
        note_promise_change(conn, order_id, old, new, at=now, actor=actor.username,
                            reason=f"receipt {receipt_id} closed short")
    recompute_statuses(conn, touched, at=now, actor=actor.username, reason=f"receipt {receipt_id} closed short")
    return {"receipt_id": receipt_id, "received": qty, "promises_kept": converted, "promises_lost": lost,
            "product_id": r.product_id}


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
