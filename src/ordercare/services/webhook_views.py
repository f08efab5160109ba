"""Reading subscriptions and the delivery history (each attempt with its answer or error)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.outbox import EVENT_TYPES, TOUCHPOINTS
from ..store.db import UnitOfWork
from ..store.outbox_tables import outbox_messages, webhook_attempts, webhook_deliveries, webhook_subscriptions
from ..store.tables import customers
from .outbox_views import newest_first
from .webhook_subscriptions import load_subscription, subscription_view

D, W, M = webhook_deliveries, webhook_subscriptions, outbox_messages
DELIVERY_STATES = ("pending", "sending", "delivered", "failed")


def _scope(q, actor: Actor):
    """A customer user sees its own account's subscriptions only (never the global ones)."""
    return q.where(W.c.customer_id == actor.customer_id) if actor.is_customer else q


def event_types(actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.MANAGE_WEBHOOKS)
    return [{"type": t, "emails": [tp.name for tp in TOUCHPOINTS if tp.event_type == t]} for t in EVENT_TYPES]


def list_subscriptions(uow: UnitOfWork, actor: Actor, *, customer: str | None = None,
                       active: bool | None = None) -> list[dict[str, Any]]:
    actor.require(Permission.MANAGE_WEBHOOKS)
    q = _scope(select(W), actor).order_by(W.c.id)
    if customer is not None:
        q = q.where(W.c.customer_id.in_(select(customers.c.id).where(customers.c.code == customer)))
    if active is not None:
        q = q.where(W.c.active.is_(active))
    with uow.read() as conn:
        return [subscription_view(conn, r) for r in conn.execute(q)]


def get_subscription(uow: UnitOfWork, actor: Actor, subscription_id: int) -> dict[str, Any]:
    actor.require(Permission.MANAGE_WEBHOOKS)
    with uow.read() as conn:
        return subscription_view(conn, load_subscription(conn, actor, subscription_id))


def load_delivery(conn: Connection, actor: Actor, delivery_id: int):
    row = conn.execute(select(D, W.c.customer_id).join(W, W.c.id == D.c.subscription_id)
                       .where(D.c.id == delivery_id)).first()
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound("delivery_not_found", f"delivery {delivery_id}: no such delivery", field="delivery_id")
    return row


_COLUMNS = (D.c.id, D.c.subscription_id, D.c.state, D.c.attempts, D.c.next_attempt_at, D.c.last_status,
            D.c.last_error, D.c.delivered_at, D.c.created_at, M.c.message_id, M.c.event_type, M.c.order_id,
            W.c.url)


def _delivery(r) -> dict[str, Any]:
    return {"id": r.id, "subscription_id": r.subscription_id, "url": r.url, "event_id": r.message_id,
            "event_type": r.event_type, "order_id": r.order_id, "state": r.state, "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at if r.state == "pending" else None, "last_status": r.last_status,
            "last_error": r.last_error, "delivered_at": r.delivered_at, "created_at": r.created_at}


def list_deliveries(uow: UnitOfWork, actor: Actor, *, subscription_id: int | None = None, state: str | None = None,
                    event_type: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.MANAGE_WEBHOOKS)
    if state is not None and state not in DELIVERY_STATES:
        raise ValidationFailed("unknown_state", f"state: one of {', '.join(DELIVERY_STATES)}", field="state")
    q = _scope(select(*_COLUMNS).join(W, W.c.id == D.c.subscription_id).join(M, M.c.id == D.c.outbox_message_id),
               actor)
    if subscription_id is not None:
        q = q.where(D.c.subscription_id == subscription_id)
    if state is not None:
        q = q.where(D.c.state == state)
    if event_type is not None:
        q = q.where(M.c.event_type == event_type)
    return newest_first(uow, q, D.c.id, _delivery, limit=limit, offset=offset)


def get_delivery(uow: UnitOfWork, actor: Actor, delivery_id: int) -> dict[str, Any]:
    """One delivery, the document it sends, and every attempt (when, which worker, status or error, time)."""
    actor.require(Permission.MANAGE_WEBHOOKS)
    with uow.read() as conn:
        load_delivery(conn, actor, delivery_id)
        r = conn.execute(select(*_COLUMNS, M.c.body).join(W, W.c.id == D.c.subscription_id)
                         .join(M, M.c.id == D.c.outbox_message_id).where(D.c.id == delivery_id)).one()
        attempts = conn.execute(select(webhook_attempts).where(webhook_attempts.c.delivery_id == delivery_id)
                                .order_by(webhook_attempts.c.id)).all()
    return {**_delivery(r), "body": r.body, "history": [
        {"at": a.at, "worker": a.worker, "status_code": a.status_code, "error": a.error,
         "duration_ms": a.duration_ms, "response_excerpt": a.response_excerpt} for a in attempts]}
