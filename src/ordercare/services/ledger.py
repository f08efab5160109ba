"""The receivables ledger and the one way cash or credit is put against invoices.

Every billing document posts to `receivables` (the sum the credit check reads): an invoice +total,
a payment −amount, a credit note −total, a discount −discount, a refund +amount, a cancelled
invoice −total, a reversed payment +amount. Applications move amounts between documents and the
invoice's open amount; they post nothing except the discount they grant.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, case, select, update

from ..clock import Clock
from ..domain.access import Actor
from ..domain.cash import Applied, OpenItem
from ..domain.errors import Conflict, NotFound
from ..domain.invoicing import invoice_number
from ..store.billing_tables import applications, credit_notes, invoice_lines, invoices, payments
from ..store.events import append_events, event_row
from ..store.prepared import Prepared, in_ids, insert_of
from ..store.tables import customers, receivables

_LOCK_CUSTOMER = select(customers.c.id).where(customers.c.id == bindparam("cid")).with_for_update()
_CUSTOMER = Prepared(select(customers).where(customers.c.id == bindparam("cid")))


_POST = insert_of(receivables, ("customer_id", "kind", "ref", "amount", "posted_on", "due_on"))


def post(conn: Connection, customer_id: int, kind: str, ref: str, amount: Decimal, posted_on: date,
         due_on: date | None = None) -> None:
    _POST.execute(conn, {"customer_id": customer_id, "kind": kind, "ref": ref, "amount": amount,
                         "posted_on": posted_on, "due_on": due_on})


def customer_row(conn: Connection, customer_id: int, *, lock: bool = True):
    """The customer, locked on PostgreSQL so that one customer's cash is applied by one transaction at a
    time (SQLite writers are serial already)."""
    row = _CUSTOMER.first(conn, {"cid": customer_id})
    if row is None:
        raise NotFound("customer_not_found", f"customer_id: no customer {customer_id}", field="customer_id")
    if lock and conn.dialect.name == "postgresql":
        conn.execute(_LOCK_CUSTOMER, {"cid": customer_id}).one()
    return row


def open_item(row) -> OpenItem:
    return OpenItem(row.id, invoice_number(row.id), row.issued_on, row.due_on, row.open_amount,
                    row.total - row.credited, row.discount_pct, row.discount_until, row.currency)


def open_items(conn: Connection, customer_id: int, currency: str | None = None,
               invoice_ids: Iterable[int] | None = None) -> list[OpenItem]:
    q = select(invoices).where(invoices.c.customer_id == customer_id, invoices.c.status == "open")
    if currency is not None:
        q = q.where(invoices.c.currency == currency)
    if invoice_ids is not None:
        q = q.where(invoices.c.id.in_(sorted(set(invoice_ids))))
    return [open_item(r) for r in conn.execute(q.order_by(invoices.c.id))]


_ORDERS_ON = Prepared(select(invoice_lines.c.invoice_id, invoice_lines.c.order_id)
                      .where(in_ids(invoice_lines.c.invoice_id), invoice_lines.c.order_id.is_not(None))
                      .distinct().order_by(invoice_lines.c.invoice_id, invoice_lines.c.order_id), expanding="ids")


def orders_on(conn: Connection, invoice_ids: Iterable[int]) -> dict[int, list[int]]:
    """The orders each invoice bills, in order id order."""
    out: dict[int, list[int]] = {}
    ids = sorted(set(invoice_ids))
    for inv, order_id in _ORDERS_ON.rows_in(conn, ids):
        out.setdefault(inv, []).append(order_id)
    return out


def invoice_events(conn: Connection, clock: Clock, actor: Actor, kind: str, per_invoice: dict[int, dict[str, Any]],
                   reason: str | None = None, orders: dict[int, list[int]] | None = None) -> None:
    """One timeline event per order billed on each invoice, with that invoice's facts (`orders`: orders_on of
    the invoices, when the caller knows it)."""
    rows = []
    orders = orders_on(conn, per_invoice) if orders is None else orders
    for inv, payload in per_invoice.items():
        for order_id in orders.get(inv, []):
            rows.append(event_row(order_id, kind, at=clock.now(), actor=actor.username, reason=reason,
                                  payload={"invoice": invoice_number(inv), **payload}))
    append_events(conn, rows)


def apply(conn: Connection, clock: Clock, actor: Actor, customer_id: int, applied: list[Applied], *,
          applied_on: date, payment_id: int | None = None, credit_note_id: int | None = None,
          source_number: str) -> Decimal:
    """Write planned settlements against invoices, and take them from the payment's (or credit note's)
    unapplied amount; returns the cash (or credit) used.

    Each invoice is updated on condition that it is still open for at least what is settled, so a
    concurrent application can never take it below zero (the database's balance check backs this).
    """
    used = Decimal("0")
    facts: dict[int, dict[str, Any]] = {}
    settle, record = _SETTLE[payment_id is not None], _APPLICATION
    for a in applied:
        s = a.settlement
        left = settle.first(conn, {"iid": a.invoice_id, "cash": s.cash, "discount": s.discount, "settled": s.settled})
        if left is None:
            raise Conflict("invoice_changed", f"{invoice_number(a.invoice_id)} changed while this was being "
                           "applied; reload and retry", field="invoice", invoice=invoice_number(a.invoice_id))
        record.execute(conn, dict(
            invoice_id=a.invoice_id, payment_id=payment_id, credit_note_id=credit_note_id, amount=s.cash,
            discount=s.discount, applied_on=applied_on, at=clock.now(), actor=actor.username))
        if s.discount:
            post(conn, customer_id, "discount", invoice_number(a.invoice_id), -s.discount, applied_on)
        used += s.cash
        facts[a.invoice_id] = {"by": source_number, "amount": str(s.cash), "discount": str(s.discount),
                               "open_after": str(left.open_amount)}
    invoice_events(conn, clock, actor, "payment_applied" if payment_id is not None else "credit_applied", facts)
    if used:  # what was put against invoices leaves the payment's or credit note's unapplied amount
        take_credit(conn, payments if payment_id is not None else credit_notes,
                    payment_id if payment_id is not None else credit_note_id, used, refund=False)
    return used


def _settle(column) -> Prepared:
    """Settle part of an invoice, on condition it is still open for at least that; it is paid once nothing is
    left (the CASE reads the open amount before the update). Returns the open amount after, or no row."""
    settled = bindparam("settled", type_=invoices.c.open_amount.type)
    return Prepared(update(invoices).where(invoices.c.id == bindparam("iid"), invoices.c.status == "open",
                                           invoices.c.open_amount >= settled)
                    .values({column: column + bindparam("cash", type_=column.type),
                             invoices.c.discount_taken: invoices.c.discount_taken + bindparam(
                                 "discount", type_=invoices.c.discount_taken.type),
                             invoices.c.open_amount: invoices.c.open_amount - settled,
                             invoices.c.status: case((invoices.c.open_amount == settled, "paid"),
                                                     else_=invoices.c.status)})
                    .returning(invoices.c.open_amount))


_SETTLE = {True: _settle(invoices.c.paid), False: _settle(invoices.c.credited)}  # by cash, by credit
_APPLICATION = insert_of(applications, ("invoice_id", "payment_id", "credit_note_id", "amount", "discount",
                                        "applied_on", "at", "actor"))


def _take(table, refund: bool) -> Prepared:
    amount = bindparam("amount", type_=table.c.unapplied.type)
    values = {table.c.unapplied: table.c.unapplied - amount}
    if refund:
        values[table.c.refunded] = table.c.refunded + amount
    return Prepared(update(table).where(table.c.id == bindparam("id"), table.c.unapplied >= amount).values(values))


_TAKE = {(t.name, refund): _take(t, refund) for t in (payments, credit_notes) for refund in (False, True)}


def take_credit(conn: Connection, table, doc_id: int, amount: Decimal, *, refund: bool) -> None:
    """Reduce a credit note's or payment's unapplied amount, on condition it still holds that much."""
    if _TAKE[(table.name, refund)].execute(conn, {"id": doc_id, "amount": amount}) != 1:
        raise Conflict("credit_changed", "the customer credit changed while this was being done; reload and retry",
                       field="amount")
