"""Reading a record that belongs to a customer account (a case, a return, a survey)."""

from __future__ import annotations

from sqlalchemy import Connection, Table, select

from ..domain.access import Actor
from ..domain.errors import NotFound


def load_owned(conn: Connection, actor: Actor, table: Table, entity_id: int, *, what: str, lock: bool = False):
    """The row; a customer user asking for another account's is told it does not exist (no existence leak)."""
    q = select(table).where(table.c.id == entity_id)
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound(f"{what}_not_found", f"{what} {entity_id}: no such {what}", field=f"{what}_id")
    return row
