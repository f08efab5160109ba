"""The summaries summed over a period, per slice value (and day): counters, cycle-time histograms, failures by
department. Or the same sums from the facts: one customer's report (the summaries have no customer-and-product
cells), and the tests' check that both agree.

A large slice (MONTHLY) reads the rows that make up its period with the fewest rows, adding some and taking
others away (metrics/counters.signed_ranges): a month or year row is exactly the sum of its day rows, so the
difference is exact, to the last unit of every counter and histogram bin.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Connection, and_, cast, func, literal, or_, select

from ..metrics.counters import COUNTERS, LINE_DIMENSIONS, MONTHLY, ORDER_COUNTERS, rollup_key, signed_ranges
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


def _summary_rows(conn: Connection, dimension: str, ranges: Ranges, by_day: bool, key: str | None):
    """The grouped sums of the summary rows the ranges name (of one slice value, with a key): (counter rows,
    cycle rows)."""
    day_cols = [kpi_daily.c.day] if by_day else []
    # A line-level slice's order counters are all zero: not summed. (PostgreSQL sums bigints as numeric: cast
    # back, not thousands of Decimals.)
    zero = {c for c, _, _ in ORDER_COUNTERS} if dimension in LINE_DIMENSIONS else set()
    rows = conn.execute(select(kpi_daily.c.slice_key, *day_cols,
                               *[literal(0) if c in zero else cast(func.sum(kpi_daily.c[c]), BigInteger)
                                 for c in COUNTERS])
                        .where(_where(kpi_daily, dimension, ranges), *_one_key(kpi_daily.c.slice_key, key))
                        .group_by(kpi_daily.c.slice_key, *day_cols))
    cyc_day = [kpi_daily_cycle.c.day] if by_day else []
    cyc = conn.execute(select(kpi_daily_cycle.c.slice_key, *cyc_day, kpi_daily_cycle.c.measure,
                              kpi_daily_cycle.c.days, cast(func.sum(kpi_daily_cycle.c.n), BigInteger).label("n"))
                       .where(_where(kpi_daily_cycle, dimension, ranges), *_one_key(kpi_daily_cycle.c.slice_key, key))
                       .group_by(kpi_daily_cycle.c.slice_key, *cyc_day, kpi_daily_cycle.c.measure,
                                 kpi_daily_cycle.c.days))
    return rows, cyc


def _add(counters: dict, hist: dict, rows, cyc, by_day: bool, sign: int) -> None:
    skip = 2 if by_day else 1  # slice_key[, day], then the counters in COUNTERS order
    for r in rows:
        key = tuple(r[:2]) if by_day else r[0]
        values = [int(v or 0) for v in r[skip:]]
        if key in counters:
            counters[key] = [a + sign * b for a, b in zip(counters[key], values, strict=True)]
        else:
            counters[key] = values if sign == 1 else [-v for v in values]
    for r in cyc:
        key, (measure, days, n) = (tuple(r[:2]) if by_day else r[0]), r[-3:]
        bins = hist.setdefault(key, {}).setdefault(measure, {})
        bins[days] = bins.get(days, 0) + sign * int(n or 0)


def summed(conn: Connection, dimension: str, date_from: date, date_to: date, *, by_day: bool = False,
           customer_id: int | None = None, from_facts: bool = False, key: str | None = None):
    """(counters, cycle histograms) per slice key (and day): {key: {counter: n}}, {key: {measure: {days: n}}};
    from the summaries, or summed from the facts (always for one customer's report). `key`: that slice value
    only."""
    counters: dict = {}
    hist: dict = {}
    if customer_id is None and not from_facts:
        plus, minus = _ranges(dimension, date_from, date_to, by_day)
        _add(counters, hist, *_summary_rows(conn, dimension, plus, by_day, key), by_day, 1)
        if minus:
            _add(counters, hist, *_summary_rows(conn, dimension, minus, by_day, key), by_day, -1)
    else:
        where = _facts_where(date_from, date_to, customer_id)
        if key is not None:
            where = and_(where, fact_key(dimension) == key)
        _add(counters, hist, conn.execute(fact_sums(dimension, by_day=by_day, where=where)),
             conn.execute(fact_cycle(dimension, by_day=by_day, where=where)), by_day, 1)
    # A slice value whose contributions all moved elsewhere (or lie in what was taken away) is no row.
    counters = {k: dict(zip(COUNTERS, v, strict=True)) for k, v in counters.items() if any(v)}
    return counters, {k: h for k, h in ((k, _nonzero(h)) for k, h in hist.items()) if h}


def _nonzero(tree: dict) -> dict:
    """A nested dict of counts without its zero counts and the dicts they leave empty."""
    out = {}
    for k, v in tree.items():
        v = _nonzero(v) if isinstance(v, dict) else v
        if v:
            out[k] = v
    return out


def failures(conn: Connection, dimension: str, date_from: date, date_to: date, *,
             customer_id: int | None = None, from_facts: bool = False) -> dict[str, dict[str, dict[str, int]]]:
    """{slice key: {department: {failure kind: n}}}."""
    parts = []
    if customer_id is None and not from_facts:
        t = kpi_daily_failures
        plus, minus = _ranges(dimension, date_from, date_to, False)
        for sign, ranges in ((1, plus), (-1, minus)):
            if ranges:
                parts.append((sign, conn.execute(
                    select(t.c.slice_key, t.c.department, t.c.kind, func.sum(t.c.n).label("n"))
                    .where(_where(t, dimension, ranges)).group_by(t.c.slice_key, t.c.department, t.c.kind))))
    else:
        sub = fact_failures(dimension, by_day=False, where=_facts_where(date_from, date_to, customer_id)).subquery()
        parts.append((1, conn.execute(select(sub.c.slice_key, sub.c.department, sub.c.kind, sub.c.n))))
    out: dict = {}
    for sign, rows in parts:
        for key, department, kind, n in rows:
            kinds = out.setdefault(key, {}).setdefault(department, {})
            kinds[kind] = kinds.get(kind, 0) + sign * int(n or 0)
    return _nonzero(out)
