"""Place, cancel and release orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection, bindparam, delete, func, select, type_coerce, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.credit import check_credit
from ..domain.errors import Conflict, NotFound
from ..domain.orders import OPEN_FOR_CREDIT, OrderStatus, allocation_status, cancellable, check_transition
from ..domain.sourcing import plan_order
from ..store import inventory
from ..store.billing_tables import order_invoicing
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row, move_order
from ..store.prepared import Prepared, insert_of
from ..store.tables import Money, allocations, customers, order_lines, orders, receivables
from .allocation import release_backorders, status_from_facts
from .delivery_window_check import window_event
from .intake import Intake, OrderRequest, take_in
from .measure_facts import record_placed_order, refresh_order_facts
from .release import withdraw_unpicked

S = OrderStatus


# Built once: they run on every order. Exposure = the receivables ledger + the part of open orders not yet
# invoiced (once invoiced, an order's goods are in the ledger and must not count twice).
_EXPOSURE = select(
    select(func.coalesce(func.sum(receivables.c.amount), 0))
    .where(receivables.c.customer_id == bindparam("cid")).scalar_subquery(),
    select(func.coalesce(func.sum(type_coerce(
        orders.c.total_amount - func.coalesce(order_invoicing.c.invoiced_amount, 0), Money)), 0))
    .select_from(orders.outerjoin(order_invoicing, order_invoicing.c.order_id == orders.c.id))
    .where(orders.c.customer_id == bindparam("cid"), orders.c.status.in_([str(s) for s in OPEN_FOR_CREDIT]))
    .scalar_subquery(),
)
_EXPOSURE_Q = Prepared(_EXPOSURE)  # (bench/credit_exposure.py times _EXPOSURE itself through SQLAlchemy)
_LOCK_CUSTOMER = Prepared(select(customers.c.id).where(customers.c.id == bindparam("cid")).with_for_update())
_ORDER_COLUMNS = ("customer_id", "ship_to_id", "channel", "status", "credit_hold", "ship_complete", "priority",
                  "requested_date", "promised_date", "customer_po", "currency", "total_amount", "quote_id",
                  "created_at", "created_by")
_INSERT_ORDER = insert_of(orders, _ORDER_COLUMNS, returning=orders.c.id)
_INSERT_LINES = insert_of(order_lines, ("order_id", "line_no", "product_id", "qty", "unit_price", "amount",
                                        "requested_date", "qty_backordered", "promised_ship_date", "promised_date",
                                        "merged_from"))
_UNITS_SHIPPED = Prepared(select(func.sum(order_lines.c.qty_shipped)).where(order_lines.c.order_id == bindparam("oid")))
_LINE_IDS = Prepared(select(order_lines.c.id).where(order_lines.c.order_id == bindparam("oid"))
                     .order_by(order_lines.c.line_no))


def credit_exposure(conn: Connection, customer_id: int) -> tuple[Decimal, Decimal]:
    """(open receivables, value of open orders not yet invoiced)."""
    ar, open_orders = _EXPOSURE_Q.first(conn, {"cid": customer_id})
    return Decimal(ar), Decimal(open_orders)


def _lock_customer(conn: Connection, customer_id: int) -> None:
    """Serialise credit checks of one customer (PostgreSQL; SQLite writers are serial already)."""
    if conn.dialect.name == "postgresql":
        _LOCK_CUSTOMER.rows(conn, {"cid": customer_id})


def create_order(conn: Connection, clock: Clock, settings: Settings, actor: Actor, intake: Intake, *,
                 channel: str, customer_po: str | None, quote_id: int | None = None,
                 merged_note: bool = True) -> int:
    """Write a validated order: plan sourcing under lock, reserve, record lines, allocations and events."""
    now, today = clock.now(), clock.today()
    customer = intake.customer
    _lock_customer(conn, customer.id)
    receivable, open_orders = credit_exposure(conn, customer.id)
    credit = check_credit(limit=customer.credit_limit, open_receivables=receivable, open_orders=open_orders,
                          this_order=intake.total, internal=customer.kind == "internal")
    horizon_end = today + timedelta(days=settings.promise_horizon_days)
    supply = inventory.load_supply(conn, [ln.product.id for ln in intake.lines], lock=True)
    plans = plan_order([ln.demand for ln in intake.lines], supply, intake.lanes, policy=intake.policy,
                       today=today, horizon_end=horizon_end)
    ordered = sum(p.demand.qty for p in plans)
    backordered = sum(p.backordered for p in plans)
    status = S.CREDIT_HOLD if credit.hold else allocation_status(ordered, ordered - backordered)
    check_transition("new", status)
    line_dates = [p.delivery_date for p in plans]
    promised = None if None in line_dates else max(line_dates)
    # The plan already holds every promised date: write them once, with the final status.
    order_id = _INSERT_ORDER.scalar(conn, dict(
        customer_id=customer.id, ship_to_id=intake.ship_to.id, channel=channel, status=status,
        credit_hold=credit.hold, ship_complete=customer.ship_complete, priority=intake.priority,
        requested_date=intake.requested_date, promised_date=promised, customer_po=customer_po,
        currency=settings.currency, total_amount=intake.total, quote_id=quote_id, created_at=now,
        created_by=actor.username))
    # One batch without RETURNING (SQLite would return row by row), then the ids in line order.
    _INSERT_LINES.execute_many(conn, [
        {"order_id": order_id, "line_no": i + 1, "product_id": ln.product.id, "qty": ln.merged.qty,
         "unit_price": ln.unit_price, "amount": ln.amount, "requested_date": ln.merged.requested_date,
         "qty_backordered": plan.backordered, "promised_ship_date": plan.ship_date,
         "promised_date": plan.delivery_date,
         "merged_from": list(ln.merged.positions) if len(ln.merged.positions) > 1 else None}
        for i, (ln, plan) in enumerate(zip(intake.lines, plans, strict=True))
    ])
    line_ids = [r.id for r in _LINE_IDS.rows(conn, {"oid": order_id})]
    inventory.take_supply(conn, [(ln.product.id, a) for ln, plan in zip(intake.lines, plans, strict=True)
                                 for a in plan.allocations])
    inventory.record_allocations(conn, order_id, [
        (line_id, ln.product.id, a) for ln, plan, line_id in zip(intake.lines, plans, line_ids, strict=True)
        for a in plan.allocations], now)
    events = [event_row(order_id, "placed", at=now, actor=actor.username, payload={
        "channel": channel, "total": str(intake.total), "lines": len(intake.lines),
        "merged_lines": [list(ln.merged.positions) for ln in intake.lines if len(ln.merged.positions) > 1]})]
    if backordered:
        events.append(event_row(order_id, "backordered", at=now, actor=actor.username, payload={
            "units": backordered,
            "skus": [ln.merged.sku for ln, p in zip(intake.lines, plans, strict=True) if p.backordered]}))
    if credit.hold:
        events.append(event_row(order_id, "status_changed", at=now, actor=actor.username, from_status="new",
                                to_status=status, reason="credit limit exceeded", payload={
                                    "exposure": str(credit.exposure), "limit": str(credit.limit),
                                    "excess": str(credit.excess)}))
    else:
        events.append(event_row(order_id, "status_changed", at=now, actor=actor.username, from_status="new",
                                to_status=status, reason="placed",
                                payload={"promised_date": promised.isoformat() if promised else None}))
    window = window_event(conn, order_id, customer.service_package, [  # the package's delivery window
        (i + 1, ln.merged.requested_date, p.delivery_date)
        for i, (ln, p) in enumerate(zip(intake.lines, plans, strict=True))], at=now, actor=actor.username)
    if window:
        events.append(window)
    append_events(conn, events)
    record_placed_order(conn, order_id=order_id, ordered_at=now, customer=customer, channel=channel,
                        credit_held=credit.hold, promised=promised, lines=[
                            (line_id, ln.product.id, ln.merged.qty, ln.merged.requested_date, plan)
                            for ln, plan, line_id in zip(intake.lines, plans, line_ids, strict=True)])
    return order_id


def write_order(conn: Connection, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest) -> int:
    """Validate and write one order inside the caller's transaction."""
    intake = take_in(conn, actor, req, clock.today())
    return create_order(conn, clock, settings, actor, intake, channel=str(req.channel), customer_po=req.customer_po)


def place_order(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest,
                *, idempotency_key: str | None = None, fingerprint: str | None = None) -> tuple[int, bool]:
    """Returns (order id, replayed): replayed is True when an earlier request with the same key placed it."""
    actor.require(Permission.PLACE_ORDER)
    if idempotency_key is None:
        return uow.run(lambda conn: write_order(conn, clock, settings, actor, req)), False
    from .idempotency import run_once
    return run_once(uow, clock, actor, idempotency_key, fingerprint or "", settings.idempotency_stale_seconds,
                    lambda conn: write_order(conn, clock, settings, actor, req))


_ORDER_BY_ID = select(orders).where(orders.c.id == bindparam("oid"))
_ORDER = {False: Prepared(_ORDER_BY_ID), True: Prepared(_ORDER_BY_ID.with_for_update())}
_CREDIT_APPROVED_BY = Prepared(update(orders).where(orders.c.id == bindparam("oid"))
                               .values(credit_approved_by=bindparam("by")))


def load_order_for(conn: Connection, actor: Actor, order_id: int, *, lock: bool = False):
    row = _ORDER[lock].first(conn, {"oid": order_id})
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound("order_not_found", f"order {order_id}: no such order", field="order_id")
    return row


def cancel_order(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, order_id: int,
                 reason: str) -> None:
    actor.require(Permission.CANCEL_ORDER)

    def work(conn: Connection) -> None:
        load_order_for(conn, actor, order_id)  # 404 before any lock
        product_ids = set(conn.execute(select(order_lines.c.product_id)
                                       .where(order_lines.c.order_id == order_id)).scalars())
        # Lock supply first (stock rows, then receipts), and only then read what the order holds: a
        # back-order release committed in between would otherwise leave units reserved for nobody.
        inventory.load_supply(conn, product_ids, lock=True)
        order = load_order_for(conn, actor, order_id)
        shipped = _UNITS_SHIPPED.scalar(conn, {"oid": order_id}) or 0
        if not cancellable(order.status, shipped):
            why = f"has {shipped} units shipped" if shipped else f"is {order.status}"
            raise Conflict("not_cancellable", f"order {order_id} {why} and can no longer be cancelled",
                           field="status", status=order.status, units_shipped=shipped)
        withdraw_unpicked(conn, order_id)
        held = conn.execute(select(allocations).where(allocations.c.order_id == order_id)).all()
        inventory.give_back(conn, held)
        conn.execute(delete(allocations).where(allocations.c.order_id == order_id))
        conn.execute(update(order_lines).where(order_lines.c.order_id == order_id).values(qty_backordered=0))
        now = clock.now()
        move_order(conn, order_id, order.status, S.CANCELLED, at=now, actor=actor.username, reason=reason,
                   payload={"released_units": sum(a.qty for a in held)})
        release_backorders(conn, product_ids, today=clock.today(), at=now, actor=actor.username,
                           horizon_end=clock.today() + timedelta(days=settings.promise_horizon_days),
                           reason=f"supply freed by cancelled order {order_id}")
        refresh_order_facts(conn, [order_id])

    uow.run(work)


def release_credit_hold(uow: UnitOfWork, clock: Clock, actor: Actor, order_id: int, reason: str) -> None:
    """Finance accepts the exposure: the order goes back to where its facts put it, and is not held again
    for the same exposure at shipping."""
    actor.require(Permission.RELEASE_CREDIT)

    def work(conn: Connection) -> None:
        order = load_order_for(conn, actor, order_id)
        if order.status != S.CREDIT_HOLD:
            raise Conflict("not_on_credit_hold", f"order {order_id} is {order.status}, not on credit hold",
                           field="status", status=order.status)
        move_order(conn, order_id, S.CREDIT_HOLD, status_from_facts(conn, order_id), at=clock.now(),
                   actor=actor.username, reason=reason or "credit released by finance")
        _CREDIT_APPROVED_BY.execute(conn, {"oid": order_id, "by": actor.username})

    uow.run(work)


def put_on_credit_hold(uow: UnitOfWork, clock: Clock, actor: Actor, order_id: int, reason: str) -> None:
    """Finance stops an open order (e.g. a payment bounced): it will not be released or shipped."""
    actor.require(Permission.RELEASE_CREDIT)

    def work(conn: Connection) -> None:
        order = load_order_for(conn, actor, order_id)
        move_order(conn, order_id, order.status, S.CREDIT_HOLD, at=clock.now(), actor=actor.username,
                   reason=reason or "held by finance")
        _CREDIT_APPROVED_BY.execute(conn, {"oid": order_id, "by": None})

    uow.run(work)
