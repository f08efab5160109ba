"""Reading the outbox and the e-mails it produced; resending an e-mail by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.orders import order_number
from ..store import work_queue
from ..store.db import UnitOfWork
from ..store.outbox_tables import email_messages, outbox_messages, webhook_deliveries
from ..store.tables import customers
from .contact_preferences import check_address

M, E, D = outbox_messages, email_messages, webhook_deliveries
EMAIL_STATES = ("pending", "sending", "sent", "failed", "skipped")


def newest_first(uow: UnitOfWork, q, key, shape, *, limit: int, offset: int) -> dict[str, Any]:
    """A page of a query, newest first (by `key`), with the count of every match: {"total", "items"}."""
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(key.desc()).limit(limit).offset(offset)).all()
    return {"total": total, "items": [shape(r) for r in rows]}


def _state(value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValidationFailed("unknown_state", f"state: one of {', '.join(allowed)}", field="state")


def list_messages(uow: UnitOfWork, actor: Actor, *, state: str | None = None, event_type: str | None = None,
                  order_id: int | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_OUTBOX)
    _state(state, ("pending", "dispatched"))
    q = select(M.c.id, M.c.message_id, M.c.event_type, M.c.order_id, M.c.occurred_at, M.c.actor, M.c.state,
               M.c.dispatched_at, customers.c.code).outerjoin(customers, customers.c.id == M.c.customer_id)
    for cond, col in ((state, M.c.state), (event_type, M.c.event_type), (order_id, M.c.order_id)):
        if cond is not None:
            q = q.where(col == cond)
    return newest_first(uow, q, M.c.id, lambda r: {
        "id": r.id, "event_id": r.message_id, "event_type": r.event_type, "customer": r.code,
        "order": order_number(r.order_id) if r.order_id else None, "occurred_at": r.occurred_at,
        "actor": r.actor, "state": r.state, "dispatched_at": r.dispatched_at}, limit=limit, offset=offset)


def outbox_status(uow: UnitOfWork, clock: Clock, actor: Actor) -> dict[str, Any]:
    """Counts by state, and how long the oldest undispatched message has waited (a stopped worker shows here)."""
    actor.require(Permission.READ_OUTBOX)
    with uow.read() as conn:
        def counts(table) -> dict[str, int]:
            return dict(conn.execute(select(table.c.state, func.count()).group_by(table.c.state)).all())
        oldest: datetime | None = conn.execute(select(func.min(M.c.occurred_at)).where(M.c.state == "pending")
                                               ).scalar_one()
        return {"messages": counts(M), "webhook_deliveries": counts(D), "emails": counts(E),
                "oldest_pending_seconds": int((clock.now() - oldest).total_seconds()) if oldest else None}


def _email(r, *, full: bool = False) -> dict[str, Any]:
    out = {"id": r.id, "touchpoint": r.touchpoint, "customer": r.code, "to": r.to_address, "subject": r.subject,
           "state": r.state, "attempts": r.attempts, "last_error": r.last_error, "sent_at": r.sent_at,
           "created_at": r.created_at, "event_id": r.message_id}
    if full:
        out |= {"body_text": r.body_text, "body_html": r.body_html}
    return out


def _emails():
    return (select(E, customers.c.code, M.c.message_id).outerjoin(customers, customers.c.id == E.c.customer_id)
            .outerjoin(M, M.c.id == E.c.outbox_message_id))


def list_emails(uow: UnitOfWork, actor: Actor, *, customer: str | None = None, touchpoint: str | None = None,
                state: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_OUTBOX)
    _state(state, EMAIL_STATES)
    q = _emails()
    for cond, col in ((customer, customers.c.code), (touchpoint, E.c.touchpoint), (state, E.c.state)):
        if cond is not None:
            q = q.where(col == cond)
    return newest_first(uow, q, E.c.id, _email, limit=limit, offset=offset)


def _load_email(conn: Connection, email_id: int):
    row = conn.execute(_emails().where(E.c.id == email_id)).first()
    if row is None:
        raise NotFound("email_not_found", f"e-mail {email_id}: no such e-mail", field="email_id")
    return row


def get_email(uow: UnitOfWork, actor: Actor, email_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_OUTBOX)
    with uow.read() as conn:
        return _email(_load_email(conn, email_id), full=True)


def resend_email(uow: UnitOfWork, clock: Clock, actor: Actor, email_id: int, *, to: str | None = None) -> None:
    """Queue an e-mail again (failed, skipped for want of an address, or lost by the recipient)."""
    actor.require(Permission.MANAGE_OUTBOX)
    address = check_address(to, "to") if to else None

    def work(conn: Connection) -> None:
        row = _load_email(conn, email_id)
        if address is None and not row.to_address:
            raise ValidationFailed("address_required", "to: this e-mail has no address; give one", field="to")
        if address is not None:
            conn.execute(update(E).where(E.c.id == email_id, E.c.state != "sending").values(to_address=address))
        if not work_queue.requeue(conn, E, email_id, now=clock.now()):
            raise Conflict("email_in_progress", f"e-mail {email_id} is being sent right now", field="email_id")

    uow.run(work)
