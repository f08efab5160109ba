"""Webhook subscriptions: register a URL for event types, per customer account or global (staff).

A customer user manages only its own account's subscriptions and never sees the global ones or another
account's (they answer "not found"). Its subscriptions receive only its own account's events.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.outbox import PING
from ..domain.webhooks import check_event_types, check_url
from ..store import work_queue
from ..store.db import UnitOfWork
from ..store.outbox_tables import outbox_messages, webhook_deliveries, webhook_subscriptions
from ..store.tables import customers

W = webhook_subscriptions


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _customer_id(conn: Connection, actor: Actor, code: str | None) -> int | None:
    """The account a new subscription belongs to: a customer user's own, or the one staff name (None: global)."""
    if code is None:
        return actor.customer_id if actor.is_customer else None
    cid = conn.execute(select(customers.c.id).where(customers.c.code == code)).scalar_one_or_none()
    if cid is None or (actor.is_customer and cid != actor.customer_id):
        raise ValidationFailed("unknown_customer", f"customer: no customer with code {code!r}", field="customer")
    return cid


def load_subscription(conn: Connection, actor: Actor, subscription_id: int, *, lock: bool = False):
    q = select(W).where(W.c.id == subscription_id)
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound("subscription_not_found", f"subscription {subscription_id}: no such subscription",
                       field="subscription_id")
    return row


def create_subscription(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, *, url: str,
                        event_types: list[str], customer: str | None = None, description: str = "") -> dict[str, Any]:
    """Returns the subscription with its signing secret: the only time the secret is shown (besides rotation)."""
    actor.require(Permission.MANAGE_WEBHOOKS)
    url = check_url(url, allow_private=settings.webhook_allow_private_urls or not actor.is_customer)
    types = check_event_types(event_types)

    def work(conn: Connection) -> int:
        cid = _customer_id(conn, actor, customer)
        return conn.execute(insert(W).values(
            customer_id=cid, url=url, event_types=types, secret=new_secret(), description=description.strip(),
            active=True, created_at=clock.now(), created_by=actor.username)).inserted_primary_key[0]

    sid = uow.run(work)
    with uow.read() as conn:
        return subscription_view(conn, load_subscription(conn, actor, sid), with_secret=True)


def update_subscription(uow: UnitOfWork, settings: Settings, actor: Actor, subscription_id: int, *,
                        url: str | None = None, event_types: list[str] | None = None, active: bool | None = None,
                        description: str | None = None) -> dict[str, Any]:
    actor.require(Permission.MANAGE_WEBHOOKS)
    values: dict[str, Any] = {}
    if url is not None:
        values["url"] = check_url(url, allow_private=settings.webhook_allow_private_urls or not actor.is_customer)
    if event_types is not None:
        values["event_types"] = check_event_types(event_types)
    if active is not None:
        values["active"] = active
    if description is not None:
        values["description"] = description.strip()

    def work(conn: Connection) -> dict[str, Any]:
        load_subscription(conn, actor, subscription_id, lock=True)
        if values:
            conn.execute(update(W).where(W.c.id == subscription_id).values(**values))
        return subscription_view(conn, load_subscription(conn, actor, subscription_id))

    return uow.run(work)


def rotate_secret(uow: UnitOfWork, actor: Actor, subscription_id: int) -> dict[str, Any]:
    """A new signing secret from the next delivery on; the old one stops verifying at once."""
    actor.require(Permission.MANAGE_WEBHOOKS)

    def work(conn: Connection) -> dict[str, Any]:
        load_subscription(conn, actor, subscription_id, lock=True)
        conn.execute(update(W).where(W.c.id == subscription_id).values(secret=new_secret()))
        return subscription_view(conn, load_subscription(conn, actor, subscription_id), with_secret=True)

    return uow.run(work)


def send_ping(uow: UnitOfWork, clock: Clock, actor: Actor, subscription_id: int) -> int:
    """Queue a `ping` to this subscription alone (the receiver can check its signature code); the delivery id."""
    actor.require(Permission.MANAGE_WEBHOOKS)

    def work(conn: Connection) -> int:
        sub = load_subscription(conn, actor, subscription_id)
        now, message_id = clock.now(), str(uuid.uuid4())
        body = {"id": message_id, "type": PING, "occurred_at": now.isoformat(), "customer": None, "order": None,
                "data": {"subscription_id": sub.id, "url": sub.url}}
        mid = conn.execute(insert(outbox_messages).values(
            event_type=PING, customer_id=sub.customer_id, occurred_at=now, actor=actor.username, data=body["data"],
            state="dispatched", message_id=message_id, dispatched_at=now,
            body=json.dumps(body, separators=(",", ":")))).inserted_primary_key[0]
        return conn.execute(insert(webhook_deliveries).values(
            outbox_message_id=mid, subscription_id=sub.id, state="pending", attempts=0, next_attempt_at=now,
            created_at=now)).inserted_primary_key[0]

    return uow.run(work)


def redeliver(uow: UnitOfWork, clock: Clock, actor: Actor, delivery_id: int) -> None:
    """Send a delivery again (a dead letter, or one the receiver lost): same event id, same body."""
    actor.require(Permission.MANAGE_WEBHOOKS)
    from .webhook_views import load_delivery

    def work(conn: Connection) -> None:
        d = load_delivery(conn, actor, delivery_id)
        if d.state == "sending" or not work_queue.requeue(conn, webhook_deliveries, delivery_id, now=clock.now()):
            from ..domain.errors import Conflict
            raise Conflict("delivery_in_progress", f"delivery {delivery_id} is being sent right now",
                           field="delivery_id")

    uow.run(work)


def subscription_view(conn: Connection, row, *, with_secret: bool = False) -> dict[str, Any]:
    code = None
    if row.customer_id is not None:
        code = conn.execute(select(customers.c.code).where(customers.c.id == row.customer_id)).scalar_one()
    out = {"id": row.id, "customer": code, "scope": "customer" if code else "global", "url": row.url,
           "event_types": list(row.event_types), "description": row.description, "active": row.active,
           "created_at": row.created_at, "created_by": row.created_by,
           "secret_hint": "…" + row.secret[-4:]}
    if with_secret:
        out["secret"] = row.secret
    return out
