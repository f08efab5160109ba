"""Payments: record money received and apply it to one or several open invoices (with the discount it earns and
what is left as customer credit, previewed before anything is written), apply unapplied cash later, reverse a
payment that bounced, and the lists (the unapplied cash among them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.cash import PaymentMethod
from ...domain.errors import DomainError
from ...domain.invoicing import payment_number
from ...services import billing_views, payments
from ..billing_forms import allocation_rows, apply_from_form, error_on, moved_to, number, payment_id, show
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, calendar_date, renumber, text
from .billing import PAGE_SIZE

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_INVOICES))]
Biller = Annotated[Page, Depends(needs(P.BILL))]
METHODS = [m.value for m in PaymentMethod]


@router.get("/payments")
def payment_list(p: Reader, customer: str = "", unapplied: str = "", offset: int = 0):
    offset = max(0, min(offset, 10_000_000))
    page = billing_views.list_payments(p.uow, p.actor, customer=customer.strip()[:40] or None,
                                       unapplied_only=bool(unapplied), limit=PAGE_SIZE, offset=offset)
    values = {"customer": customer[:40], "unapplied": "on" if unapplied else ""}
    query = "&".join(f"{k}={v}" for k, v in values.items() if v)
    return show(p, "billing/payments.html", page=page, values=values, limit=PAGE_SIZE, offset=offset,
                base=f"/payments?{query}", can_bill=p.allowed(P.BILL))


def _items(p: Page, customer: str, received_on, errors: FieldErrors) -> list[dict]:
    """The customer's open invoices the form offers, each with what settles it if received on that day (in every
    currency: an invoice in another currency than the money is refused on its row)."""
    if not customer:
        return []
    try:
        return payments.payable_items(p.uow, p.actor, customer, None, received_on or p.clock.today())
    except DomainError as exc:
        if "customer" not in errors:
            errors.take(exc)
        return []


def _new_payment(p: Page, values: dict, *, errors: FieldErrors | None = None, preview=None, status: int = 200):
    errors = errors if errors is not None else FieldErrors()
    day = calendar_date(Form(list(values.items())), "received_on", FieldErrors())
    items = _items(p, values.get("customer", "").strip(), day, errors)
    return show(p, "billing/payment_new.html", values=values, errors=errors, preview=preview, items=items,
                methods=METHODS, status=status)


@router.get("/payments/new")
def new_payment(p: Biller, customer: str = "", currency: str = ""):
    return _new_payment(p, {"customer": customer[:40], "currency": (currency or p.settings.currency)[:3],
                            "received_on": p.clock.today().isoformat(), "method": "bank_transfer"})


def _payment_in(p: Page, errors: FieldErrors) -> tuple[payments.PaymentIn | None, list[int]]:
    f = p.form
    customer = text(f, "customer", errors, required=True, max_length=40)
    amount = number(f, "amount", errors, required=True)
    received_on = calendar_date(f, "received_on", errors, required=True)
    allocations, rows = allocation_rows(f, errors)
    if errors:
        return None, rows
    return payments.PaymentIn(customer=customer, amount=amount, currency=f.get("currency").upper()[:10],
                              received_on=received_on, method=f.get("method")[:40],
                              reference=f.get("reference")[:1000], allocations=allocations or None,
                              auto_apply=f.get("apply") != "none"), rows


@router.post("/payments/new")
def record_payment(p: Biller):
    """'show' redraws the form with the customer's open invoices, 'preview' says what would be applied, 'record'
    records and applies the payment."""
    action = p.form.get("action")
    if action == "show":
        return _new_payment(p, p.form.values)
    errors = FieldErrors()
    pay, rows = _payment_in(p, errors)
    if pay is None:
        return _new_payment(p, p.form.values, errors=errors, status=422)
    try:
        if action != "record":
            return _new_payment(p, p.form.values, preview=payments.preview_payment(p.uow, p.clock, p.actor, pay))
        n = payments.record_payment(p.uow, p.clock, p.actor, pay)
    except DomainError as exc:
        errors = moved_to(renumber(error_on(exc, missing_is_404=False), "allocations", rows), "_general", "invoice")
        return _new_payment(p, p.form.values, errors=errors, status=409 if exc.kind == "conflict" else 422)
    done = billing_views.get_payment(p.uow, p.actor, n)
    discount = sum(a["discount"] for a in done["applications"])
    return p.redirect(f"/payments/{done['number']}", flash=f"{done['number']} recorded: {done['applied']} applied"
                      + (f" with {discount} discount" if discount else "")
                      + (f", {done['unapplied']} kept as customer credit" if done["unapplied"] else ""))


def _payment_page(p: Page, n: int, *, errors: FieldErrors | None = None, status: int = 200):
    pay = billing_views.get_payment(p.uow, p.actor, n)
    can_bill = p.allowed(P.BILL)
    items = payments.payable_items(p.uow, p.actor, pay["customer"], pay["currency"], pay["received_on"]) \
        if can_bill and pay["status"] == "posted" and pay["unapplied"] > 0 else []
    return show(p, "billing/payment.html", pay=pay, items=items, errors=errors or FieldErrors(), status=status,
                can_bill=can_bill)


@router.get("/payments/{ref}")
def payment_page(p: Reader, ref: str):
    return _payment_page(p, payment_id(ref))


@router.post("/payments/{ref}/apply")
def apply_payment(p: Biller, ref: str):
    """Apply unapplied cash (the discount judged by the day it was received)."""
    n = payment_id(ref)
    return apply_from_form(p, lambda allocations: payments.apply_payment(p.uow, p.clock, p.actor, n, allocations),
                           lambda errors: _payment_page(p, n, errors=errors, status=422),
                           f"/payments/{payment_number(n)}")


@router.post("/payments/{ref}/reverse")
def reverse_payment(p: Biller, ref: str):
    """A payment that bounced: its applications are undone and the invoices open again."""
    n = payment_id(ref)
    try:
        payments.reverse_payment(p.uow, p.clock, p.actor, n, p.form.get("reason")[:1000])
    except DomainError as exc:
        return _payment_page(p, n, errors=moved_to(error_on(exc), "_general", "payment"),
                             status=409 if exc.kind == "conflict" else 422)
    return p.redirect(f"/payments/{payment_number(n)}", flash=f"{payment_number(n)} reversed; its invoices are open "
                      "again")
