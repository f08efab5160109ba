"""The order timeline: every change of an order appends one event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from ..domain.orders import OrderStatus, check_transition
from .outbox import record_order_events
from .prepared import insert_of
from .tables import order_events, orders

_INSERT = insert_of(order_events, ("order_id", "at", "actor", "kind", "from_status", "to_status", "reason", "payload"))


def event_row(order_id: int, kind: str, *, at: datetime, actor: str, reason: str | None = None,
              from_status: str | None = None, to_status: str | None = None,
              payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"order_id": order_id, "at": at, "actor": actor, "kind": kind, "from_status": from_status,
            "to_status": to_status, "reason": reason, "payload": payload}


def append_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append to the timeline and, in the same transaction, to the outbox (webhooks, e-mail) for the kinds
    that are published (domain/outbox.py ROUTES)."""
    if rows:
        _INSERT.execute_many(conn, rows)
        record_order_events(conn, rows)


def append_event(conn: Connection, order_id: int, kind: str, **fields: Any) -> None:
    append_events(conn, [event_row(order_id, kind, **fields)])


def move_order(conn: Connection, order_id: int, current: str, target: OrderStatus, *, at: datetime, actor: str,
               reason: str | None = None, payload: dict[str, Any] | None = None) -> None:
    """Change status through the transitions table, conditionally on the status we read."""
    if current == target:
        return
    check_transition(current, target)
    res = conn.execute(update(orders).where(orders.c.id == order_id, orders.c.status == current)
                       .values(status=target, credit_hold=target == OrderStatus.CREDIT_HOLD))
    if res.rowcount != 1:
        from ..domain.errors import Conflict
        raise Conflict("order_changed", "the order changed while this was being done; reload and retry",
                       order_id=order_id)
    append_event(conn, order_id, "status_changed", at=at, actor=actor, reason=reason, from_status=current,
                 to_status=target, payload=payload)


def timeline(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(order_events).where(order_events.c.order_id == order_id)
                        .order_by(order_events.c.at, order_events.c.id))
    return [{"at": r.at, "actor": r.actor, "kind": r.kind, "from_status": r.from_status,
             "to_status": r.to_status, "reason": r.reason, "data": r.payload} for r in rows]
