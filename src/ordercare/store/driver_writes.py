"""Batched writes of wide rows on the hot path (every order placed, shipped, delivered): facts and summaries.

Rows are tuples in `columns` order and go through store/prepared.py (compiled once per dialect, SQLAlchemy's
own type processing, the driver's executemany). An upsert on the primary key adds the `add` columns to the
row already there; it is sparse: only the added columns that are not zero in some row of the batch are sent
and added (the others are written as a literal 0 in the statement), because an order's contribution to the daily
summaries is a handful of non-zero counters out of seventy.
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Connection, Table, bindparam, literal_column
from sqlalchemy.dialects import postgresql, sqlite

from .prepared import Prepared

_MAX_SHAPES = 512  # distinct sets of non-zero counters kept compiled (a handful in practice)


class DriverWrite:
    """INSERT of `columns` into `table`; with `add`, an upsert on the primary key that adds those columns."""

    def __init__(self, table: Table, columns: tuple[str, ...], add: tuple[str, ...] = ()):
        self.table, self.columns, self.add = table, columns, add
        self._kept = tuple(c for c in columns if c not in add)
        self._added = [(i, c) for i, c in enumerate(columns) if c in add]
        self._pick_kept = [i for i, c in enumerate(columns) if c not in add]
        self._shapes: dict[tuple[str, tuple[str, ...]], Prepared] = {}

    def _statement(self, dialect: str, summed: tuple[str, ...]) -> Prepared:
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.table)
        sent = (*self._kept, *summed)
        stmt = ins.values({**{c: bindparam(c, type_=self.table.c[c].type) for c in sent},
                           **{c: literal_column("0") for c in self.add if c not in summed}})
        keys = [c.name for c in self.table.primary_key.columns]
        if summed:
            stmt = stmt.on_conflict_do_update(index_elements=keys,
                                              set_={c: self.table.c[c] + ins.excluded[c] for c in summed})
        elif self.add:  # nothing to add (every counter zero): the row exists or is created with zeros
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        return Prepared(stmt, order=sent)

    def __call__(self, conn: Connection, rows: list[tuple], summed: tuple[str, ...] | None = None) -> None:
        """rows: tuples in `columns` order. For an upsert the caller may pass them narrow instead: the columns
        that are not added, then only the added columns named in `summed` (the others are 0 in every row)."""
        if not rows:
            return
        if self.add and summed is None:
            columns = list(zip(*rows, strict=True))
            used = [i for i, _ in self._added if any(columns[i])]
            summed = tuple(c for i, c in self._added if i in used)
            pick = itemgetter(*self._pick_kept, *used)
            rows = [pick(r) for r in rows]
        key = (conn.dialect.name, summed or ())
        prepared = self._shapes.get(key)
        if prepared is None:
            prepared = self._statement(conn.dialect.name, summed or ())
            if len(self._shapes) < _MAX_SHAPES:
                self._shapes[key] = prepared
        prepared.execute_many(conn, rows)
