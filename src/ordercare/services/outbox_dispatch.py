"""Fan-out: each pending outbox message becomes one delivery per matching webhook subscription and one
e-mail per touchpoint, in one transaction, so a message is dispatched exactly once.

The message gets its public id here (a UUID, the one receivers dedupe by) and its body is fixed here,
so every retry sends the same bytes. The order's facts in the body and the e-mails are those at
dispatch, a moment after the change (the worker polls every few seconds).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import SYSTEM
from ..domain.outbox import Audience, Touchpoint, subscribed, touchpoints_for
from ..notifications.render import render_email
from ..store.db import UnitOfWork
from ..store.outbox_tables import (
    contact_preferences,
    email_messages,
    outbox_messages,
    webhook_deliveries,
    webhook_subscriptions,
)
from ..store.tables import customers, orders
from .order_views import order_view


def dispatch_pending(uow: UnitOfWork, clock: Clock, settings: Settings, *, limit: int = 100) -> int:
    """Dispatch up to `limit` pending messages (oldest first); returns how many."""
    def work(conn: Connection) -> int:
        rows = conn.execute(select(outbox_messages).where(outbox_messages.c.state == "pending")
                            .order_by(outbox_messages.c.id).limit(limit)
                            .with_for_update(skip_locked=True)).all()
        if not rows:
            return 0
        subs = conn.execute(select(webhook_subscriptions).where(webhook_subscriptions.c.active.is_(True))).all()
        owners = dict(conn.execute(select(orders.c.id, orders.c.customer_id).where(
            orders.c.id.in_({r.order_id for r in rows if r.order_id is not None}))).all())
        views: dict[int, dict[str, Any]] = {}  # one read per order: its messages see the same snapshot
        for m in rows:
            dispatch_one(conn, clock, settings, m, subs, m.customer_id or owners.get(m.order_id), views)
        return len(rows)

    return uow.run(work)


def dispatch_one(conn: Connection, clock: Clock, settings: Settings, m, subs, customer_id: int | None,
                 views: dict[int, dict[str, Any]]) -> None:
    now = clock.now()
    message_id = str(uuid.uuid4())
    customer = (conn.execute(select(customers.c.id, customers.c.code, customers.c.name, customers.c.email)
                             .where(customers.c.id == customer_id)).first() if customer_id else None)
    if m.order_id and m.order_id not in views:
        views[m.order_id] = order_view(conn, SYSTEM, m.order_id)
    order = views.get(m.order_id) if m.order_id else None
    body = envelope(m, message_id, customer, order)
    targets = [s.id for s in subs if (s.customer_id is None or s.customer_id == customer_id)
               and subscribed(s.event_types, m.event_type)]
    if targets:
        conn.execute(insert(webhook_deliveries), [
            {"outbox_message_id": m.id, "subscription_id": sid, "state": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now} for sid in targets])
    emails = [email_row(conn, settings, tp, m, message_id, customer, order, now)
              for tp in touchpoints_for(m.event_type, m.data)]
    emails = [e for e in emails if e is not None]
    if emails:
        conn.execute(insert(email_messages), emails)
    conn.execute(update(outbox_messages).where(outbox_messages.c.id == m.id).values(
        state="dispatched", message_id=message_id, customer_id=customer_id, dispatched_at=now,
        body=json.dumps(body, default=str, separators=(",", ":"))))


def envelope(m, message_id: str, customer, order: dict[str, Any] | None) -> dict[str, Any]:
    """The document a subscriber receives: who, what, when, the order as it stands, and the event's facts."""
    return {
        "id": message_id, "type": m.event_type, "occurred_at": m.occurred_at.isoformat(),
        "customer": {"code": customer.code, "name": customer.name} if customer else None,
        "order": {"id": order["id"], "number": order["number"], "status": order["status"],
                  "promised_date": order["promised_date"], "customer_po": order["customer_po"],
                  "total_amount": str(order["total_amount"]), "currency": order["currency"]} if order else None,
        "data": m.data or {},
    }


def recipient(conn: Connection, settings: Settings, tp: Touchpoint, customer,
              data: dict[str, Any]) -> tuple[bool, str | None]:
    """(send at all, to which address): the customer's preference for the touchpoint, else the contact given
    on the case, else the customer's address; staff touchpoints go to the staff address in the settings."""
    if tp.audience is Audience.STAFF:
        return True, settings.staff_email or None
    if customer is None:
        return False, None
    pref = conn.execute(select(contact_preferences.c.enabled, contact_preferences.c.address).where(
        contact_preferences.c.customer_id == customer.id, contact_preferences.c.touchpoint == tp.name)).first()
    if pref is not None and not pref.enabled:
        return False, None
    return True, (pref.address if pref is not None else None) or data.get("contact_email") or customer.email or None


def email_row(conn: Connection, settings: Settings, tp: Touchpoint, m, message_id: str, customer,
              order: dict[str, Any] | None, now) -> dict[str, Any] | None:
    wanted, address = recipient(conn, settings, tp, customer, m.data or {})
    if not wanted:
        return None
    mail = render_email(tp.name, {
        "customer": {"code": customer.code, "name": customer.name} if customer else {"code": "", "name": ""},
        "order": order, "data": m.data or {}, "company": settings.company_name, "event_type": m.event_type,
        "occurred_at": m.occurred_at.isoformat(timespec="minutes"), "actor": m.actor, "message_id": message_id,
        "public_url": settings.public_url,
    })
    return {"outbox_message_id": m.id, "touchpoint": tp.name, "customer_id": customer.id if customer else None,
            "to_address": address, "subject": mail.subject, "body_text": mail.text, "body_html": mail.html,
            # No address: kept, visible, and not sent (the desk can add one and resend).
            "state": "pending" if address else "skipped", "attempts": 0, "next_attempt_at": now,
            "last_error": None if address else (
                "no e-mail address: set ORDERCARE_STAFF_EMAIL" if tp.audience is Audience.STAFF
                else "no e-mail address for this customer and touchpoint"),
            "created_at": now}

