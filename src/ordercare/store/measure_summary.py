"""The daily KPI summaries: applied incrementally (upserts that add a delta) and rebuilt from the facts in SQL.

An upsert adds to the existing row (`counter = counter + excluded.counter`), so concurrent transactions that
touch the same day and slice never overwrite each other; rows are written in key order, one lock order for
every writer. The rebuild recomputes the same sums from the fact tables with GROUP BY (metrics/counters.py is
the one definition of both).
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import BigInteger, Column, Connection, Date, MetaData, String, Table, case, delete, func, insert, \
    literal, select, union_all

from ..metrics.attribution import FAILURE_KINDS
from ..metrics.counters import BIN_DAYS, CYCLE_MEASURES, DAILY_COLUMNS, LINE_COUNTERS, \
    LINE_DIMENSIONS, MONTHLY, ORDER_COUNTERS, ORDER_DIMENSIONS, rollup_key
from ..metrics.tally import Tally
from .driver_writes import DriverWrite
from .measure_tables import kpi_daily, kpi_daily_cycle, kpi_daily_failures, line_facts, order_facts

_SLICE = ("dimension", "day", "slice_key")
_DAILY = DriverWrite(kpi_daily, (*_SLICE, *DAILY_COLUMNS), add=DAILY_COLUMNS)
_CYCLE = DriverWrite(kpi_daily_cycle, (*_SLICE, "measure", "days", "n"), add=("n",))
_FAILURES = DriverWrite(kpi_daily_failures, (*_SLICE, "kind", "department", "n"), add=("n",))


def apply_tally(conn: Connection, tally: Tally) -> None:
    """Add a tally's contributions (positive or negative) to the summaries."""
    write_summary_rows(conn, *summary_rows(tally))


def summary_rows(tally: Tally) -> tuple[list[tuple], tuple[str, ...], list[tuple], list[tuple]]:
    """(daily rows, the counters they carry, cycle rows, failure rows) of a tally, in key order; a daily row is
    (dimension, day, slice key, the `summed` counters and bins), `summed` the ones some contribution moved."""
    daily, cycle, failures = tally.changes()
    used = sorted(tally.touched)  # the counters and bins some contribution moved: the only ones sent and added
    pick = itemgetter(*used) if len(used) > 1 else lambda row: tuple(row[i] for i in used)
    return ([(d, day, k, *pick(row)) for (d, k, day), row in daily],
            tuple(DAILY_COLUMNS[i] for i in used),
            [(d, day, k, m, days, n) for (d, k, day, m, days), n in cycle],
            [(d, day, k, kind, dept, n) for (d, k, day, kind, dept), n in failures])


def write_summary_rows(conn: Connection, daily: list[tuple], summed: tuple[str, ...], cycle: list[tuple],
                       failures: list[tuple]) -> None:
    """Add rows shaped as summary_rows gives them to the summaries: one upsert statement per table."""
    _DAILY(conn, daily, summed=summed)
    _CYCLE(conn, cycle)
    _FAILURES(conn, failures)


# --- the same sums straight from the facts --------------------------------------------------------------------

def aggregate(column, agg: str):
    if agg == "count":
        return func.count(column)
    if agg == "sq":
        return func.coalesce(func.sum(column * column), 0)
    return func.coalesce(func.sum(column), 0)


def _in_bin(table: Table, measure: str, days: int):
    """1 where a fact's cycle time falls in this bin (metrics/counters.BINS), else 0."""
    return case((table.c[f"{measure}_days"] == days, 1), else_=0)


def _bin_sums(table: Table) -> list:
    """Each cycle-time bin of the facts of a group: how many of them took that many days."""
    return [func.coalesce(func.sum(_in_bin(table, m, d)), 0).label(f"{m}_d{d}")
            for m in CYCLE_MEASURES for d in range(BIN_DAYS)]


def _slice_column(dimension: str, table: Table):
    column = (ORDER_DIMENSIONS | LINE_DIMENSIONS)[dimension]
    return literal("") if column is None else func.coalesce(table.c[column].cast(String(64)), "")


def fact_key(dimension: str):
    """The slice value of a fact row as the summaries key it (line facts for line-level slices)."""
    return _slice_column(dimension, line_facts if dimension in LINE_DIMENSIONS else order_facts)


def fact_sums(dimension: str, *, by_day: bool = True, where=None):
    """SELECT dimension-key[, day], every counter and cycle-time bin ... FROM the facts, grouped: the summary
    from scratch (columns in DAILY_COLUMNS order)."""
    if dimension in LINE_DIMENSIONS:
        key = _slice_column(dimension, line_facts)
        cols = [literal(0).label(c) for c, _, _ in ORDER_COUNTERS]  # columns in COUNTERS order
        cols += [aggregate(line_facts.c[f], a).label(c) for c, f, a in LINE_COUNTERS] + _bin_sums(line_facts)
        q = select(key.label("slice_key"), *([line_facts.c.order_day.label("day")] if by_day else []), *cols)
        q = q.select_from(line_facts)
        group = [key, line_facts.c.order_day] if by_day else [key]
        if where is not None:
            q = q.join(order_facts, order_facts.c.order_id == line_facts.c.order_id).where(where)
        return q.group_by(*group)
    key = _slice_column(dimension, order_facts)
    per_order = select(line_facts.c.order_id, *[aggregate(line_facts.c[f], a).label(c) for c, f, a in LINE_COUNTERS])
    if where is not None:
        per_order = per_order.join(order_facts, order_facts.c.order_id == line_facts.c.order_id).where(where)
    per_order = per_order.group_by(line_facts.c.order_id).subquery()
    cols = [aggregate(order_facts.c[f], a).label(c) for c, f, a in ORDER_COUNTERS]
    cols += [func.coalesce(func.sum(per_order.c[c]), 0).label(c) for c, _, _ in LINE_COUNTERS]
    cols += _bin_sums(order_facts)
    q = (select(key.label("slice_key"), *([order_facts.c.order_day.label("day")] if by_day else []), *cols)
         .select_from(order_facts.outerjoin(per_order, per_order.c.order_id == order_facts.c.order_id)))
    if where is not None:
        q = q.where(where)
    return q.group_by(*([key, order_facts.c.order_day] if by_day else [key]))


def fact_cycle(dimension: str, *, by_day: bool = True, where=None):
    """SELECT key[, day], measure, days, n: the cycle times outside the bins (histogram rows) from the facts."""
    table = line_facts if dimension in LINE_DIMENSIONS else order_facts
    key = _slice_column(dimension, table)
    parts = []
    for measure in CYCLE_MEASURES:
        days = table.c[f"{measure}_days"]
        q = select(key.label("slice_key"), *([table.c.order_day.label("day")] if by_day else []),
                   literal(measure).label("measure"), days.label("days"), func.count().label("n"))
        if table is line_facts and where is not None:
            q = q.join(order_facts, order_facts.c.order_id == line_facts.c.order_id)
        q = q.where(days.is_not(None), (days < 0) | (days >= BIN_DAYS))
        if where is not None:
            q = q.where(where)
        parts.append(q.group_by(key, *([table.c.order_day] if by_day else []), days))
    return union_all(*parts)


def fact_failures(dimension: str, *, by_day: bool = True, where=None):
    """SELECT key[, day], kind, department, n: failures by the department charged (order-level slices)."""
    key = _slice_column(dimension, order_facts)
    parts = []
    for kind in FAILURE_KINDS:
        dept = order_facts.c[f"fail_{kind}"]
        q = select(key.label("slice_key"), *([order_facts.c.order_day.label("day")] if by_day else []),
                   literal(kind).label("kind"), dept.label("department"), func.count().label("n"))
        q = q.where(dept.is_not(None))
        if where is not None:
            q = q.where(where)
        parts.append(q.group_by(key, *([order_facts.c.order_day] if by_day else []), dept))
    return union_all(*parts)


def _per_order(agg: str, column):
    """One order's own contribution to a counter (no GROUP BY: one row per order)."""
    if agg == "count":
        return case((column.is_not(None), 1), else_=0)
    return func.coalesce(column * column if agg == "sq" else column, 0)


def _order_sums_stage(conn: Connection) -> Table:
    """Each order's counters, its lines' summed, its cycle-time bins and its slice values: one pass over the line
    facts, kept in a temporary table that every order-level slice then groups (instead of six passes)."""
    keys = [c for c in ORDER_DIMENSIONS.values() if c]
    stage = Table("measure_order_sums", MetaData(), Column("order_day", Date),
                  *[Column(c, String(64)) for c in keys], *[Column(c, BigInteger) for c in DAILY_COLUMNS],
                  prefixes=["TEMPORARY"])
    stage.create(conn)
    lines = (select(line_facts.c.order_id, *[aggregate(line_facts.c[f], a).label(c) for c, f, a in LINE_COUNTERS])
             .group_by(line_facts.c.order_id).subquery())
    conn.execute(insert(stage).from_select(
        ["order_day", *keys, *DAILY_COLUMNS],
        select(order_facts.c.order_day, *[order_facts.c[c].cast(String(64)) for c in keys],
               *[_per_order(a, order_facts.c[f]) for _, f, a in ORDER_COUNTERS],
               *[func.coalesce(lines.c[c], 0) for c, _, _ in LINE_COUNTERS],
               *[_in_bin(order_facts, m, d) for m in CYCLE_MEASURES for d in range(BIN_DAYS)])
        .select_from(order_facts.outerjoin(lines, lines.c.order_id == order_facts.c.order_id))))
    return stage


def rebuild_summaries(conn: Connection) -> None:
    """Throw the summaries away and sum them again from the facts (set-based: INSERT … SELECT)."""
    for table in (kpi_daily, kpi_daily_cycle, kpi_daily_failures):
        conn.execute(delete(table))
    stage = _order_sums_stage(conn)
    for dimension in (*ORDER_DIMENSIONS, *LINE_DIMENSIONS):
        if dimension in ORDER_DIMENSIONS:
            column = ORDER_DIMENSIONS[dimension]
            key = literal("") if column is None else func.coalesce(stage.c[column], "")
            sums = (select(key.label("slice_key"), stage.c.order_day.label("day"),
                           *[func.sum(stage.c[c]).label(c) for c in DAILY_COLUMNS])
                    .group_by(key, stage.c.order_day).subquery())
        else:
            sums = fact_sums(dimension).subquery()
        conn.execute(insert(kpi_daily).from_select(
            ["dimension", "slice_key", "day", *DAILY_COLUMNS],
            select(literal(dimension), sums.c.slice_key, sums.c.day, *[sums.c[c] for c in DAILY_COLUMNS])))
        cyc = fact_cycle(dimension).subquery()
        conn.execute(insert(kpi_daily_cycle).from_select(
            ["dimension", "slice_key", "day", "measure", "days", "n"],
            select(literal(dimension), cyc.c.slice_key, cyc.c.day, cyc.c.measure, cyc.c.days, cyc.c.n)))
        if dimension in ORDER_DIMENSIONS:
            fail = fact_failures(dimension).subquery()
            conn.execute(insert(kpi_daily_failures).from_select(
                ["dimension", "slice_key", "day", "kind", "department", "n"],
                select(literal(dimension), fail.c.slice_key, fail.c.day, fail.c.kind, fail.c.department,
                       fail.c.n)))
    stage.drop(conn)
    rollup_rows(conn)


def period_start(conn: Connection, day, level: str = "month"):
    """The first day of a date's month (or year), in the dialect at hand."""
    if conn.dialect.name == "postgresql":
        return func.date_trunc(level, day).cast(Date)
    return func.date(day, f"start of {level}")


def rollup_rows(conn: Connection, dimensions=MONTHLY) -> None:
    """The month rows of the large slices summed from their day rows, then their year rows from the month rows."""
    for table, extra, sums in ((kpi_daily, [], list(DAILY_COLUMNS)),
                               (kpi_daily_cycle, ["measure", "days"], ["n"]),
                               (kpi_daily_failures, ["kind", "department"], ["n"])):
        for dimension in dimensions:
            for source, level in ((dimension, "month"), (rollup_key(dimension, "month"), "year")):
                start = period_start(conn, table.c.day, level)
                conn.execute(insert(table).from_select(
                    ["dimension", "slice_key", "day", *extra, *sums],
                    select(literal(rollup_key(dimension, level)), table.c.slice_key, start,
                           *[table.c[c] for c in extra], *[func.sum(table.c[c]) for c in sums])
                    .where(table.c.dimension == source)
                    .group_by(table.c.slice_key, start, *[table.c[c] for c in extra])))
