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
from datetime import date, datetime, timezone

from sqlalchemy import Connection, bindparam, delete, func, select

from ..domain.returns import ReturnStatus
from ..metrics.counters import Tally
from ..metrics.facts import LINE_COLUMNS, ORDER_COLUMNS, derive
from ..metrics.placed import placed_rows
from ..metrics.records import CaseLink, LineRecord, OrderRecord, ShipmentPart
from ..store.driver_writes import DriverWrite
from ..store.fulfilment_tables import carrier_services, shipment_lines, shipments
from ..store.measure_summary import apply_tally, write_summary_rows
from ..store.measure_tables import line_facts, order_facts
from ..store.prepared import Prepared, padded_ids
from ..store.service_tables import cases, return_lines, returns
from ..store.tables import allocations, customers, order_events, order_lines, orders, products, service_packages

CHUNK = 512  # orders refreshed in one go (a power of two: see padded_ids)
_INSERT_ORDERS = DriverWrite(order_facts, ORDER_COLUMNS)
_INSERT_LINES = DriverWrite(line_facts, LINE_COLUMNS)
_order_row, _line_row = attrgetter(*ORDER_COLUMNS), attrgetter(*LINE_COLUMNS)
# Returns that are not (or no longer) a claim: they do not count.
_NOT_RETURNED = (str(ReturnStatus.REFUSED), str(ReturnStatus.CANCELLED))


def utc_day(at: datetime):
    return at.astimezone(timezone.utc).date()


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


def _in_ids(column):
    return column.in_(bindparam("ids", expanding=True))


# The stored facts as rows named like the fact fields (the tally and load_records read them as they read facts).
_STORED_ORDERS = Prepared(select(*[order_facts.c[c] for c in ORDER_COLUMNS]).where(_in_ids(order_facts.c.order_id)),
                          expanding="ids")
_STORED_LINES = Prepared(select(*[line_facts.c[c] for c in LINE_COLUMNS]).where(_in_ids(line_facts.c.order_id))
                         .order_by(line_facts.c.order_line_id), expanding="ids")


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
    tally, order_rows, line_rows = Tally(), [], []
    for record in records:
        fact, lines = derive(record)
        row, rows = _order_row(fact), [_line_row(ln) for ln in lines]
        before, before_lines = old.get(record.order_id), old_lines.get(record.order_id, [])
        if before == row and before_lines == rows:
            continue
        tally.replace(before, before_lines, fact, lines)
        order_rows.append(row)
        line_rows += rows
    if order_rows:
        touched = [r[0] for r in order_rows]
        conn.execute(delete(line_facts).where(line_facts.c.order_id.in_(touched)))
        conn.execute(delete(order_facts).where(order_facts.c.order_id.in_(touched)))
        _INSERT_ORDERS(conn, order_rows)
        _INSERT_LINES(conn, line_rows)
        if summaries:
            apply_tally(conn, tally)
    return len(order_rows)


def load_records(conn: Connection, ids: list[int], old: dict[int, tuple],
                 old_lines: dict[int, list[tuple]]) -> list[OrderRecord]:
    """The orders as they stand, with what their facts captured earlier (first promises, stock at placement):
    `old`, `old_lines` the stored facts (_stored)."""
    heads = conn.execute(
        select(orders.c.id, orders.c.created_at, orders.c.customer_id, orders.c.channel, orders.c.status,
               orders.c.promised_date, customers.c.segment, customers.c.service_package, customers.c.kind,
               service_packages.c.lead_time_days)
        .join(customers, customers.c.id == orders.c.customer_id)
        .join(service_packages, service_packages.c.code == customers.c.service_package)
        .where(orders.c.id.in_(ids)).order_by(orders.c.id)).all()
    lines = defaultdict(list)
    for ln in conn.execute(select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id,
                                  order_lines.c.qty, order_lines.c.requested_date, order_lines.c.promised_ship_date,
                                  order_lines.c.promised_date).where(order_lines.c.order_id.in_(ids))
                           .order_by(order_lines.c.order_id, order_lines.c.id)):
        lines[ln.order_id].append(ln)
    parts = defaultdict(list)
    for p in conn.execute(
            select(shipment_lines.c.order_line_id, shipment_lines.c.shipment_id, shipment_lines.c.qty,
                   shipment_lines.c.qty_picked, shipment_lines.c.qty_shipped, shipment_lines.c.qty_delivered,
                   shipment_lines.c.qty_short_delivered, shipment_lines.c.qty_damaged, shipment_lines.c.qty_wrong_item,
                   shipment_lines.c.short_department, shipments.c.warehouse_id, shipments.c.shipped_at,
                   shipments.c.delivered_at, carrier_services.c.carrier_id)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .outerjoin(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
            .where(shipment_lines.c.order_id.in_(ids)).order_by(shipment_lines.c.id)):
        parts[p.order_line_id].append(ShipmentPart(
            p.shipment_id, p.warehouse_id, p.carrier_id, p.qty, p.qty_picked, p.qty_shipped,
            utc_day(p.shipped_at) if p.shipped_at else None, utc_day(p.delivered_at) if p.delivered_at else None,
            p.qty_delivered, p.qty_short_delivered, p.qty_damaged, p.qty_wrong_item, p.short_department))
    returned = defaultdict(list)
    for r in conn.execute(select(return_lines.c.order_line_id, return_lines.c.reason, func.sum(return_lines.c.qty))
                          .join(returns, returns.c.id == return_lines.c.return_id)
                          .where(returns.c.order_id.in_(ids), returns.c.status.not_in(_NOT_RETURNED))
                          .group_by(return_lines.c.order_line_id, return_lines.c.reason)
                          .order_by(return_lines.c.order_line_id, return_lines.c.reason)):
        returned[r[0]].append((r[1], int(r[2])))
    complaints = defaultdict(list)
    for c in conn.execute(select(cases.c.id, cases.c.order_id, cases.c.category, cases.c.department)
                          .where(cases.c.order_id.in_(ids))):
        complaints[c.order_id].append(CaseLink(c.id, c.category, c.department))
    held = set(conn.execute(select(order_events.c.order_id).distinct().where(
        order_events.c.order_id.in_(ids), order_events.c.to_status == "credit_hold")).scalars())
    from .invoice_changes import disputes_for_orders  # billing imports the services that import this module
    disputes = disputes_for_orders(conn, ids)
    legacy = _placement_guesses(conn, [h.id for h in heads if h.id not in old])
    out = []
    for h in heads:
        before = old.get(h.id)
        captured = {f.order_line_id: f for f in old_lines.get(h.id, [])}
        guess = legacy.get(h.id, {})
        line_records = []
        for ln in lines[h.id]:
            was = captured.get(ln.id)
            line_records.append(LineRecord(
                line_id=ln.id, product_id=ln.product_id, qty=ln.qty,
                qty_from_stock=was.qty_from_stock if was else guess.get("from_stock", {}).get(ln.id, ln.qty),
                requested_date=ln.requested_date,
                first_promised_ship=(was.first_promised_ship if was else None) or ln.promised_ship_date,
                first_promised_date=(was.first_promised_date if was else None) or ln.promised_date,
                planned_warehouse_id=was.warehouse_id if was else guess.get("warehouse", {}).get(ln.id),
                shipments=tuple(parts[ln.id]), returns=tuple(returned[ln.id])))
        out.append(OrderRecord(
            order_id=h.id, ordered_on=before.order_day if before else utc_day(h.created_at),
            customer_id=h.customer_id, segment=before.segment if before else h.segment,
            package=before.package if before else h.service_package,
            customer_kind=before.customer_kind if before else h.kind, channel=h.channel,
            lead_time_days=before.lead_time_days if before else h.lead_time_days,
            cancelled=h.status == "cancelled", credit_held=h.id in held,
            first_promised_date=(before.first_promised_date if before else guess.get("promised")) or h.promised_date,
            lines=tuple(line_records), disputes=tuple(d["status"] for d in disputes.get(h.id, [])),
            cases=tuple(complaints[h.id])))
    return out


def _placement_guesses(conn: Connection, ids: list[int]) -> dict[int, dict]:
    """For orders placed before the measures existed: what placement knew, as far as the timeline tells.

    The first promise is the one of the placement event (or the first re-promise); a line named by the
    placement's back-order event had none of its units in stock (all of them when it was the only one named);
    the planned warehouse is that of an allocation still held. Approximate, and documented as such.
    """
    out: dict[int, dict] = {i: {"from_stock": {}, "warehouse": {}} for i in ids}
    if not ids:
        return out
    sku_ids = dict(conn.execute(select(products.c.sku, products.c.id)).all())
    qty = {(ln.order_id, ln.product_id): (ln.id, ln.qty) for ln in conn.execute(
        select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id, order_lines.c.qty)
        .where(order_lines.c.order_id.in_(ids)))}
    for e in conn.execute(select(order_events.c.order_id, order_events.c.kind, order_events.c.from_status,
                                 order_events.c.payload)
                          .where(order_events.c.order_id.in_(ids),
                                 order_events.c.kind.in_(("status_changed", "promise_changed", "backordered")))
                          .order_by(order_events.c.at, order_events.c.id)):
        guess, data = out[e.order_id], e.payload or {}
        if "promised" not in guess:
            when = data.get("promised_date") if e.from_status == "new" else data.get("new") \
                if e.kind == "promise_changed" else None
            if when:
                guess["promised"] = date.fromisoformat(when)
        if e.kind == "backordered" and "skus" in data and not guess["from_stock"]:
            named = [sku_ids[s] for s in data["skus"] if s in sku_ids]
            for pid in named:
                line_id, units = qty.get((e.order_id, pid), (None, 0))
                if line_id is not None:
                    guess["from_stock"][line_id] = max(units - data.get("units", units), 0) if len(named) == 1 else 0
    for a in conn.execute(select(allocations.c.order_id, allocations.c.order_line_id, allocations.c.warehouse_id)
                          .where(allocations.c.order_id.in_(ids)).order_by(allocations.c.id)):
        out[a.order_id]["warehouse"].setdefault(a.order_line_id, a.warehouse_id)
    return out
