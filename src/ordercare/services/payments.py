"""Cash: record a payment and apply it (to named invoices, or oldest due first), apply customer credit later,
reverse a payment that bounced. Every refusal happens before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cash import (
    Allocation,
    check_currency,
    check_method,
    check_reference,
    oldest_first,
    plan_auto,
    plan_explicit,
    settles_in_full,
)
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.invoicing import check_amount, credit_note_number, invoice_number, payment_number
from ..domain.payment_terms import ZERO
from ..store.billing_tables import applications, credit_notes, invoices, payments
from ..store.db import UnitOfWork
from ..store.prepared import Prepared, insert_of
from ..store.tables import customers
from . import ledger

_INVOICE = Prepared(select(invoices).where(invoices.c.id == bindparam("id")))
_CUSTOMER_ID = Prepared(select(customers.c.id).where(customers.c.code == bindparam("code")))
_RECORDED = Prepared(select(payments.c.id).where(payments.c.customer_id == bindparam("cid"),
                                                 payments.c.reference == bindparam("reference"),
                                                 payments.c.status == "posted").limit(1))
_PAYMENT = insert_of(payments, ("customer_id", "received_on", "amount", "currency", "method", "reference", "unapplied",
                                "refunded", "status", "created_at", "created_by"), returning=payments.c.id)


@dataclass(frozen=True)
class PaymentIn:
    customer: str  # code
    amount: Decimal
    currency: str
    received_on: date
    method: str
    reference: str
    allocations: list[Allocation] | None = None  # None: oldest due first (if auto_apply)
    auto_apply: bool = True


def _plan(conn: Connection, customer_id: int, currency: str, available: Decimal, paid_on: date,
          allocations: list[Allocation] | None, *, with_discount: bool) -> list:
    if allocations is None:
        return plan_auto(available, ledger.open_items(conn, customer_id, currency), paid_on,
                         with_discount=with_discount)
    items = {}
    for i, a in enumerate(allocations):
        f = f"allocations[{i}].invoice"
        inv = _INVOICE.first(conn, {"id": a.invoice_id})
        if inv is None or inv.customer_id != customer_id:
            raise NotFound("invoice_not_found", f"{f}: no invoice {invoice_number(a.invoice_id)} of this customer",
                           field=f)
        if inv.status == "cancelled":
            raise Conflict("invoice_cancelled", f"{f}: {invoice_number(inv.id)} is cancelled and cannot be paid",
                           field=f)
        if inv.status == "paid":
            raise Conflict("invoice_paid", f"{f}: {invoice_number(inv.id)} is paid already", field=f)
        if inv.currency != currency:
            raise ValidationFailed("currency_mismatch", f"{f}: {invoice_number(inv.id)} is in {inv.currency}, the "
                                   f"money in {currency}", field=f, invoice_currency=inv.currency)
        items[inv.id] = ledger.open_item(inv)
    return plan_explicit(available, items, allocations, paid_on, with_discount=with_discount)


def _checked(clock: Clock, p: PaymentIn) -> tuple[Decimal, str, str]:
    """What can be said about a payment without the database: (amount, currency, reference)."""
    amount = check_amount(Decimal(p.amount), "amount")
    currency = check_currency(p.currency)
    check_method(p.method)
    reference = check_reference(p.reference)
    if p.received_on > clock.today():
        raise ValidationFailed("received_in_future", f"received_on: {p.received_on} is after today",
                               field="received_on")
    return amount, currency, reference


def _payment_plan(conn: Connection, p: PaymentIn, amount: Decimal, currency: str, reference: str, *,
                  lock: bool = True) -> tuple[int, list]:
    """The customer's id and where the money goes; refuses an unknown customer or a reference recorded already.
    The customer is locked for recording (one application at a time), not for a preview."""
    cid = _CUSTOMER_ID.scalar(conn, {"code": p.customer})
    if cid is None:
        raise ValidationFailed("unknown_customer", f"customer: no customer '{p.customer}'", field="customer")
    ledger.customer_row(conn, cid, lock=lock)
    if _RECORDED.first(conn, {"cid": cid, "reference": reference}):
        raise Conflict("duplicate_payment", f"reference: a payment '{reference}' from {p.customer} is recorded "
                       "already", field="reference")
    plan = (_plan(conn, cid, currency, amount, p.received_on, p.allocations, with_discount=True)
            if p.allocations is not None or p.auto_apply else [])
    return cid, plan


def preview_payment(uow: UnitOfWork, clock: Clock, actor: Actor, p: PaymentIn) -> dict[str, Any]:
    """What record_payment would do, writing nothing: each invoice's cash and the discount it earns, what is
    open after, and what is left as customer credit. Refuses exactly what record_payment refuses."""
    actor.require(Permission.BILL)
    amount, currency, reference = _checked(clock, p)
    with uow.read() as conn:
        cid, plan = _payment_plan(conn, p, amount, currency, reference, lock=False)
        opened = {i.invoice_id: i.open_amount for i in ledger.open_items(conn, cid, currency,
                                                                        [a.invoice_id for a in plan])}
    applied = sum((a.settlement.cash for a in plan), ZERO)
    return {"amount": amount, "currency": currency, "applied": applied, "unapplied": amount - applied,
            "discount": sum((a.settlement.discount for a in plan), ZERO),
            "applications": [{"invoice": invoice_number(a.invoice_id), "invoice_id": a.invoice_id,
                              "open_amount": opened[a.invoice_id], "amount": a.settlement.cash,
                              "discount": a.settlement.discount,
                              "open_after": opened[a.invoice_id] - a.settlement.settled} for a in plan]}


def payable_items(uow: UnitOfWork, actor: Actor, customer: str, currency: str | None,
                  received_on: date) -> list[dict]:
    """The customer's open invoices (in a currency, or all), oldest due first, each with the cash that settles it
    in full if the money was received on `received_on` and the discount that earns (what a payment form offers)."""
    actor.require(Permission.BILL)
    with uow.read() as conn:
        cid = conn.execute(select(customers.c.id).where(customers.c.code == customer)).scalar()
        if cid is None:
            raise ValidationFailed("unknown_customer", f"customer: no customer '{customer}'", field="customer")
        items = oldest_first(ledger.open_items(conn, cid, currency))
    return [{"invoice": i.number, "id": i.invoice_id, "currency": i.currency,
             "issued_on": i.issued_on, "due_on": i.due_on,
             "open_amount": i.open_amount, "discount_until": i.discount_until, "settles_with": s.cash,
             "discount": s.discount} for i in items for s in [settles_in_full(i, received_on)]]


def record_payment(uow: UnitOfWork, clock: Clock, actor: Actor, p: PaymentIn) -> int:
    """Record money received and apply it. Over-payment stays unapplied: customer credit."""
    actor.require(Permission.BILL)
    amount, currency, reference = _checked(clock, p)

    def work(conn: Connection) -> int:
        cid, plan = _payment_plan(conn, p, amount, currency, reference)
        payment_id = _PAYMENT.scalar(conn, dict(
            customer_id=cid, received_on=p.received_on, amount=amount, currency=currency, method=p.method,
            reference=reference, unapplied=amount, refunded=Decimal("0"), status="posted", created_at=clock.now(),
            created_by=actor.username))
        ledger.post(conn, cid, "payment", payment_number(payment_id), -amount, p.received_on)
        ledger.apply(conn, clock, actor, cid, plan, applied_on=p.received_on, payment_id=payment_id,
                     source_number=payment_number(payment_id))
        return payment_id

    return uow.run(work)


def apply_payment(uow: UnitOfWork, clock: Clock, actor: Actor, payment_id: int,
                  allocations: list[Allocation] | None = None) -> Decimal:
    """Apply a payment's unapplied cash; the discount is judged by the day the money was received."""
    actor.require(Permission.BILL)
    return uow.run(lambda conn: _apply_held(conn, clock, actor, payments, payment_id, allocations))


def apply_credit_note(uow: UnitOfWork, clock: Clock, actor: Actor, credit_note_id: int,
                      allocations: list[Allocation] | None = None) -> Decimal:
    """Apply a credit note's unapplied credit (no early-payment discount comes with credit)."""
    actor.require(Permission.BILL)
    return uow.run(lambda conn: _apply_held(conn, clock, actor, credit_notes, credit_note_id, allocations))


def _apply_held(conn: Connection, clock: Clock, actor: Actor, table, doc_id: int,
                allocations: list[Allocation] | None) -> Decimal:
    """Apply what a payment or credit note still holds, under the customer's lock; returns what was used."""
    is_payment = table is payments
    what, number = ("payment", payment_number(doc_id)) if is_payment else ("credit_note", credit_note_number(doc_id))
    doc = conn.execute(select(table).where(table.c.id == doc_id)).first()
    if doc is None:
        raise NotFound(f"{what}_not_found", f"{what.replace('_', ' ')} {doc_id}: no such {what.replace('_', ' ')}",
                       field=what)
    ledger.customer_row(conn, doc.customer_id)
    doc = conn.execute(select(table).where(table.c.id == doc_id)).one()  # as it is under the lock
    if is_payment and doc.status != "posted":
        raise Conflict("payment_reversed", f"payment {number} was reversed", field=what)
    if doc.unapplied <= 0:
        raise Conflict("nothing_unapplied", f"{number} is fully applied", field=what)
    plan = _plan(conn, doc.customer_id, doc.currency, doc.unapplied, doc.received_on if is_payment else clock.today(),
                 allocations, with_discount=is_payment)
    return ledger.apply(conn, clock, actor, doc.customer_id, plan, applied_on=clock.today(),
                        payment_id=doc_id if is_payment else None, credit_note_id=None if is_payment else doc_id,
                        source_number=number)


def reverse_payment(uow: UnitOfWork, clock: Clock, actor: Actor, payment_id: int, reason: str) -> None:
    """A payment that bounced or was recorded by mistake: its applications are undone (discounts too), the
    invoices open again, and the ledger gets the amount back. A refunded payment cannot be reversed."""
    actor.require(Permission.BILL)
    if not reason or not reason.strip() or len(reason) > 300:
        raise ValidationFailed("reason_required", "reason: say why (up to 300 characters)", field="reason")

    def work(conn: Connection) -> None:
        pay = _payment(conn, payment_id)
        ledger.customer_row(conn, pay.customer_id)
        pay = _payment(conn, payment_id)
        number = payment_number(payment_id)
        if pay.status != "posted":
            raise Conflict("payment_reversed", f"payment: {number} was reversed already", field="payment")
        if pay.refunded:
            raise Conflict("payment_refunded", f"payment: part of {number} was refunded; it cannot be reversed",
                           field="payment")
        now, today = clock.now(), clock.today()
        undone = {}
        for a in conn.execute(select(applications).where(applications.c.payment_id == payment_id,
                                                         applications.c.reversed_at.is_(None))).all():
            conn.execute(update(invoices).where(invoices.c.id == a.invoice_id).values(
                paid=invoices.c.paid - a.amount, discount_taken=invoices.c.discount_taken - a.discount,
                open_amount=invoices.c.open_amount + (a.amount + a.discount), status="open"))
            conn.execute(update(applications).where(applications.c.id == a.id).values(reversed_at=now))
            if a.discount:
                ledger.post(conn, pay.customer_id, "discount", invoice_number(a.invoice_id), a.discount, today)
            undone[a.invoice_id] = {"by": number, "amount": str(a.amount), "discount": str(a.discount)}
        conn.execute(update(payments).where(payments.c.id == payment_id).values(
            status="reversed", unapplied=0, reversed_at=now, reverse_reason=reason.strip()))
        ledger.post(conn, pay.customer_id, "payment_reversal", number, pay.amount, today)
        ledger.invoice_events(conn, clock, actor, "payment_reversed", undone, reason=reason.strip())

    uow.run(work)


def _payment(conn: Connection, payment_id: int):
    row = conn.execute(select(payments).where(payments.c.id == payment_id)).first()
    if row is None:
        raise NotFound("payment_not_found", f"payment {payment_id}: no such payment", field="payment")
    return row
