"""Inquiry and quote: price, ATP date and delivery date per line; a quote converts into an order.

A quote reserves nothing (stock is promised to orders, not to offers), so a
conversion plans again and the order may get other dates than the quote.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound
from ..domain.orders import Channel, RequestedLine
from ..domain.sourcing import plan_order
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.tables import products, quote_lines, quotes, ship_tos, warehouses
from .intake import OrderRequest, take_in
from .orders import create_order
from .quote_offers import OfferChoice, keep_offers_in, line_terms, resolve_choices, write_offers_in


def create_quote(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, req: OrderRequest) -> int:
    actor.require(Permission.QUOTE)

    def work(conn: Connection) -> int:
        today, now = clock.today(), clock.now()
        intake = take_in(conn, actor, req, today)
        supply = inventory.load_supply(conn, [ln.product.id for ln in intake.lines], lock=False)
        plans = plan_order([ln.demand for ln in intake.lines], supply, intake.lanes, policy=intake.policy,
                           today=today, horizon_end=today + timedelta(days=settings.promise_horizon_days))
        codes = dict(conn.execute(select(warehouses.c.id, warehouses.c.code)).all())
        quote_id = conn.execute(insert(quotes).values(
            customer_id=intake.customer.id, ship_to_id=intake.ship_to.id, channel=str(req.channel), status="open",
            valid_until=today + timedelta(days=settings.quote_validity_days), requested_date=req.requested_date,
            currency=settings.currency, total_amount=intake.total, created_at=now, created_by=actor.username,
        ).returning(quotes.c.id)).scalar_one()
        conn.execute(insert(quote_lines), [
            {"quote_id": quote_id, "line_no": i + 1, "product_id": ln.product.id, "qty": ln.merged.qty,
             "unit_price": ln.unit_price, "amount": ln.amount, "requested_date": ln.merged.requested_date,
             "atp_date": max((a.available_date for a in p.allocations), default=None) if not p.backordered else None,
             "ship_date": p.ship_date, "delivery_date": p.delivery_date,
             "sources": [{"warehouse": codes[a.warehouse_id], "qty": a.qty, "receipt_id": a.receipt_id,
                          "available_date": a.available_date.isoformat()} for a in p.allocations]
                        + ([{"backordered": p.backordered}] if p.backordered else [])}
            for i, (ln, p) in enumerate(zip(intake.lines, plans, strict=True))])
        line_ids = conn.execute(select(quote_lines.c.id).where(quote_lines.c.quote_id == quote_id)
                                .order_by(quote_lines.c.line_no)).scalars().all()
        write_offers_in(conn, today, intake, plans, line_ids)
        return quote_id

    return uow.run(work)


def _load_quote(conn: Connection, actor: Actor, quote_id: int):
    q = conn.execute(select(quotes).where(quotes.c.id == quote_id)).first()
    if q is None or (actor.is_customer and q.customer_id != actor.customer_id):
        raise NotFound("quote_not_found", f"quote {quote_id}: no such quote", field="quote_id")
    return q


def get_quote(uow: UnitOfWork, clock: Clock, actor: Actor, quote_id: int) -> dict:
    actor.require(Permission.QUOTE)
    with uow.read() as conn:
        q = _load_quote(conn, actor, quote_id)
        lines = conn.execute(select(quote_lines, products.c.sku).join(products)
                             .where(quote_lines.c.quote_id == quote_id).order_by(quote_lines.c.line_no)).all()
        ship_to = conn.execute(select(ship_tos.c.code).where(ship_tos.c.id == q.ship_to_id)).scalar_one()
        from ..store.tables import customers
        customer = conn.execute(select(customers.c.code).where(customers.c.id == q.customer_id)).scalar_one()
        terms = line_terms(conn, [ln.id for ln in lines])
    status = q.status
    if status == "open" and clock.today() > q.valid_until:
        status = "expired"
    return {
        "id": q.id, "number": f"QT-{q.id:07d}", "customer": customer, "ship_to": ship_to, "channel": q.channel,
        "status": status, "valid_until": q.valid_until, "requested_date": q.requested_date, "currency": q.currency,
        "total_amount": q.total_amount, "order_id": q.order_id, "created_at": q.created_at,
        "lines": [{"line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty, "unit_price": ln.unit_price,
                   "amount": ln.amount, "requested_date": ln.requested_date, "atp_date": ln.atp_date,
                   "ship_date": ln.ship_date, "delivery_date": ln.delivery_date, "sources": ln.sources,
                   **terms[ln.id]}
                  for ln in lines],
    }


def convert_quote(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, quote_id: int, *,
                  customer_po: str | None = None, offers: list[OfferChoice] | None = None) -> int:
    """The order keeps the quoted prices; dates are planned again on today's supply.

    A line converted with one of its offers takes the offer's price and asks for the offer's date; if today's
    supply can no longer keep that date the conversion fails (409) and nothing is written.
    """
    actor.require(Permission.PLACE_ORDER)
    view = get_quote(uow, clock, actor, quote_id)
    if view["status"] == "expired":
        raise Conflict("quote_expired", f"quote {quote_id} expired on {view['valid_until']}", field="quote_id",
                       valid_until=view["valid_until"].isoformat())
    if view["status"] != "open":
        raise Conflict("quote_not_open", f"quote {quote_id} is {view['status']}", field="quote_id",
                       order_id=view["order_id"])
    chosen = resolve_choices(view["lines"], offers or [])
    req = OrderRequest(customer=view["customer"], ship_to=view["ship_to"], channel=Channel(view["channel"]),
                       customer_po=customer_po, requested_date=view["requested_date"],
                       lines=[RequestedLine(ln["sku"], ln["qty"], chosen[ln["line_no"]]["delivery_date"]
                                            if ln["line_no"] in chosen else ln["requested_date"], i)
                              for i, ln in enumerate(view["lines"])])
    quoted = {ln["sku"]: chosen.get(ln["line_no"], ln) for ln in view["lines"]}

    def work(conn: Connection) -> int:
        res = conn.execute(update(quotes).where(quotes.c.id == quote_id, quotes.c.status == "open")
                           .values(status="converted"))
        if res.rowcount != 1:
            raise Conflict("quote_not_open", f"quote {quote_id} was converted meanwhile", field="quote_id")
        intake = take_in(conn, actor, req, clock.today())
        for ln in intake.lines:
            q = quoted[ln.merged.sku]
            ln.unit_price, ln.amount = q["unit_price"], q["amount"]
        order_id = create_order(conn, clock, settings, actor, intake, channel=str(req.channel),
                                customer_po=customer_po, quote_id=quote_id)
        conn.execute(update(quotes).where(quotes.c.id == quote_id).values(order_id=order_id))
        keep_offers_in(conn, order_id, chosen, {ln["line_no"]: ln["sku"] for ln in view["lines"]},
                       at=clock.now(), actor=actor.username)
        return order_id

    return uow.run(work)


def list_quotes(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str | None = None, limit: int = 50,
                offset: int = 0) -> dict:
    """Newest first; a customer user sees its own account's quotes only. Expiry is by date, as in get_quote."""
    from sqlalchemy import func

    from ..store.tables import customers
    actor.require(Permission.QUOTE)
    q = select(quotes.c.id, quotes.c.status, quotes.c.valid_until, quotes.c.total_amount, quotes.c.order_id,
               quotes.c.created_at, customers.c.code.label("customer")).join(customers)
    if actor.is_customer:
        q = q.where(quotes.c.customer_id == actor.customer_id)
    if customer:
        q = q.where(customers.c.code == customer)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(quotes.c.id.desc()).limit(limit).offset(offset)).all()
    today = clock.today()
    return {"total": total, "items": [
        {"id": r.id, "number": f"QT-{r.id:07d}", "customer": r.customer, "valid_until": r.valid_until,
         "status": "expired" if r.status == "open" and today > r.valid_until else r.status,
         "total_amount": r.total_amount, "order_id": r.order_id, "created_at": r.created_at} for r in rows]}
