"""Issuing invoices: on shipment (inside the ship transaction), or consolidated per period by the invoice run.

What is billed is what shipped: each shipped shipment line at its order line's price, the shipment's freight
where the customer's billing charges it, tax at the customer's/product's rate. A shipment line is billed once:
it is "uninvoiced" while no invoice that is not cancelled carries it. The line's `invoiced` marker says so, kept
in the transaction that issues (or cancels) the invoice, so looking for what is still to bill reads the small set
of uninvoiced lines (a partial index), never the invoiced history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, exists, false, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.invoicing import Invoicing, closed_through, invoice_number, period_of, totals
from ..domain.orders import order_number
from ..store.billing_tables import invoice_lines, invoices, order_invoicing
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.service_tables import no_charge_orders
from ..store.tables import customers, order_lines, orders, products, ship_tos
from . import edi_invoice, ledger
from .billing_setup import BillingAccount, billing_account, tax_rates_for, terms_for
from .release import shipment_number

SHIPPED = ("shipped", "delivered")
_billed = and_(invoice_lines.c.invoice_id == invoices.c.id, invoices.c.status != "cancelled")
# The shipped lines not yet invoiced, read from the partial index ix_shipment_lines_uninvoiced (the condition as
# the index states it, so both databases use it). Asked as an IN on a key, both start from those few lines
# rather than from every shipped shipment (which SQLite, without statistics, otherwise does).
_to_bill = shipment_lines.alias("to_bill")
_TO_BILL = (_to_bill.c.invoiced == false(), _to_bill.c.qty_shipped > literal_column("0"))


def uninvoiced_goods(conn: Connection, customer_id: int, *, shipment_id: int | None = None,
                     shipped_before: date | None = None, line_ids: list[int] | None = None) -> list:
    """Shipped shipment lines of a customer no live invoice carries yet (of one shipment, shipped before a
    day, or among given lines), in shipment, order and line order."""
    q = (select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                shipment_lines.c.order_line_id, shipment_lines.c.product_id, shipment_lines.c.qty_shipped,
                order_lines.c.unit_price, products.c.sku, products.c.name, shipments.c.shipped_at)
         .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
         .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
         .join(products, products.c.id == shipment_lines.c.product_id)
         .where(shipments.c.customer_id == customer_id, shipments.c.status.in_(SHIPPED),
                shipment_lines.c.id.in_(select(_to_bill.c.id).where(*_TO_BILL)),
                # Replacements and reships (post-sale service) ship through the normal flow but are not billed.
                ~exists().where(no_charge_orders.c.order_id == shipment_lines.c.order_id)))
    if shipment_id is not None:
        q = q.where(shipments.c.id == shipment_id)
    if shipped_before is not None:
        q = q.where(shipments.c.shipped_at < _midnight(shipped_before))
    if line_ids is not None:
        q = q.where(shipment_lines.c.id.in_(sorted(line_ids)))
    return conn.execute(q.order_by(shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                                   order_lines.c.line_no, shipment_lines.c.id)).all()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def _uninvoiced_freight(conn: Connection, shipment_ids: set[int]) -> list:
    if not shipment_ids:
        return []
    return conn.execute(select(shipments.c.id, shipments.c.freight_cost).where(
        shipments.c.id.in_(sorted(shipment_ids)), shipments.c.freight_cost > 0,
        ~exists().where(invoice_lines.c.shipment_id == shipments.c.id, invoice_lines.c.kind == "freight", _billed))
        .order_by(shipments.c.id)).all()


def bill_to(conn: Connection, customer_id: int) -> dict[str, Any]:
    """The customer as the invoice names it, kept with the invoice as issued (its default site's address)."""
    c = conn.execute(select(customers.c.code, customers.c.name, customers.c.email).where(customers.c.id == customer_id)
                     ).one()
    site = conn.execute(select(ship_tos).where(ship_tos.c.customer_id == customer_id)
                        .order_by(ship_tos.c.is_default.desc(), ship_tos.c.id).limit(1)).first()
    out = {"customer": c.code, "name": c.name, "email": c.email}
    if site is not None:
        out.update(street=site.street, postal_code=site.postal_code, city=site.city, country=site.country)
    return out


def _upsert_invoiced(conn: Connection, per_order: dict[int, Decimal]) -> None:
    """Add to each order's invoiced goods value (an upsert, so two shipments of one order never collide)."""
    if not per_order:
        return
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(order_invoicing)
    for order_id, amount in sorted(per_order.items()):
        conn.execute(ins.values(order_id=order_id, invoiced_amount=amount).on_conflict_do_update(
            index_elements=[order_invoicing.c.order_id],
            set_={"invoiced_amount": order_invoicing.c.invoiced_amount + ins.excluded.invoiced_amount}))


def issue_invoice_in(conn: Connection, clock: Clock, actor: Actor, customer_id: int, goods: list, *,
                     period: tuple[date, date] | None = None, account: BillingAccount | None = None) -> int:
    """One invoice for these uninvoiced shipment lines (and their shipments' freight where charged)."""
    account = account or billing_account(conn, customer_id)
    freight = _uninvoiced_freight(conn, {g.shipment_id for g in goods}) if account.charge_freight else []
    rates = tax_rates_for(conn, customer_id, {g.product_id for g in goods} | {None})
    currency = _currency_of(conn, {g.order_id for g in goods})
    rows: list[dict[str, Any]] = []
    for g in goods:
        rows.append({"kind": "goods", "order_id": g.order_id, "order_line_id": g.order_line_id,
                     "shipment_id": g.shipment_id, "shipment_line_id": g.id, "sku": g.sku,
                     "description": g.name[:300], "qty": g.qty_shipped, "unit_price": g.unit_price,
                     "net_amount": g.unit_price * g.qty_shipped, "tax_rate": rates[g.product_id]})
    for f in freight:
        rows.append({"kind": "freight", "order_id": None, "order_line_id": None, "shipment_id": f.id,
                     "shipment_line_id": None, "sku": None, "description": f"Freight, shipment {shipment_number(f.id)}",
                     "qty": None, "unit_price": None, "net_amount": f.freight_cost, "tax_rate": rates[None]})
    t = totals((r["net_amount"], r["tax_rate"]) for r in rows)
    terms = terms_for(conn, customer_id)
    today = clock.today()
    invoice_id = conn.execute(insert(invoices).values(
        customer_id=customer_id, kind="invoice", status="open" if t.total > 0 else "paid", reference=None,
        issued_on=today, due_on=terms.due_on(today), discount_until=terms.discount_until(today),
        discount_pct=terms.discount_pct if terms.has_discount else Decimal("0"), terms=terms.code,
        currency=currency, net_amount=t.net, tax_amount=t.tax, total=t.total, credited=Decimal("0"),
        paid=Decimal("0"), discount_taken=Decimal("0"), open_amount=t.total,
        period_from=period[0] if period else None, period_to=period[1] if period else None,
        bill_to=bill_to(conn, customer_id), dunning_level=0, created_at=clock.now(), created_by=actor.username)
        .returning(invoices.c.id)).scalar_one()
    conn.execute(insert(invoice_lines), [{"invoice_id": invoice_id, "line_no": i + 1, **r} for i, r in enumerate(rows)])
    _mark_invoiced(conn, [g.id for g in goods], True)
    per_order: dict[int, Decimal] = {}
    for r in rows:
        if r["kind"] == "goods":
            per_order[r["order_id"]] = per_order.get(r["order_id"], Decimal("0")) + r["net_amount"]
    _upsert_invoiced(conn, per_order)
    number = invoice_number(invoice_id)
    ledger.post(conn, customer_id, "invoice", number, t.total, today, terms.due_on(today))
    ledger.invoice_events(conn, clock, actor, "invoiced", {invoice_id: {
        "total": str(t.total), "due_on": terms.due_on(today).isoformat(), "terms": terms.code,
        "discount_until": terms.discount_until(today).isoformat() if terms.has_discount else None}})
    edi_invoice.on_invoice_issued(conn, clock, actor, customer_id, invoice_id)  # an EDI partner gets its 810 now
    return invoice_id


def _mark_invoiced(conn: Connection, line_ids: list[int], invoiced: bool) -> None:
    if line_ids:
        conn.execute(update(shipment_lines).where(shipment_lines.c.id.in_(sorted(line_ids)))
                     .values(invoiced=invoiced))


def _currency_of(conn: Connection, order_ids: set[int]) -> str:
    found = set(conn.execute(select(orders.c.currency).where(orders.c.id.in_(sorted(order_ids)))).scalars())
    if len(found) != 1:
        raise ValidationFailed("currency_mismatch", f"orders: {sorted(order_number(o) for o in order_ids)} are in "
                               f"several currencies {sorted(found)}; they cannot share an invoice", field="orders")
    return found.pop()


def invoice_shipment_in(conn: Connection, clock: Clock, actor: Actor, shipment_id: int) -> int | None:
    """Called by shipping in its own transaction: invoice this shipment now if its customer is billed per
    shipment; otherwise its lines wait for the customer's periodic invoice. Returns the invoice id or None."""
    customer_id = conn.execute(select(shipments.c.customer_id).where(shipments.c.id == shipment_id)).scalar_one()
    account = billing_account(conn, customer_id)
    if account.invoicing is not Invoicing.PER_SHIPMENT:
        return None
    goods = uninvoiced_goods(conn, customer_id, shipment_id=shipment_id)
    return issue_invoice_in(conn, clock, actor, customer_id, goods, account=account) if goods else None


def invoice_customer_in(conn: Connection, clock: Clock, actor: Actor, customer_id: int, through: date) -> list[int]:
    """Every invoice now due for a customer: per shipment, or one per closed period (weekly, monthly)."""
    ledger.customer_row(conn, customer_id)  # one run per customer at a time
    account = billing_account(conn, customer_id)
    cycle = account.invoicing
    last_day = closed_through(through, cycle)
    goods = uninvoiced_goods(conn, customer_id, shipped_before=last_day + timedelta(days=1))
    groups: dict[Any, list] = {}
    for g in goods:
        key = g.shipment_id if cycle is Invoicing.PER_SHIPMENT else period_of(g.shipped_at.date(), cycle)
        groups.setdefault(key, []).append(g)
    return [issue_invoice_in(conn, clock, actor, customer_id, rows, account=account,
                             period=None if cycle is Invoicing.PER_SHIPMENT else key)
            for key, rows in groups.items()]


def run_through(clock: Clock, through: date | None) -> date:
    """The last day an invoice run covers: today unless given, never a day still to come."""
    through = through or clock.today()
    if through > clock.today():
        raise ValidationFailed("through_in_future", f"through: {through} is after today; only what has shipped "
                               "can be invoiced", field="through")
    return through


def customers_to_bill(conn: Connection, through: date) -> list[int]:
    """The customers with goods shipped through a day that no live invoice carries yet, in id order."""
    return conn.execute(select(shipments.c.customer_id).distinct().where(
        shipments.c.id.in_(select(_to_bill.c.shipment_id).where(*_TO_BILL)), shipments.c.status.in_(SHIPPED),
        shipments.c.shipped_at < _midnight(through + timedelta(days=1)))
        .order_by(shipments.c.customer_id)).scalars().all()


def run_invoicing(uow: UnitOfWork, clock: Clock, actor: Actor, through: date | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[int]:
    """Issue every invoice due through a day (default today): the consolidated invoices of the periods that
    have ended, and any shipment not yet invoiced. One transaction per customer; returns the invoice ids."""
    actor.require(Permission.BILL)
    through = run_through(clock, through)
    with uow.read() as conn:
        pending = customers_to_bill(conn, through)
    issued: list[int] = []
    for i, cid in enumerate(pending):
        issued += uow.run(lambda conn, cid=cid: invoice_customer_in(conn, clock, actor, cid, through))
        if progress:
            progress(i + 1, len(pending))
    return issued


def release_invoiced(conn: Connection, invoice_id: int) -> None:
    """A cancelled invoice no longer counts as invoicing its orders' goods: they are uninvoiced again."""
    per_order: dict[int, Decimal] = {}
    line_ids: list[int] = []
    for order_id, net, line_id in conn.execute(select(
            invoice_lines.c.order_id, invoice_lines.c.net_amount, invoice_lines.c.shipment_line_id).where(
            invoice_lines.c.invoice_id == invoice_id, invoice_lines.c.kind == "goods")):
        per_order[order_id] = per_order.get(order_id, Decimal("0")) + net
        line_ids.append(line_id)
    _mark_invoiced(conn, line_ids, False)
    for order_id, amount in sorted(per_order.items()):
        conn.execute(update(order_invoicing).where(order_invoicing.c.order_id == order_id)
                     .values(invoiced_amount=order_invoicing.c.invoiced_amount - amount))
