"""Billing: invoices (search, the invoice with its terms, applications, credit notes and disputes, PDF), cancel or
reissue, disputes raised and resolved, and the periodic invoice run as a background job. Payments, credit notes
and receivables have their own modules (billing_cash, billing_credit, billing_receivables); the navigation and
the order page's billing panel are declared here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.credit_notes import CreditLine
from ...domain.disputes import DisputeCategory, DisputeStatus
from ...domain.errors import DomainError, NotFound
from ...domain.invoicing import invoice_number
from ...domain.receivables import DUNNING_LEVELS
from ...services import billing_views, invoice_changes, invoicing, jobs
from ...services.order_billing import order_billing
from ..billing_forms import error_on, invoice_id, number, order_ref, show
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, calendar_date, text
from ..registry import NavEntry, OrderPanel

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_INVOICES))]
Biller = Annotated[Page, Depends(needs(P.BILL))]
Disputer = Annotated[Page, Depends(needs(P.DISPUTE_INVOICE))]

NAV = [
    NavEntry("Billing", "/invoices", P.READ_RECEIVABLES, 40, "Invoices, payments and their application, credit "
             "notes, disputes, receivables aging and dunning."),
    NavEntry("Invoices", "/invoices", P.READ_INVOICES, 40, "Customers' invoices, payments, credit notes and "
             "disputes.", roles=frozenset({Role.CS_AGENT})),
    NavEntry("My invoices", "/invoices", P.READ_INVOICES, 40, "Your invoices (PDF), payments, credit and open "
             "items; dispute an invoice.", roles=frozenset({Role.CUSTOMER})),
]
ORDER_PANELS = [
    OrderPanel("billing", "Invoices, payments and credit", "billing/_order_panel.html",
               lambda conn, actor, order_id: order_billing(conn, order_id), P.READ_INVOICES, 20),
]
STATUSES = ("open", "overdue", "paid", "cancelled")
DUNNING_NAMES = {d.level: d.name for d in DUNNING_LEVELS}
PAGE_SIZE = 50


def _invoice_list(p: Page, filters: Form, offset: int = 0, *, errors: FieldErrors | None = None,
                  status: int = 200):
    errors = errors or FieldErrors()
    search = FieldErrors()
    start, end = calendar_date(filters, "issued_from", search), calendar_date(filters, "issued_to", search)
    page = {"total": 0, "items": []}
    chosen = filters.get("status")
    if not search:
        try:
            page = billing_views.list_invoices(
                p.uow, p.clock, p.actor, customer=filters.get("customer") or None,
                status=None if chosen in ("", "overdue") else chosen, overdue=chosen == "overdue",
                issued_from=start, issued_to=end, limit=PAGE_SIZE, offset=max(0, min(offset, 10_000_000)))
        except DomainError as exc:
            search.take(exc)
    errors.update({k: v for k, v in search.items() if k not in errors})
    query = "&".join(f"{k}={v}" for k, v in filters.values.items() if v)
    return show(p, "billing/invoices.html", page=page, values={**filters.values, **p.form.values}, errors=errors,
                status=status, limit=PAGE_SIZE, offset=offset, base=f"/invoices?{query}", statuses=STATUSES,
                can_bill=p.allowed(P.BILL), today=p.clock.today(), dunning_names=DUNNING_NAMES)


@router.get("/invoices")
def invoice_list(p: Reader, customer: str = "", status: str = "", issued_from: str = "", issued_to: str = "",
                 offset: int = 0):
    filters = Form([("customer", customer[:40]), ("status", status[:20]), ("issued_from", issued_from),
                    ("issued_to", issued_to)])
    return _invoice_list(p, filters, offset)


@router.post("/invoice-runs")
def invoice_run(p: Biller):
    """Issue what is due through a day (closed weekly/monthly periods, shipments not yet invoiced): one
    transaction per customer, so it runs in the background with progress."""
    errors = FieldErrors()
    through = calendar_date(p.form, "through", errors)
    if not errors:
        try:
            through = invoicing.run_through(p.clock, through)
        except DomainError as exc:
            errors.take(exc)
    if errors:
        return _invoice_list(p, Form([]), errors=errors, status=422)
    uow, clock, actor = p.uow, p.clock, p.actor

    def work(progress):
        ids = invoicing.run_invoicing(uow, clock, actor, through,
                                      lambda done, total: progress(done, total, f"customer {done} of {total}"))
        return {"through": through.isoformat(), "count": len(ids), "invoices": [invoice_number(i) for i in ids[:100]]}

    job_id = jobs.start_job(uow, clock, actor, kind="invoice_run", title=f"Invoice run through {through}", work=work)
    return p.redirect(f"/jobs/{job_id}")


def _invoice_page(p: Page, n: int, *, errors: FieldErrors | None = None, status: int = 200):
    inv = billing_views.get_invoice(p.uow, p.clock, p.actor, n)
    return show(p, "billing/invoice.html", inv=inv, errors=errors or FieldErrors(), status=status,
                can_bill=p.allowed(P.BILL), can_dispute=p.allowed(P.DISPUTE_INVOICE),
                can_credit=p.allowed(P.CREDIT_CUSTOMER), categories=[c.value for c in DisputeCategory],
                outcomes=[DisputeStatus.UPHELD.value, DisputeStatus.REJECTED.value],
                orders=sorted({ln["order"] for ln in inv["lines"] if ln["order"]}))


@router.get("/invoices/{ref}")
def invoice_page(p: Reader, ref: str):
    return _invoice_page(p, invoice_id(ref))


@router.get("/invoices/{ref}/invoice.pdf")
def invoice_pdf(p: Reader, ref: str):
    n = invoice_id(ref)
    return Response(billing_views.invoice_pdf(p.uow, p.clock, p.actor, n), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{invoice_number(n)}.pdf"'})


@router.post("/invoices/{ref}/cancel")
def cancel(p: Biller, ref: str):
    n = invoice_id(ref)
    reissue = p.form.get("reissue") == "on"
    try:
        new = invoice_changes.cancel_invoice(p.uow, p.clock, p.actor, n, p.form.get("reason")[:500], reissue=reissue)
    except DomainError as exc:
        return _invoice_page(p, n, errors=error_on(exc, fields={"reason": "reason"}, other="_general"),
                             status=409 if exc.kind == "conflict" else 422)
    if new:
        return p.redirect(f"/invoices/{invoice_number(new)}", flash=f"{invoice_number(n)} cancelled; reissued as "
                          f"{invoice_number(new)}")
    return p.redirect(f"/invoices/{invoice_number(n)}", flash=f"{invoice_number(n)} cancelled; the next invoice run "
                      "invoices its goods again")


@router.post("/invoices/{ref}/disputes")
def raise_dispute(p: Disputer, ref: str):
    n = invoice_id(ref)
    errors = FieldErrors()
    order_id = order_ref(p.form, "order", errors)
    if not errors:
        try:
            invoice_changes.raise_dispute(p.uow, p.clock, p.actor, n, category=p.form.get("category")[:40],
                                          description=p.form.get("description")[:2000], order_id=order_id)
            return p.redirect(f"/invoices/{invoice_number(n)}#disputes", flash="Dispute recorded: finance will look "
                              "into it; the invoice is not chased meanwhile")
        except DomainError as exc:
            errors = error_on(exc, fields={"category": "category", "description": "description", "order": "order"},
                              other="_general")
    return _invoice_page(p, n, errors=errors, status=422)


@router.post("/invoices/{ref}/disputes/{dispute_id}/resolve")
def resolve_dispute(p: Biller, ref: str, dispute_id: DbId):
    """Uphold (with an optional credit note against the invoice) or reject a dispute of this invoice."""
    n = invoice_id(ref)
    inv = billing_views.get_invoice(p.uow, p.clock, p.actor, n)
    if dispute_id not in {d["id"] for d in inv["disputes"]}:
        raise NotFound("dispute_not_found", f"dispute {dispute_id}: not a dispute of {inv['number']}", field="dispute")
    prefix = f"disputes[{dispute_id}]."
    errors = FieldErrors()
    amount = number(p.form, prefix + "credit_amount", errors)
    rate = number(p.form, prefix + "credit_tax_rate", errors)
    resolution = text(p.form, prefix + "resolution", errors, max_length=1000)
    if not errors:
        credit = [CreditLine(f"Correction of {inv['number']} (dispute {dispute_id})", amount, None, None, rate)] \
            if amount is not None else None
        try:
            done = invoice_changes.resolve_dispute(p.uow, p.clock, p.actor, dispute_id,
                                                   outcome=p.form.get(prefix + "outcome")[:20],
                                                   resolution=resolution, credit=credit)
            flash = f"Dispute {dispute_id} {done['status']}" + (f", credit note {done['credit_note']} applied"
                                                                 if done["credit_note"] else "")
            return p.redirect(f"/invoices/{inv['number']}#disputes", flash=flash)
        except DomainError as exc:
            errors = error_on(exc, prefix, {"outcome": "outcome", "resolution": "resolution", "reason": "resolution",
                                            "credit": "credit_amount", "lines[0].amount": "credit_amount",
                                            "lines[0].tax_rate": "credit_tax_rate"}, other="_general")
    return _invoice_page(p, n, errors=errors, status=422)
