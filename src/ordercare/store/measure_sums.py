"""The summaries summed over a period, per slice value (and day): counters, cycle-time histograms, failures by
department. Or the same sums from the facts: one customer's report (the summaries have no customer-and-product
cells), and the tests' check that both agree.

A large slice (MONTHLY) reads the rows that make up its period with the fewest rows, adding some and taking
others away (metrics/counters.signed_ranges): a month or year row is exactly the sum of its day rows, so the
difference is exact, to the last unit of every counter and histogram bin. The database sums the rows with their
signs in one GROUP BY per table.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Connection, and_, cast, func, literal, or_, select, union_all

from ..metrics.counters import COUNTERS, DAILY_COLUMNS, LINE_DIMENSIONS, MONTHLY, ORDER_COUNTERS, \
    binned_histograms, rollup_key, signed_ranges
from .measure_summary import fact_cycle, fact_failures, fact_key, fact_sums
from .measure_tables import kpi_daily, kpi_daily_cycle, kpi_daily_failures, order_facts

Ranges = list[tuple[str, date, date]]


def _ranges(dimension: str, date_from: date, date_to: date, by_day: bool) -> tuple[Ranges, Ranges]:
    """(rows to add, rows to take away): day rows only, or for a large slice its year, month and day rows."""
    if dimension not in MONTHLY or by_day:
        return [("day", date_from, date_to)], []
    return signed_ranges(date_from, date_to)


def _where(table, dimension: str, ranges: Ranges):
    return or_(*[and_(table.c.dimension == rollup_key(dimension, level), table.c.day.between(lo, hi))
                 for level, lo, hi in ranges])


def _facts_where(date_from: date, date_to: date, customer_id: int | None):
    where = order_facts.c.order_day.between(date_from, date_to)
    return where if customer_id is None else and_(order_facts.c.customer_id == customer_id, where)


def _one_key(column, key: str | None) -> list:
    return [] if key is None else [column == key]


def _signed_source(table, dimension: str, plus: Ranges, minus: Ranges):
    """(rows, their sign or None, the condition that picks them): the table itself and the ranges' condition when
    nothing is taken away; else one UNION ALL of the rows to add (sign 1) and to take away (sign -1), so the
    database sums both in one GROUP BY."""
    if not minus:
        return table, None, [_where(table, dimension, plus)]
    parts = [select(*table.c, literal(sign).label("sign")).where(_where(table, dimension, ranges))
             for sign, ranges in ((1, plus), (-1, minus))]
    source = union_all(*parts).subquery()
    return source, source.c.sign, []


def _summing_plan(conn: Connection) -> None:
    """PostgreSQL, for the rest of this transaction: no parallel workers, and room to group in memory. The summary
    rows of a period are a few thousand to a hundred thousand: one process sums them faster than workers whose
    partial sums (70 per slice value) the leader must take in and add up again, which is what the planner picks
    for the union of rows added and taken away, whose groups it cannot estimate. With the default 4 MB of
    work_mem, grouping 5,000 customers' 70 sums, or their 110,000 histogram rows, sorted (or hashed) on disk:
    half the server's time."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")


def _signed_sum(conn: Connection, column, sign):
    """SUM of a count with its sign, read as a plain integer. PostgreSQL's sum(bigint) adds in numeric (slow, and
    thousands of Decimals unless cast back): bigint_sum adds bigints, exact (migration 0005_kpi_bigint_sum)."""
    summed = column if sign is None else column * sign
    if conn.dialect.name == "postgresql":
        return func.bigint_sum(summed, type_=BigInteger)
    return cast(func.sum(summed), BigInteger)


def _summary_rows(conn: Connection, dimension: str, plus: Ranges, minus: Ranges, by_day: bool, key: str | None):
    """The signed sums of the summary rows the ranges name (of one slice value, with a key), grouped by slice
    value (and day): (rows of counters and cycle-time bins, the cycle times outside the bins without empty
    ones)."""
    t, sign, where = _signed_source(kpi_daily, dimension, plus, minus)
    day_cols = [t.c.day] if by_day else []
    # A line-level slice's order counters are all zero: not summed.
    zero = {c for c, _, _ in ORDER_COUNTERS} if dimension in LINE_DIMENSIONS else set()
    rows = conn.execute(select(t.c.slice_key, *day_cols,
                               *[literal(0) if c in zero else _signed_sum(conn, t.c[c], sign)
                                 for c in DAILY_COLUMNS])
                        .where(*where, *_one_key(t.c.slice_key, key))
                        .group_by(t.c.slice_key, *day_cols)).all()
    t, sign, where = _signed_source(kpi_daily_cycle, dimension, plus, minus)
    cyc_day = [t.c.day] if by_day else []
    n = _signed_sum(conn, t.c.n, sign)
    cyc = conn.execute(select(t.c.slice_key, *cyc_day, t.c.measure, t.c.days, n)
                       .where(*where, *_one_key(t.c.slice_key, key))
                       .group_by(t.c.slice_key, *cyc_day, t.c.measure, t.c.days).having(n != 0)).all()
    return rows, cyc


def _collect(rows, cyc, by_day: bool, *, to_int: bool = False) -> tuple[dict, dict]:
    """{key: {counter: n}} of the rows not all zero (a slice value whose contributions all moved elsewhere, or
    lie in what was taken away, is no row) and {key: {measure: {days: n}}} of their bins and of the times outside
    the bins (the queries leave out empty ones). `to_int`: the sums come as other numbers (PostgreSQL's sums of
    the facts: numeric). Thousands of rows of a large slice: one pass each, no more per row than it takes."""
    counters, hist = {}, {}
    skip = 2 if by_day else 1  # slice_key[, day], then the counters and bins in DAILY_COLUMNS order
    first_bin = len(COUNTERS)
    for r in rows:
        values = r[skip:]
        if any(values):
            if to_int:
                values = list(map(int, values))
            key = (r[0], r[1]) if by_day else r[0]
            counters[key] = dict(zip(COUNTERS, values))
            binned = binned_histograms(values, first_bin)
            if binned:
                hist[key] = binned
    for key, measure, days, n in (((r[0], r[1]), r[2], r[3], r[4]) for r in cyc) if by_day else cyc:
        bins = hist.get(key)
        if bins is None:
            bins = hist[key] = {}
        by_measure = bins.get(measure)
        if by_measure is None:
            by_measure = bins[measure] = {}
        by_measure[days] = n
    return counters, hist


def summed(conn: Connection, dimension: str, date_from: date, date_to: date, *, by_day: bool = False,
           customer_id: int | None = None, from_facts: bool = False, key: str | None = None):
    """(counters, cycle histograms) per slice key (and day): {key: {counter: n}}, {key: {measure: {days: n}}};
    from the summaries, or summed from the facts (always for one customer's report). `key`: that slice value
    only."""
    if customer_id is None and not from_facts:
        _summing_plan(conn)
        plus, minus = _ranges(dimension, date_from, date_to, by_day)
        return _collect(*_summary_rows(conn, dimension, plus, minus, by_day, key), by_day)
    where = _facts_where(date_from, date_to, customer_id)
    if key is not None:
        where = and_(where, fact_key(dimension) == key)
    return _collect(conn.execute(fact_sums(dimension, by_day=by_day, where=where)).all(),
                    conn.execute(fact_cycle(dimension, by_day=by_day, where=where)).all(), by_day, to_int=True)


def failures(conn: Connection, dimension: str, date_from: date, date_to: date, *,
             customer_id: int | None = None, from_facts: bool = False) -> dict[str, dict[str, dict[str, int]]]:
    """{slice key: {department: {failure kind: n}}} (no zero counts)."""
    if customer_id is None and not from_facts:
        _summing_plan(conn)
        t, sign, where = _signed_source(kpi_daily_failures, dimension, *_ranges(dimension, date_from, date_to, False))
        n = _signed_sum(conn, t.c.n, sign)
        rows = conn.execute(select(t.c.slice_key, t.c.department, t.c.kind, n).where(*where)
                            .group_by(t.c.slice_key, t.c.department, t.c.kind).having(n != 0))
    else:
        sub = fact_failures(dimension, by_day=False, where=_facts_where(date_from, date_to, customer_id)).subquery()
        rows = conn.execute(select(sub.c.slice_key, sub.c.department, sub.c.kind, sub.c.n))
    out: dict = {}
    for key, department, kind, n in rows:
        out.setdefault(key, {}).setdefault(department, {})[kind] = int(n)
    return out
