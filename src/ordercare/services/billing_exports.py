"""Billing to CSV or Excel through the file exporter: invoices (one row per invoice), invoice lines, credit notes
and payments.

A customer user exports its own account only (another account's code filters to nothing, as for a code that does
not exist); staff narrow with `customer`. Dates filter on the day issued (invoices, lines, credit notes) or the
day the money was received (payments); `status` on the invoice's (open, paid, cancelled) or the payment's
(posted, reversed) status. Amounts are the documents' own, as the API shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.invoicing import invoice_number
from ..domain.orders import order_number
from ..store.billing_tables import credit_notes, invoice_lines, invoices, payments
from ..store.tables import customers
from .billing_views import INVOICE_STATUSES, _credit_note_row, _payment_row
from .file_exports import ExportFilter, register_exporter
from .release import shipment_number

PAYMENT_STATUSES = ("posted", "reversed")


def _filtered(q, actor: Actor, f: ExportFilter, table, day, statuses: tuple[str, ...] = ()):
    """The export's rows: the actor's account (a customer) or the named one, the period, the status."""
    q = q.join(customers, customers.c.id == table.c.customer_id)
    if actor.is_customer:
        q = q.where(table.c.customer_id == actor.customer_id)
    if f.customer:
        q = q.where(customers.c.code == f.customer)
    if f.status:
        if f.status not in statuses:
            allowed = f"one of {', '.join(statuses)}" if statuses else "this export has no status to filter on"
            raise ValidationFailed("unknown_status", f"status: {allowed}", field="status", status=f.status)
        q = q.where(table.c.status == f.status)
    if f.date_from:
        q = q.where(day >= f.date_from)
    if f.date_to:
        q = q.where(day <= f.date_to)
    return q


INVOICE_COLUMNS = (
    "invoice", "kind", "customer", "bill_to_name", "status", "issued_on", "due_on", "terms", "discount_pct",
    "discount_until", "period_from", "period_to", "currency", "net_amount", "tax_amount", "total", "credited",
    "paid", "discount_taken", "open_amount", "orders", "dunning_level", "reference", "cancelled_at", "cancel_reason")


def _invoice_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = _filtered(select(invoices, customers.c.code.label("customer")), actor, f, invoices, invoices.c.issued_on,
                  INVOICE_STATUSES)
    billed: dict[int, list[str]] = {}
    for inv_id, order_id in conn.execute(
            select(invoice_lines.c.invoice_id, invoice_lines.c.order_id).distinct()
            .where(invoice_lines.c.invoice_id.in_(q.with_only_columns(invoices.c.id)),
                   invoice_lines.c.order_id.is_not(None))
            .order_by(invoice_lines.c.invoice_id, invoice_lines.c.order_id)):
        billed.setdefault(inv_id, []).append(order_number(order_id))
    for r in conn.execute(q.order_by(invoices.c.id)):
        yield [invoice_number(r.id), r.kind, r.customer, (r.bill_to or {}).get("name"), r.status, r.issued_on,
               r.due_on, r.terms, r.discount_pct, r.discount_until, r.period_from, r.period_to, r.currency,
               r.net_amount, r.tax_amount, r.total, r.credited, r.paid, r.discount_taken, r.open_amount,
               " ".join(billed.get(r.id, [])), r.dunning_level, r.reference, r.cancelled_at, r.cancel_reason]


LINE_COLUMNS = ("invoice", "customer", "status", "issued_on", "currency", "line", "kind", "order", "shipment", "sku",
                "description", "qty", "unit_price", "net_amount", "tax_rate")


def _invoice_line_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = _filtered(select(invoice_lines, invoices.c.status, invoices.c.issued_on, invoices.c.currency,
                         customers.c.code.label("customer"))
                  .join(invoices, invoices.c.id == invoice_lines.c.invoice_id), actor, f, invoices,
                  invoices.c.issued_on, INVOICE_STATUSES)
    for r in conn.execute(q.order_by(invoice_lines.c.invoice_id, invoice_lines.c.line_no)):
        yield [invoice_number(r.invoice_id), r.customer, r.status, r.issued_on, r.currency, r.line_no, r.kind,
               order_number(r.order_id) if r.order_id else None,
               shipment_number(r.shipment_id) if r.shipment_id else None, r.sku, r.description, r.qty, r.unit_price,
               r.net_amount, r.tax_rate]


# (column, key of the API's own row) — the same names and values as GET /credit-notes and /payments.
CREDIT_NOTE_FIELDS = (("credit_note", "number"), ("customer", "customer"), ("issued_on", "issued_on"),
                      ("source", "source"), ("source_ref", "source_ref"), ("reason", "reason"), ("order", "order"),
                      ("invoice", "invoice"), ("currency", "currency"), ("net_amount", "net_amount"),
                      ("tax_amount", "tax_amount"), ("total", "total"), ("unapplied", "unapplied"),
                      ("refunded", "refunded"))
PAYMENT_FIELDS = (("payment", "number"), ("customer", "customer"), ("received_on", "received_on"),
                  ("amount", "amount"), ("currency", "currency"), ("method", "method"), ("reference", "reference"),
                  ("applied", "applied"), ("unapplied", "unapplied"), ("refunded", "refunded"), ("status", "status"),
                  ("reverse_reason", "reverse_reason"))


def _credit_note_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = _filtered(select(credit_notes, customers.c.code.label("customer")), actor, f, credit_notes,
                  credit_notes.c.issued_on)
    for r in conn.execute(q.order_by(credit_notes.c.id)):
        row = _credit_note_row(r)
        yield [row[key] for _, key in CREDIT_NOTE_FIELDS]


def _payment_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = _filtered(select(payments, customers.c.code.label("customer")), actor, f, payments, payments.c.received_on,
                  PAYMENT_STATUSES)
    for r in conn.execute(q.order_by(payments.c.id)):
        row = _payment_row(r, r.customer)
        yield [row[key] for _, key in PAYMENT_FIELDS]


register_exporter("invoices", Permission.READ_INVOICES, INVOICE_COLUMNS, _invoice_rows,
                  "one row per invoice with the orders it bills; dates filter on the day issued")
register_exporter("invoice_lines", Permission.READ_INVOICES, LINE_COLUMNS, _invoice_line_rows,
                  "one row per invoice line (goods and freight); dates filter on the invoice's day issued")
register_exporter("credit_notes", Permission.READ_INVOICES, tuple(c for c, _ in CREDIT_NOTE_FIELDS),
                  _credit_note_rows, "one row per credit note; dates filter on the day issued")
register_exporter("payments", Permission.READ_INVOICES, tuple(c for c, _ in PAYMENT_FIELDS), _payment_rows,
                  "one row per payment; dates filter on the day received")
