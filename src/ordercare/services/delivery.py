"""Proof of delivery and installation (DOMAIN §3 steps 11-12).

Proof of delivery records who received a shipment and when, with the units short, damaged or the wrong item per
line. `deliver` takes one shipment; `deliver_shipments` a carrier's whole round in one transaction, with the same
checks and the same records (set-based: a few statements whatever the number of shipments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.fulfilment import check_delivery
from ..store.db import UnitOfWork
from ..store.events import append_event, append_events, event_row
from ..store.fulfilment_tables import installations, shipment_lines, shipments
from ..store.prepared import Prepared, in_ids, insert_of
from ..store.tables import order_lines, products
from .allocation import recompute_statuses
from .measure_facts import refresh_order_facts
from .release import shipment_number

# Installation is booked this many days after delivery unless rescheduled.
INSTALLATION_LEAD_DAYS = 2


@dataclass(frozen=True)
class DeliveryException:
    line_id: int
    short: int = 0
    damaged: int = 0
    wrong_item: int = 0
    note: str | None = None


@dataclass(frozen=True)
class ProofOfDelivery:
    shipment_id: int
    received_by: str
    delivered_at: datetime | None = None  # default: now
    exceptions: list[DeliveryException] = field(default_factory=list)


def deliver(uow: UnitOfWork, clock: Clock, actor: Actor, shipment_id: int, *, received_by: str,
            delivered_at: datetime | None = None, exceptions: list[DeliveryException] | None = None) -> dict:
    """Proof of delivery: who received it and when, with shortages, damage and wrong items per line."""
    actor.require(Permission.RECORD_DELIVERY)
    proof = ProofOfDelivery(shipment_id, received_by, delivered_at, exceptions or [])
    _check_receiver(proof, "received_by")
    return uow.run(lambda conn: _deliver_in(conn, clock, actor, [proof], prefix=""))[0]


def deliver_shipments(uow: UnitOfWork, clock: Clock, actor: Actor, proofs: list[ProofOfDelivery]) -> list[dict]:
    """Proofs of delivery of many shipments (a carrier's round) in one transaction: all recorded, or none
    (a bad one is named by its position, `deliveries[i]…`, and nothing is written)."""
    actor.require(Permission.RECORD_DELIVERY)
    if len({p.shipment_id for p in proofs}) != len(proofs):
        raise ValidationFailed("duplicate_shipment", "deliveries: a shipment is given twice", field="deliveries")
    for i, p in enumerate(proofs):
        _check_receiver(p, f"deliveries[{i}].received_by")
    return uow.run(lambda conn: _deliver_in(conn, clock, actor, proofs, prefix="deliveries")) if proofs else []


def _check_receiver(proof: ProofOfDelivery, field_name: str) -> None:
    if not proof.received_by.strip():
        raise ValidationFailed("receiver_required", f"{field_name}: name the person who signed", field=field_name)


def _deliver_in(conn: Connection, clock: Clock, actor: Actor, proofs: list[ProofOfDelivery], *, prefix: str) -> list:
    now = clock.now()
    ids = sorted({p.shipment_id for p in proofs})
    heads = {r.id: r for r in _HEADS.rows_in(conn, ids)}
    lines: dict[int, dict[int, object]] = defaultdict(dict)
    for r in _LINES.rows_in(conn, ids):
        lines[r.shipment_id][r.id] = r
    line_rows, order_rows, tasks, head_rows, events, results, order_ids = [], [], [], [], [], [], set()
    for n, p in enumerate(proofs):
        where = f"{prefix}[{n}]." if prefix else ""
        sh = heads.get(p.shipment_id)
        if sh is None:
            raise NotFound("shipment_not_found", f"{where}shipment {p.shipment_id}: no such shipment",
                           field=f"{where}shipment_id")
        if sh.status != "shipped":
            code, msg = ("already_delivered", "was delivered already") if sh.status == "delivered" else (
                "not_shipped", f"is {sh.status}: it cannot be delivered before it ships")
            raise Conflict(code, f"{where}shipment {p.shipment_id} {msg}", field=f"{where}shipment_id",
                           status=sh.status)
        at = p.delivered_at or now
        if at.tzinfo is None:
            raise ValidationFailed("naive_timestamp", f"{where}delivered_at: give a time zone",
                                   field=f"{where}delivered_at")
        if at > now or at < sh.shipped_at:
            raise ValidationFailed("invalid_delivery_time", f"{where}delivered_at: must be between shipping and now",
                                   field=f"{where}delivered_at")
        mine = lines[sh.id]
        by_line = {}
        for i, e in enumerate(p.exceptions):
            if e.line_id not in mine or e.line_id in by_line:
                raise ValidationFailed("unknown_line", f"{where}exceptions[{i}].line_id: not a line of this shipment "
                                       "(or given twice)", field=f"{where}exceptions[{i}].line_id")
            check_delivery(field=f"{where}exceptions[{i}]", shipped=mine[e.line_id].qty_shipped,
                           short=e.short, damaged=e.damaged, wrong_item=e.wrong_item)
            by_line[e.line_id] = e
        facts, by_order = [], defaultdict(list)  # in line order, and per order
        installed_on = None
        for line in mine.values():
            e = by_line.get(line.id)
            if e is None:  # delivered as shipped
                received = line.qty_shipped
                line_rows.append((received, 0, 0, 0, None, line.id))
                order_rows.append((received, line.order_line_id))
                damaged = 0
            else:
                received = line.qty_shipped - e.short - e.wrong_item
                line_rows.append((received, e.short, e.damaged, e.wrong_item, e.note, line.id))
                order_rows.append((received, line.order_line_id))
                if e.short or e.damaged or e.wrong_item:
                    fact = {"order_id": line.order_id, "line_id": line.order_line_id, "short": e.short,
                            "damaged": e.damaged, "wrong_item": e.wrong_item, "note": e.note}
                    facts.append(fact)
                    by_order[line.order_id].append(fact)
                damaged = e.damaged
            if line.needs_installation and received - damaged > 0:
                installed_on = installed_on or at.date() + timedelta(days=INSTALLATION_LEAD_DAYS)
                tasks.append({"order_id": line.order_id, "order_line_id": line.order_line_id, "shipment_id": sh.id,
                              "product_id": line.product_id, "qty": received - damaged, "status": "scheduled",
                              "scheduled_for": installed_on})
        received_by = p.received_by.strip()
        head_rows.append((at, received_by, sh.id))
        number, delivered_at = shipment_number(sh.id), at.isoformat()
        on_time = sh.due_date is None or at.date() <= sh.due_date
        for order_id in sorted({ln.order_id for ln in mine.values()}):
            events.append(event_row(order_id, "delivered", at=now, actor=actor.username, payload={
                "shipment": number, "delivered_at": delivered_at, "received_by": received_by, "on_time": on_time,
                "exceptions": by_order.get(order_id, [])}))
            order_ids.add(order_id)
        results.append({"shipment_id": sh.id, "delivered_at": at, "exceptions": facts})
    _LINE_DELIVERED.execute_many(conn, line_rows)
    _ORDER_LINE_DELIVERED.execute_many(conn, order_rows)
    _NEW_INSTALLATION.execute_many(conn, tasks)
    _SHIPMENT_DELIVERED.execute_many(conn, head_rows)
    append_events(conn, events)
    recompute_statuses(conn, order_ids, at=now, actor=actor.username, reason="delivered")
    refresh_order_facts(conn, order_ids)
    return results


# A carrier's round delivers hundreds of shipments and thousands of lines: its statements compiled once, on the
# driver (store/prepared.py), parameters given in position order.
_HEADS = Prepared(select(shipments.c.id, shipments.c.status, shipments.c.shipped_at, shipments.c.due_date)
                  .where(in_ids(shipments.c.id)), expanding="ids")
_LINES = Prepared(select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                         shipment_lines.c.order_line_id, shipment_lines.c.product_id, shipment_lines.c.qty_shipped,
                         products.c.needs_installation)
                  .join(products, products.c.id == shipment_lines.c.product_id)
                  .where(in_ids(shipment_lines.c.shipment_id)).order_by(shipment_lines.c.id), expanding="ids")
_LINE_DELIVERED = Prepared(update(shipment_lines).where(shipment_lines.c.id == bindparam("lid")).values(
    qty_delivered=bindparam("received"), qty_short_delivered=bindparam("short"), qty_damaged=bindparam("damaged"),
    qty_wrong_item=bindparam("wrong"), delivery_note=bindparam("note")),
    order=("received", "short", "damaged", "wrong", "note", "lid"))
_ORDER_LINE_DELIVERED = Prepared(update(order_lines).where(order_lines.c.id == bindparam("olid"))
                                 .values(qty_delivered=order_lines.c.qty_delivered + bindparam("received")),
                                 order=("received", "olid"))
_SHIPMENT_DELIVERED = Prepared(update(shipments).where(shipments.c.id == bindparam("sid"))
                               .values(status="delivered", delivered_at=bindparam("at"), received_by=bindparam("by")),
                               order=("at", "by", "sid"))
_NEW_INSTALLATION = insert_of(installations, ("order_id", "order_line_id", "shipment_id", "product_id", "qty", "status",
                                              "scheduled_for"))
# The installers' morning completes its tasks one by one: compiled once.
_TASK = Prepared(select(installations).where(installations.c.id == bindparam("id")))
_COMPLETED = Prepared(update(installations).where(installations.c.id == bindparam("id")).values(
    status="completed", completed_at=bindparam("at"), technician=bindparam("by"), notes=bindparam("notes")))


def _installation(conn: Connection, installation_id: int):
    row = _TASK.first(conn, {"id": installation_id})
    if row is None:
        raise NotFound("installation_not_found", f"installation {installation_id}: no such task",
                       field="installation_id")
    return row


def schedule_installation(uow: UnitOfWork, clock: Clock, actor: Actor, installation_id: int, on: date) -> None:
    actor.require(Permission.RECORD_DELIVERY)

    def work(conn: Connection) -> None:
        task = _installation(conn, installation_id)
        if task.status != "scheduled":
            raise Conflict("installation_completed", f"installation {installation_id} is done", field="status")
        if on < clock.today():
            raise ValidationFailed("date_in_past", f"scheduled_for: {on} is before today", field="scheduled_for")
        conn.execute(update(installations).where(installations.c.id == installation_id).values(scheduled_for=on))
        append_event(conn, task.order_id, "installation_scheduled", at=clock.now(), actor=actor.username,
                     payload={"installation_id": installation_id, "on": on.isoformat()})

    uow.run(work)


def complete_installation(uow: UnitOfWork, clock: Clock, actor: Actor, installation_id: int, *, technician: str,
                          notes: str | None = None) -> None:
    actor.require(Permission.RECORD_DELIVERY)
    if not technician.strip():
        raise ValidationFailed("technician_required", "technician: name who installed it", field="technician")

    def work(conn: Connection) -> None:
        task = _installation(conn, installation_id)
        if task.status != "scheduled":
            raise Conflict("installation_completed", f"installation {installation_id} is done", field="status")
        now = clock.now()
        _COMPLETED.execute(conn, {"id": installation_id, "at": now, "by": technician.strip(), "notes": notes})
        append_event(conn, task.order_id, "installed", at=now, actor=actor.username, payload={
            "installation_id": installation_id, "technician": technician.strip(), "qty": task.qty})

    uow.run(work)
