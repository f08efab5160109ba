"""Reading a record that belongs to a customer account (a case, a return, a survey)."""

from __future__ import annotations

from sqlalchemy import Connection, Table, bindparam, select

from ..domain.access import Actor
from ..domain.errors import NotFound
from ..store.prepared import Prepared

_BY_ID: dict[tuple[str, bool], Prepared] = {}  # (table, locked): compiled once (store/prepared.py)


def load_owned(conn: Connection, actor: Actor, table: Table, entity_id: int, *, what: str, lock: bool = False):
    """The row; a customer user asking for another account's is told it does not exist (no existence leak)."""
    q = _BY_ID.get((table.name, lock))
    if q is None:
        stmt = select(table).where(table.c.id == bindparam("id"))
        q = _BY_ID[(table.name, lock)] = Prepared(stmt.with_for_update() if lock else stmt)
    row = q.first(conn, {"id": entity_id})
    if row is None or (actor.is_customer and row.customer_id != actor.customer_id):
        raise NotFound(f"{what}_not_found", f"{what} {entity_id}: no such {what}", field=f"{what}_id")
    return row
