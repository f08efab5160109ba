"""Pick lists (waves) and pick confirmation, with short picks (DOMAIN §3 step 9).

A short pick means the stock was not where the system thought: the record is
corrected (on hand and reserved fall by the missing units), the missing units
go back to back-order and are promised again from other supply, and the
failure is charged to the department that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.fulfilment import check_pick
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.fulfilment_tables import pick_lists, shipment_lines, shipments
from ..store.tables import allocations, order_lines, stock, stock_moves
from .allocation import note_promise_change, recompute_status, refresh_promises, release_backorders
from .measure_facts import refresh_order_facts
from .release import refresh_shipment_measures, shipment_number, warehouse_row


def create_pick_list(uow: UnitOfWork, clock: Clock, actor: Actor, warehouse: str) -> int:
    """A wave of every released shipment of the warehouse not yet on a pick list."""
    actor.require(Permission.FULFIL)

    def work(conn: Connection) -> int:
        wh = warehouse_row(conn, warehouse)
        waiting = conn.execute(select(shipments.c.id).where(
            shipments.c.warehouse_id == wh.id, shipments.c.status == "released")).scalars().all()
        if not waiting:
            raise Conflict("nothing_to_pick", f"warehouse {warehouse}: no released shipment waits for picking",
                           field="warehouse")
        now = clock.now()
        pick_id = conn.execute(insert(pick_lists).values(warehouse_id=wh.id, status="open", created_at=now,
                                                         created_by=actor.username)
                               .returning(pick_lists.c.id)).scalar_one()
        conn.execute(update(shipments).where(shipments.c.id.in_(waiting), shipments.c.status == "released")
                     .values(status="picking", pick_list_id=pick_id))
        for order_id in sorted(set(conn.execute(select(shipment_lines.c.order_id)
                                                .where(shipment_lines.c.shipment_id.in_(waiting))).scalars())):
            recompute_status(conn, order_id, at=now, actor=actor.username, reason=f"on pick list {pick_id}")
        return pick_id

    return uow.run(work)


@dataclass(frozen=True)
class PickConfirmation:
    line_id: int
    qty_picked: int
    reason: str | None = None
    department: str | None = None


def confirm_picks(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, shipment_id: int,
                  picks: list[PickConfirmation]) -> dict:
    """Confirm picked quantities of a shipment's lines; when every line is confirmed the shipment is picked."""
    actor.require(Permission.FULFIL)
    if not picks:
        raise ValidationFailed("no_lines", "lines: confirm at least one line", field="lines")

    def work(conn: Connection) -> dict:
        sh = conn.execute(select(shipments).where(shipments.c.id == shipment_id)).first()
        if sh is None:
            raise NotFound("shipment_not_found", f"shipment {shipment_id}: no such shipment", field="shipment_id")
        if sh.status != "picking":
            raise Conflict("not_picking", f"shipment {shipment_id} is {sh.status}, not on a pick list",
                           field="shipment_id", status=sh.status)
        lines = {r.id: r for r in conn.execute(select(shipment_lines)
                                               .where(shipment_lines.c.shipment_id == shipment_id))}
        seen: set[int] = set()
        for i, p in enumerate(picks):
            line = lines.get(p.line_id)
            if line is None or p.line_id in seen:
                raise ValidationFailed("unknown_line", f"lines[{i}].line_id: not a line of this shipment"
                                       if line is None else f"lines[{i}].line_id: given twice",
                                       field=f"lines[{i}].line_id")
            if line.qty_picked is not None:
                raise Conflict("already_picked", f"lines[{i}]: line {p.line_id} was confirmed already",
                               field=f"lines[{i}].line_id")
            check_pick(field=f"lines[{i}]", released=line.qty, picked=p.qty_picked, reason=p.reason,
                       department=p.department)
            seen.add(p.line_id)
        now, today = clock.now(), clock.today()
        inventory.load_supply(conn, {lines[p.line_id].product_id for p in picks}, lock=True)
        shorts = []
        for p in picks:
            line = lines[p.line_id]
            conn.execute(update(shipment_lines).where(shipment_lines.c.id == line.id).values(
                qty_picked=p.qty_picked, short_reason=p.reason if p.qty_picked < line.qty else None,
                short_department=p.department if p.qty_picked < line.qty else None))
            if p.qty_picked < line.qty:
                shorts.append(_short_pick(conn, sh, line, line.qty - p.qty_picked, p, now, actor.username))
        orders_touched = {lines[p.line_id].order_id for p in picks}
        if shorts:
            release_backorders(conn, {s["product_id"] for s in shorts}, today=today, at=now, actor=actor.username,
                               horizon_end=today + timedelta(days=settings.promise_horizon_days),
                               reason="re-promised after a short pick")
        open_left = conn.execute(select(shipment_lines.c.id).where(
            shipment_lines.c.shipment_id == shipment_id, shipment_lines.c.qty_picked.is_(None))).first()
        if open_left is None:
            conn.execute(update(shipments).where(shipments.c.id == shipment_id).values(status="picked"))
            refresh_shipment_measures(conn, shipment_id, picked=True)
            _close_pick_list_when_done(conn, sh.pick_list_id)
        for order_id in sorted(orders_touched):
            old, new = refresh_promises(conn, order_id)
            note_promise_change(conn, order_id, old, new, at=now, actor=actor.username, reason="short pick")
            recompute_status(conn, order_id, at=now, actor=actor.username, reason="picked")
        if shorts:
            refresh_order_facts(conn, orders_touched)
        return {"shipment_id": shipment_id, "status": "picking" if open_left else "picked", "short_picks": shorts}

    return uow.run(work)


def _close_pick_list_when_done(conn: Connection, pick_list_id: int) -> None:
    """A wave is done when none of its shipments is still being picked."""
    still_picking = conn.execute(select(shipments.c.id).where(shipments.c.pick_list_id == pick_list_id,
                                                              shipments.c.status == "picking")).first()
    if still_picking is None:
        conn.execute(update(pick_lists).where(pick_lists.c.id == pick_list_id).values(status="done"))


def _short_pick(conn: Connection, sh, line, short: int, p: PickConfirmation, now, actor: str) -> dict:
    """Correct the stock record, give the missing units back to back-order, record whose failure it was."""
    res = conn.execute(update(stock).where(stock.c.warehouse_id == sh.warehouse_id,
                                           stock.c.product_id == line.product_id,
                                           stock.c.on_hand >= short, stock.c.reserved >= short)
                       .values(on_hand=stock.c.on_hand - short, reserved=stock.c.reserved - short))
    if res.rowcount != 1:
        raise Conflict("stock_record_inconsistent", "the stock record holds less than this line reserved",
                       field="lines")
    conn.execute(insert(stock_moves).values(warehouse_id=sh.warehouse_id, product_id=line.product_id, qty=-short,
                                            kind="short_pick", ref=f"shipment:{sh.id}", reason=p.reason, at=now,
                                            actor=actor))
    alloc = conn.execute(select(allocations.c.qty).where(allocations.c.id == line.allocation_id)).scalar()
    if alloc is not None and alloc > short:
        conn.execute(update(allocations).where(allocations.c.id == line.allocation_id).values(qty=alloc - short))
    elif alloc is not None:
        conn.execute(update(shipment_lines).where(shipment_lines.c.id == line.id).values(allocation_id=None))
        conn.execute(delete(allocations).where(allocations.c.id == line.allocation_id))
    conn.execute(update(order_lines).where(order_lines.c.id == line.order_line_id)
                 .values(qty_backordered=order_lines.c.qty_backordered + short))
    fact = {"shipment": shipment_number(sh.id), "line_id": line.order_line_id, "product_id": line.product_id,
            "short": short, "reason": p.reason, "department": p.department}
    append_event(conn, line.order_id, "short_pick", at=now, actor=actor, reason=p.reason, payload=fact)
    return fact
