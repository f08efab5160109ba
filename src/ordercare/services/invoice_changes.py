"""After an invoice is issued: cancelling (and reissuing) it, and disputes — raised, resolved, read per order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.credit_notes import CreditLine, CreditSource
from ..domain.disputes import COUNTS_AS_ERROR, DisputeCategory, DisputeStatus, check_dispute, check_outcome
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.invoicing import credit_note_number, invoice_number
from ..domain.orders import order_number
from ..store.billing_tables import invoice_disputes, invoice_lines, invoices
from ..store.db import UnitOfWork
from ..store.events import append_event
from . import edi_invoice, ledger
from .credit_notes import raise_credit_note_in
from .invoicing import issue_invoice_in, release_invoiced, uninvoiced_goods
from .measure_facts import refresh_order_facts


def invoice_for(conn: Connection, actor: Actor, invoice_id: int, *, lock: bool = False):
    """The invoice, or 404 — also for another customer's invoice asked for by a customer user."""
    q = select(invoices).where(invoices.c.id == invoice_id)
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound("invoice_not_found", f"invoice {invoice_id}: no such invoice", field="invoice")
    return row


def cancel_invoice(uow: UnitOfWork, clock: Clock, actor: Actor, invoice_id: int, reason: str, *,
                   reissue: bool = False) -> int | None:
    """Cancel an invoice nothing has been applied to (wrong customer data, billed to the wrong account…).
    Its goods are uninvoiced again: reissued at once under today's customer data when asked, otherwise by
    the next invoice run. Open disputes on it are upheld. Returns the new invoice id, if reissued."""
    actor.require(Permission.BILL)
    if not reason or not reason.strip() or len(reason) > 300:
        raise ValidationFailed("reason_required", "reason: say why the invoice is cancelled (up to 300 characters)",
                               field="reason")

    def work(conn: Connection) -> int | None:
        inv = invoice_for(conn, actor, invoice_id)
        ledger.customer_row(conn, inv.customer_id)
        number = invoice_number(invoice_id)
        if inv.status == "cancelled":
            raise Conflict("invoice_cancelled", f"invoice: {number} is cancelled already", field="invoice")
        if inv.paid or inv.credited or inv.discount_taken:
            raise Conflict("invoice_has_applications", f"invoice: payments or credit notes are applied to {number}; "
                           "correct it with a credit note instead", field="invoice", paid=str(inv.paid),
                           credited=str(inv.credited))
        now = clock.now()
        if conn.execute(update(invoices).where(invoices.c.id == invoice_id, invoices.c.paid == 0,
                                               invoices.c.credited == 0, invoices.c.status != "cancelled")
                        .values(status="cancelled", cancelled_at=now, cancel_reason=reason.strip(),
                                open_amount=0)).rowcount != 1:
            raise Conflict("invoice_changed", f"invoice: {number} changed meanwhile; reload and retry", field="invoice")
        release_invoiced(conn, invoice_id)
        ledger.post(conn, inv.customer_id, "invoice_void", number, -inv.total, clock.today())
        edi_invoice.on_invoice_cancelled(conn, clock, actor, inv.customer_id, invoice_id)  # before any reissue
        new_id = None
        if reissue:
            line_ids = list(conn.execute(select(invoice_lines.c.shipment_line_id).where(
                invoice_lines.c.invoice_id == invoice_id, invoice_lines.c.kind == "goods")).scalars())
            goods = uninvoiced_goods(conn, inv.customer_id, line_ids=line_ids)
            if goods:
                period = (inv.period_from, inv.period_to) if inv.period_from else None
                new_id = issue_invoice_in(conn, clock, actor, inv.customer_id, goods, period=period)
        note = f"invoice cancelled: {reason.strip()}" + (f"; reissued as {invoice_number(new_id)}" if new_id else "")
        conn.execute(update(invoice_disputes).where(invoice_disputes.c.invoice_id == invoice_id,
                                                    invoice_disputes.c.status == DisputeStatus.OPEN)
                     .values(status=DisputeStatus.UPHELD, resolution=note[:1000], resolved_at=now,
                             resolved_by=actor.username))
        ledger.invoice_events(conn, clock, actor, "invoice_cancelled", {invoice_id: {
            "total": str(inv.total), "reissued_as": invoice_number(new_id) if new_id else None}}, reason=reason.strip())
        return new_id

    return uow.run(work)


def raise_dispute(uow: UnitOfWork, clock: Clock, actor: Actor, invoice_id: int, *, category: str, description: str,
                  order_id: int | None = None) -> int:
    """Flag an invoice as wrong (a customer on its own invoices, or a rep). It is not chased while open."""
    actor.require(Permission.DISPUTE_INVOICE)
    cat = check_dispute(category, description)

    def work(conn: Connection) -> int:
        inv = invoice_for(conn, actor, invoice_id)
        if inv.status == "cancelled":
            raise Conflict("invoice_cancelled", f"invoice: {invoice_number(invoice_id)} is cancelled",
                           field="invoice")
        on_it = ledger.orders_on(conn, [invoice_id]).get(invoice_id, [])
        if order_id is not None and order_id not in on_it:
            raise ValidationFailed("order_not_on_invoice", f"order: {order_number(order_id)} is not billed on "
                                   f"{invoice_number(invoice_id)}", field="order")
        now = clock.now()
        dispute_id = conn.execute(invoice_disputes.insert().values(
            invoice_id=invoice_id, order_id=order_id, category=cat.value, description=description.strip(),
            status=DisputeStatus.OPEN, raised_at=now, raised_by=actor.username, raised_by_customer=actor.is_customer)
            .returning(invoice_disputes.c.id)).scalar_one()
        _dispute_events(conn, clock, actor, invoice_id, order_id, "invoice_disputed",
                        {"dispute": dispute_id, "category": cat.value, "by_customer": actor.is_customer},
                        description.strip())
        return dispute_id

    return uow.run(work)


def resolve_dispute(uow: UnitOfWork, clock: Clock, actor: Actor, dispute_id: int, *, outcome: str, resolution: str,
                    credit: list[CreditLine] | None = None) -> dict[str, Any]:
    """Uphold (optionally with a credit note against the invoice) or reject a dispute."""
    actor.require(Permission.BILL)
    status = check_outcome(outcome, resolution)
    if credit and status is DisputeStatus.REJECTED:
        raise ValidationFailed("credit_with_rejection", "credit: a rejected dispute credits nothing", field="credit")

    def work(conn: Connection) -> dict[str, Any]:
        d = conn.execute(select(invoice_disputes).where(invoice_disputes.c.id == dispute_id)).first()
        if d is None:
            raise NotFound("dispute_not_found", f"dispute {dispute_id}: no such dispute", field="dispute_id")
        if d.status != DisputeStatus.OPEN:
            raise Conflict("dispute_closed", f"dispute {dispute_id} was {d.status} already", field="dispute_id",
                           status=d.status)
        inv = invoice_for(conn, actor, d.invoice_id)
        cn_id = None
        if credit:
            source = CreditSource.PRICE_CORRECTION if d.category == DisputeCategory.WRONG_PRICE else CreditSource.MANUAL
            cn_id = raise_credit_note_in(conn, clock, actor, customer_id=inv.customer_id, reason=resolution.strip(),
                                         lines=credit, order_id=d.order_id, invoice_id=inv.id, source=source.value,
                                         source_ref=f"dispute:{dispute_id}")
        conn.execute(update(invoice_disputes).where(invoice_disputes.c.id == dispute_id).values(
            status=status, resolution=resolution.strip(), resolved_at=clock.now(), resolved_by=actor.username,
            credit_note_id=cn_id))
        _dispute_events(conn, clock, actor, inv.id, d.order_id, "invoice_dispute_resolved",
                        {"dispute": dispute_id, "outcome": status.value,
                         "credit_note": credit_note_number(cn_id) if cn_id else None}, resolution.strip())
        return {"dispute_id": dispute_id, "status": status.value,
                "credit_note": credit_note_number(cn_id) if cn_id else None}

    return uow.run(work)


def _dispute_events(conn, clock, actor, invoice_id, order_id, kind, payload, reason) -> None:
    if order_id is None:
        ledger.invoice_events(conn, clock, actor, kind, {invoice_id: payload}, reason=reason)
    else:
        append_event(conn, order_id, kind, at=clock.now(), actor=actor.username, reason=reason,
                     payload={"invoice": invoice_number(invoice_id), **payload})
    # Documentation correct (perfect order, billing accuracy) of the orders on the invoice.
    refresh_order_facts(conn, [order_id] if order_id is not None else
                        ledger.orders_on(conn, [invoice_id]).get(invoice_id, []))


def disputes_for_orders(conn: Connection, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every dispute touching each order: on an invoice that bills it, naming it or naming no order.

    For the perfect-order measure: an order's documentation is incorrect when any of these has
    counts_as_error (open or upheld; a rejected dispute means the invoice was right)."""
    out: dict[int, list[dict[str, Any]]] = {o: [] for o in order_ids}
    if not order_ids:
        return out
    rows = conn.execute(select(invoice_lines.c.order_id.label("billed_order"), invoice_disputes).distinct()
                        .join(invoice_disputes, invoice_disputes.c.invoice_id == invoice_lines.c.invoice_id)
                        .where(invoice_lines.c.order_id.in_(sorted(set(order_ids))),
                               or_(invoice_disputes.c.order_id.is_(None),
                                   invoice_disputes.c.order_id == invoice_lines.c.order_id))
                        .order_by("billed_order", invoice_disputes.c.id)).all()
    for r in rows:
        out[r.billed_order].append(dispute_row(r))
    return out


def dispute_row(r) -> dict[str, Any]:
    return {"id": r.id, "invoice_id": r.invoice_id, "invoice": invoice_number(r.invoice_id),
            "order": order_number(r.order_id) if r.order_id else None, "category": r.category,
            "description": r.description, "status": r.status, "counts_as_error": r.status in COUNTS_AS_ERROR,
            "raised_at": r.raised_at, "raised_by_customer": r.raised_by_customer, "resolution": r.resolution,
            "resolved_at": r.resolved_at, "credit_note": credit_note_number(r.credit_note_id)
            if r.credit_note_id else None}
