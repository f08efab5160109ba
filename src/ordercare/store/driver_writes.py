"""Writes on the hot path (every order placed, shipped, delivered): compiled once per dialect, sent through
`exec_driver_sql` as plain tuples.

That skips SQLAlchemy's per-parameter work, which for a dozen rows of seventy counters costs several times
what the driver itself does; the statements still go through the connection (same transaction, same
before/after_cursor_execute events). Values must be what the driver takes as they are: int, str, None, and
dates (sent as ISO text to SQLite, as SQLAlchemy's Date type stores them there).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Date, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite


class DriverWrite:
    """INSERT of `columns` into `table`; with `add`, an upsert on the primary key that adds those columns."""

    def __init__(self, table: Table, columns: tuple[str, ...], add: tuple[str, ...] = ()):
        self.table, self.columns, self.add = table, columns, add
        self.dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Date)]
        self._compiled: dict[str, tuple[str, list[int] | None]] = {}

    def _compile(self, conn: Connection) -> tuple[str, list[int] | None]:
        name = conn.dialect.name
        if name not in self._compiled:
            ins = (postgresql.insert if name == "postgresql" else sqlite.insert)(self.table)
            stmt = ins.values({c: bindparam(c) for c in self.columns})
            if self.add:
                stmt = stmt.on_conflict_do_update(
                    index_elements=[c.name for c in self.table.primary_key.columns],
                    set_={c: self.table.c[c] + ins.excluded[c] for c in self.add})
            compiled = stmt.compile(dialect=conn.dialect)
            order = compiled.positiontup
            at = {c: i for i, c in enumerate(self.columns)}
            self._compiled[name] = (str(compiled), [at[n] for n in order] if order else None)
        return self._compiled[name]

    def __call__(self, conn: Connection, rows: list[tuple]) -> None:
        if not rows:
            return
        sql, order = self._compile(conn)
        if order is None:  # named parameters (psycopg): it adapts dates itself
            conn.exec_driver_sql(sql, [dict(zip(self.columns, r, strict=True)) for r in rows])
            return
        if self.dates:
            rows = [list(r) for r in rows]
            for r in rows:
                for i in self.dates:
                    if isinstance(r[i], date):
                        r[i] = r[i].isoformat()
        conn.exec_driver_sql(sql, [tuple(r[i] for i in order) for r in rows])
