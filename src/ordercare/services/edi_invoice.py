"""810 invoice out: an invoice in the buyer's own terms, for the customer's trading partner.

Automatic, in billing's own transaction: `on_invoice_issued` is called wherever an invoice is issued (shipping,
the invoice run, a reissue), so an EDI customer's invoice and its 810 commit together — never one without the
other, never twice, with the partner's next control number — and `on_invoice_cancelled` tells the partner of a
cancellation (BIG08 01) when it had been sent the invoice. On demand: `send_invoice` (a resend is marked 07,
duplicate; a cancelled invoice is sent as its cancellation).

Lines are the buyer's: an order that came by 850 is invoiced per PO1 line (its line number, item ids, unit);
the units of one order line that stands for several buyer lines (one SKU on two PO1s) fill them first line
first, after what earlier invoices billed. Other orders are invoiced with our line numbers and SKUs (VP).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound
from ..domain.invoicing import invoice_number, totals
from ..domain.orders import order_number
from ..domain.payment_terms import early_payment_discount
from ..integrations.x12.invoice import (
    FREIGHT,
    PURPOSES,
    BillTo,
    Charge,
    EdiInvoice,
    InvoiceItem,
    InvoiceTerms,
    TaxTotal,
    build_810,
)
from ..integrations.x12.purchase_order import ItemId
from ..store.billing_tables import invoice_lines, invoices
from ..store.db import UnitOfWork
from ..store.edi_tables import edi_documents
from ..store.events import append_events, event_row
from ..store.fulfilment_tables import shipments
from ..store.prepared import Prepared, id_chunks, in_ids
from ..store.tables import order_lines, orders, products
from .edi_documents import active_partner, get_document, partner_of_customer, send
from .edi_outbound import X12_UNIT, buyer_lines_of, fill_in_order, our_lines, ship_to_parties

# Statements of the 810, compiled once: it is built for every invoice an EDI customer is sent. IN lists are
# padded to a power of two (padded_ids), read 512 ids at a time.
_BILLED_BEFORE = Prepared(
    select(invoice_lines.c.order_line_id, func.sum(invoice_lines.c.qty))
    .join(invoices, invoices.c.id == invoice_lines.c.invoice_id)
    .where(in_ids(invoice_lines.c.order_line_id), invoice_lines.c.invoice_id < bindparam("iid"),
           invoices.c.status != "cancelled").group_by(invoice_lines.c.order_line_id), expanding="ids")
_OUR_LINES = Prepared(
    select(order_lines.c.order_id, order_lines.c.line_no, order_lines.c.qty, order_lines.c.unit_price,
           order_lines.c.requested_date, products.c.sku, products.c.unit)
    .join(products, products.c.id == order_lines.c.product_id)
    .where(in_ids(order_lines.c.order_id)).order_by(order_lines.c.order_id, order_lines.c.line_no), expanding="ids")
_LINES = Prepared(
    select(invoice_lines, shipments.c.ship_to_id, order_lines.c.line_no.label("order_line_no"), products.c.unit)
    .outerjoin(shipments, shipments.c.id == invoice_lines.c.shipment_id)
    .outerjoin(order_lines, order_lines.c.id == invoice_lines.c.order_line_id)
    .outerjoin(products, products.c.id == order_lines.c.product_id)
    .where(invoice_lines.c.invoice_id == bindparam("iid")).order_by(invoice_lines.c.line_no))
_HEADS = Prepared(select(orders.c.id, orders.c.customer_po, orders.c.created_at).where(in_ids(orders.c.id)),
                  expanding="ids")
_INVOICE = Prepared(select(invoices).where(invoices.c.id == bindparam("id")))


def fill_after(before: int, qty: int, wanted: list[int]) -> list[int]:
    """This invoice's units per buyer line, after `before` units of the same order line were billed earlier:
    first line first; units beyond what the buyer asked for go on its last line."""
    upto, after = fill_in_order(before, wanted), fill_in_order(before + qty, wanted)
    out = [b - a for a, b in zip(upto, after)]
    out[-1] += qty - sum(out)
    return out


def _billed_before(conn: Connection, invoice_id: int, order_line_ids: set[int]) -> dict[int, int]:
    """Units of each order line on earlier invoices that still stand."""
    return {r[0]: r[1] for ids in id_chunks(sorted(order_line_ids))
            for r in _BILLED_BEFORE.rows(conn, {"iid": invoice_id, **ids})}


def _buyer_views(conn: Connection, created: dict[int, date]) -> dict[int, tuple[list[dict], date]]:
    """Each order's lines as the buyer named them, and the PO date (ours: the day the order was placed), for
    orders placed on these days: the 850s in one read, the other orders' own lines in another."""
    out = {oid: (d["lines"], date.fromisoformat(d["po_date"])) for oid, d in buyer_lines_of(conn, created).items()
           if d}
    ours = sorted(set(created) - set(out))
    rows: dict[int, list] = {oid: [] for oid in ours}
    for ids in id_chunks(ours):
        for r in _OUR_LINES.rows(conn, ids):
            rows[r.order_id].append(r)
    for oid, lines in rows.items():
        out[oid] = our_lines([r._asdict() for r in lines], {r.sku: r.unit for r in lines}), created[oid]
    return out


def _terms(inv: Row) -> InvoiceTerms:
    net_days = (inv.due_on - inv.issued_on).days
    if inv.discount_until is None or not inv.discount_pct:
        return InvoiceTerms(inv.terms, net_days, inv.due_on)
    return InvoiceTerms(inv.terms, net_days, inv.due_on, inv.discount_pct, (inv.discount_until - inv.issued_on).days,
                        inv.discount_until, early_payment_discount(inv.total, inv.discount_pct))


def edi_invoice_of(conn: Connection, inv: Row, partner: Row, purpose: str) -> EdiInvoice:
    """The 810 of an issued invoice, as the invoice was issued (its lines, rates, terms and bill-to)."""
    return _edi_invoice(conn, inv, partner, purpose)[0]


def _edi_invoice(conn: Connection, inv: Row, partner: Row, purpose: str) -> tuple[EdiInvoice, list[int]]:
    """edi_invoice_of, and the orders the invoice bills (in id order)."""
    number = invoice_number(inv.id)
    if inv.kind != "invoice":
        raise Conflict("not_an_issued_invoice", f"invoice: {number} is a balance brought forward, not an invoice of "
                       "goods; it has no 810", field="invoice", kind=inv.kind)
    lines = _LINES.rows(conn, {"iid": inv.id})
    goods = [ln for ln in lines if ln.kind == "goods"]
    heads = {r.id: r for ids in id_chunks(sorted({g.order_id for g in goods})) for r in _HEADS.rows(conn, ids)}
    buyer = _buyer_views(conn, {oid: h.created_at.date() for oid, h in sorted(heads.items())})
    sites = ship_to_parties(conn, partner.id, {g.ship_to_id for g in goods})
    before = _billed_before(conn, inv.id, {g.order_line_id for g in goods})
    billed: dict[tuple[int, int], tuple[Any, int]] = {}  # (order, buyer line) -> (invoice line, units)
    by_sku: dict[int, dict[str, list[int]]] = {}  # order -> SKU -> its buyer lines
    for g in goods:
        bl = buyer[g.order_id][0]
        skus = by_sku.get(g.order_id)
        if skus is None:
            skus = by_sku[g.order_id] = {}
            for i, b in enumerate(bl):
                skus.setdefault(b["sku"], []).append(i)
        mine = skus.get(g.sku)
        if not mine:  # a line the buyer did not ask for: under our own line number and SKU
            bl.append({"line_id": str(g.order_line_no), "qty": g.qty, "unit": X12_UNIT.get(g.unit, "EA"),
                       "item_ids": [["VP", g.sku]], "sku": g.sku})
            mine = skus[g.sku] = [len(bl) - 1]
        for i, units in zip(mine, fill_after(before.get(g.order_line_id, 0), g.qty, [bl[i]["qty"] for i in mine])):
            if units:
                billed[(g.order_id, i)] = (g, billed.get((g.order_id, i), (g, 0))[1] + units)
        before[g.order_line_id] = before.get(g.order_line_id, 0) + g.qty
    items = []
    for (oid, i), (g, units) in billed.items():
        b = buyer[oid][0][i]
        items.append(InvoiceItem(b["line_id"], units, b["unit"], g.unit_price,
                                 tuple(ItemId(q, v) for q, v in b["item_ids"]), g.description, g.tax_rate,
                                 heads[oid].customer_po or order_number(oid), order_number(oid), sites[g.ship_to_id]))
    t = totals((ln.net_amount, ln.tax_rate) for ln in lines)
    b = inv.bill_to or {}
    return EdiInvoice(
        number=number, invoice_date=inv.issued_on, po_date=buyer[next(iter(heads))][1] if len(heads) == 1 else None,
        currency=inv.currency, bill_to=BillTo(b.get("name") or "", b.get("customer") or "", b.get("street") or "",
                                              b.get("city") or "", b.get("postal_code") or "", b.get("country") or ""),
        terms=_terms(inv), items=tuple(items),
        charges=tuple(Charge(FREIGHT, ln.net_amount, ln.description) for ln in lines if ln.kind == "freight"),
        taxes=tuple(TaxTotal(grp.rate, grp.net, grp.tax) for grp in t.groups), total=inv.total,
        purpose=purpose), sorted({ln.order_id for ln in lines if ln.order_id is not None})


def send_invoice_in(conn: Connection, clock: Clock, actor: Actor, inv: Row, partner: Row, purpose: str) -> int:
    """Build, envelope and store the 810 in the caller's transaction; note it on each order billed."""
    doc, order_ids = _edi_invoice(conn, inv, partner, purpose)
    doc_id, _ = send(conn, partner, "810", [build_810(doc)], at=clock.now(), actor=actor.username,
                     order_id=order_ids[0] if len(order_ids) == 1 else None, invoice_ref=doc.number)
    append_events(conn, [event_row(oid, "edi_sent", at=clock.now(), actor=actor.username,
                                   reason=f"810 invoice ({PURPOSES[purpose]})", payload={
                                       "set": "810", "document_id": doc_id, "partner": partner.code,
                                       "invoice": doc.number, "purpose": purpose, "total": str(doc.total)})
                         for oid in order_ids])
    return doc_id


def _invoice(conn: Connection, invoice_id: int) -> Row:
    inv = _INVOICE.first(conn, {"id": invoice_id})
    if inv is None:
        raise NotFound("invoice_not_found", f"invoice {invoice_id}: no such invoice", field="invoice")
    return inv


def _sent_before(conn: Connection, partner_id: int, number: str) -> bool:
    return conn.execute(select(edi_documents.c.id).where(
        edi_documents.c.partner_id == partner_id, edi_documents.c.direction == "out",
        edi_documents.c.set_code == "810", edi_documents.c.invoice_ref == number).limit(1)).first() is not None


def on_invoice_issued(conn: Connection, clock: Clock, actor: Actor, customer_id: int, invoice_id: int, *,
                      partners: dict[int, Row] | None = None) -> int | None:
    """Billing's hook: an EDI customer's new invoice goes out as an 810 (original). One indexed look-up for
    everyone else (none when the caller read `partners`, active_partners of its customers). Returns the
    document id, or None."""
    partner = active_partner(conn, customer_id) if partners is None else partners.get(customer_id)
    return send_invoice_in(conn, clock, actor, _invoice(conn, invoice_id), partner, "00") if partner else None


def on_invoice_cancelled(conn: Connection, clock: Clock, actor: Actor, customer_id: int,
                         invoice_id: int) -> int | None:
    """Billing's hook: a cancelled invoice the partner was sent goes out again as its cancellation (01)."""
    partner = active_partner(conn, customer_id)
    if partner is None or not _sent_before(conn, partner.id, invoice_number(invoice_id)):
        return None
    return send_invoice_in(conn, clock, actor, _invoice(conn, invoice_id), partner, "01")


def send_invoice(uow: UnitOfWork, clock: Clock, actor: Actor, invoice_id: int) -> dict[str, Any]:
    """810 on demand: the original if none was sent yet, else a duplicate; a cancelled invoice's cancellation."""
    actor.require(Permission.EXCHANGE_EDI)

    def work(conn: Connection) -> int:
        inv = _invoice(conn, invoice_id)
        partner = partner_of_customer(conn, inv.customer_id, "invoice")
        purpose = "01" if inv.status == "cancelled" else \
            "07" if _sent_before(conn, partner.id, invoice_number(invoice_id)) else "00"
        return send_invoice_in(conn, clock, actor, inv, partner, purpose)

    return get_document(uow, actor, uow.run(work))

