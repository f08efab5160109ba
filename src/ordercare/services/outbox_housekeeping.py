"""The outbox's own scheduled job: forget finished messages after the retention period.

A message is finished when it was dispatched and none of its deliveries or e-mails is still pending or
being sent; failed ones count as finished (they stay visible for the whole retention period).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, exists, select

from ..store.outbox_tables import email_messages, outbox_messages, webhook_attempts, webhook_deliveries
from .scheduled_jobs import JobContext, register_job

M, D, E = outbox_messages, webhook_deliveries, email_messages
_OPEN = ("pending", "sending")


def purge_finished_messages(ctx: JobContext) -> int:
    cutoff = ctx.clock.now() - timedelta(days=ctx.settings.outbox_retention_days)

    def work(conn) -> int:
        old = list(conn.execute(select(M.c.id).where(
            M.c.state == "dispatched", M.c.dispatched_at < cutoff,
            ~exists().where(D.c.outbox_message_id == M.c.id, D.c.state.in_(_OPEN)),
            ~exists().where(E.c.outbox_message_id == M.c.id, E.c.state.in_(_OPEN))).limit(5000)).scalars())
        if not old:
            return 0
        deliveries = select(D.c.id).where(D.c.outbox_message_id.in_(old))
        conn.execute(delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(deliveries)))
        conn.execute(delete(D).where(D.c.outbox_message_id.in_(old)))
        conn.execute(delete(E).where(E.c.outbox_message_id.in_(old)))
        conn.execute(delete(M).where(M.c.id.in_(old)))
        return len(old)

    return ctx.uow.run(work)


register_job("outbox_housekeeping", timedelta(hours=1), purge_finished_messages)
