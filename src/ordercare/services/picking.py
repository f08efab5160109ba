"""Pick lists (waves) and pick confirmation, with short picks (DOMAIN §3 step 9).

A short pick means the stock was not where the system thought: the record is
corrected (on hand and reserved fall by the missing units), the missing units
go back to back-order and are promised again from other supply, and the
failure is charged to the department that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.fulfilment import check_pick
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row
from ..store.fulfilment_tables import pick_lists, shipment_lines, shipments
from ..store.prepared import Prepared, in_ids, insert_of, padded_ids
from ..store.tables import allocations, order_lines, stock, stock_moves
from .allocation import note_promise_change, recompute_statuses, refresh_promises, release_backorders
from .measure_facts import refresh_order_facts
from .release import close_pick_lists_when_done, refresh_shipment_measures, shipment_number, warehouse_row


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
        recompute_statuses(conn, conn.execute(select(shipment_lines.c.order_id)
                                              .where(shipment_lines.c.shipment_id.in_(waiting))).scalars(),
                           at=now, actor=actor.username, reason=f"on pick list {pick_id}")
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
        chosen = _checked(picks, lines)
        out = _confirm_in(conn, clock, settings, actor, {sh.id: sh}, lines, chosen)
        return {"shipment_id": shipment_id, "status": out["statuses"].get(shipment_id, "picking"),
                "short_picks": out["short_picks"]}

    return uow.run(work)


def confirm_pick_list(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, pick_list_id: int,
                      shorts: list[PickConfirmation] | None = None) -> dict:
    """Confirm a whole wave in one go: the lines given as counted (short picks), every other line still open
    picked in full. The same rules as confirm_picks, for every shipment on the list, in one transaction."""
    actor.require(Permission.FULFIL)

    def work(conn: Connection) -> dict:
        pl = conn.execute(select(pick_lists).where(pick_lists.c.id == pick_list_id)).first()
        if pl is None:
            raise NotFound("pick_list_not_found", f"pick list {pick_list_id}: no such pick list", field="pick_list_id")
        waves = {r.id: r for r in conn.execute(select(shipments).where(shipments.c.pick_list_id == pick_list_id,
                                                                       shipments.c.status == "picking"))}
        if pl.status != "open" or not waves:
            raise Conflict("pick_list_done", f"pick list {pick_list_id} has nothing left to confirm",
                           field="pick_list_id")
        lines = {r.id: r for r in conn.execute(select(shipment_lines).where(
            shipment_lines.c.shipment_id.in_(sorted(waves)), shipment_lines.c.qty_picked.is_(None)))}
        chosen = _checked(shorts or [], lines)
        chosen.update({i: PickConfirmation(i, ln.qty) for i, ln in lines.items() if i not in chosen})
        out = _confirm_in(conn, clock, settings, actor, waves, lines, chosen)
        return {"pick_list_id": pick_list_id, "lines": len(chosen), "shipments": out["statuses"],
                "short_picks": out["short_picks"]}

    return uow.run(work)


def _checked(picks: list[PickConfirmation], lines: dict) -> dict[int, PickConfirmation]:
    seen: dict[int, PickConfirmation] = {}
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
        seen[p.line_id] = p
    return seen


# An empty shipment carries nothing: no weight (refresh_shipment_measures), no carrier, no freight, no CO2.
_NOTHING_TO_CARRY = {"carrier_service_id": None, "freight_cost": None, "transit_days": None, "co2_kg": None,
                     "estimated_delivery": None, "rate_alternatives": None}


def _confirm_in(conn: Connection, clock: Clock, settings: Settings, actor: Actor, ships: dict, lines: dict,
                picks: dict[int, PickConfirmation]) -> dict:
    """Record checked picks of lines of these shipments: full picks in one statement, each short pick corrected
    and re-promised; shipments with every line confirmed become picked (or empty: nothing was found at all)."""
    now, today = clock.now(), clock.today()
    inventory.lock_supply(conn, {lines[i].product_id for i in picks})
    full = sorted(i for i, p in picks.items() if p.qty_picked == lines[i].qty)
    if full:
        conn.execute(update(shipment_lines).where(shipment_lines.c.id.in_(full))
                     .values(qty_picked=shipment_lines.c.qty))
    shorts = _short_picks(conn, ships, [(lines[i], picks[i]) for i in sorted(set(picks) - set(full))], now,
                          actor.username)
    if shorts:
        release_backorders(conn, {s["product_id"] for s in shorts}, today=today, at=now, actor=actor.username,
                           horizon_end=today + timedelta(days=settings.promise_horizon_days),
                           reason="re-promised after a short pick")
    touched = sorted({lines[i].shipment_id for i in picks})
    units: dict[int, int] = {}
    for sid, qty_picked in conn.execute(select(shipment_lines.c.shipment_id, shipment_lines.c.qty_picked)
                                        .where(shipment_lines.c.shipment_id.in_(touched))):
        units[sid] = -1 if qty_picked is None or units.get(sid) == -1 else units.get(sid, 0) + qty_picked
    statuses = {sid: "picked" if n > 0 else "empty" for sid, n in units.items() if n >= 0}
    for status, values in (("picked", {}), ("empty", _NOTHING_TO_CARRY)):
        done = [sid for sid, st in statuses.items() if st == status]
        if done:
            conn.execute(update(shipments).where(shipments.c.id.in_(done)).values(status=status, **values))
    refresh_shipment_measures(conn, list(statuses), picked=True)
    close_pick_lists_when_done(conn, {ships[sid].pick_list_id for sid in statuses})
    short_orders = {lines[i].order_id for i in picks if i not in full}
    for order_id in sorted(short_orders):
        old, new = refresh_promises(conn, order_id)
        note_promise_change(conn, order_id, old, new, at=now, actor=actor.username, reason="short pick")
    recompute_statuses(conn, {lines[i].order_id for i in picks}, at=now, actor=actor.username, reason="picked")
    if short_orders:
        refresh_order_facts(conn, short_orders)
    return {"statuses": statuses, "short_picks": shorts}


def _short_picks(conn: Connection, ships: dict, shorts: list[tuple], now, actor: str) -> list[dict]:
    """Correct the stock records, give the missing units back to back-order, record whose failure each was:
    (shipment line, its PickConfirmation) each, one batch per statement for all of them (a wave has dozens)."""
    if not shorts:
        return []
    _SHORT_LINES.execute_many(conn, [{"lid": line.id, "picked": p.qty_picked, "reason": p.reason,
                                      "department": p.department} for line, p in shorts])
    missing = [(ships[line.shipment_id], line, line.qty - p.qty_picked, p) for line, p in shorts]
    if _STOCK_SHORT.execute_many(conn, [{"wh": sh.warehouse_id, "pid": line.product_id, "short": short}
                                        for sh, line, short, _ in missing]) != len(missing):
        raise Conflict("stock_record_inconsistent", "the stock record holds less than this line reserved",
                       field="lines")
    _SHORT_MOVES.execute_many(conn, [{"warehouse_id": sh.warehouse_id, "product_id": line.product_id, "qty": -short,
                                      "kind": "short_pick", "ref": f"shipment:{sh.id}", "reason": p.reason, "at": now,
                                      "actor": actor} for sh, line, short, p in missing])
    held = [line.allocation_id for _, line, _, _ in missing if line.allocation_id is not None]
    allocated = dict(_ALLOCATED.rows(conn, padded_ids(held))) if held else {}
    smaller, gone = [], []
    for _, line, short, _ in missing:
        alloc = allocated.get(line.allocation_id)
        if alloc is not None and alloc > short:
            smaller.append({"aid": line.allocation_id, "qty": alloc - short})
        elif alloc is not None:
            gone.append(line)
    _ALLOCATION_QTY.execute_many(conn, smaller)
    if gone:
        _LINE_UNALLOCATED.execute_many(conn, [{"lid": line.id} for line in gone])
        conn.execute(delete(allocations).where(allocations.c.id.in_(sorted(line.allocation_id for line in gone))))
    _BACK_TO_BACKORDER.execute_many(conn, [{"olid": line.order_line_id, "short": short} for _, line, short, _ in missing])
    facts = [{"shipment": shipment_number(sh.id), "line_id": line.order_line_id, "product_id": line.product_id,
              "short": short, "reason": p.reason, "department": p.department} for sh, line, short, p in missing]
    append_events(conn, [event_row(line.order_id, "short_pick", at=now, actor=actor, reason=p.reason, payload=fact)
                         for (_, line, _, p), fact in zip(missing, facts, strict=True)])
    return facts


_SHORT_LINES = Prepared(update(shipment_lines).where(shipment_lines.c.id == bindparam("lid")).values(
    qty_picked=bindparam("picked"), short_reason=bindparam("reason"), short_department=bindparam("department")))
_STOCK_SHORT = Prepared(update(stock).where(stock.c.warehouse_id == bindparam("wh"),
                                            stock.c.product_id == bindparam("pid"),
                                            stock.c.on_hand >= bindparam("short"), stock.c.reserved >= bindparam("short"))
                        .values(on_hand=stock.c.on_hand - bindparam("short"),
                                reserved=stock.c.reserved - bindparam("short")))
_SHORT_MOVES = insert_of(stock_moves, ("warehouse_id", "product_id", "qty", "kind", "ref", "reason", "at", "actor"))
_ALLOCATED = Prepared(select(allocations.c.id, allocations.c.qty).where(in_ids(allocations.c.id)), expanding="ids")
_ALLOCATION_QTY = Prepared(update(allocations).where(allocations.c.id == bindparam("aid"))
                           .values(qty=bindparam("qty")))
_LINE_UNALLOCATED = Prepared(update(shipment_lines).where(shipment_lines.c.id == bindparam("lid"))
                             .values(allocation_id=None))
_BACK_TO_BACKORDER = Prepared(update(order_lines).where(order_lines.c.id == bindparam("olid"))
                              .values(qty_backordered=order_lines.c.qty_backordered + bindparam("short")))
