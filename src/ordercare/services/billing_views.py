"""Reading billing: one invoice with its lines, tax, applications and disputes; lists of invoices, payments,
credit notes and disputes. A customer user sees its own account only (another's answers "not found")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, literal, or_, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cash import settles_in_full
from ..domain.disputes import DisputeStatus
from ..domain.errors import NotFound, ValidationFailed
from ..domain.invoicing import credit_note_number, invoice_number, payment_number, refund_number, totals
from ..domain.orders import order_number
from ..domain.payment_terms import ZERO, early_payment_discount
from ..domain.receivables import bucket, days_overdue, dunning_name
from ..store.billing_tables import (
    applications, credit_note_lines, credit_notes, invoice_disputes, invoice_lines, invoices, payments, refunds,
)
from ..store.db import UnitOfWork
from ..store.tables import customers
from .invoice_changes import dispute_row, invoice_for
from .ledger import open_item
from .release import shipment_number

INVOICE_STATUSES = ("open", "paid", "cancelled")


def invoice_view(conn: Connection, actor: Actor, invoice_id: int, today: date) -> dict[str, Any]:
    inv = invoice_for(conn, actor, invoice_id)
    code = conn.execute(select(customers.c.code).where(customers.c.id == inv.customer_id)).scalar_one()
    lines = conn.execute(select(invoice_lines).where(invoice_lines.c.invoice_id == invoice_id)
                         .order_by(invoice_lines.c.line_no)).all()
    t = totals((ln.net_amount, ln.tax_rate) for ln in lines)
    apps = conn.execute(select(applications).where(applications.c.invoice_id == invoice_id)
                        .order_by(applications.c.id)).all()
    disputes = conn.execute(select(invoice_disputes).where(invoice_disputes.c.invoice_id == invoice_id)
                            .order_by(invoice_disputes.c.id)).all()
    late = days_overdue(inv.due_on, today)
    settles = settles_in_full(open_item(inv), today)
    credit_notes_on_it = conn.execute(
        select(credit_notes, literal(code).label("customer")).where(or_(
            credit_notes.c.invoice_id == invoice_id, credit_notes.c.id.in_(
                select(applications.c.credit_note_id).where(applications.c.invoice_id == invoice_id)))
        ).order_by(credit_notes.c.id)).all()
    return {
        "id": inv.id, "number": invoice_number(inv.id), "kind": inv.kind, "status": inv.status,
        "customer": code, "bill_to": inv.bill_to, "reference": inv.reference, "issued_on": inv.issued_on,
        "due_on": inv.due_on, "terms": inv.terms, "discount_pct": inv.discount_pct,
        "discount_until": inv.discount_until,
        # The discount the terms give (pct of the total less credit), and what settles the invoice if paid today.
        "discount_amount": early_payment_discount(inv.total - inv.credited, inv.discount_pct)
        if inv.discount_until else ZERO,
        "settles_today": {"cash": settles.cash, "discount": settles.discount} if inv.status == "open" else None,
        "period_from": inv.period_from, "period_to": inv.period_to,
        "currency": inv.currency, "net_amount": inv.net_amount, "tax_amount": inv.tax_amount, "total": inv.total,
        "credited": inv.credited, "paid": inv.paid, "discount_taken": inv.discount_taken,
        "open_amount": inv.open_amount,
        "days_overdue": max(late, 0) if inv.status == "open" else 0,
        "bucket": bucket(inv.due_on, today) if inv.status == "open" else None,
        "dunning_level": inv.dunning_level, "dunning": dunning_name(inv.dunning_level),
        "cancelled_at": inv.cancelled_at, "cancel_reason": inv.cancel_reason,
        "tax": [{"rate": g.rate, "net": g.net, "tax": g.tax} for g in t.groups],
        "lines": [{"line_no": ln.line_no, "kind": ln.kind, "order": order_number(ln.order_id) if ln.order_id else None,
                   "shipment": shipment_number(ln.shipment_id) if ln.shipment_id else None, "sku": ln.sku,
                   "description": ln.description, "qty": ln.qty, "unit_price": ln.unit_price,
                   "net_amount": ln.net_amount, "tax_rate": ln.tax_rate} for ln in lines],
        "applications": [{"by": payment_number(a.payment_id) if a.payment_id else credit_note_number(a.credit_note_id),
                          "amount": a.amount, "discount": a.discount, "applied_on": a.applied_on,
                          "reversed": a.reversed_at is not None} for a in apps],
        "disputes": [dispute_row(d) for d in disputes],
        "credit_notes": [_credit_note_row(cn) for cn in credit_notes_on_it],
    }


def get_invoice(uow: UnitOfWork, clock: Clock, actor: Actor, invoice_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    with uow.read() as conn:
        return invoice_view(conn, actor, invoice_id, clock.today())


def _scope(q, actor: Actor, column, customer: str | None):
    if actor.is_customer:
        q = q.where(column == actor.customer_id)
    if customer:
        q = q.where(column == select(customers.c.id).where(customers.c.code == customer).scalar_subquery())
    return q


def _page(conn: Connection, q, order_by, limit: int, offset: int) -> tuple[int, list]:
    total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    return total, conn.execute(q.order_by(*order_by).limit(limit).offset(offset)).all()


def list_invoices(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str | None = None,
                  status: str | None = None, order_id: int | None = None, overdue: bool = False,
                  issued_from: date | None = None, issued_to: date | None = None,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    if issued_from and issued_to and issued_from > issued_to:
        raise ValidationFailed("invalid_period", "issued_to: before issued_from", field="issued_to")
    if status is not None and status not in INVOICE_STATUSES:
        raise ValidationFailed("unknown_status", f"status: one of {list(INVOICE_STATUSES)}", field="status")
    today = clock.today()
    q = _scope(select(invoices, customers.c.code.label("customer")).join(customers,
                                                                        customers.c.id == invoices.c.customer_id),
               actor, invoices.c.customer_id, customer)
    if status:
        q = q.where(invoices.c.status == status)
    if overdue:
        q = q.where(invoices.c.status == "open", invoices.c.due_on < today)
    if order_id is not None:
        q = q.where(invoices.c.id.in_(select(invoice_lines.c.invoice_id).where(invoice_lines.c.order_id == order_id)))
    if issued_from:
        q = q.where(invoices.c.issued_on >= issued_from)
    if issued_to:
        q = q.where(invoices.c.issued_on <= issued_to)
    with uow.read() as conn:
        total, rows = _page(conn, q, [invoices.c.id.desc()], limit, offset)
    return {"total": total, "items": [{
        "id": r.id, "number": invoice_number(r.id), "customer": r.customer, "kind": r.kind, "status": r.status,
        "issued_on": r.issued_on, "due_on": r.due_on, "currency": r.currency, "total": r.total,
        "open_amount": r.open_amount, "days_overdue": max(days_overdue(r.due_on, today), 0)
        if r.status == "open" else 0, "dunning_level": r.dunning_level} for r in rows]}


def invoice_pdf(uow: UnitOfWork, clock: Clock, actor: Actor, invoice_id: int) -> bytes:
    from ..documents.invoice import invoice_pdf as render
    return render(get_invoice(uow, clock, actor, invoice_id))


def _owned(conn: Connection, actor: Actor, table, doc_id: int, what: str):
    """A payment or credit note with its customer's code; another customer's is "not found" to a customer."""
    row = conn.execute(select(table, customers.c.code.label("customer"))
                       .join(customers, customers.c.id == table.c.customer_id).where(table.c.id == doc_id)).first()
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        name = what.replace("_", " ")
        raise NotFound(f"{what}_not_found", f"{name} {doc_id}: no such {name}", field=what)
    return row


def _payment_row(p, customer: str) -> dict[str, Any]:
    return {"id": p.id, "number": payment_number(p.id), "customer": customer, "received_on": p.received_on,
            "amount": p.amount, "currency": p.currency, "method": p.method, "reference": p.reference,
            "applied": p.amount - p.unapplied - p.refunded if p.status == "posted" else Decimal("0"),
            "unapplied": p.unapplied, "refunded": p.refunded, "status": p.status, "reverse_reason": p.reverse_reason}


def list_payments(uow: UnitOfWork, actor: Actor, *, customer: str | None = None, unapplied_only: bool = False,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    q = _scope(select(payments, customers.c.code.label("customer")).join(customers,
                                                                        customers.c.id == payments.c.customer_id),
               actor, payments.c.customer_id, customer)
    if unapplied_only:
        q = q.where(payments.c.unapplied > 0, payments.c.status == "posted")
    with uow.read() as conn:
        total, rows = _page(conn, q, [payments.c.id.desc()], limit, offset)
    return {"total": total, "items": [_payment_row(r, r.customer) for r in rows]}


def get_payment(uow: UnitOfWork, actor: Actor, payment_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    with uow.read() as conn:
        p = _owned(conn, actor, payments, payment_id, "payment")
        apps = conn.execute(select(applications).where(applications.c.payment_id == payment_id)
                            .order_by(applications.c.id)).all()
    return {**_payment_row(p, p.customer), "applications": [
        {"invoice": invoice_number(a.invoice_id), "amount": a.amount, "discount": a.discount,
         "applied_on": a.applied_on, "reversed": a.reversed_at is not None} for a in apps]}


def get_credit_note(uow: UnitOfWork, actor: Actor, credit_note_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    with uow.read() as conn:
        cn = _owned(conn, actor, credit_notes, credit_note_id, "credit_note")
        lines = conn.execute(select(credit_note_lines).where(credit_note_lines.c.credit_note_id == credit_note_id)
                             .order_by(credit_note_lines.c.line_no)).all()
        apps = conn.execute(select(applications).where(applications.c.credit_note_id == credit_note_id)
                            .order_by(applications.c.id)).all()
        refs = conn.execute(select(refunds).where(refunds.c.credit_note_id == credit_note_id)).all()
    return {**_credit_note_row(cn), "lines": [
        {"line_no": ln.line_no, "description": ln.description, "qty": ln.qty, "net_amount": ln.net_amount,
         "tax_rate": ln.tax_rate} for ln in lines],
        "applications": [{"invoice": invoice_number(a.invoice_id), "amount": a.amount, "applied_on": a.applied_on}
                         for a in apps],
        "refunds": [{"refund": refund_number(r.id), "amount": r.amount, "paid_on": r.paid_on, "method": r.method}
                    for r in refs]}


def _credit_note_row(cn) -> dict[str, Any]:
    return {"id": cn.id, "number": credit_note_number(cn.id), "customer": cn.customer,
            "order": order_number(cn.order_id) if cn.order_id else None,
            "invoice": invoice_number(cn.invoice_id) if cn.invoice_id else None, "source": cn.source,
            "source_ref": cn.source_ref, "reason": cn.reason,
            "issued_on": cn.issued_on, "currency": cn.currency, "net_amount": cn.net_amount,
            "tax_amount": cn.tax_amount, "total": cn.total, "unapplied": cn.unapplied, "refunded": cn.refunded}


def list_credit_notes(uow: UnitOfWork, actor: Actor, *, customer: str | None = None, order_id: int | None = None,
                      limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    q = _scope(select(credit_notes, customers.c.code.label("customer")).join(
        customers, customers.c.id == credit_notes.c.customer_id), actor, credit_notes.c.customer_id, customer)
    if order_id is not None:
        q = q.where(credit_notes.c.order_id == order_id)
    with uow.read() as conn:
        total, rows = _page(conn, q, [credit_notes.c.id.desc()], limit, offset)
    return {"total": total, "items": [_credit_note_row(r) for r in rows]}


def list_disputes(uow: UnitOfWork, actor: Actor, *, status: str | None = None, customer: str | None = None,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    if status is not None and status not in {s.value for s in DisputeStatus}:
        raise ValidationFailed("unknown_status", f"status: one of {[s.value for s in DisputeStatus]}", field="status")
    q = _scope(select(invoice_disputes, customers.c.code.label("customer"))
               .join(invoices, invoices.c.id == invoice_disputes.c.invoice_id)
               .join(customers, customers.c.id == invoices.c.customer_id), actor, invoices.c.customer_id, customer)
    if status:
        q = q.where(invoice_disputes.c.status == status)
    with uow.read() as conn:
        total, rows = _page(conn, q, [invoice_disputes.c.id.desc()], limit, offset)
    return {"total": total, "items": [{**dispute_row(r), "customer": r.customer} for r in rows]}
