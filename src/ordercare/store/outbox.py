"""Writing to the outbox inside the caller's transaction: the message exists if and only if the change does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from ..domain.outbox import event_types_for
from .outbox_tables import outbox_messages

_INSERT = insert(outbox_messages)  # built once: it runs on every order placed


def outbox_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One message per (event, webhook type) for the events some route publishes; the others stay internal."""
    out = []
    for e in events:
        types = event_types_for(e)
        if not types:
            continue
        data = dict(e["payload"] or {})
        for key in ("from_status", "to_status", "reason"):
            if e.get(key) is not None:
                data[key] = e[key]
        for t in types:
            out.append({"event_type": t, "order_id": e["order_id"], "customer_id": None, "occurred_at": e["at"],
                        "actor": e["actor"], "data": data, "state": "pending"})
    return out


def record_order_events(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Called by store/events.append_events: one batched INSERT per event batch, none if nothing is routed."""
    rows = outbox_rows(events)
    if rows:
        conn.execute(_INSERT, rows)


def publish(conn: Connection, event_type: str, *, at: datetime, actor: str, data: dict[str, Any],
            customer_id: int | None = None, order_id: int | None = None) -> None:
    """A message not born from an order event (a ping, a feature with its own history): same transaction."""
    conn.execute(_INSERT, [{"event_type": event_type, "order_id": order_id, "customer_id": customer_id,
                            "occurred_at": at, "actor": actor, "data": data, "state": "pending"}])
