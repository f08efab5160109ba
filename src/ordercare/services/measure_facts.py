"""Keeping the measures' facts current as orders change (docs/kpis.md, "How the numbers stay current").

A service that changes anything an order's measures depend on calls, inside its own transaction,

    refresh_order_facts(conn, order_ids)

It reads those orders as they stand, derives their facts (metrics/facts.py), and where they changed replaces
the fact rows and adds the difference (new contribution minus old) to the daily summaries. Placing an order
calls record_placed_order instead: the facts come from what placement holds in memory (no reads), and the
first promises are captured there. Whatever the facts captured when it happened (the first promise, the units
in stock when ordered) is kept by later refreshes.

A caller that runs many changes in a row (the simulator's day) may hold the refreshes (refreshes_held) and
refresh the orders it collected once at the end: the facts derive from the orders as they stand, and the
summaries move by new minus old, so one refresh after several changes ends where one per change does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from operator import attrgetter
from datetime import datetime

from sqlalchemy import Connection, delete, select

from ..metrics.facts import LINE_COLUMNS, ORDER_COLUMNS, derive
from ..metrics.placed import placed_rows
from ..metrics.records import LineRecord, OrderRecord
from ..metrics.tally import Tally
from ..store.driver_writes import DriverWrite
from ..store.measure_summary import apply_tally, write_summary_rows
from ..store.measure_tables import line_facts, order_facts
from ..store.prepared import Prepared, in_ids, padded_ids
from ..store.tables import orders
from .measure_records import load_records, utc_day

CHUNK = 512  # orders refreshed in one go (a power of two: see padded_ids)
_INSERT_ORDERS = DriverWrite(order_facts, ORDER_COLUMNS)
_INSERT_LINES = DriverWrite(line_facts, LINE_COLUMNS)
_order_row, _line_row = attrgetter(*ORDER_COLUMNS), attrgetter(*LINE_COLUMNS)


def record_placed_order(conn: Connection, *, order_id: int, ordered_at: datetime, customer, channel: str,
                        credit_held: bool, promised, lines: list[tuple[int, int, int, object, object]]) -> None:
    """Facts of a new order. `customer`: its row (id, segment, service_package, kind, lead_time_days);
    `lines`: (line id, product id, qty, requested date, the sourcing LinePlan)."""
    record = OrderRecord(
        order_id=order_id, ordered_on=utc_day(ordered_at), customer_id=customer.id, segment=customer.segment,
        package=customer.service_package, customer_kind=customer.kind, channel=str(channel),
        lead_time_days=customer.lead_time_days, cancelled=False, credit_held=credit_held,
        first_promised_date=promised,
        lines=tuple(LineRecord(
            line_id=line_id, product_id=product_id, qty=qty,
            qty_from_stock=sum(a.qty for a in plan.allocations if a.receipt_id is None), requested_date=requested,
            first_promised_ship=plan.ship_date, first_promised_date=plan.delivery_date,
            planned_warehouse_id=max(plan.allocations, key=lambda a: a.qty).warehouse_id if plan.allocations
            else None) for line_id, product_id, qty, requested, plan in lines))
    rows = placed_rows([record])  # what derive and a Tally give, written out for a new order (metrics/placed.py)
    _INSERT_ORDERS(conn, rows.orders)
    _INSERT_LINES(conn, rows.lines)
    write_summary_rows(conn, rows.daily, rows.summed, rows.cycle, rows.failures)


_held: ContextVar[set[int] | None] = ContextVar("held_order_refreshes", default=None)


@contextmanager
def refreshes_held() -> Iterator[set[int]]:
    """Inside the block, refresh_order_facts only collects the orders (in the set yielded); the caller refreshes
    them once afterwards, in a transaction of its own. Nothing may read the measures meanwhile."""
    held: set[int] = set()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def refresh_order_facts(conn: Connection, order_ids: Iterable[int], *, summaries: bool = True) -> int:
    """Bring the facts (and, unless told not to, the summaries) of these orders up to date. Returns how many
    orders' facts changed (0 while refreshes are held: they are only collected)."""
    held = _held.get()
    if held is not None and summaries:
        held.update(order_ids)
        return 0
    ids = sorted(set(order_ids))
    changed = 0
    for i in range(0, len(ids), CHUNK):
        changed += _refresh(conn, ids[i:i + CHUNK], summaries)
    return changed


def _refresh(conn: Connection, ids: list[int], summaries: bool) -> int:
    if conn.dialect.name == "postgresql":
        # Two transactions refreshing one order would both subtract the same old facts: one waits.
        conn.execute(select(orders.c.id).where(orders.c.id.in_(ids)).order_by(orders.c.id).with_for_update()).all()
    old, old_lines = _stored(conn, ids)
    return _replace(conn, load_records(conn, ids, old, old_lines), old, old_lines, summaries)


# The stored facts as rows named like the fact fields (the tally and load_records read them as they read facts).
_STORED_ORDERS = Prepared(select(*[order_facts.c[c] for c in ORDER_COLUMNS]).where(in_ids(order_facts.c.order_id)),
                          expanding="ids")
# By order, then line: each order's lines in line order, as read through the index on order_id (no sort)
_STORED_LINES = Prepared(select(*[line_facts.c[c] for c in LINE_COLUMNS]).where(in_ids(line_facts.c.order_id))
                         .order_by(line_facts.c.order_id, line_facts.c.order_line_id), expanding="ids")
_FORGET_ORDERS = Prepared(delete(order_facts).where(in_ids(order_facts.c.order_id)), expanding="ids")
_FORGET_LINES = Prepared(delete(line_facts).where(in_ids(line_facts.c.order_line_id)), expanding="ids")
assert ORDER_COLUMNS[0] == "order_id" and LINE_COLUMNS[0] == "order_line_id"  # a fact row's id comes first


def _stored(conn: Connection, ids: list[int]) -> tuple[dict[int, tuple], dict[int, list[tuple]]]:
    """The facts stored for these orders: rows in ORDER_COLUMNS (LINE_COLUMNS) order, with the facts' names."""
    old = {r.order_id: r for r in _STORED_ORDERS.rows(conn, padded_ids(ids))}
    old_lines: dict[int, list[tuple]] = defaultdict(list)
    for r in _STORED_LINES.rows(conn, padded_ids(ids)):
        old_lines[r.order_id].append(r)
    return old, old_lines


def store_facts(conn: Connection, records: list[OrderRecord], *, summaries: bool = True) -> int:
    """Replace the facts of these orders by the ones derived from the records (and move the summaries by the
    difference). The building block of refresh_order_facts, for callers that hold the records already."""
    old, old_lines = _stored(conn, [r.order_id for r in records])
    return _replace(conn, records, old, old_lines, summaries)


def _replace(conn: Connection, records: list[OrderRecord], old: dict[int, tuple],
             old_lines: dict[int, list[tuple]], summaries: bool) -> int:
    """Derive the facts of the records; where an order's differ from the stored ones, rewrite the fact rows that
    changed (most of a refreshed order's lines did, not all) and move the summaries by the difference."""
    tally, changed, order_rows, line_rows, gone = Tally(), 0, [], [], []
    for record in records:
        fact, lines = derive(record)
        row, rows = _order_row(fact), [_line_row(ln) for ln in lines]
        before, before_lines = old.get(record.order_id), old_lines.get(record.order_id, [])
        if before == row and before_lines == rows:
            continue
        changed += 1
        if before != row:
            order_rows.append(row)
        stored = {r.order_line_id: r for r in before_lines}
        stayed = {r[0] for r in rows if stored.pop(r[0], None) == r}
        line_rows += [r for r in rows if r[0] not in stayed]
        gone += stored  # lines no longer on the order
        tally.replace(before, before_lines, fact, lines, stayed=stayed)
    for i in range(0, len(order_rows), CHUNK):
        _FORGET_ORDERS.execute(conn, padded_ids([r[0] for r in order_rows[i:i + CHUNK]]))
    line_ids = [r[0] for r in line_rows] + gone
    for i in range(0, len(line_ids), CHUNK):
        _FORGET_LINES.execute(conn, padded_ids(line_ids[i:i + CHUNK]))
    _INSERT_ORDERS(conn, order_rows)
    _INSERT_LINES(conn, line_rows)
    if changed and summaries:
        apply_tally(conn, tally)
    return changed
