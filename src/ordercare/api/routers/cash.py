"""Payments, refunds, open items, aging, DSO, dunning and the ledger check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...domain.errors import NotFound
from ...domain.invoicing import parse_payment_number
from ...services import billing_views as views, ledger_check, payments, receivables
from ...services.credit_requests import refund_customer
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_billing import ApplyIn, PaymentIn, RefundIn, ReverseIn
from .billing import allocations, credit_note_id

router = APIRouter(tags=["cash"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def payment_id(ref: str) -> int:
    n = parse_payment_number(ref)
    if n is None:
        raise NotFound("payment_not_found", f"payment: no payment '{ref}'", field="payment")
    return n


@router.post("/payments", status_code=201)
def record_payment(ctx: CtxDep, body: PaymentIn) -> dict[str, Any]:
    """Record money received and apply it: to the invoices named, or oldest due first. The early-payment
    discount is taken where the day received is within the discount days; what is left is customer credit."""
    pid = payments.record_payment(ctx.uow, ctx.clock, ctx.actor, payments.PaymentIn(
        customer=body.customer, amount=body.amount, currency=body.currency or ctx.settings.currency,
        received_on=body.received_on, method=body.method, reference=body.reference, allocations=allocations(body),
        auto_apply=body.auto_apply))
    return views.get_payment(ctx.uow, ctx.actor, pid)


@router.get("/payments")
def list_payments(ctx: CtxDep, customer: str | None = None, unapplied: bool = False, limit: Limit = 50,
                  offset: Offset = 0) -> dict[str, Any]:
    """Payments, newest first; `unapplied=true` lists the cash not yet applied."""
    return views.list_payments(ctx.uow, ctx.actor, customer=customer, unapplied_only=unapplied, limit=limit,
                               offset=offset)


@router.get("/payments/{payment_ref}")
def get_payment(ctx: CtxDep, payment_ref: str) -> dict[str, Any]:
    return views.get_payment(ctx.uow, ctx.actor, payment_id(payment_ref))


@router.post("/payments/{payment_ref}/apply")
def apply_payment(ctx: CtxDep, payment_ref: str, body: ApplyIn) -> dict[str, Any]:
    n = payment_id(payment_ref)
    payments.apply_payment(ctx.uow, ctx.clock, ctx.actor, n, allocations(body))
    return views.get_payment(ctx.uow, ctx.actor, n)


@router.post("/payments/{payment_ref}/reverse")
def reverse_payment(ctx: CtxDep, payment_ref: str, body: ReverseIn) -> dict[str, Any]:
    """A bounced or mistaken payment: its applications are undone and its invoices open again."""
    n = payment_id(payment_ref)
    payments.reverse_payment(ctx.uow, ctx.clock, ctx.actor, n, body.reason)
    return views.get_payment(ctx.uow, ctx.actor, n)


@router.post("/refunds", status_code=201)
def refund(ctx: CtxDep, body: RefundIn) -> dict[str, Any]:
    """Pay customer credit back (from one credit note, or from the oldest unapplied credit)."""
    rid = refund_customer(ctx.uow, ctx.clock, ctx.actor, customer=body.customer, amount=body.amount,
                          method=body.method, reference=body.reference,
                          credit_note_id=credit_note_id(body.credit_note) if body.credit_note else None)
    return {"id": rid, "open_items": receivables.open_items(ctx.uow, ctx.clock, ctx.actor, body.customer)}


@router.get("/customers/{code}/open-items")
def open_items(ctx: CtxDep, code: str) -> dict[str, Any]:
    """The customer's statement: open invoices with their age, unapplied cash and credit, credit exposure."""
    return receivables.open_items(ctx.uow, ctx.clock, ctx.actor, code)


@router.get("/receivables/aging")
def aging(ctx: CtxDep, customer: str | None = None) -> dict[str, Any]:
    return receivables.aging_report(ctx.uow, ctx.clock, ctx.actor, customer=customer)


@router.get("/receivables/dso")
def dso(ctx: CtxDep, days: Annotated[int, Query(ge=1, le=730)] = 90, customer: str | None = None) -> dict[str, Any]:
    """Days sales outstanding: open receivables ÷ invoiced sales of the last `days` days × `days`."""
    return receivables.dso_report(ctx.uow, ctx.clock, ctx.actor, days=days, customer=customer)


@router.post("/dunning-runs")
def run_dunning(ctx: CtxDep) -> dict[str, Any]:
    """Record the reminder level each overdue invoice reached today (idempotent)."""
    return {"notices": receivables.run_dunning(ctx.uow, ctx.clock, ctx.actor)}


@router.get("/ledger-check")
def check_ledger(ctx: CtxDep) -> dict[str, Any]:
    """invoices − credit notes − payments − discounts = open receivable, and the ledger agrees, per customer."""
    return ledger_check.check_ledger(ctx.uow, ctx.actor)
