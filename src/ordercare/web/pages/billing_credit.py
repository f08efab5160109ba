"""Credit notes (list, page, a manual credit or price correction raised by finance or a manager, applying
customer credit, refunding it) and the list of disputes by status (each is resolved on its invoice's page)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.credit_notes import CreditSource
from ...domain.disputes import DisputeStatus
from ...domain.errors import DomainError
from ...domain.invoicing import credit_note_number, parse_invoice_number
from ...services import billing_views, payments
from ...services.credit_requests import CreditRequest, RequestedCreditLine, credit_customer, refund_customer
from ..billing_forms import (
    apply_from_form,
    credit_note_id,
    document_ref,
    error_on,
    moved_to,
    number,
    order_ref,
    show,
)
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, renumber, text, whole_number
from .billing import PAGE_SIZE
from .billing_cash import METHODS

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_INVOICES))]
Biller = Annotated[Page, Depends(needs(P.BILL))]
Crediter = Annotated[Page, Depends(needs(P.CREDIT_CUSTOMER))]
# Returns and complaint cases raise their own credit notes; by hand, these.
SOURCES = [CreditSource.PRICE_CORRECTION.value, CreditSource.MANUAL.value, CreditSource.SERVICE_RECOVERY.value]
LINE_FIELDS = ("description", "amount", "qty", "order_line", "tax_rate")


@router.get("/credit-notes")
def credit_note_list(p: Reader, customer: str = "", order: str = "", offset: int = 0):
    filters = Form([("customer", customer[:40]), ("order", order[:40])])
    errors = FieldErrors()
    order_id = order_ref(filters, "order", errors)
    offset = max(0, min(offset, 10_000_000))
    page = {"total": 0, "items": []}
    if not errors:
        page = billing_views.list_credit_notes(p.uow, p.actor, customer=filters.get("customer") or None,
                                               order_id=order_id, limit=PAGE_SIZE, offset=offset)
    query = "&".join(f"{k}={v}" for k, v in filters.values.items() if v)
    return show(p, "billing/credit_notes.html", page=page, values=filters.values, errors=errors, limit=PAGE_SIZE,
                offset=offset, base=f"/credit-notes?{query}", can_credit=p.allowed(P.CREDIT_CUSTOMER))


def _new_credit_note(p: Page, values: dict, rows: int, *, errors: FieldErrors | None = None, status: int = 200):
    return show(p, "billing/credit_note_new.html", values=values, rows=rows, errors=errors or FieldErrors(),
                sources=SOURCES, status=status)


@router.get("/credit-notes/new")
def new_credit_note(p: Crediter, customer: str = "", invoice: str = "", order: str = ""):
    return _new_credit_note(p, {"customer": customer[:40], "invoice": invoice[:40], "order": order[:40],
                                "source": CreditSource.PRICE_CORRECTION.value}, 3)


def _row_count(form: Form) -> int:
    shown = form.get("rows")
    return max(1, min(int(shown) if shown.isdigit() and len(shown) < 4 else 3, 100))


def _credit_request(p: Page, rows: int, errors: FieldErrors) -> tuple[CreditRequest | None, list[int]]:
    f = p.form
    customer = text(f, "customer", errors, required=True, max_length=40)
    invoice = document_ref(f, "invoice", errors, parse_invoice_number, "INV-0000042")
    order = order_ref(f, "order", errors)
    lines, used = [], []
    for k in range(rows):
        names = {n: f"lines[{k}].{n}" for n in LINE_FIELDS}
        if not any(f.get(name) for name in names.values()):
            continue
        lines.append(RequestedCreditLine(
            f.get(names["description"])[:1000], number(f, names["amount"], errors, required=True),
            whole_number(f, names["qty"], errors, minimum=1, maximum=10**9, required=False),
            whole_number(f, names["order_line"], errors, minimum=1, maximum=10**6, required=False),
            number(f, names["tax_rate"], errors)))
        used.append(k)
    if errors:
        return None, used
    return CreditRequest(customer=customer, reason=f.get("reason")[:1000], source=f.get("source")[:40],
                         lines=lines, order_id=order, invoice_id=invoice,
                         currency=f.get("currency").upper()[:10] or None), used


def _form_errors(exc: DomainError, rows: list[int]) -> FieldErrors:
    """The service names ids (invoice_id, order_line_id) where the form has numbers; its lines are the rows sent."""
    errors = renumber(error_on(exc, fields={"invoice_id": "invoice", "order_id": "order"}, missing_is_404=False),
                      "lines", rows)
    return FieldErrors({re.sub(r"\.order_line_id$", ".order_line", k): v for k, v in errors.items()})


@router.post("/credit-notes/new")
def raise_credit_note(p: Crediter):
    rows = _row_count(p.form)
    if p.form.get("action") == "add_line":
        return _new_credit_note(p, p.form.values, rows + 1)
    errors = FieldErrors()
    req, used = _credit_request(p, rows, errors)
    if req is not None:
        try:
            n = credit_customer(p.uow, p.clock, p.actor, req)
            cn = billing_views.get_credit_note(p.uow, p.actor, n)
            return p.redirect(f"/credit-notes/{cn['number']}", flash=f"{cn['number']} raised: {cn['currency']} "
                              f"{cn['total']}, {cn['unapplied']} left as customer credit")
        except DomainError as exc:
            errors = _form_errors(exc, used)
    return _new_credit_note(p, p.form.values, rows, errors=errors, status=422)


def _credit_note_page(p: Page, n: int, *, errors: FieldErrors | None = None, status: int = 200):
    cn = billing_views.get_credit_note(p.uow, p.actor, n)
    can_bill = p.allowed(P.BILL)
    items = payments.payable_items(p.uow, p.actor, cn["customer"], cn["currency"], p.clock.today()) \
        if can_bill and cn["unapplied"] > 0 else []
    return show(p, "billing/credit_note.html", cn=cn, items=items, errors=errors or FieldErrors(), status=status,
                can_bill=can_bill, methods=METHODS)


@router.get("/credit-notes/{ref}")
def credit_note_page(p: Reader, ref: str):
    return _credit_note_page(p, credit_note_id(ref))


@router.post("/credit-notes/{ref}/apply")
def apply_credit_note(p: Biller, ref: str):
    n = credit_note_id(ref)
    return apply_from_form(p, lambda allocations: payments.apply_credit_note(p.uow, p.clock, p.actor, n, allocations),
                           lambda errors: _credit_note_page(p, n, errors=errors, status=422),
                           f"/credit-notes/{credit_note_number(n)}")


@router.post("/credit-notes/{ref}/refund")
def refund(p: Biller, ref: str):
    """Pay this credit note's unapplied credit back to the customer."""
    n = credit_note_id(ref)
    cn = billing_views.get_credit_note(p.uow, p.actor, n)
    errors = FieldErrors()
    amount = number(p.form, "amount", errors, required=True)
    if not errors:
        try:
            refund_customer(p.uow, p.clock, p.actor, customer=cn["customer"], amount=amount,
                            method=p.form.get("method")[:40], reference=p.form.get("reference")[:1000],
                            credit_note_id=n)
            return p.redirect(f"/credit-notes/{cn['number']}", flash=f"{amount} refunded")
        except DomainError as exc:
            errors = moved_to(error_on(exc, missing_is_404=False), "_general", "credit_note_id", "customer")
    return _credit_note_page(p, n, errors=errors, status=422)


@router.get("/disputes")
def dispute_list(p: Reader, status: str = "open", customer: str = "", offset: int = 0):
    values = {"status": status[:20], "customer": customer[:40]}
    errors = FieldErrors()
    offset = max(0, min(offset, 10_000_000))
    page = {"total": 0, "items": []}
    try:
        page = billing_views.list_disputes(p.uow, p.actor, status=values["status"] or None,
                                           customer=values["customer"].strip() or None, limit=PAGE_SIZE,
                                           offset=offset)
    except DomainError as exc:
        errors.take(exc)
    query = "&".join(f"{k}={v}" for k, v in values.items())
    return show(p, "billing/disputes.html", page=page, values=values, errors=errors, limit=PAGE_SIZE, offset=offset,
                base=f"/disputes?{query}", statuses=[s.value for s in DisputeStatus])
