"""Release allocated stock to the warehouse and consolidate it into shipments (DOMAIN §3 step 4).

A shipment gathers the released units of one warehouse for one customer,
ship-to and ship date, across orders. An order that must ship complete is
released only when every unit of it is in stock (nothing back-ordered, nothing
waiting on a receipt); each warehouse's part then goes at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, bindparam, delete, func, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.atp import distance_km
from ..domain.errors import ValidationFailed
from ..domain.orders import OrderStatus
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row
from ..store.fulfilment_tables import pick_lists, shipment_lines, shipments
from ..store.prepared import Prepared, in_ids, insert_of
from ..store.tables import allocations, order_lines, orders, products, ship_tos, warehouses
from .allocation import recompute_statuses

S = OrderStatus
RELEASABLE = [str(s) for s in (S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.RELEASED, S.PICKING, S.PACKED,
                               S.PARTIALLY_SHIPPED)]


def shipment_number(shipment_id: int) -> str:
    return f"SH-{shipment_id:07d}"


def warehouse_row(conn: Connection, code: str, field: str = "warehouse"):
    w = conn.execute(select(warehouses).where(warehouses.c.code == code)).first()
    if w is None:
        raise ValidationFailed("unknown_warehouse", f"{field}: no warehouse with code '{code}'", field=field,
                               warehouse=code)
    return w


def _complete_in_stock(conn: Connection, order_ids: set[int]) -> set[int]:
    """Orders with nothing back-ordered and nothing waiting on a receipt."""
    ids = sorted(order_ids)
    waiting = {r[0] for stmt in (_BACKORDERED, _ON_RECEIPTS) for r in stmt.rows_in(conn, ids)}
    return order_ids - waiting


_BACKORDERED = Prepared(select(order_lines.c.order_id).where(in_ids(order_lines.c.order_id),
                                                             order_lines.c.qty_backordered > 0), expanding="ids")
_ON_RECEIPTS = Prepared(select(allocations.c.order_id).where(in_ids(allocations.c.order_id),
                                                             allocations.c.receipt_id.is_not(None)), expanding="ids")


def refresh_shipment_measures(conn: Connection, shipment_ids: Iterable[int], *, picked: bool = False) -> None:
    """Weight, volume and due date from the shipments' lines (picked quantities once picking is done): one read
    and one batched update for any number of shipments."""
    ids = sorted(set(shipment_ids))
    if not ids:
        return
    sums: dict[int, list] = {sid: [Decimal("0"), Decimal("0"), None] for sid in ids}
    lines = _CARRIED[picked].rows_in(conn, ids)
    for sid, q, kg, m3, promised in lines:
        s = sums[sid]
        s[0] += Decimal(kg) * q
        s[1] += Decimal(m3) * q
        if promised is not None and (s[2] is None or promised < s[2]):
            s[2] = promised
    _SET_MEASURES.execute_many(conn, [{"sid": sid, "kg": kg.quantize(Decimal("0.001")),
                                       "m3": m3.quantize(Decimal("0.0001")), "due": due}
                                      for sid, (kg, m3, due) in sums.items()])


def _carried(picked: bool) -> Prepared:
    """Each line's units (picked ones once picking is done), its product's weight and volume, its promise."""
    qty = func.coalesce(shipment_lines.c.qty_picked, shipment_lines.c.qty) if picked else shipment_lines.c.qty
    return Prepared(select(shipment_lines.c.shipment_id, qty, products.c.weight_kg, products.c.volume_m3,
                           order_lines.c.promised_date)
                    .join(products, products.c.id == shipment_lines.c.product_id)
                    .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
                    .where(in_ids(shipment_lines.c.shipment_id)), expanding="ids")


# Every release and pick confirmation weighs its shipments: compiled once, on the driver.
_CARRIED = {picked: _carried(picked) for picked in (False, True)}
_SET_MEASURES = Prepared(update(shipments).where(shipments.c.id == bindparam("sid"))
                         .values(weight_kg=bindparam("kg"), volume_m3=bindparam("m3"), due_date=bindparam("due")))


def release_to_warehouse(uow: UnitOfWork, clock: Clock, actor: Actor, warehouse: str,
                         through: date | None = None) -> list[int]:
    """Release every stock allocation of this warehouse due to ship by `through` (default today).

    Returns the ids of the shipments created or extended.
    """
    actor.require(Permission.FULFIL)

    def work(conn: Connection) -> list[int]:
        wh = warehouse_row(conn, warehouse)
        today, now = clock.today(), clock.now()
        until = through or today
        due = _DUE.rows(conn, {"wh": wh.id, "until": until})
        complete = _complete_in_stock(conn, {a.order_id for a in due if a.ship_complete})
        groups: dict[tuple, list] = defaultdict(list)
        for a in due:
            if a.ship_complete and a.order_id not in complete:
                continue
            groups[(a.customer_id, a.ship_to_id, max(a.ship_date, today))].append(a)
        # Conditional: an allocation is released once, even if two releases race.
        chosen = sorted(a.id for allocs in groups.values() for a in allocs)
        released = {r[0] for r in _RELEASE.rows_in(conn, chosen)}
        groups = {key: kept for key, allocs in groups.items() if (kept := [a for a in allocs if a.id in released])}
        opened = _open_shipments(conn, wh, list(groups), now)
        touched, rows, events, order_ids = [], [], [], set()
        for key, allocs in groups.items():
            shipment_id = opened[key]
            touched.append(shipment_id)
            units: dict[int, int] = {}
            for a in allocs:
                rows.append((shipment_id, a.order_id, a.order_line_id, a.id, a.product_id, a.qty, 0, 0, 0, 0, 0))
                units[a.order_id] = units.get(a.order_id, 0) + a.qty
            number = shipment_number(shipment_id)
            for order_id in sorted(units):
                events.append(event_row(order_id, "released", at=now, actor=actor.username, payload={
                    "shipment": number, "warehouse": wh.code, "units": units[order_id]}))
            order_ids.update(units)
        _NEW_LINES.execute_many(conn, rows)
        refresh_shipment_measures(conn, touched)
        append_events(conn, events)
        recompute_statuses(conn, order_ids, at=now, actor=actor.username, reason="released to the warehouse")
        return touched

    return uow.run(work)


def _open_shipments(conn: Connection, wh, keys: list[tuple[int, int, date]], now) -> dict[tuple, int]:
    """For each (customer, ship-to, ship date): the not-yet-picked shipment of this warehouse, or a new one
    (created in the order of `keys`). Two reads and one insert per new shipment, whatever the number of keys."""
    if not keys:
        return {}
    customer_ids = sorted({k[0] for k in keys})
    found: dict[tuple, int] = {}
    for sid, customer_id, ship_to_id, ship_date in sorted(_RELEASED.rows_in(conn, customer_ids, {"wh": wh.id})):
        found.setdefault((customer_id, ship_to_id, ship_date), sid)
    new = [k for k in keys if k not in found]
    if new:
        site_ids = sorted({k[1] for k in new})
        sites = {r.id: (r.lat, r.lon) for r in _SITES.rows_in(conn, site_ids)}
        for customer_id, ship_to_id, ship_date in new:
            found[(customer_id, ship_to_id, ship_date)] = _NEW_SHIPMENT.scalar(conn, {
                "warehouse_id": wh.id, "customer_id": customer_id, "ship_to_id": ship_to_id,
                "planned_ship_date": ship_date, "created_at": now, "status": "released", "weight_kg": 0,
                "volume_m3": 0, "distance_km": round(distance_km(wh.lat, wh.lon, *sites[ship_to_id]), 1)})
    return {k: found[k] for k in keys}


# The warehouse's shipments still open to new lines and the ship-tos' places: compiled once, on the driver.
_RELEASED = Prepared(select(shipments.c.id, shipments.c.customer_id, shipments.c.ship_to_id,
                            shipments.c.planned_ship_date)
                     .where(shipments.c.warehouse_id == bindparam("wh"), in_ids(shipments.c.customer_id),
                            shipments.c.status == "released").order_by(shipments.c.id), expanding="ids")
_SITES = Prepared(select(ship_tos.c.id, ship_tos.c.lat, ship_tos.c.lon).where(in_ids(ship_tos.c.id)),
                  expanding="ids")
# One insert per new shipment (its id is needed for its lines): compiled once, on the driver.
_NEW_SHIPMENT = insert_of(shipments, ("warehouse_id", "customer_id", "ship_to_id", "planned_ship_date", "created_at",
                                      "status", "weight_kg", "volume_m3", "distance_km"), returning=shipments.c.id)
_NEW_LINES = insert_of(shipment_lines, ("shipment_id", "order_id", "order_line_id", "allocation_id", "product_id", "qty",
                                        "qty_shipped", "qty_delivered", "qty_short_delivered", "qty_damaged",
                                        "qty_wrong_item"), positional=True)
# The allocations due out of a warehouse, in the order they are served, and the conditional release (an
# allocation is released once, even if two releases race): every afternoon of every warehouse.
_DUE = Prepared(
    select(allocations.c.id, allocations.c.order_id, allocations.c.order_line_id, allocations.c.product_id,
           allocations.c.qty, allocations.c.ship_date, orders.c.customer_id, orders.c.ship_to_id,
           orders.c.ship_complete)
    .join(orders, orders.c.id == allocations.c.order_id)
    .where(allocations.c.warehouse_id == bindparam("wh"), allocations.c.receipt_id.is_(None),
           allocations.c.released.is_(False), allocations.c.ship_date <= bindparam("until"),
           orders.c.status.in_(RELEASABLE))
    .order_by(orders.c.priority, orders.c.created_at, allocations.c.id))
_RELEASE = Prepared(update(allocations).where(in_ids(allocations.c.id), allocations.c.released.is_(False))
                    .values(released=True).returning(allocations.c.id), expanding="ids")


def withdraw_unpicked(conn: Connection, order_id: int) -> None:
    """Take a cancelled order's lines off every shipment that has not left (released, being picked, picked):
    picked units go back on the shelf (the cancellation gives their reservation back); drop emptied shipments."""
    rows = conn.execute(select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipments.c.status,
                               shipments.c.pick_list_id)
                        .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                        .where(shipment_lines.c.order_id == order_id,
                               shipments.c.status.in_(["released", "picking", "picked", "empty"]))).all()
    for shipment_id in sorted({r.shipment_id for r in rows}):
        conn.execute(delete(shipment_lines).where(shipment_lines.c.id.in_(
            [r.id for r in rows if r.shipment_id == shipment_id])))
        left = conn.execute(select(func.count()).where(shipment_lines.c.shipment_id == shipment_id)).scalar_one()
        if left:
            status = next(r.status for r in rows if r.shipment_id == shipment_id)
            refresh_shipment_measures(conn, [shipment_id], picked=status != "released")
        else:
            conn.execute(delete(shipments).where(shipments.c.id == shipment_id))
    # A wave whose last shipment being picked went away is done.
    close_pick_lists_when_done(conn, {r.pick_list_id for r in rows if r.pick_list_id is not None})


def close_pick_lists_when_done(conn: Connection, pick_list_ids: set[int]) -> None:
    """A wave is done when none of its shipments is still being picked."""
    if not pick_list_ids:
        return
    still = select(shipments.c.id).where(shipments.c.pick_list_id == pick_lists.c.id,
                                         shipments.c.status == "picking").exists()
    conn.execute(update(pick_lists).where(pick_lists.c.id.in_(sorted(pick_list_ids)), ~still)
                 .values(status="done"))
