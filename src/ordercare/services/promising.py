"""What the order desk shows before an order is placed: the promise and the alternatives of one line as it is
typed, and the plan of the whole order. Reads only: nothing is reserved (stock is promised to orders)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.credit import check_credit
from ..domain.promise_options import line_options
from ..domain.sourcing import plan_order
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.tables import warehouses
from .intake import Intake, OrderRequest, take_in
from .orders import credit_exposure


def _codes(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(warehouses.c.id, warehouses.c.code)).all())


def _intake(conn: Connection, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest):
    today = clock.today()
    intake = take_in(conn, actor, req, today)
    supply = inventory.load_supply(conn, [ln.product.id for ln in intake.lines], lock=False)
    return intake, supply, today, today + timedelta(days=settings.promise_horizon_days)


def line_promise(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest) -> dict[str, Any]:
    """The promise of a one-line request (its line's position names the form row) and its alternatives."""
    actor.require(Permission.READ_MASTER)
    with uow.read() as conn:
        intake, supply, today, horizon_end = _intake(conn, clock, settings, actor, req)
        [line] = intake.lines
        options = line_options(line.demand, supply, intake.lanes, policy=intake.policy, today=today,
                               horizon_end=horizon_end)
        codes = _codes(conn)
    return {"sku": line.merged.sku, "qty": line.merged.qty, "unit_price": line.unit_price, "amount": line.amount,
            "promised_date": options[0].delivery_date, "backordered": options[0].backordered,
            "options": [{"kind": o.kind, "split": o.split, "backordered": o.backordered,
                         "delivery_date": o.delivery_date,
                         "parts": [{"warehouse": codes[p.warehouse_id], "qty": p.qty, "from_receipt": p.from_receipt,
                                    "available_date": p.available_date, "delivery_date": p.delivery_date}
                                   for p in o.parts]} for o in options]}


def _credit_hold(conn: Connection, intake: Intake) -> bool:
    receivable, open_orders = credit_exposure(conn, intake.customer.id)
    return check_credit(limit=intake.customer.credit_limit, open_receivables=receivable, open_orders=open_orders,
                        this_order=intake.total, internal=intake.customer.kind == "internal").hold


def preview_order(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest) -> dict[str, Any]:
    """The whole order as placing it now would plan it: lines, prices, promised dates, back-orders, and (for
    staff) whether it would wait for a credit release."""
    actor.require(Permission.PLACE_ORDER)
    with uow.read() as conn:
        intake, supply, today, horizon_end = _intake(conn, clock, settings, actor, req)
        plans = plan_order([ln.demand for ln in intake.lines], supply, intake.lanes, policy=intake.policy,
                           today=today, horizon_end=horizon_end)
        codes = _codes(conn)
        hold = None if actor.is_customer else _credit_hold(conn, intake)
    dates = [p.delivery_date for p in plans]
    return {
        "customer": intake.customer.code, "customer_name": intake.customer.name, "ship_to": intake.ship_to.code,
        "ship_complete": intake.customer.ship_complete, "total": intake.total, "credit_hold": hold,
        "promised_date": None if None in dates else max(dates, default=None),
        "lines": [{"sku": ln.merged.sku, "name": ln.product.name, "qty": ln.merged.qty, "unit_price": ln.unit_price,
                   "amount": ln.amount, "merged_from": list(ln.merged.positions), "backordered": p.backordered,
                   "promised_date": p.delivery_date,
                   "parts": [{"warehouse": codes[a.warehouse_id], "qty": a.qty, "from_receipt": a.receipt_id is not None,
                              "delivery_date": a.delivery_date} for a in p.allocations]}
                  for ln, p in zip(intake.lines, plans, strict=True)],
    }
