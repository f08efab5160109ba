"""Sending due webhook deliveries: claim (short transaction), POST signed (no transaction open), record.

A worker killed after the POST and before the record leaves the delivery "sending" until its lease runs
out; then another worker sends it again with the same event id. At least once: receivers dedupe by id.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Connection, insert, select

from ..clock import Clock
from ..config import Settings
from ..domain.webhooks import DELIVERY_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, retry_delay, sign
from ..notifications.webhook_post import PostOutcome, post
from ..store import work_queue
from ..store.db import UnitOfWork
from ..store.outbox_tables import outbox_messages, webhook_attempts, webhook_deliveries, webhook_subscriptions

Poster = Callable[[str, bytes, dict[str, str], float], PostOutcome]
D, S, M = webhook_deliveries, webhook_subscriptions, outbox_messages


def deliver_due_webhooks(uow: UnitOfWork, clock: Clock, settings: Settings, worker: str, *,
                         limit: int | None = None, poster: Poster = post, rng: random.Random | None = None) -> int:
    """Send up to `limit` due deliveries one after another; returns how many were tried."""
    limit = limit or settings.worker_batch
    # The lease covers the whole batch at the worst case (every POST timing out).
    lease = timedelta(seconds=max(settings.worker_lease_seconds, limit * settings.webhook_timeout_seconds))

    def claim(conn: Connection):
        ids = work_queue.claim(conn, D, now=clock.now(), worker=worker, lease=lease, limit=limit,
                               where=D.c.subscription_id.in_(select(S.c.id).where(S.c.active.is_(True))))
        if not ids:
            return []
        return conn.execute(select(D.c.id, D.c.attempts, S.c.url, S.c.secret, M.c.message_id, M.c.event_type,
                                   M.c.body).join(S, S.c.id == D.c.subscription_id)
                            .join(M, M.c.id == D.c.outbox_message_id).where(D.c.id.in_(ids))
                            .order_by(D.c.id)).all()

    claimed = uow.run(claim)
    rng = rng or random.Random()
    for d in claimed:
        body = d.body.encode()
        headers = {EVENT_ID_HEADER: d.message_id, EVENT_TYPE_HEADER: d.event_type, DELIVERY_HEADER: str(d.id),
                   SIGNATURE_HEADER: sign(d.secret, body, int(clock.now().timestamp()))}
        outcome = poster(d.url, body, headers, settings.webhook_timeout_seconds)
        jitter = rng.random()
        uow.run(lambda conn, d=d, outcome=outcome, jitter=jitter:
                _record(conn, clock, settings, worker, d.id, d.attempts, outcome, jitter))
    return len(claimed)


def _record(conn: Connection, clock: Clock, settings: Settings, worker: str, delivery_id: int, attempts: int,
            outcome: PostOutcome, jitter: float) -> None:
    now = clock.now()
    conn.execute(insert(webhook_attempts).values(
        delivery_id=delivery_id, at=now, worker=worker, status_code=outcome.status, error=outcome.error,
        duration_ms=outcome.duration_ms, response_excerpt=outcome.excerpt))
    if outcome.ok:
        done = {"state": "delivered", "delivered_at": now, "last_error": None}
    elif attempts >= settings.webhook_max_attempts:
        done = {"state": "failed", "last_error": outcome.error}  # the dead letter: visible, redeliverable
    else:
        done = {"state": "pending", "last_error": outcome.error, "next_attempt_at": now + retry_delay(
            attempts, base_seconds=settings.webhook_backoff_base_seconds,
            cap_seconds=settings.webhook_backoff_cap_seconds, jitter=jitter)}
    work_queue.finish(conn, D, delivery_id, worker, last_status=outcome.status, **done)
