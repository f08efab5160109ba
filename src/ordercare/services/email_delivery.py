"""Sending due e-mails over SMTP: claim, send (no transaction open), record; retried with backoff.

Nothing is claimed while no SMTP server is configured: the e-mails wait, visible, until one is.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import Connection, select

from ..clock import Clock
from ..config import Settings
from ..domain.webhooks import retry_delay
from ..notifications.smtp import MailOutcome, build_message, send_mail
from ..store import work_queue
from ..store.db import UnitOfWork
from ..store.outbox_tables import email_messages, outbox_messages

Sender = Callable[[Settings, EmailMessage], MailOutcome]
E = email_messages


def message_id_header(email_id: int, message_id: str | None, touchpoint: str) -> str:
    return f"<{message_id or f'email-{email_id}'}.{touchpoint}@ordercare>"


def send_due_emails(uow: UnitOfWork, clock: Clock, settings: Settings, worker: str, *, limit: int | None = None,
                    sender: Sender = send_mail, rng: random.Random | None = None) -> int:
    if not settings.smtp_host:
        return 0
    limit = limit or settings.worker_batch
    lease = timedelta(seconds=max(settings.worker_lease_seconds, limit * settings.smtp_timeout_seconds))

    def claim(conn: Connection):
        ids = work_queue.claim(conn, E, now=clock.now(), worker=worker, lease=lease, limit=limit)
        if not ids:
            return []
        return conn.execute(select(E, outbox_messages.c.message_id)
                            .outerjoin(outbox_messages, outbox_messages.c.id == E.c.outbox_message_id)
                            .where(E.c.id.in_(ids)).order_by(E.c.id)).all()

    claimed = uow.run(claim)
    rng = rng or random.Random()
    for e in claimed:
        msg = build_message(settings, to=e.to_address, subject=e.subject, text=e.body_text, html=e.body_html,
                            message_id=message_id_header(e.id, e.message_id, e.touchpoint), at=clock.now())
        outcome = sender(settings, msg)
        jitter = rng.random()
        uow.run(lambda conn, e=e, outcome=outcome, jitter=jitter: _record(conn, clock, settings, worker, e, outcome,
                                                                           jitter))
    return len(claimed)


def _record(conn: Connection, clock: Clock, settings: Settings, worker: str, e, outcome: MailOutcome,
            jitter: float) -> None:
    now = clock.now()
    if outcome.ok:
        done = {"state": "sent", "sent_at": now, "last_error": None}
    elif outcome.permanent or e.attempts >= settings.email_max_attempts:
        done = {"state": "failed", "last_error": outcome.error}
    else:
        done = {"state": "pending", "last_error": outcome.error, "next_attempt_at": now + retry_delay(
            e.attempts, base_seconds=settings.webhook_backoff_base_seconds,
            cap_seconds=settings.webhook_backoff_cap_seconds, jitter=jitter)}
    work_queue.finish(conn, E, e.id, worker, **done)
