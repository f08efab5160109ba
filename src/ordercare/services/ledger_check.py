"""The ledger invariant, checked from the stored documents (`ordercare ledger check`, GET /ledger-check).

For every customer, to the cent:
    invoices − credit notes applied − payments applied − discounts taken = open receivable (open items), and
    receivables ledger = open receivable − unapplied cash − unapplied credit notes.
Every document is also checked on its own: an invoice's open amount against its applications, a payment's or
credit note's unapplied amount against what was applied and refunded.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.access import Actor, Permission
from ..domain.invoicing import credit_note_number, invoice_number, payment_number
from ..domain.payment_terms import ZERO
from ..store.billing_tables import applications, credit_notes, invoice_lines, invoices, payments, refunds
from ..store.db import UnitOfWork
from ..store.tables import customers, receivables


def _sums(conn: Connection, key, *cols, where=()) -> dict:
    q = select(key, *[func.coalesce(func.sum(c), 0) for c in cols]).group_by(key)
    for w in where:
        q = q.where(w)
    return {r[0]: tuple(r[1:]) for r in conn.execute(q)}


def find_problems(conn: Connection) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []

    def bad(check: str, customer: int, document: str | None, expected, found) -> None:
        problems.append({"check": check, "customer_id": customer, "document": document,
                         "expected": str(expected), "found": str(found)})

    live = applications.c.reversed_at.is_(None)
    by_invoice_pay = _sums(conn, applications.c.invoice_id, applications.c.amount, applications.c.discount,
                           where=(live, applications.c.payment_id.is_not(None)))
    by_invoice_cn = _sums(conn, applications.c.invoice_id, applications.c.amount,
                          where=(live, applications.c.credit_note_id.is_not(None)))
    lines = _sums(conn, invoice_lines.c.invoice_id, invoice_lines.c.net_amount)
    per_customer: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for inv in conn.execute(select(invoices).order_by(invoices.c.id)):
        n = invoice_number(inv.id)
        if inv.status == "cancelled":
            if (inv.paid, inv.credited, inv.discount_taken) != (0, 0, 0):
                bad("cancelled invoice has applications", inv.customer_id, n, 0, inv.paid + inv.credited)
            continue
        paid, disc = by_invoice_pay.get(inv.id, (ZERO, ZERO))
        (credited,) = by_invoice_cn.get(inv.id, (ZERO,))
        if (inv.paid, inv.discount_taken, inv.credited) != (paid, disc, credited):
            bad("invoice applications", inv.customer_id, n, f"paid {paid}, discount {disc}, credited {credited}",
                f"paid {inv.paid}, discount {inv.discount_taken}, credited {inv.credited}")
        if inv.total - credited - paid - disc != inv.open_amount or inv.open_amount < 0:
            bad("invoice open amount", inv.customer_id, n, inv.total - credited - paid - disc, inv.open_amount)
        if (inv.open_amount == 0) != (inv.status == "paid"):
            bad("invoice status", inv.customer_id, n, "paid" if inv.open_amount == 0 else "open", inv.status)
        if inv.kind == "invoice" and (inv.net_amount + inv.tax_amount != inv.total
                                      or lines.get(inv.id, (ZERO,))[0] != inv.net_amount):
            bad("invoice totals", inv.customer_id, n, f"net {lines.get(inv.id, (ZERO,))[0]} + tax {inv.tax_amount}",
                f"net {inv.net_amount}, total {inv.total}")
        c = per_customer[inv.customer_id]
        c["invoices"] += inv.total
        c["credited"] += credited
        c["paid"] += paid
        c["discounts"] += disc
        c["open"] += inv.open_amount

    by_payment = _sums(conn, applications.c.payment_id, applications.c.amount,
                       where=(live, applications.c.payment_id.is_not(None)))
    for p in conn.execute(select(payments).order_by(payments.c.id)):
        (applied,) = by_payment.get(p.id, (ZERO,))
        expected = ZERO if p.status == "reversed" else p.amount - p.unapplied - p.refunded
        if applied != expected or (p.status == "reversed" and p.unapplied != 0):
            bad("payment applications", p.customer_id, payment_number(p.id), expected, applied)
        c = per_customer[p.customer_id]
        if p.status == "posted":
            c["unapplied_cash"] += p.unapplied
        c["refunded"] += p.refunded

    by_cn = _sums(conn, applications.c.credit_note_id, applications.c.amount,
                  where=(live, applications.c.credit_note_id.is_not(None)))
    for cn in conn.execute(select(credit_notes).order_by(credit_notes.c.id)):
        (applied,) = by_cn.get(cn.id, (ZERO,))
        if applied != cn.total - cn.unapplied - cn.refunded:
            bad("credit note applications", cn.customer_id, credit_note_number(cn.id),
                cn.total - cn.unapplied - cn.refunded, applied)
        c = per_customer[cn.customer_id]
        c["unapplied_credit"] += cn.unapplied
        c["refunded"] += cn.refunded

    ledger = _sums(conn, receivables.c.customer_id, receivables.c.amount)
    refunded = _sums(conn, refunds.c.customer_id, refunds.c.amount)
    for cid in sorted(set(per_customer) | set(ledger) | set(refunded)):
        c = per_customer[cid]
        open_receivable = c["invoices"] - c["credited"] - c["paid"] - c["discounts"]
        if open_receivable != c["open"]:
            bad("invoices − credit notes − payments − discounts = open receivable", cid, None, open_receivable,
                c["open"])
        balance = ledger.get(cid, (ZERO,))[0]
        if balance != c["open"] - c["unapplied_cash"] - c["unapplied_credit"]:
            bad("ledger = open receivable − unapplied cash − unapplied credit", cid, None,
                c["open"] - c["unapplied_cash"] - c["unapplied_credit"], balance)
        if refunded.get(cid, (ZERO,))[0] != c["refunded"]:
            bad("refunds = credit refunded", cid, None, c["refunded"], refunded.get(cid, (ZERO,))[0])
    codes = dict(conn.execute(select(customers.c.id, customers.c.code)).all())
    for p in problems:
        p["customer"] = codes.get(p.pop("customer_id"))
    return problems


def check_ledger(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    actor.require(Permission.READ_RECEIVABLES)
    with uow.read() as conn:
        problems = find_problems(conn)
        checked = conn.execute(select(func.count(func.distinct(receivables.c.customer_id)))).scalar_one()
    return {"customers_checked": checked, "balanced": not problems, "problems": problems}
