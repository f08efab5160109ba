"""Reading the billing tables directly, to check what the billing services wrote (and what they did not)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ordercare.store.billing_tables import (
    applications, credit_notes, invoice_lines, invoices, payments, refunds,
)
from ordercare.store.tables import customers, order_events, receivables

BILLING_TABLES = (invoices, invoice_lines, payments, credit_notes, applications, refunds, receivables, order_events)


def customer_id(env, code: str = "CUST1") -> int:
    with env.uow.read() as c:
        return c.execute(select(customers.c.id).where(customers.c.code == code)).scalar_one()


def ledger_balance(env, code: str = "CUST1") -> Decimal:
    with env.uow.read() as c:
        return c.execute(select(func.coalesce(func.sum(receivables.c.amount), 0))
                         .where(receivables.c.customer_id == customer_id(env, code))).scalar_one()


def invoice_row(env, invoice_id: int):
    with env.uow.read() as c:
        return c.execute(select(invoices).where(invoices.c.id == invoice_id)).one()


def credit_note_row(env, cn_id: int):
    with env.uow.read() as c:
        return c.execute(select(credit_notes).where(credit_notes.c.id == cn_id)).one()


def payment_row(env, payment_id: int):
    with env.uow.read() as c:
        return c.execute(select(payments).where(payments.c.id == payment_id)).one()


def billing_snapshot(env) -> dict:
    """Row counts and the amounts that move, to prove a refused request changed nothing."""
    with env.uow.read() as c:
        out = {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in BILLING_TABLES}
        out["invoice_amounts"] = sorted(tuple(r) for r in c.execute(
            select(invoices.c.id, invoices.c.status, invoices.c.open_amount, invoices.c.paid, invoices.c.credited)))
        out["payment_amounts"] = sorted(tuple(r) for r in c.execute(
            select(payments.c.id, payments.c.unapplied, payments.c.refunded, payments.c.status)))
        out["credit_amounts"] = sorted(tuple(r) for r in c.execute(
            select(credit_notes.c.id, credit_notes.c.unapplied, credit_notes.c.refunded)))
    return out
