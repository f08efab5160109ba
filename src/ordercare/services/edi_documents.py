"""Interchanges as exchanged: outbound control numbers, writing and storing what we send, reading both ways."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, case, func, select, update

from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.orders import order_number
from ..integrations.x12.envelopes import Party, build_interchange
from ..store.db import UnitOfWork
from ..store.edi_tables import edi_documents, edi_transactions, trading_partners
from ..store.prepared import Prepared, insert_of, padded_ids

_NEXT_CONTROL = (update(trading_partners).where(trading_partners.c.id == bindparam("pid"))
                 .values(last_control=case((trading_partners.c.last_control >= 999999999, 1),
                                           else_=trading_partners.c.last_control + 1))
                 .returning(trading_partners.c.last_control))


_TAKE_CONTROL = Prepared(_NEXT_CONTROL)
_STORE = insert_of(edi_documents, ("partner_id", "direction", "set_code", "control", "status", "content", "order_id",
                                   "shipment_id", "invoice_ref", "responds_to", "created_at", "created_by"),
                   returning=edi_documents.c.id)


def next_control(conn: Connection, partner_id: int) -> int:
    """Our next ISA13 to this partner (1 … 999,999,999, then round again), taken in the caller's transaction."""
    [(control,)] = _TAKE_CONTROL.rows(conn, {"pid": partner_id})
    return control


def send(conn: Connection, partner: Row, code: str, bodies: list[list[tuple[str, list[object]]]], *, at: datetime,
         actor: str, order_id: int | None = None, shipment_id: int | None = None, invoice_ref: str | None = None,
         responds_to: int | None = None) -> tuple[int, str]:
    """Envelope one or more sets of one kind for the partner, store the interchange; (document id, text)."""
    control = next_control(conn, partner.id)
    text = build_interchange([(code, body) for body in bodies],
                             sender=Party(partner.our_qualifier, partner.our_id, partner.our_gs_id),
                             receiver=Party(partner.isa_qualifier, partner.isa_id, partner.gs_id), control=control,
                             at=at, version=partner.version, usage=partner.usage)
    doc_id = _STORE.scalar(conn, dict(
        partner_id=partner.id, direction="out", set_code=code, control=f"{control:09d}", status="generated",
        content=text, order_id=order_id, shipment_id=shipment_id, invoice_ref=invoice_ref, responds_to=responds_to,
        created_at=at, created_by=actor))
    return doc_id, text


def active_partner(conn: Connection, customer_id: int) -> Row | None:
    """The customer's active trading partner (the first set up, should it have several), or None."""
    return active_partners(conn, [customer_id]).get(customer_id)


_ACTIVE_PARTNERS = Prepared(select(trading_partners).where(
    trading_partners.c.customer_id.in_(bindparam("ids", expanding=True)), trading_partners.c.active.is_(True))
    .order_by(trading_partners.c.id), expanding="ids")


def active_partners(conn: Connection, customer_ids) -> dict[int, Row]:
    """The active trading partner of each of these customers that has one, in one read."""
    out: dict[int, Row] = {}
    ids = sorted(set(customer_ids))
    for p in _ACTIVE_PARTNERS.rows(conn, padded_ids(ids)) if ids else []:
        out.setdefault(p.customer_id, p)
    return out


def partner_of_customer(conn: Connection, customer_id: int, what: str) -> Row:
    p = active_partner(conn, customer_id)
    if p is None:
        raise ValidationFailed("no_trading_partner", f"{what}: the customer has no active EDI trading partner",
                               field=what)
    return p


def _doc(r) -> dict[str, Any]:
    return {"id": r.id, "partner": r.partner, "direction": r.direction, "set": r.set_code, "control": r.control,
            "status": r.status, "order": order_number(r.order_id) if r.order_id else None,
            "shipment_id": r.shipment_id, "invoice": r.invoice_ref, "responds_to": r.responds_to,
            "created_at": r.created_at, "created_by": r.created_by}


_DOCS = select(edi_documents, trading_partners.c.code.label("partner")).join(
    trading_partners, trading_partners.c.id == edi_documents.c.partner_id)


def list_documents(uow: UnitOfWork, actor: Actor, *, partner: str | None = None, direction: str | None = None,
                   set_code: str | None = None, order_id: int | None = None, limit: int = 100,
                   offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.EXCHANGE_EDI)
    if direction not in (None, "in", "out"):
        raise ValidationFailed("invalid_direction", "direction: in or out", field="direction")
    q = _DOCS
    if partner:
        q = q.where(trading_partners.c.code == partner)
    if direction:
        q = q.where(edi_documents.c.direction == direction)
    if set_code:
        q = q.where(edi_documents.c.set_code == set_code)
    if order_id is not None:
        q = q.where(edi_documents.c.order_id == order_id)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(edi_documents.c.id.desc()).limit(limit).offset(offset)).all()
    return {"total": total, "items": [_doc(r) for r in rows]}


def get_document(uow: UnitOfWork, actor: Actor, document_id: int) -> dict[str, Any]:
    """One interchange with its text and, for a received one, what became of each transaction set."""
    actor.require(Permission.EXCHANGE_EDI)
    with uow.read() as conn:
        r = conn.execute(_DOCS.where(edi_documents.c.id == document_id)).first()
        if r is None:
            raise NotFound("edi_document_not_found", f"document {document_id}: no such EDI document",
                           field="document_id")
        sets = conn.execute(select(edi_transactions).where(edi_transactions.c.document_id == document_id)
                            .order_by(edi_transactions.c.id)).all()
        answers = conn.execute(select(edi_documents.c.id).where(edi_documents.c.responds_to == document_id)).scalars()
        return {**_doc(r), "content": r.content, "acknowledged_by": list(answers),
                "transactions": [transaction_view(t) for t in sets]}


def transaction_view(t) -> dict[str, Any]:
    return {"group_control": t.group_control, "set": t.set_code, "control": t.set_control, "status": t.status,
            "po_number": t.po_number, "order": order_number(t.order_id) if t.order_id else None,
            "error": {"code": t.error_code, "message": t.error_message} if t.error_code else None}
