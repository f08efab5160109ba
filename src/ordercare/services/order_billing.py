"""An order's billing at a glance (the order page's panel): the invoices that bill it, the payments and credit
applied to them, the credit notes raised for it, and the disputes touching it. Read inside the caller's
transaction; the caller has checked that the order is visible to the actor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from ..domain.invoicing import credit_note_number, invoice_number, payment_number
from ..store.billing_tables import applications, credit_notes, invoice_lines, invoices
from .invoice_changes import disputes_for_orders


def order_billing(conn: Connection, order_id: int) -> dict[str, Any] | None:
    """None when nothing is billed, credited or disputed for the order yet."""
    billing_it = select(invoice_lines.c.invoice_id).where(invoice_lines.c.order_id == order_id).distinct()
    invs = conn.execute(select(invoices).where(invoices.c.id.in_(billing_it)).order_by(invoices.c.id)).all()
    apps = conn.execute(select(applications).where(applications.c.invoice_id.in_(billing_it))
                        .order_by(applications.c.id)).all()
    cns = conn.execute(select(credit_notes).where(or_(
        credit_notes.c.order_id == order_id,
        credit_notes.c.id.in_(select(applications.c.credit_note_id).where(applications.c.invoice_id.in_(billing_it)))))
        .order_by(credit_notes.c.id)).all()
    disputes = disputes_for_orders(conn, [order_id])[order_id]
    if not (invs or cns or disputes):
        return None
    return {
        "invoices": [{"id": i.id, "number": invoice_number(i.id), "status": i.status, "issued_on": i.issued_on,
                      "due_on": i.due_on, "currency": i.currency, "total": i.total, "open_amount": i.open_amount}
                     for i in invs],
        "applications": [{"invoice": invoice_number(a.invoice_id), "invoice_id": a.invoice_id,
                          "by": payment_number(a.payment_id) if a.payment_id else credit_note_number(a.credit_note_id),
                          "payment_id": a.payment_id, "credit_note_id": a.credit_note_id, "amount": a.amount,
                          "discount": a.discount, "applied_on": a.applied_on, "reversed": a.reversed_at is not None}
                         for a in apps],
        "credit_notes": [{"id": c.id, "number": credit_note_number(c.id), "source": c.source, "reason": c.reason,
                          "issued_on": c.issued_on, "currency": c.currency, "total": c.total,
                          "unapplied": c.unapplied} for c in cns],
        "disputes": disputes,
    }
