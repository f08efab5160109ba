"""Following the cash: open items per customer, aging, DSO, and the dunning run. All as of today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, select, update
from sqlalchemy.exc import NoResultFound

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cash import settles_in_full
from ..domain.disputes import DisputeStatus
from ..domain.errors import NotFound, ValidationFailed
from ..domain.invoicing import credit_note_number, invoice_number, payment_number
from ..domain.payment_terms import ZERO
from ..domain.receivables import BUCKET_NAMES, aging, bucket, days_overdue, dso, dunning_level, dunning_name
from ..store.billing_tables import credit_notes, dunning_notices, invoice_disputes, invoices, payments
from ..store.db import UnitOfWork
from ..store.prepared import Prepared, insert_of
from ..store.tables import customers
from . import ledger
from .orders import credit_exposure

_DISPUTED = exists().where(invoice_disputes.c.invoice_id == invoices.c.id,
                           invoice_disputes.c.status == DisputeStatus.OPEN)


def open_items(uow: UnitOfWork, clock: Clock, actor: Actor, customer_code: str) -> dict[str, Any]:
    """A customer's statement: what is open and how late, what it may still deduct, and its credit."""
    actor.require(Permission.READ_INVOICES)
    today = clock.today()
    with uow.read() as conn:
        c = conn.execute(select(customers.c.id, customers.c.code, customers.c.name, customers.c.credit_limit)
                         .where(customers.c.code == customer_code)).first()
        if c is None or (actor.is_customer and c.id != actor.customer_id):
            raise NotFound("customer_not_found", f"customer '{customer_code}': no such customer", field="customer")
        rows = conn.execute(select(invoices, _DISPUTED.label("disputed")).where(
            invoices.c.customer_id == c.id, invoices.c.status == "open").order_by(invoices.c.due_on, invoices.c.id)
        ).all()
        pays = conn.execute(select(payments).where(payments.c.customer_id == c.id, payments.c.status == "posted",
                                                   payments.c.unapplied > 0).order_by(payments.c.id)).all()
        cns = conn.execute(select(credit_notes).where(credit_notes.c.customer_id == c.id, credit_notes.c.unapplied > 0)
                           .order_by(credit_notes.c.id)).all()
        ar, open_orders = credit_exposure(conn, c.id)
    items = []
    for r in rows:
        late = days_overdue(r.due_on, today)
        can_deduct = r.discount_until is not None and today <= r.discount_until
        settles = settles_in_full(ledger.open_item(r), today)
        items.append({"invoice": invoice_number(r.id), "id": r.id, "kind": r.kind, "reference": r.reference,
                      "issued_on": r.issued_on, "due_on": r.due_on, "currency": r.currency, "total": r.total,
                      "open_amount": r.open_amount, "days_overdue": max(late, 0), "bucket": bucket(r.due_on, today),
                      "discount_until": r.discount_until if can_deduct else None,
                      "pay_now_to_settle": settles.cash, "dunning_level": r.dunning_level,
                      "disputed": bool(r.disputed)})
    open_total = sum((i["open_amount"] for i in items), ZERO)
    cash = sum((p.unapplied for p in pays), ZERO)
    credit = sum((n.unapplied for n in cns), ZERO)
    return {"customer": c.code, "name": c.name, "as_of": today, "items": items,
            "unapplied_payments": [{"payment": payment_number(p.id), "id": p.id, "received_on": p.received_on,
                                    "reference": p.reference, "amount": p.amount, "unapplied": p.unapplied}
                                   for p in pays],
            "unapplied_credit_notes": [{"credit_note": credit_note_number(n.id), "id": n.id, "issued_on": n.issued_on,
                                        "total": n.total, "unapplied": n.unapplied} for n in cns],
            "aging": aging(((i["due_on"], i["open_amount"]) for i in items), today),
            "open_total": open_total, "unapplied_cash": cash, "unapplied_credit": credit,
            "balance": open_total - cash - credit,
            # What the credit check weighs: this balance (the ledger) and open orders not yet invoiced.
            "credit": {"limit": c.credit_limit, "receivables": ar, "open_orders_not_invoiced": open_orders,
                       "exposure": ar + open_orders}}


def aging_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str | None = None) -> dict[str, Any]:
    """Open amounts per customer in the buckets current, 1-30, 31-60, 61-90, 90+ days past due."""
    actor.require(Permission.READ_RECEIVABLES)
    today = clock.today()
    q = (select(customers.c.code, customers.c.name, invoices.c.due_on, invoices.c.open_amount)
         .join(customers, customers.c.id == invoices.c.customer_id).where(invoices.c.status == "open"))
    if customer:
        q = q.where(customers.c.code == customer)
    with uow.read() as conn:
        rows = conn.execute(q.order_by(customers.c.code)).all()
    per: dict[str, list] = {}
    names = {}
    for r in rows:
        per.setdefault(r.code, []).append((r.due_on, r.open_amount))
        names[r.code] = r.name
    lines = []
    for code, its in per.items():
        b = aging(its, today)
        lines.append({"customer": code, "name": names[code], **b, "total": sum(b.values(), ZERO)})
    totals = {name: sum((ln[name] for ln in lines), ZERO) for name in BUCKET_NAMES}
    return {"as_of": today, "buckets": list(BUCKET_NAMES), "customers": lines,
            "totals": {**totals, "total": sum(totals.values(), ZERO)}}


def dso_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, days: int = 90,
               customer: str | None = None) -> dict[str, Any]:
    """DSO = open receivables today ÷ invoiced (credit) sales of the last `days` days × `days`."""
    actor.require(Permission.READ_RECEIVABLES)
    if not 1 <= days <= 730:
        raise ValidationFailed("invalid_days", "days: from 1 to 730", field="days")
    today = clock.today()
    with uow.read() as conn:
        where = []
        if customer is not None:
            cid = conn.execute(select(customers.c.id).where(customers.c.code == customer)).scalar()
            if cid is None:
                raise ValidationFailed("unknown_customer", f"customer: no customer '{customer}'", field="customer")
            where.append(invoices.c.customer_id == cid)
        open_amount = conn.execute(select(func.coalesce(func.sum(invoices.c.open_amount), 0))
                                   .where(invoices.c.status == "open", *where)).scalar_one()
        sales = conn.execute(select(func.coalesce(func.sum(invoices.c.total), 0)).where(
            invoices.c.kind == "invoice", invoices.c.status != "cancelled",
            invoices.c.issued_on > today - timedelta(days=days), invoices.c.issued_on <= today, *where)).scalar_one()
    return {"as_of": today, "customer": customer, "days": days, "open_receivables": open_amount,
            "credit_sales": sales, "dso": dso(open_amount, sales, days)}


def run_dunning(uow: UnitOfWork, clock: Clock, actor: Actor,
                progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """Record the reminder level each overdue invoice has reached today. Idempotent: a level is recorded once
    per invoice, so a second run the same day (or a crash and rerun) sends nothing twice. Disputed invoices
    are not chased while the dispute is open."""
    actor.require(Permission.BILL)
    today = clock.today()
    with uow.read() as conn:
        due = conn.execute(select(invoices.c.id, invoices.c.due_on, invoices.c.dunning_level).where(
            invoices.c.status == "open", invoices.c.due_on < today, ~_DISPUTED).order_by(invoices.c.id)).all()
    targets = [(r.id, lvl) for r in due if (lvl := dunning_level(days_overdue(r.due_on, today))) > r.dunning_level]
    out = []
    for n, (invoice_id, level) in enumerate(targets):
        notice = uow.run(lambda conn, i=invoice_id, lvl=level: _remind(conn, clock, actor, i, lvl))
        if notice:
            out.append(notice)
        if progress:
            progress(n + 1, len(targets))
    return out


_INVOICE = Prepared(select(invoices).where(invoices.c.id == bindparam("id")))
_NOTICE = insert_of(dunning_notices, ("invoice_id", "customer_id", "level", "days_overdue", "open_amount", "issued_on",
                                      "created_at", "created_by"))
_LEVEL = Prepared(update(invoices).where(invoices.c.id == bindparam("id")).values(
    dunning_level=bindparam("level", type_=invoices.c.dunning_level.type)))
_CODE = Prepared(select(customers.c.code).where(customers.c.id == bindparam("id")))


def _remind(conn: Connection, clock: Clock, actor: Actor, invoice_id: int, level: int) -> dict[str, Any] | None:
    inv = _INVOICE.first(conn, {"id": invoice_id})
    if inv is None:  # as .one() refuses
        raise NoResultFound(f"no invoice {invoice_id}")
    ledger.customer_row(conn, inv.customer_id)
    if inv.status != "open" or inv.dunning_level >= level:
        return None  # paid or reminded meanwhile
    late = days_overdue(inv.due_on, clock.today())
    _NOTICE.execute(conn, dict(
        invoice_id=invoice_id, customer_id=inv.customer_id, level=level, days_overdue=late,
        open_amount=inv.open_amount, issued_on=clock.today(), created_at=clock.now(), created_by=actor.username))
    _LEVEL.execute(conn, {"id": invoice_id, "level": level})
    facts = {"level": level, "notice": dunning_name(level), "days_overdue": late, "open_amount": str(inv.open_amount),
             "due_on": inv.due_on.isoformat()}
    ledger.invoice_events(conn, clock, actor, "payment_reminder", {invoice_id: facts})
    customer = _CODE.scalar(conn, {"id": inv.customer_id})
    return {"invoice": invoice_number(invoice_id), "customer": customer, **facts}
