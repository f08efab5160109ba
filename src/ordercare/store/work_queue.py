"""Claiming work rows (webhook deliveries, e-mails) so that several workers never send one twice.

A row is due when it is pending and its next attempt time has come, or when it is "sending" but its
claim's lease ran out (the worker that held it died between sending and recording). A claim flips due
rows to "sending" with this worker's name and a lease, in one short transaction:

- PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows without waiting;
- SQLite: every write transaction is BEGIN IMMEDIATE, so claims are serial anyway (FOR UPDATE is not
  rendered there).

Recording the outcome is conditional on still holding the claim: a worker whose lease expired and whose
row was taken over does not overwrite the newer claim (its attempt stays in the history).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select, update


def due(table: Table, now: datetime):
    c = table.c
    return or_(and_(c.state == "pending", c.next_attempt_at <= now),
               and_(c.state == "sending", c.lease_until < now))


def claim(conn: Connection, table: Table, *, now: datetime, worker: str, lease: timedelta, limit: int,
          where=None) -> list[int]:
    """Ids of up to `limit` due rows, now held by `worker` until now + lease; attempts counted."""
    c = table.c
    q = select(c.id).where(due(table, now))
    if where is not None:
        q = q.where(where)
    q = q.order_by(c.next_attempt_at, c.id).limit(limit).with_for_update(skip_locked=True, of=table)
    ids = list(conn.execute(q).scalars())
    if ids:
        conn.execute(update(table).where(c.id.in_(ids)).values(
            state="sending", claimed_by=worker, lease_until=now + lease, attempts=c.attempts + 1))
    return ids


def finish(conn: Connection, table: Table, row_id: int, worker: str, **values: Any) -> bool:
    """Record the outcome if this worker still holds the claim; False if another worker took it over."""
    c = table.c
    res = conn.execute(update(table).where(c.id == row_id, c.claimed_by == worker, c.state == "sending")
                       .values(lease_until=None, **values))
    return res.rowcount == 1


def requeue(conn: Connection, table: Table, row_id: int, *, now: datetime) -> int:
    """Send again by hand (a dead letter, or a delivery the receiver lost): pending now, attempts from zero."""
    c = table.c
    return conn.execute(update(table).where(c.id == row_id, c.state != "sending").values(
        state="pending", attempts=0, next_attempt_at=now, lease_until=None, claimed_by=None,
        last_error=None)).rowcount
