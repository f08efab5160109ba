"""Billing and cash: invoices and their lines, payments, credit notes, applications, refunds, disputes, dunning.

The `receivables` table (tables.py) stays the customer's ledger, the one sum the credit check reads; the
tables here are the sub-ledger it must agree with (see services/ledger_check.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, Numeric, String, \
    Table, UniqueConstraint

from .tables import TS, Id, Money, metadata

# How a customer is invoiced: on each shipment, or one consolidated invoice per period; and whether the
# freight of its shipments is charged. No row: per shipment, freight charged.
billing_accounts = Table(
    "billing_accounts", metadata,
    Column("customer_id", Id, ForeignKey("customers.id"), primary_key=True),
    Column("invoicing", String(20), nullable=False),  # per_shipment, weekly, monthly
    Column("charge_freight", Boolean, nullable=False),
    Column("invoice_email", String(200), nullable=True),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(100), nullable=False),
    CheckConstraint("invoicing IN ('per_shipment', 'weekly', 'monthly')", name="invoicing"),
)

# Tax rates in percent. The most specific row wins: customer and product, product, customer, default (both NULL).
tax_rates = Table(
    "tax_rates", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=True),
    Column("rate", Numeric(5, 2), nullable=False),
    Column("name", String(60), nullable=False),
    CheckConstraint("rate >= 0 AND rate < 100", name="rate"),
)
Index("ix_tax_rates_scope", tax_rates.c.customer_id, tax_rates.c.product_id)

invoices = Table(
    "invoices", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # invoice, opening (a balance brought forward)
    Column("status", String(20), nullable=False),  # open, paid, cancelled
    Column("reference", String(60), nullable=True),  # opening balances: the old system's reference
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("discount_until", Date, nullable=True),  # NULL: no early-payment discount
    Column("discount_pct", Numeric(5, 2), nullable=False),
    Column("terms", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net_amount", Money, nullable=False),
    Column("tax_amount", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("credited", Money, nullable=False),  # credit notes applied
    Column("paid", Money, nullable=False),  # cash applied
    Column("discount_taken", Money, nullable=False),
    Column("open_amount", Money, nullable=False),
    Column("period_from", Date, nullable=True),  # consolidated invoices: the period they cover
    Column("period_to", Date, nullable=True),
    Column("bill_to", JSON, nullable=False),  # name and address as printed, kept as issued
    Column("dunning_level", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("cancelled_at", TS, nullable=True),
    Column("cancel_reason", String(300), nullable=True),
    CheckConstraint("total >= 0 AND credited >= 0 AND paid >= 0 AND discount_taken >= 0 AND open_amount >= 0",
                    name="amounts"),
    # The database itself refuses applying more than is open: what was billed is settled or still open.
    CheckConstraint("status = 'cancelled' OR credited + paid + discount_taken + open_amount = total", name="balance"),
    CheckConstraint("status IN ('open', 'paid', 'cancelled')", name="status"),
)
Index("ix_invoices_customer_status", invoices.c.customer_id, invoices.c.status)

invoice_lines = Table(
    "invoice_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # goods, freight
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=True, index=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=True),
    Column("shipment_line_id", Id, ForeignKey("shipment_lines.id"), nullable=True, index=True),
    Column("sku", String(64), nullable=True),
    Column("description", String(300), nullable=False),
    Column("qty", Integer, nullable=True),
    Column("unit_price", Money, nullable=True),
    Column("net_amount", Money, nullable=False),
    Column("tax_rate", Numeric(5, 2), nullable=False),
    UniqueConstraint("invoice_id", "line_no", name="uq_invoice_lines_invoice_line"),
)
Index("ix_invoice_lines_shipment", invoice_lines.c.shipment_id, invoice_lines.c.kind)

# Goods value invoiced per order (at order prices, before tax): the credit check counts an open order's value
# less this, so an order shipped and invoiced is not counted twice (it is in the receivables by then).
order_invoicing = Table(
    "order_invoicing", metadata,
    Column("order_id", Id, ForeignKey("orders.id"), primary_key=True),
    Column("invoiced_amount", Money, nullable=False),
    CheckConstraint("invoiced_amount >= 0", name="amount"),
)

payments = Table(
    "payments", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("received_on", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("unapplied", Money, nullable=False),  # customer credit still to apply or refund
    Column("refunded", Money, nullable=False),
    Column("status", String(20), nullable=False),  # posted, reversed
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("reversed_at", TS, nullable=True),
    Column("reverse_reason", String(300), nullable=True),
    CheckConstraint("amount > 0 AND unapplied >= 0 AND refunded >= 0 AND unapplied + refunded <= amount",
                    name="amounts"),
)

credit_notes = Table(
    "credit_notes", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=True, index=True),
    Column("source", String(20), nullable=False),  # return, price_correction, service_recovery, manual, case
    Column("source_ref", String(100), nullable=True),
    Column("reason", String(500), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net_amount", Money, nullable=False),
    Column("tax_amount", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("unapplied", Money, nullable=False),
    Column("refunded", Money, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    CheckConstraint("total > 0 AND unapplied >= 0 AND refunded >= 0 AND unapplied + refunded <= total",
                    name="amounts"),
)

credit_note_lines = Table(
    "credit_note_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("credit_note_id", Id, ForeignKey("credit_notes.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("description", String(300), nullable=False),
    Column("qty", Integer, nullable=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=True, index=True),
    Column("net_amount", Money, nullable=False),
    Column("tax_rate", Numeric(5, 2), nullable=False),
    CheckConstraint("net_amount > 0 AND (qty IS NULL OR qty > 0)", name="amounts"),
)

# Cash or credit put against an invoice. A reversed application (a bounced payment) keeps its row.
applications = Table(
    "applications", metadata,
    Column("id", Id, primary_key=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=True, index=True),
    Column("credit_note_id", Id, ForeignKey("credit_notes.id"), nullable=True, index=True),
    Column("amount", Money, nullable=False),
    Column("discount", Money, nullable=False),  # early-payment discount taken with this payment
    Column("applied_on", Date, nullable=False),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reversed_at", TS, nullable=True),
    CheckConstraint("(payment_id IS NULL) <> (credit_note_id IS NULL)", name="one_source"),
    CheckConstraint("amount >= 0 AND discount >= 0 AND amount + discount > 0", name="amounts"),
)

refunds = Table(
    "refunds", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("credit_note_id", Id, ForeignKey("credit_notes.id"), nullable=True),
    Column("drawn_from", JSON, nullable=False),  # [{"credit_note_id"|"payment_id": id, "amount": "x.xx"}]
    Column("source", String(20), nullable=False),
    Column("source_ref", String(100), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    CheckConstraint("amount > 0", name="amount"),
)

invoice_disputes = Table(
    "invoice_disputes", metadata,
    Column("id", Id, primary_key=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),  # NULL: every order on it
    Column("category", String(30), nullable=False),
    Column("description", String(1000), nullable=False),
    Column("status", String(20), nullable=False),  # open, upheld, rejected
    Column("raised_at", TS, nullable=False),
    Column("raised_by", String(100), nullable=False),
    Column("raised_by_customer", Boolean, nullable=False),
    Column("resolution", String(1000), nullable=True),
    Column("resolved_at", TS, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    Column("credit_note_id", Id, ForeignKey("credit_notes.id"), nullable=True),
)

dunning_notices = Table(
    "dunning_notices", metadata,
    Column("id", Id, primary_key=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("level", Integer, nullable=False),
    Column("days_overdue", Integer, nullable=False),
    Column("open_amount", Money, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    # A level is sent once per invoice, however often the run is repeated.
    UniqueConstraint("invoice_id", "level", name="uq_dunning_notices_invoice_level"),
)
