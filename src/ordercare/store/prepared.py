"""Statements of the order-placement hot path, compiled once and run on the transaction's own DBAPI cursor.

SQLAlchemy spends more per execution than the driver does on these small statements (cache lookup, expanding
IN parameters, execution context, result set-up, Row objects). A `Prepared` compiles its Core statement once per
dialect (and per width of its expanding IN list) and keeps, for each parameter slot, where its value comes from
and SQLAlchemy's own bind processor for the column type; for each result column, SQLAlchemy's own result
processor. So values are converted exactly as `conn.execute` would (MoneyCents, UtcDateTime, Date on SQLite,
JSON, Boolean), and only the per-execution machinery goes. It runs in the connection's transaction, fires the
engine's before/after_cursor_execute events (statement counters, tests) and wraps driver errors as SQLAlchemy
does (DBAPIError, so the unit of work still retries deadlocks and lock timeouts).
"""

from __future__ import annotations

from collections import namedtuple
from datetime import date
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

_CONSTANT = object()  # a slot whose value is fixed in the statement (a literal list, a column default)


class _Plan:
    """One compiled form: the SQL, how to build its parameters and how to read its rows."""

    __slots__ = ("sql", "bind", "row", "columns", "result")

    def __init__(self, sql: str, slots: list[tuple], names: list[str] | None, columns: list):
        self.sql, self.columns = sql, columns
        self.bind = _binder(slots, names)
        self.row = _row_class([c.keyname for c in columns]) if columns else None
        self.result: list[tuple[int, Any]] | None = None  # (column index, processor), known at first fetch

    def processors(self, dialect: Dialect, description) -> list[tuple[int, Any]]:
        if self.result is None:
            procs = []
            for i, (col, desc) in enumerate(zip(self.columns, description or (), strict=False)):
                proc = col.type._cached_result_processor(dialect, desc[1])
                if proc is not None:
                    procs.append((i, proc))
            self.result = procs
        return self.result


def _iso_dates(type_, dialect: Dialect) -> bool:
    """A Date bound on SQLite with its default storage format, which for a date is exactly its ISO text."""
    impl = type_.dialect_impl(dialect)
    return isinstance(impl, sqlite.DATE) and impl._storage_format == sqlite.DATE._storage_format


def _date_text(process):
    # SQLAlchemy's processor formats with a dict per value; date.isoformat gives the same text in C. Anything
    # but a plain date (None, a datetime, a wrong type) still goes to SQLAlchemy's processor.
    return lambda v: v.isoformat() if type(v) is date else process(v)


def _binder(slots: list[tuple], names: list[str] | None):
    """A function params -> what the driver takes, written out once per compiled form: a tuple in position order
    (SQLite) or a dict by name (psycopg), each value through its column type's bind processor. (The same loop
    interpreted per value costs several times more on rows of forty columns.)"""
    env: dict[str, Any] = {}
    values = []
    for n, (key, index, proc, const) in enumerate(slots):
        if key is _CONSTANT:
            env[f"c{n}"] = const
            values.append(f"c{n}")
            continue
        value = f"p[{key!r}]" + ("" if index is None else f"[{index}]")
        if proc is not None:
            env[f"f{n}"] = proc
            value = f"f{n}({value})"
        values.append(value)
    if names is None:
        body = "(" + "".join(f"{v}, " for v in values) + ")"
    else:
        body = "{" + ", ".join(f"{name!r}: {v}" for name, v in zip(names, values, strict=True)) + "}"
    exec(f"def bind(p):\n    return {body}\n", env)  # noqa: S102 - names and keys come from the compiled statement
    return env["bind"]


class Record(tuple):
    """A row read by a Prepared statement: a named tuple that also has SQLAlchemy Row's `_mapping`."""

    __slots__ = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return self._asdict()


def _row_class(names: list[str]):
    return type("Record", (Record, namedtuple("Record", names, rename=True)), {"__slots__": ()})


class Prepared:
    """A Core statement compiled once per dialect; `expanding` names its one IN-list parameter (compiled per
    width); `defaults` are values bound when a row does not give them (insert_of: the columns' Python defaults).
    Parameters are mappings by name, or, with `order`, sequences in that order (cheaper for wide rows)."""

    def __init__(self, stmt, *, expanding: str | None = None, defaults: Mapping[str, Any] | None = None,
                 order: Sequence[str] | None = None):
        self.stmt, self.expanding, self.defaults = stmt, expanding, dict(defaults or {})
        self.order = {name: i for i, name in enumerate(order)} if order is not None else None
        self._plans: dict[tuple[str, int], _Plan] = {}

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        width = len(params[self.expanding if self.order is None else self.order[self.expanding]]) \
            if self.expanding else -1
        plan = self._plans.get((dialect.name, width))
        if plan is None:
            plan = self._plans[(dialect.name, width)] = self._compile(dialect, width)
        return plan

    def _compile(self, dialect: Dialect, width: int) -> _Plan:
        compiled = self.stmt.compile(dialect=dialect)
        given = {name for name, bp in compiled.binds.items() if bp.required or name in self.defaults}
        sample = {name: None for name in given}
        if self.expanding:
            sample[self.expanding] = [None] * width
        state = compiled.construct_expanded_state(sample)
        origin = {new: (old, i) for old, news in (state.parameter_expansion or {}).items()
                  for i, new in enumerate(news)}
        names = list(state.positiontup) if state.positiontup is not None else list(state.parameters)
        processors = {**compiled._bind_processors, **(state.processors or {})}
        for name, bp in compiled.binds.items():
            if name in processors and _iso_dates(bp.type, dialect):
                processors[name] = _date_text(processors[name])
        slots = []
        for name in names:
            key, index = origin.get(name, (name, None))
            proc = processors.get(name)
            if key in self.defaults:
                value = self.defaults[key]
                slots.append((_CONSTANT, None, None, value if proc is None else proc(value)))
            elif key in given:
                slots.append((key if self.order is None else self.order[key], index, proc, None))
            else:  # a value the statement carries (e.g. a literal IN list): converted once
                value = state.parameters[name]
                slots.append((_CONSTANT, None, None, value if proc is None else proc(value)))
        return _Plan(state.statement, slots, None if state.positiontup is not None else names,
                     list(compiled._result_columns))

    # --- running ----------------------------------------------------------------------------------------------

    def _run(self, conn: Connection, params, many: bool):
        if not conn.in_transaction():
            conn.begin()  # as conn.execute would autobegin: never run outside the unit of work's transaction
        cursor = conn.connection.dbapi_connection.cursor()
        sql = None
        try:
            plan = self._plan(conn.dialect, params[0] if many else params)
            sql = plan.sql
            bound = [plan.bind(p) for p in params] if many else plan.bind(params)
        except Exception as e:  # e.g. a value its column type refuses: raised as conn.execute raises it
            conn._handle_dbapi_exception(e, sql or str(self.stmt), params, cursor, None)
        _send(conn, cursor, plan.sql, bound, many)
        return plan, cursor

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list:
        plan, cursor = self._run(conn, params or {}, False)
        try:
            fetched = cursor.fetchall()
            procs = plan.processors(conn.dialect, cursor.description)
        finally:
            cursor.close()
        make = plan.row._make
        if not procs:
            return [make(r) for r in fetched]
        out = []
        for r in fetched:
            r = list(r)
            for i, proc in procs:
                r[i] = proc(r[i])
            out.append(make(r))
        return out

    def rows_in(self, conn: Connection, ids: Sequence[int], params: Mapping[str, Any] | None = None) -> list:
        """rows of a statement with an "IN :ids" for any number of ids: read IN_CHUNK ids at a time (a read's
        parameters are bounded), each chunk padded (padded_ids); the rows in chunk order."""
        return [r for chunk in id_chunks(ids) for r in self.rows(conn, {**(params or {}), **chunk})]

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None):
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, params: Mapping[str, Any] | None = None):
        row = self.first(conn, params)
        return None if row is None else row[0]

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement without rows; returns the rowcount."""
        _, cursor = self._run(conn, params or {}, False)
        count = cursor.rowcount
        cursor.close()
        return count

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """One executemany over the rows (none: nothing is sent); returns the summed rowcount."""
        if not rows:
            return 0
        _, cursor = self._run(conn, rows, True)
        count = cursor.rowcount
        cursor.close()
        return count


def _send(conn: Connection, cursor, sql: str, bound, many: bool) -> None:
    """Execute on the cursor as Connection.execute would: cursor events around it, driver errors wrapped."""
    events = conn.dispatch if conn._has_events or conn.engine._has_events else None
    try:
        if events is not None and events.before_cursor_execute:
            for fn in events.before_cursor_execute:
                sql, bound = fn(conn, cursor, sql, bound, None, many)
        if many:
            cursor.executemany(sql, bound)
        else:
            cursor.execute(sql, bound)
        if events is not None and events.after_cursor_execute:
            for fn in events.after_cursor_execute:
                fn(conn, cursor, sql, bound, None, many)
    except BaseException as e:
        conn._handle_dbapi_exception(e, sql, bound, cursor, None)


def driver_sql(conn: Connection, sql: str) -> None:
    """A statement without parameters or rows (BEGIN IMMEDIATE) on the connection's driver, events and error
    wrapping as above, without autobegin (it may be the statement that begins)."""
    cursor = conn.connection.dbapi_connection.cursor()
    _send(conn, cursor, sql, (), False)
    cursor.close()


_STATUS_MOVES: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def status_move(table: Table, columns: tuple[str, ...]) -> Prepared:
    """UPDATE table SET status = :to_status, <columns> WHERE id = :id AND status = :read_status: a move made only
    if the row is still as it was read (rowcount 1), compiled once per table and set of extra columns."""
    key = (table.name, columns)
    stmt = _STATUS_MOVES.get(key)
    if stmt is None:
        stmt = _STATUS_MOVES[key] = Prepared(
            update(table).where(table.c.id == bindparam("id"), table.c.status == bindparam("read_status"))
            .values(status=bindparam("to_status"), **{c: bindparam(c, type_=table.c[c].type) for c in columns}))
    return stmt


def in_ids(column):
    """`column IN :ids`, for a Prepared(..., expanding="ids") run with padded_ids."""
    return column.in_(bindparam("ids", expanding=True))


IN_CHUNK = 512  # ids per IN list (a power of two: see padded_ids)


def id_chunks(ids: Sequence[int]) -> Iterator[dict[str, list[int]]]:
    """padded_ids of each run of IN_CHUNK ids, in order."""
    for i in range(0, len(ids), IN_CHUNK):
        yield padded_ids(list(ids[i:i + IN_CHUNK]))


def padded_ids(ids: list[int]) -> dict[str, list[int]]:
    """The parameters of a Prepared "IN :ids" (expanding="ids"): the ids padded with the last one to a power of
    two, so that a handful of widths get compiled, not one per list length."""
    width = 1 << (len(ids) - 1).bit_length() if ids else 1
    return {"ids": ids + [ids[-1] if ids else 0] * (width - len(ids))}


def insert_of(table: Table, columns: Iterable[str], returning=None, *, positional: bool = False) -> Prepared:
    """INSERT of these columns; the other columns with a scalar Python default get it (as conn.execute(insert(t))
    would give them), those with a server default or none are left to the database. positional: rows are given
    as sequences in the order of `columns` (cheaper than mappings for many rows)."""
    columns = list(columns)
    defaults = {}
    for c in table.columns:
        if c.key in columns or c.default is None:
            continue
        if not c.default.is_scalar:
            raise ValueError(f"{table.name}.{c.key}: a callable default must be given explicitly")
        defaults[c.key] = c.default.arg
    stmt = insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in [*columns, *defaults]})
    if returning is not None:
        stmt = stmt.returning(*returning) if isinstance(returning, (list, tuple)) else stmt.returning(returning)
    return Prepared(stmt, defaults=defaults, order=columns if positional else None)
