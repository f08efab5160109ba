"""Ship confirmation, proof of delivery and installation (DOMAIN §3 steps 10-12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.credit import check_credit
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.fulfilment import check_delivery
from ..domain.orders import OrderStatus
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_event, move_order
from ..store.fulfilment_tables import carrier_services, carriers, installations, loads, shipment_lines, shipments
from ..store.tables import allocations, customers, order_lines, orders, products, stock, stock_moves
from .allocation import recompute_status, release_backorders
from .invoicing import invoice_shipment_in
from .measure_facts import refresh_order_facts
from .orders import credit_exposure
from .release import shipment_number
from .transport import rate_in

# Installation is booked this many days after delivery unless rescheduled.
INSTALLATION_LEAD_DAYS = 2


@dataclass(frozen=True)
class ShipQuantity:
    line_id: int
    qty: int


class _CreditHoldNeeded(Exception):
    def __init__(self, order_ids: list[int], facts: dict):
        self.order_ids, self.facts = order_ids, facts


def _shipment(conn: Connection, shipment_id: int):
    sh = conn.execute(select(shipments).where(shipments.c.id == shipment_id)).first()
    if sh is None:
        raise NotFound("shipment_not_found", f"shipment {shipment_id}: no such shipment", field="shipment_id")
    return sh


def _credit_blocks(conn: Connection, order_ids: list[int]) -> tuple[list[int], list[int], dict]:
    """Orders on hold, and orders whose customer is now over its limit without finance's approval."""
    held, over, facts = [], [], {}
    for o in conn.execute(select(orders.c.id, orders.c.status, orders.c.credit_approved_by, orders.c.customer_id,
                                 customers.c.credit_limit, customers.c.kind)
                          .join(customers, customers.c.id == orders.c.customer_id).where(orders.c.id.in_(order_ids))):
        if o.status == OrderStatus.CREDIT_HOLD:
            held.append(o.id)
            continue
        if o.credit_approved_by:
            continue
        receivable, open_orders = credit_exposure(conn, o.customer_id)
        decision = check_credit(limit=o.credit_limit, open_receivables=receivable, open_orders=open_orders,
                                this_order=0, internal=o.kind == "internal")
        if decision.hold:
            over.append(o.id)
            facts[str(o.id)] = {"exposure": str(decision.exposure), "limit": str(decision.limit)}
    return held, over, facts


def ship(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, shipment_id: int,
         quantities: list[ShipQuantity] | None = None) -> dict:
    """Ship a picked shipment: credit checked again, stock leaves the warehouse, orders move on.

    Units picked but not shipped (quantities below the picked ones) go back to
    free stock and their order lines back to back-order.
    """
    actor.require(Permission.FULFIL)
    try:
        return uow.run(lambda conn: _ship(conn, clock, settings, actor, shipment_id, quantities or []))
    except _CreditHoldNeeded as exc:
        stop = exc

        # The hold must stay even though the shipment does not go: its own transaction.
        def hold(conn: Connection) -> None:
            for order_id in stop.order_ids:
                status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
                move_order(conn, order_id, status, OrderStatus.CREDIT_HOLD, at=clock.now(), actor=actor.username,
                           reason="credit limit exceeded at shipping", payload=stop.facts.get(str(order_id)))
        uow.run(hold)
        raise Conflict("order_on_credit_hold", f"shipment {shipment_id}: orders {stop.order_ids} went on credit "
                       "hold (over the credit limit); finance must release them", field="shipment_id",
                       orders=stop.order_ids) from None


def _ship(conn: Connection, clock: Clock, settings: Settings, actor: Actor, shipment_id: int,
          quantities: list[ShipQuantity]) -> dict:
    sh = _shipment(conn, shipment_id)
    if sh.status in ("shipped", "delivered"):
        raise Conflict("already_shipped", f"shipment {shipment_id} was shipped already", field="shipment_id")
    if sh.status != "picked":
        raise Conflict("not_picked", f"shipment {shipment_id} is {sh.status}: pick it first", field="shipment_id",
                       status=sh.status)
    lines = {r.id: r for r in conn.execute(select(shipment_lines).where(shipment_lines.c.shipment_id == shipment_id))}
    wanted = {ln.id: ln.qty_picked for ln in lines.values()}
    for i, q in enumerate(quantities):
        if q.line_id not in lines:
            raise ValidationFailed("unknown_line", f"lines[{i}].line_id: not a line of this shipment",
                                   field=f"lines[{i}].line_id")
        if q.qty < 0 or q.qty > lines[q.line_id].qty_picked:
            raise ValidationFailed("ship_more_than_picked",
                                   f"lines[{i}].qty: {q.qty} is more than the {lines[q.line_id].qty_picked} picked"
                                   if q.qty >= 0 else f"lines[{i}].qty: must not be negative",
                                   field=f"lines[{i}].qty", picked=lines[q.line_id].qty_picked)
        wanted[q.line_id] = q.qty
    if not any(wanted.values()):
        raise ValidationFailed("nothing_to_ship", "lines: nothing picked to ship", field="lines")
    order_ids = sorted({ln.order_id for ln in lines.values()})
    held, over, facts = _credit_blocks(conn, order_ids)
    if held:
        raise Conflict("order_on_credit_hold", f"shipment {shipment_id}: orders {held} are on credit hold",
                       field="shipment_id", orders=held)
    if over:
        raise _CreditHoldNeeded(over, facts)
    if sh.carrier_service_id is None:
        rate_in(conn, shipment_id)
        sh = _shipment(conn, shipment_id)
    now, today = clock.now(), clock.today()
    inventory.load_supply(conn, {ln.product_id for ln in lines.values()}, lock=True)
    left_behind: set[int] = set()
    for line in lines.values():
        qty, picked = wanted[line.id], line.qty_picked
        if picked:
            # Picked units leave the reservation: shipped ones also leave the shelf.
            res = conn.execute(update(stock).where(stock.c.warehouse_id == sh.warehouse_id,
                                                   stock.c.product_id == line.product_id,
                                                   stock.c.on_hand >= qty, stock.c.reserved >= picked)
                               .values(on_hand=stock.c.on_hand - qty, reserved=stock.c.reserved - picked))
            if res.rowcount != 1:
                raise Conflict("stock_record_inconsistent", "the stock record holds less than was picked",
                               field="lines")
        if qty:
            conn.execute(insert(stock_moves).values(warehouse_id=sh.warehouse_id, product_id=line.product_id,
                                                    qty=-qty, kind="shipment", ref=f"shipment:{shipment_id}",
                                                    at=now, actor=actor.username))
        if line.allocation_id is not None:
            conn.execute(update(shipment_lines).where(shipment_lines.c.id == line.id).values(allocation_id=None))
            conn.execute(delete(allocations).where(allocations.c.id == line.allocation_id))
        conn.execute(update(shipment_lines).where(shipment_lines.c.id == line.id).values(qty_shipped=qty))
        conn.execute(update(order_lines).where(order_lines.c.id == line.order_line_id).values(
            qty_shipped=order_lines.c.qty_shipped + qty,
            qty_backordered=order_lines.c.qty_backordered + (picked - qty)))
        if picked - qty:
            left_behind.add(line.product_id)
    carrier = conn.execute(select(carriers.c.code, carrier_services.c.code.label("service"))
                           .join(carrier_services, carrier_services.c.carrier_id == carriers.c.id)
                           .where(carrier_services.c.id == sh.carrier_service_id)).one()
    tracking = f"{carrier.code}-{shipment_id:09d}"
    conn.execute(update(shipments).where(shipments.c.id == shipment_id).values(
        status="shipped", shipped_at=now, tracking_number=tracking))
    if sh.load_id is not None and conn.execute(select(func.count()).where(
            shipments.c.load_id == sh.load_id, shipments.c.status.not_in(["shipped", "delivered"]))).scalar_one() == 0:
        conn.execute(update(loads).where(loads.c.id == sh.load_id).values(status="shipped"))
    if left_behind:
        release_backorders(conn, left_behind, today=today, at=now, actor=actor.username,
                           horizon_end=today + timedelta(days=settings.promise_horizon_days),
                           reason="picked units left behind at shipping")
    for order_id in order_ids:
        append_event(conn, order_id, "shipped", at=now, actor=actor.username, payload={
            "shipment": shipment_number(shipment_id), "carrier": carrier.code, "service": carrier.service,
            "tracking_number": tracking, "estimated_delivery": sh.estimated_delivery.isoformat()
            if sh.estimated_delivery else None,
            "units": sum(wanted[ln.id] for ln in lines.values() if ln.order_id == order_id)})
        recompute_status(conn, order_id, at=now, actor=actor.username, reason="shipped")
    # Billing: customers invoiced per shipment get their invoice in this same transaction.
    invoice_id = invoice_shipment_in(conn, clock, actor, shipment_id)
    refresh_order_facts(conn, order_ids)
    return {"shipment_id": shipment_id, "tracking_number": tracking, "units": sum(wanted.values()),
            "invoice_id": invoice_id}


@dataclass(frozen=True)
class DeliveryException:
    line_id: int
    short: int = 0
    damaged: int = 0
    wrong_item: int = 0
    note: str | None = None


def deliver(uow: UnitOfWork, clock: Clock, actor: Actor, shipment_id: int, *, received_by: str,
            delivered_at: datetime | None = None, exceptions: list[DeliveryException] | None = None) -> dict:
    """Proof of delivery: who received it and when, with shortages, damage and wrong items per line."""
    actor.require(Permission.RECORD_DELIVERY)
    if not received_by.strip():
        raise ValidationFailed("receiver_required", "received_by: name the person who signed", field="received_by")

    def work(conn: Connection) -> dict:
        sh = _shipment(conn, shipment_id)
        if sh.status == "delivered":
            raise Conflict("already_delivered", f"shipment {shipment_id} was delivered already", field="shipment_id")
        if sh.status != "shipped":
            raise Conflict("not_shipped", f"shipment {shipment_id} is {sh.status}: it cannot be delivered before "
                           "it ships", field="shipment_id", status=sh.status)
        now = clock.now()
        at = delivered_at or now
        if at.tzinfo is None:
            raise ValidationFailed("naive_timestamp", "delivered_at: give a time zone", field="delivered_at")
        if at > now or at < sh.shipped_at:
            raise ValidationFailed("invalid_delivery_time", "delivered_at: must be between shipping and now",
                                   field="delivered_at")
        lines = {r.id: r for r in conn.execute(select(shipment_lines, products.c.needs_installation)
                                               .join(products, products.c.id == shipment_lines.c.product_id)
                                               .where(shipment_lines.c.shipment_id == shipment_id))}
        by_line = {}
        for i, e in enumerate(exceptions or []):
            if e.line_id not in lines or e.line_id in by_line:
                raise ValidationFailed("unknown_line", f"exceptions[{i}].line_id: not a line of this shipment "
                                       "(or given twice)", field=f"exceptions[{i}].line_id")
            check_delivery(field=f"exceptions[{i}]", shipped=lines[e.line_id].qty_shipped, short=e.short,
                           damaged=e.damaged, wrong_item=e.wrong_item)
            by_line[e.line_id] = e
        facts = []
        for line in lines.values():
            e = by_line.get(line.id, DeliveryException(line.id))
            received = line.qty_shipped - e.short - e.wrong_item
            conn.execute(update(shipment_lines).where(shipment_lines.c.id == line.id).values(
                qty_delivered=received, qty_short_delivered=e.short, qty_damaged=e.damaged,
                qty_wrong_item=e.wrong_item, delivery_note=e.note))
            conn.execute(update(order_lines).where(order_lines.c.id == line.order_line_id)
                         .values(qty_delivered=order_lines.c.qty_delivered + received))
            if e.short or e.damaged or e.wrong_item:
                facts.append({"order_id": line.order_id, "line_id": line.order_line_id, "short": e.short,
                              "damaged": e.damaged, "wrong_item": e.wrong_item, "note": e.note})
            installable = received - e.damaged
            if line.needs_installation and installable > 0:
                conn.execute(insert(installations).values(
                    order_id=line.order_id, order_line_id=line.order_line_id, shipment_id=shipment_id,
                    product_id=line.product_id, qty=installable, status="scheduled",
                    scheduled_for=at.date() + timedelta(days=INSTALLATION_LEAD_DAYS)))
        conn.execute(update(shipments).where(shipments.c.id == shipment_id).values(
            status="delivered", delivered_at=at, received_by=received_by.strip()))
        for order_id in sorted({ln.order_id for ln in lines.values()}):
            append_event(conn, order_id, "delivered", at=now, actor=actor.username, payload={
                "shipment": shipment_number(shipment_id), "delivered_at": at.isoformat(),
                "received_by": received_by.strip(), "on_time": sh.due_date is None or at.date() <= sh.due_date,
                "exceptions": [f for f in facts if f["order_id"] == order_id]})
            recompute_status(conn, order_id, at=now, actor=actor.username, reason="delivered")
        refresh_order_facts(conn, {ln.order_id for ln in lines.values()})
        return {"shipment_id": shipment_id, "delivered_at": at, "exceptions": facts}

    return uow.run(work)


def _installation(conn: Connection, installation_id: int):
    row = conn.execute(select(installations).where(installations.c.id == installation_id)).first()
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
        conn.execute(update(installations).where(installations.c.id == installation_id).values(
            status="completed", completed_at=now, technician=technician.strip(), notes=notes))
        append_event(conn, task.order_id, "installed", at=now, actor=actor.username, payload={
            "installation_id": installation_id, "technician": technician.strip(), "qty": task.qty})

    uow.run(work)
