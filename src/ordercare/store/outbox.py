"""Writing to the outbox inside the caller's transaction: the message exists if and only if the change does."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..domain.outbox import event_types_for
from .outbox_tables import outbox_messages
from .prepared import Prepared, insert_of

# Compiled once: it runs on every order placed (store/prepared.py).
_INSERT = insert_of(outbox_messages, ("event_type", "order_id", "customer_id", "occurred_at", "actor", "data", "state"))


def _data(e: dict[str, Any]) -> dict[str, Any]:
    data = dict(e["payload"] or {})
    for key in ("from_status", "to_status", "reason"):
        if e.get(key) is not None:
            data[key] = e[key]
    return data


def outbox_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One message per (event, webhook type) for the events some route publishes; the others stay internal."""
    out = []
    for e in events:
        types = event_types_for(e)
        if not types:
            continue
        data = _data(e)
        for t in types:
            out.append({"event_type": t, "order_id": e["order_id"], "customer_id": None, "occurred_at": e["at"],
                        "actor": e["actor"], "data": data, "state": "pending"})
    return out


def record_order_events(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Called by store/events.append_events: one batched INSERT per event batch, none if nothing is routed."""
    rows = outbox_rows(events)
    if rows:
        _INSERT.execute_many(conn, rows)


def record_case_event(conn: Connection, case_id: int, kind: str, *, at: datetime, actor: str,
                      from_status: str | None = None, to_status: str | None = None, note: str | None = None,
                      payload: dict[str, Any] | None = None) -> None:
    """Called by store/service_events.append_case_event: a routed case event goes out with the case's facts
    (a case may have no order, so its customer is written here)."""
    event = {"kind": kind, "from_status": from_status, "to_status": to_status, "payload": payload, "reason": note}
    types = event_types_for(event, timeline="case")
    if not types:
        return
    from ..domain.cases import case_number
    c = _case_of_event().first(conn, {"case_id": case_id})
    data = {**_data(event), "case": case_number(case_id), "case_id": case_id, "category": c.category,
            "priority": c.priority, "subject": c.subject, "resolution": c.resolution,
            "contact_email": c.contact_email}
    _INSERT.execute_many(conn, [{"event_type": t, "order_id": c.order_id, "customer_id": c.customer_id,
                            "occurred_at": at, "actor": actor, "data": data, "state": "pending"} for t in types])


@cache
def _case_of_event() -> Prepared:
    """What a case event's message carries of the case (service_tables imports this module: built on first use)."""
    from .service_tables import cases
    return Prepared(select(cases.c.customer_id, cases.c.order_id, cases.c.category, cases.c.priority,
                           cases.c.subject, cases.c.resolution, cases.c.contact_email)
                    .where(cases.c.id == bindparam("case_id")))


def publish(conn: Connection, event_type: str, *, at: datetime, actor: str, data: dict[str, Any],
            customer_id: int | None = None, order_id: int | None = None) -> None:
    """A message not born from an order event (a ping, a feature with its own history): same transaction."""
    _INSERT.execute_many(conn, [{"event_type": event_type, "order_id": order_id, "customer_id": customer_id,
                            "occurred_at": at, "actor": actor, "data": data, "state": "pending"}])
