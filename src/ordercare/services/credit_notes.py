"""Credit notes and refunds, composable: other features (returns, complaint cases) raise them inside their
own transactions with raise_credit_note_in / refund_in; the thin wrappers are the use cases of their own.

A credit note posts −total to the customer's ledger. Raised against an invoice, it is applied to it at once
(up to what is open); raised for an order, to that order's open invoices, oldest first; what is left is
customer credit (unapplied), to apply later or refund.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cash import check_method, check_reference, plan_auto
from ..domain.credit_notes import CreditLine, CreditSource, check_credit_request
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.invoicing import check_amount, credit_note_number, invoice_number, refund_number, totals
from ..domain.orders import order_number
from ..domain.payment_terms import ZERO
from ..store.billing_tables import credit_note_lines, credit_notes, invoice_lines, invoices, payments, refunds
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.tables import order_lines, orders
from . import ledger
from .billing_setup import tax_rates_for

__all__ = ["CreditLine", "raise_credit_note", "raise_credit_note_in", "refund", "refund_in"]


def raise_credit_note_in(conn: Connection, clock: Clock, actor: Actor, *, customer_id: int, reason: str,
                         lines: list[CreditLine], order_id: int | None = None, invoice_id: int | None = None,
                         source: str, source_ref: str | None = None, currency: str | None = None) -> int:
    """Raise a credit note in the caller's transaction; returns its id. Refuses (changing nothing) a line
    that credits more of an order line than was invoiced for it, in money or in units."""
    src = check_credit_request(reason=reason, source=source, lines=lines)
    if source_ref is not None and len(source_ref) > 100:
        raise ValidationFailed("source_ref_too_long", "source_ref: at most 100 characters", field="source_ref")
    ledger.customer_row(conn, customer_id)
    order = invoice = None
    if order_id is not None:
        order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
        if order is None or order.customer_id != customer_id:
            raise NotFound("order_not_found", f"order_id: no order {order_id} of this customer", field="order_id")
    if invoice_id is not None:
        invoice = conn.execute(select(invoices).where(invoices.c.id == invoice_id)).first()
        if invoice is None or invoice.customer_id != customer_id:
            raise NotFound("invoice_not_found", f"invoice_id: no invoice {invoice_id} of this customer",
                           field="invoice_id")
        if invoice.status == "cancelled":
            raise Conflict("invoice_cancelled", f"invoice_id: {invoice_number(invoice_id)} is cancelled",
                           field="invoice_id")
    currency = _currency(conn, customer_id, invoice, order, currency)
    rates = _line_rates(conn, customer_id, order_id, lines)
    t = totals((Decimal(ln.amount), rates[i]) for i, ln in enumerate(lines))
    now, today = clock.now(), clock.today()
    cn_id = conn.execute(insert(credit_notes).values(
        customer_id=customer_id, order_id=order_id, invoice_id=invoice_id, source=src.value, source_ref=source_ref,
        reason=reason.strip(), issued_on=today, currency=currency, net_amount=t.net, tax_amount=t.tax, total=t.total,
        unapplied=t.total, refunded=Decimal("0"), created_at=now, created_by=actor.username)
        .returning(credit_notes.c.id)).scalar_one()
    conn.execute(insert(credit_note_lines), [
        {"credit_note_id": cn_id, "line_no": i + 1, "description": ln.description.strip(), "qty": ln.qty,
         "order_line_id": ln.order_line_id, "net_amount": Decimal(ln.amount), "tax_rate": rates[i]}
        for i, ln in enumerate(lines)])
    number = credit_note_number(cn_id)
    ledger.post(conn, customer_id, "credit_note", number, -t.total, today)
    applied = ZERO  # without an invoice or order to go against, it waits as customer credit (apply or refund)
    if invoice_id is not None or order_id is not None:
        applied = apply_credit_note_in(conn, clock, actor, cn_id, invoice_ids=[invoice_id] if invoice_id else None,
                                       order_id=order_id if invoice_id is None else None)
    if order_id is not None:
        append_event(conn, order_id, "credit_note", at=now, actor=actor.username, reason=reason.strip(), payload={
            "credit_note": number, "source": src.value, "source_ref": source_ref, "net": str(t.net),
            "tax": str(t.tax), "total": str(t.total), "applied": str(applied)})
    return cn_id


def apply_credit_note_in(conn: Connection, clock: Clock, actor: Actor, credit_note_id: int, *,
                         invoice_ids: list[int] | None = None, order_id: int | None = None) -> Decimal:
    """Put a credit note's unapplied credit against open invoices (these, or the order's, or any of the
    customer's), oldest due first; returns the credit used."""
    cn = conn.execute(select(credit_notes).where(credit_notes.c.id == credit_note_id)).one()
    if cn.unapplied <= 0:
        return Decimal("0")
    scope = invoice_ids
    if scope is None and order_id is not None:
        scope = list(conn.execute(select(invoice_lines.c.invoice_id).where(invoice_lines.c.order_id == order_id)
                                  .distinct()).scalars())
    items = ledger.open_items(conn, cn.customer_id, cn.currency, scope)
    plan = plan_auto(cn.unapplied, items, clock.today(), with_discount=False)
    return ledger.apply(conn, clock, actor, cn.customer_id, plan, applied_on=clock.today(),
                        credit_note_id=credit_note_id, source_number=credit_note_number(credit_note_id))


def raise_credit_note(uow: UnitOfWork, clock: Clock, actor: Actor, **kwargs: Any) -> int:
    """The use case on its own: finance or a manager credits a customer (keyword arguments as
    raise_credit_note_in)."""
    actor.require(Permission.CREDIT_CUSTOMER)
    return uow.run(lambda conn: raise_credit_note_in(conn, clock, actor, **kwargs))


def refund_in(conn: Connection, clock: Clock, actor: Actor, *, customer_id: int, amount: Decimal, method: str,
              reference: str, credit_note_id: int | None = None, source: str, source_ref: str | None = None) -> int:
    """Pay customer credit back: from this credit note's unapplied credit, or else from the customer's
    unapplied credit notes and payments, oldest first. Posts +amount to the ledger; returns the refund id."""
    amount = check_amount(Decimal(amount), "amount")
    check_method(method)
    reference = check_reference(reference)
    if source not in {s.value for s in CreditSource}:
        raise ValidationFailed("unknown_source", f"source: '{source}' is not one of "
                               f"{[s.value for s in CreditSource]}", field="source")
    ledger.customer_row(conn, customer_id)
    pool = _credit_pool(conn, customer_id, credit_note_id)
    available = sum((p[2] for p in pool), ZERO)
    if amount > available:
        raise ValidationFailed("more_than_available", f"amount: {amount} is more than the {available} of customer "
                               "credit available to refund", field="amount", available=str(available))
    drawn, left, currencies = [], amount, set()
    for table, doc_id, unapplied, currency in pool:
        if left <= 0:
            break
        take = min(left, unapplied)
        ledger.take_credit(conn, table, doc_id, take, refund=True)
        key = "credit_note_id" if table is credit_notes else "payment_id"
        drawn.append({key: doc_id, "amount": str(take)})
        currencies.add(currency)
        left -= take
    if len(currencies) > 1:
        raise ValidationFailed("currency_mismatch", "amount: the credit to refund is in several currencies; "
                               "refund one credit note at a time", field="amount")
    now, today = clock.now(), clock.today()
    refund_id = conn.execute(insert(refunds).values(
        customer_id=customer_id, amount=amount, currency=currencies.pop(), method=method, reference=reference,
        paid_on=today, credit_note_id=credit_note_id, drawn_from=drawn, source=source, source_ref=source_ref,
        created_at=now, created_by=actor.username).returning(refunds.c.id)).scalar_one()
    ledger.post(conn, customer_id, "refund", refund_number(refund_id), amount, today)
    if credit_note_id is not None:
        order_id = conn.execute(select(credit_notes.c.order_id).where(credit_notes.c.id == credit_note_id)).scalar()
        if order_id is not None:
            append_event(conn, order_id, "refund", at=now, actor=actor.username, payload={
                "refund": refund_number(refund_id), "credit_note": credit_note_number(credit_note_id),
                "amount": str(amount), "method": method, "reference": reference})
    return refund_id


def refund(uow: UnitOfWork, clock: Clock, actor: Actor, **kwargs: Any) -> int:
    actor.require(Permission.BILL)
    return uow.run(lambda conn: refund_in(conn, clock, actor, **kwargs))


# --- helpers -------------------------------------------------------------------------------------------------

def _credit_pool(conn: Connection, customer_id: int, credit_note_id: int | None) -> list[tuple]:
    """(table, id, unapplied, currency) of the credit a refund may draw on, oldest first."""
    if credit_note_id is not None:
        cn = conn.execute(select(credit_notes).where(credit_notes.c.id == credit_note_id)).first()
        if cn is None or cn.customer_id != customer_id:
            raise NotFound("credit_note_not_found", f"credit_note_id: no credit note {credit_note_id} of this "
                           "customer", field="credit_note_id")
        return [(credit_notes, cn.id, cn.unapplied, cn.currency)] if cn.unapplied > 0 else []
    pool = [(cn.issued_on, 0, cn.id, credit_notes, cn.unapplied, cn.currency) for cn in conn.execute(
        select(credit_notes).where(credit_notes.c.customer_id == customer_id, credit_notes.c.unapplied > 0))]
    pool += [(p.received_on, 1, p.id, payments, p.unapplied, p.currency) for p in conn.execute(
        select(payments).where(payments.c.customer_id == customer_id, payments.c.status == "posted",
                               payments.c.unapplied > 0))]
    return [(t, i, u, c) for _, _, i, t, u, c in sorted(pool, key=lambda p: p[:3])]


def _currency(conn: Connection, customer_id: int, invoice, order, given: str | None) -> str:
    for row in (invoice, order):
        if row is not None:
            if given is not None and given != row.currency:
                raise ValidationFailed("currency_mismatch", f"currency: {given} differs from the {row.currency} "
                                       "billed", field="currency")
            return row.currency
    if given is not None:
        return given
    last = conn.execute(select(orders.c.currency).where(orders.c.customer_id == customer_id)
                        .order_by(orders.c.id.desc()).limit(1)).scalar()
    if last is None:
        raise ValidationFailed("currency_required", "currency: the customer has no orders; say which currency",
                               field="currency")
    return last


def _line_rates(conn: Connection, customer_id: int, order_id: int | None, lines: list[CreditLine]) -> list[Decimal]:
    """Check each credited order line and pick each line's tax rate."""
    rates: list[Decimal] = []
    for i, ln in enumerate(lines):
        if ln.order_line_id is None:
            rate = ln.tax_rate
            if rate is None:
                rate = tax_rates_for(conn, customer_id, {None})[None]
            rates.append(Decimal(rate))
            continue
        ol = conn.execute(select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id,
                                 orders.c.customer_id).join(orders, orders.c.id == order_lines.c.order_id)
                          .where(order_lines.c.id == ln.order_line_id)).first()
        if ol is None or ol.customer_id != customer_id or (order_id is not None and ol.order_id != order_id):
            raise ValidationFailed("unknown_order_line", f"lines[{i}].order_line_id: not a line of "
                                   f"{order_number(order_id) if order_id else 'this customer'}",
                                   field=f"lines[{i}].order_line_id")
        billed = conn.execute(select(func.coalesce(func.sum(invoice_lines.c.net_amount), 0),
                                     func.coalesce(func.sum(invoice_lines.c.qty), 0), func.max(invoice_lines.c.id))
                              .join(invoices, invoices.c.id == invoice_lines.c.invoice_id)
                              .where(invoice_lines.c.order_line_id == ln.order_line_id,
                                     invoices.c.status != "cancelled")).one()
        credited = conn.execute(select(func.coalesce(func.sum(credit_note_lines.c.net_amount), 0),
                                       func.coalesce(func.sum(credit_note_lines.c.qty), 0))
                                .where(credit_note_lines.c.order_line_id == ln.order_line_id)).one()
        billed_amount, credited_amount = Decimal(billed[0]), Decimal(credited[0])
        # Earlier lines of this same note count too.
        same = [x for x in lines[:i] if x.order_line_id == ln.order_line_id]
        credited_amount += sum((Decimal(x.amount) for x in same), Decimal("0"))
        credited_qty = credited[1] + sum(x.qty or 0 for x in same)
        if credited_amount + Decimal(ln.amount) > billed_amount:
            raise ValidationFailed("credit_exceeds_invoiced", f"lines[{i}].amount: {ln.amount} would credit more "
                                   f"than the {billed_amount - credited_amount} invoiced and not yet credited for "
                                   "this order line", field=f"lines[{i}].amount",
                                   invoiced=str(billed_amount), credited=str(credited_amount))
        if ln.qty is not None and credited_qty + ln.qty > billed[1]:
            raise ValidationFailed("credit_exceeds_invoiced", f"lines[{i}].qty: {ln.qty} would credit more than the "
                                   f"{billed[1] - credited_qty} units invoiced and not yet credited",
                                   field=f"lines[{i}].qty", invoiced_qty=billed[1], credited_qty=credited_qty)
        rate = ln.tax_rate
        if rate is None and billed[2] is not None:
            rate = conn.execute(select(invoice_lines.c.tax_rate).where(invoice_lines.c.id == billed[2])).scalar_one()
        if rate is None:
            rate = tax_rates_for(conn, customer_id, {ol.product_id})[ol.product_id]
        rates.append(Decimal(rate))
    return rates
