"""Invoices, invoice runs, disputes, credit notes, billing set-up and tax rates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ...domain.cash import Allocation
from ...domain.credit_notes import CreditLine
from ...domain.errors import NotFound
from ...domain.invoicing import parse_credit_note_number, parse_invoice_number
from ...domain.orders import parse_order_number
from ...services import billing_setup, billing_views as views, invoice_changes, invoicing, payments
from ...services.credit_requests import CreditRequest, RequestedCreditLine, credit_customer
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_billing import (
    ApplyIn, BillingIn, CancelInvoiceIn, CreditNoteIn, DisputeIn, InvoiceRunIn, ResolveIn, TaxRateIn,
)

router = APIRouter(tags=["billing"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def invoice_id(ref: str, field: str = "invoice") -> int:
    n = parse_invoice_number(ref)
    if n is None:
        raise NotFound("invoice_not_found", f"{field}: no invoice '{ref}'", field=field)
    return n


def credit_note_id(ref: str, field: str = "credit_note") -> int:
    n = parse_credit_note_number(ref)
    if n is None:
        raise NotFound("credit_note_not_found", f"{field}: no credit note '{ref}'", field=field)
    return n


def order_id(ref: str | None, field: str = "order") -> int | None:
    if ref is None:
        return None
    n = parse_order_number(ref)
    if n is None:
        raise NotFound("order_not_found", f"{field}: no order '{ref}'", field=field)
    return n


def allocations(body: ApplyIn) -> list[Allocation] | None:
    if body.allocations is None:
        return None
    return [Allocation(invoice_id(a.invoice, f"allocations[{i}].invoice"), a.amount)
            for i, a in enumerate(body.allocations)]


@router.get("/invoices")
def list_invoices(ctx: CtxDep, customer: str | None = None, status: str | None = None, order: str | None = None,
                  overdue: bool = False, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Invoices, newest first; `order` finds the invoices that bill an order (SO-…)."""
    oid = order_id(order) if order else None
    return views.list_invoices(ctx.uow, ctx.clock, ctx.actor, customer=customer, status=status, order_id=oid,
                               overdue=overdue, limit=limit, offset=offset)


@router.get("/invoices/{invoice_ref}")
def get_invoice(ctx: CtxDep, invoice_ref: str) -> dict[str, Any]:
    return views.get_invoice(ctx.uow, ctx.clock, ctx.actor, invoice_id(invoice_ref))


@router.get("/invoices/{invoice_ref}/invoice.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def invoice_pdf(ctx: CtxDep, invoice_ref: str) -> Response:
    n = invoice_id(invoice_ref)
    pdf = views.invoice_pdf(ctx.uow, ctx.clock, ctx.actor, n)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="invoice-{n:07d}.pdf"'})


@router.post("/invoices/{invoice_ref}/cancel")
def cancel_invoice(ctx: CtxDep, invoice_ref: str, body: CancelInvoiceIn) -> dict[str, Any]:
    """Cancel an invoice nothing is applied to; with reissue, a corrected one is issued at once."""
    n = invoice_id(invoice_ref)
    new = invoice_changes.cancel_invoice(ctx.uow, ctx.clock, ctx.actor, n, body.reason, reissue=body.reissue)
    return {"cancelled": views.get_invoice(ctx.uow, ctx.clock, ctx.actor, n),
            "reissued": views.get_invoice(ctx.uow, ctx.clock, ctx.actor, new) if new else None}


@router.post("/invoices/{invoice_ref}/disputes", status_code=201)
def raise_dispute(ctx: CtxDep, invoice_ref: str, body: DisputeIn) -> dict[str, Any]:
    """Flag an invoice as wrong (wrong price, quantity, customer data…): a documentation error of its orders."""
    n = invoice_id(invoice_ref)
    invoice_changes.raise_dispute(ctx.uow, ctx.clock, ctx.actor, n, category=body.category,
                                  description=body.description, order_id=order_id(body.order))
    return views.get_invoice(ctx.uow, ctx.clock, ctx.actor, n)


@router.get("/disputes")
def list_disputes(ctx: CtxDep, status: str | None = None, customer: str | None = None, limit: Limit = 50,
                  offset: Offset = 0) -> dict[str, Any]:
    return views.list_disputes(ctx.uow, ctx.actor, status=status, customer=customer, limit=limit, offset=offset)


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(ctx: CtxDep, dispute_id: Annotated[int, Path(ge=1, le=2**62)], body: ResolveIn) -> dict[str, Any]:
    """Uphold (with an optional credit against the invoice) or reject a dispute."""
    credit = [CreditLine(c.description, c.amount, c.qty, None, c.tax_rate) for c in body.credit or []]
    return invoice_changes.resolve_dispute(ctx.uow, ctx.clock, ctx.actor, dispute_id, outcome=body.outcome,
                                           resolution=body.resolution, credit=credit or None)


@router.post("/invoice-runs")
def run_invoicing(ctx: CtxDep, body: InvoiceRunIn) -> dict[str, Any]:
    """Issue what is due through a day: closed weekly/monthly periods and any shipment not yet invoiced."""
    ids = invoicing.run_invoicing(ctx.uow, ctx.clock, ctx.actor, body.through)
    return {"invoices": [views.get_invoice(ctx.uow, ctx.clock, ctx.actor, i) for i in ids]}


@router.get("/credit-notes")
def list_credit_notes(ctx: CtxDep, customer: str | None = None, order: str | None = None, limit: Limit = 50,
                      offset: Offset = 0) -> dict[str, Any]:
    return views.list_credit_notes(ctx.uow, ctx.actor, customer=customer, order_id=order_id(order) if order else None,
                                   limit=limit, offset=offset)


@router.get("/credit-notes/{credit_note_ref}")
def get_credit_note(ctx: CtxDep, credit_note_ref: str) -> dict[str, Any]:
    return views.get_credit_note(ctx.uow, ctx.actor, credit_note_id(credit_note_ref))


@router.post("/credit-notes", status_code=201)
def raise_credit_note(ctx: CtxDep, body: CreditNoteIn) -> dict[str, Any]:
    """Credit a customer: a price correction, service recovery or manual credit (returns and cases raise theirs
    themselves). Against an invoice it is applied at once; for an order, to the order's open invoices."""
    cn = credit_customer(ctx.uow, ctx.clock, ctx.actor, CreditRequest(
        customer=body.customer, reason=body.reason, source=body.source, source_ref=body.source_ref,
        order_id=order_id(body.order), invoice_id=invoice_id(body.invoice) if body.invoice else None,
        currency=body.currency, lines=[RequestedCreditLine(ln.description, ln.amount, ln.qty, ln.order_line,
                                                           ln.tax_rate) for ln in body.lines]))
    return views.get_credit_note(ctx.uow, ctx.actor, cn)


@router.post("/credit-notes/{credit_note_ref}/apply")
def apply_credit_note(ctx: CtxDep, credit_note_ref: str, body: ApplyIn) -> dict[str, Any]:
    n = credit_note_id(credit_note_ref)
    payments.apply_credit_note(ctx.uow, ctx.clock, ctx.actor, n, allocations(body))
    return views.get_credit_note(ctx.uow, ctx.actor, n)


@router.get("/customers/{code}/billing")
def get_billing(ctx: CtxDep, code: str) -> dict[str, Any]:
    """How the customer is invoiced (cycle, freight) and its effective payment terms."""
    return billing_setup.get_billing(ctx.uow, ctx.actor, code)


@router.put("/customers/{code}/billing")
def set_billing(ctx: CtxDep, code: str, body: BillingIn) -> dict[str, Any]:
    billing_setup.set_billing(ctx.uow, ctx.clock, ctx.actor, code, invoicing=body.invoicing,
                              charge_freight=body.charge_freight, invoice_email=body.invoice_email)
    return billing_setup.get_billing(ctx.uow, ctx.actor, code)


@router.get("/tax-rates")
def list_tax_rates(ctx: CtxDep) -> list[dict[str, Any]]:
    return billing_setup.list_tax_rates(ctx.uow, ctx.actor)


@router.put("/tax-rates")
def set_tax_rate(ctx: CtxDep, body: TaxRateIn) -> list[dict[str, Any]]:
    """Set the rate of a scope (a customer and/or a product, or neither: the default), replacing its rule."""
    billing_setup.set_tax_rate(ctx.uow, ctx.actor, rate=body.rate, name=body.name, customer=body.customer,
                               sku=body.sku)
    return billing_setup.list_tax_rates(ctx.uow, ctx.actor)

