"""Balances brought forward from an earlier system: open items like any invoice, without lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, insert

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cash import check_currency
from ..domain.errors import ValidationFailed
from ..domain.invoicing import check_amount, invoice_number
from ..store.billing_tables import invoices
from ..store.db import UnitOfWork
from . import ledger


def record_opening_balance_in(conn: Connection, clock: Clock, actor: Actor, *, customer_id: int, amount: Decimal,
                              reference: str, issued_on: date, due_on: date, currency: str) -> int:
    """An open item of `amount` owed since `issued_on`, due `due_on` (no discount); returns its invoice id."""
    check_amount(Decimal(amount), "amount")
    check_currency(currency)
    if not reference.strip() or len(reference) > 60:
        raise ValidationFailed("invalid_reference", "reference: the earlier system's reference, 1 to 60 characters",
                               field="reference")
    if due_on < issued_on:
        raise ValidationFailed("due_before_issued", "due_on: is before issued_on", field="due_on")
    customer = ledger.customer_row(conn, customer_id)
    zero = Decimal("0")
    invoice_id = conn.execute(insert(invoices).values(
        customer_id=customer_id, kind="opening", status="open", reference=reference.strip(), issued_on=issued_on,
        due_on=due_on, discount_until=None, discount_pct=zero, terms="brought forward", currency=currency,
        net_amount=amount, tax_amount=zero, total=amount, credited=zero, paid=zero, discount_taken=zero,
        open_amount=amount, bill_to={"customer": customer.code, "name": customer.name}, dunning_level=0,
        created_at=clock.now(), created_by=actor.username).returning(invoices.c.id)).scalar_one()
    ledger.post(conn, customer_id, "opening", invoice_number(invoice_id), amount, issued_on, due_on)
    return invoice_id


def record_opening_balance(uow: UnitOfWork, clock: Clock, actor: Actor, **kwargs) -> int:
    actor.require(Permission.BILL)
    return uow.run(lambda conn: record_opening_balance_in(conn, clock, actor, **kwargs))
