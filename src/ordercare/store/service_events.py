"""History of cases and returns: every change appends one row, as the order timeline does for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from .outbox import record_case_event
from .prepared import insert_of
from .service_tables import case_events, return_events

_INSERT_CASE_EVENT = insert_of(case_events, ("case_id", "kind", "at", "actor", "note", "from_status", "to_status",
                                             "payload"))  # compiled once: every step of a case writes one
_INSERT_RETURN_EVENT = insert_of(return_events, ("return_id", "kind", "at", "actor", "note", "from_status",
                                                 "to_status", "payload"))


def append_case_event(conn: Connection, case_id: int, kind: str, *, at: datetime, actor: str,
                      note: str | None = None, from_status: str | None = None, to_status: str | None = None,
                      payload: dict[str, Any] | None = None) -> None:
    _INSERT_CASE_EVENT.execute(conn, dict(case_id=case_id, kind=kind, at=at, actor=actor, note=note,
                                          from_status=from_status, to_status=to_status, payload=payload))
    # Same transaction: the outbox publishes routed case events (webhooks, e-mail; domain/outbox.py).
    record_case_event(conn, case_id, kind, at=at, actor=actor, from_status=from_status, to_status=to_status,
                      note=note, payload=payload)


def append_return_event(conn: Connection, return_id: int, kind: str, *, at: datetime, actor: str,
                        note: str | None = None, from_status: str | None = None, to_status: str | None = None,
                        payload: dict[str, Any] | None = None) -> None:
    _INSERT_RETURN_EVENT.execute(conn, dict(return_id=return_id, kind=kind, at=at, actor=actor, note=note,
                                            from_status=from_status, to_status=to_status, payload=payload))


def history(conn: Connection, table, key, entity_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(table).where(key == entity_id).order_by(table.c.at, table.c.id))
    return [{"at": r.at, "actor": r.actor, "kind": r.kind, "from_status": r.from_status, "to_status": r.to_status,
             "note": r.note, "data": r.payload} for r in rows]


def case_history(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return history(conn, case_events, case_events.c.case_id, case_id)


def return_history(conn: Connection, return_id: int) -> list[dict[str, Any]]:
    return history(conn, return_events, return_events.c.return_id, return_id)
