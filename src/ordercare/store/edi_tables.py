"""Integrations: EDI trading partners and their cross-references, exchanged interchanges, file import batches."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, \
    UniqueConstraint

from .tables import TS, Id, metadata

trading_partners = Table(
    "trading_partners", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    # How the partner signs its interchanges (ISA05/06) and groups (GS02).
    Column("isa_qualifier", String(2), nullable=False),
    Column("isa_id", String(15), nullable=False),
    Column("gs_id", String(15), nullable=False),
    # How the partner knows us (ISA07/08, GS03): checked on the way in, written on the way out.
    Column("our_qualifier", String(2), nullable=False),
    Column("our_id", String(15), nullable=False),
    Column("our_gs_id", String(15), nullable=False),
    Column("version", String(5), nullable=False),  # ISA12 of what we send: 00401, 00501, …
    Column("usage", String(1), nullable=False),  # ISA15 of what we send: P production, T test
    Column("active", Boolean, nullable=False, default=True),
    Column("last_control", Integer, nullable=False, default=0),  # our last ISA13 to this partner
    Column("created_at", TS, nullable=False),
    UniqueConstraint("isa_qualifier", "isa_id", name="uq_trading_partners_isa"),
    CheckConstraint("usage IN ('P', 'T') AND last_control >= 0 AND last_control <= 999999999", name="envelope"),
)

partner_items = Table(  # the partner's item numbers: buyer part number (BP) or UPC/GTIN-14 (UP) -> our product
    "partner_items", metadata,
    Column("partner_id", Id, ForeignKey("trading_partners.id"), primary_key=True),
    Column("kind", String(2), primary_key=True),
    Column("value", String(80), primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    CheckConstraint("kind IN ('BP', 'UP')", name="kind"),
)

partner_locations = Table(  # the partner's location codes (N1*ST N104) -> the customer's ship-to
    "partner_locations", metadata,
    Column("partner_id", Id, ForeignKey("trading_partners.id"), primary_key=True),
    Column("code", String(80), primary_key=True),
    Column("ship_to_id", Id, ForeignKey("ship_tos.id"), nullable=False),
)

edi_documents = Table(  # every interchange received or sent, as exchanged
    "edi_documents", metadata,
    Column("id", Id, primary_key=True),
    Column("partner_id", Id, ForeignKey("trading_partners.id"), nullable=False),
    Column("direction", String(3), nullable=False),  # in, out
    Column("set_code", String(3), nullable=False),  # 850, 855, 856, 810, 997
    Column("control", String(9), nullable=False),  # ISA13
    Column("status", String(20), nullable=False),  # in: accepted, partially_accepted, rejected; out: generated
    Column("content", Text, nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("shipment_id", Id, nullable=True, index=True),
    Column("invoice_ref", String(60), nullable=True),
    # the interchange a 997 answers (indexed: receiving looks up the answer of an interchange)
    Column("responds_to", Id, ForeignKey("edi_documents.id"), nullable=True, index=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("partner_id", "direction", "control", name="uq_edi_documents_control"),
    CheckConstraint("direction IN ('in', 'out')", name="direction"),
)

edi_transactions = Table(  # each transaction set received, and what became of it
    "edi_transactions", metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", Id, ForeignKey("edi_documents.id"), nullable=False, index=True),
    Column("partner_id", Id, ForeignKey("trading_partners.id"), nullable=False),
    Column("group_control", String(9), nullable=False),
    Column("set_code", String(3), nullable=False),
    Column("set_control", String(9), nullable=False),
    Column("status", String(20), nullable=False),  # accepted, duplicate, rejected
    Column("error_code", String(50), nullable=True),
    Column("error_message", String(500), nullable=True),
    Column("po_number", String(60), nullable=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("detail", JSON, nullable=True),  # the PO date and the buyer's lines: line id, item ids, unit, qty, our SKU
)
Index("ix_edi_transactions_po", edi_transactions.c.partner_id, edi_transactions.c.po_number)

import_batches = Table(  # file imports that wrote (a dry run writes nothing, this row included)
    "import_batches", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(20), nullable=False),  # orders, customers, products, stock, receipts
    Column("filename", String(200), nullable=False),
    Column("format", String(4), nullable=False),  # csv, xlsx
    Column("valid_only", Boolean, nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_imported", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("created_ids", JSON, nullable=True),  # what the batch created (order ids, customer codes, …)
    Column("errors", JSON, nullable=True),  # the rejected rows (valid-only imports)
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)
