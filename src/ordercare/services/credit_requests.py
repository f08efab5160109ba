"""Credit notes and refunds asked for by people (API, CLI): customers, orders and order lines named as they see
them (codes, order numbers, line numbers), turned into the ids raise_credit_note_in and refund_in take."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.credit_notes import CreditLine
from ..domain.errors import NotFound, ValidationFailed
from ..store.db import UnitOfWork
from ..store.tables import customers, order_lines, orders
from .credit_notes import raise_credit_note_in, refund_in


@dataclass(frozen=True)
class RequestedCreditLine:
    description: str
    amount: Decimal
    qty: int | None = None
    line_no: int | None = None  # of the order named on the request
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class CreditRequest:
    customer: str
    reason: str
    source: str
    lines: list[RequestedCreditLine] = field(default_factory=list)
    order_id: int | None = None
    invoice_id: int | None = None
    source_ref: str | None = None
    currency: str | None = None


def _customer(conn: Connection, code: str) -> int:
    cid = conn.execute(select(customers.c.id).where(customers.c.code == code)).scalar()
    if cid is None:
        raise ValidationFailed("unknown_customer", f"customer: no customer '{code}'", field="customer")
    return cid


def credit_lines(conn: Connection, order_id: int | None, lines: list[RequestedCreditLine]) -> list[CreditLine]:
    out = []
    for i, ln in enumerate(lines):
        line_id = None
        if ln.line_no is not None:
            if order_id is None:
                raise ValidationFailed("order_required", f"lines[{i}].order_line: name the order the line is on",
                                       field=f"lines[{i}].order_line")
            line_id = conn.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id,
                                                                   order_lines.c.line_no == ln.line_no)).scalar()
            if line_id is None:
                raise ValidationFailed("unknown_order_line", f"lines[{i}].order_line: the order has no line "
                                       f"{ln.line_no}", field=f"lines[{i}].order_line")
        out.append(CreditLine(ln.description, ln.amount, ln.qty, line_id, ln.tax_rate))
    return out


def credit_customer(uow: UnitOfWork, clock: Clock, actor: Actor, req: CreditRequest) -> int:
    """Raise a credit note for a customer (finance, a manager); returns its id."""
    actor.require(Permission.CREDIT_CUSTOMER)

    def work(conn: Connection) -> int:
        cid = _customer(conn, req.customer)
        if req.order_id is not None:
            owner = conn.execute(select(orders.c.customer_id).where(orders.c.id == req.order_id)).scalar()
            if owner != cid:
                raise NotFound("order_not_found", f"order: no order {req.order_id} of {req.customer}", field="order")
        return raise_credit_note_in(conn, clock, actor, customer_id=cid, reason=req.reason,
                                    lines=credit_lines(conn, req.order_id, req.lines), order_id=req.order_id,
                                    invoice_id=req.invoice_id, source=req.source, source_ref=req.source_ref,
                                    currency=req.currency)

    return uow.run(work)


def refund_customer(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str, amount: Decimal, method: str,
                    reference: str, credit_note_id: int | None = None) -> int:
    """Pay customer credit back (finance); returns the refund id."""
    actor.require(Permission.BILL)
    return uow.run(lambda conn: refund_in(conn, clock, actor, customer_id=_customer(conn, customer), amount=amount,
                                          method=method, reference=reference, credit_note_id=credit_note_id,
                                          source="manual"))
