"""Read-side SQL of the service reports besides the summed summaries (store/measure_sums.py): open orders past
their promise, cases, CSAT, receivables, stock and labels. Every function returns plain dicts keyed by slice key
('' for the total), so metrics/ computes the KPIs without knowing where the numbers came from."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, String, and_, any_, bindparam, case, func, literal, select, type_coerce
from sqlalchemy.dialects import postgresql

from ..metrics.counters import DIMENSIONS, LINE_DIMENSIONS
from .fulfilment_tables import carriers
from .measure_tables import case_facts, line_facts, order_facts
from .service_tables import csat_responses
from .tables import customers, products, receivables, stock, stock_moves, warehouses

# Slices that describe the customer: the post-sale and financial measures exist for these only.
CUSTOMER_SLICES = {"total": None, "customer": "customer_id", "segment": "segment", "package": "package",
                   "customer_kind": "customer_kind"}
_CUSTOMER_COLUMNS = {"customer_id": customers.c.id, "segment": customers.c.segment,
                     "package": customers.c.service_package, "customer_kind": customers.c.kind}


def _cents(expr):
    """SUM of an amount in whole cents, read as a plain integer (whatever type the expression carries)."""
    return type_coerce(func.coalesce(func.sum(expr), 0), BigInteger)


def _money(cents) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def open_past_promise(conn: Connection, dimension: str, date_from: date, date_to: date, as_of: date, *,
                      customer_id: int | None = None) -> dict[str, int]:
    """Orders (lines, for line-level slices) not yet settled whose first promised delivery is before as_of."""
    line_level = dimension in LINE_DIMENSIONS
    table = line_facts if line_level else order_facts
    column = DIMENSIONS[dimension]
    key = literal("") if column is None else func.coalesce(table.c[column].cast(String(64)), "")
    q = select(key.label("k"), func.count().label("n")).where(
        table.c.open == 1, table.c.order_day.between(date_from, date_to), table.c.first_promised_date < as_of)
    if customer_id is not None:
        q = (q.join(order_facts, order_facts.c.order_id == line_facts.c.order_id) if line_level else q).where(
            order_facts.c.customer_id == customer_id)
    return {r.k: int(r.n) for r in conn.execute(q.group_by(key))}


def _bucket_of(column, starts: list) -> Any:
    """The index of the bucket a day (or moment) falls in, buckets given by their first days (or moments), in
    order: one CASE in the query, so rows are grouped per bucket by the database, in UTC on both dialects."""
    if len(starts) == 1:
        return literal(0)
    return case(*[(column < nxt, i) for i, nxt in enumerate(starts[1:])], else_=len(starts) - 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), timezone.utc)


def _day_range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    return _midnight(date_from), _midnight(date_to + timedelta(days=1))


def case_sums(conn: Connection, dimension: str, date_from: date, date_to: date, now: datetime, *,
              customer_id: int | None = None, key: str | None = None, starts: list[date] | None = None) -> dict:
    """Cases opened in the period per slice key, with SLA outcomes (a running clock past due counts as missed).
    `key`: that slice value only; `starts`: per bucket of opening days instead (keyed by the bucket's first day)."""
    column = CUSTOMER_SLICES[dimension]
    slice_col = literal("") if column is None else case_facts.c[column].cast(String(64))
    group = slice_col if starts is None else _bucket_of(case_facts.c.opened_day, starts)
    fr_late = case((and_(case_facts.c.first_response_met.is_(None), case_facts.c.first_response_due < now), 1),
                   else_=0)
    res_late = case((and_(case_facts.c.resolution_met.is_(None), case_facts.c.resolution_due < now), 1), else_=0)
    q = (select(group.label("k"), func.count().label("cases"),
                func.coalesce(func.sum(case_facts.c.first_response_met), 0).label("fr_met"),
                func.count(case_facts.c.first_response_met).label("fr_known"),
                func.coalesce(func.sum(fr_late), 0).label("fr_overdue"),
                func.coalesce(func.sum(case_facts.c.resolution_met), 0).label("res_met"),
                func.count(case_facts.c.resolution_met).label("res_known"),
                func.coalesce(func.sum(res_late), 0).label("res_overdue"),
                func.count(case_facts.c.resolve_minutes).label("resolved"),
                func.coalesce(func.sum(case_facts.c.resolve_minutes), 0).label("resolve_minutes"),
                _cents(type_coerce(case_facts.c.recovery_cost, BigInteger)).label("cost"))
         .where(case_facts.c.opened_day.between(date_from, date_to)))
    if customer_id is not None:
        q = q.where(case_facts.c.customer_id == customer_id)
    if key is not None:
        q = q.where(slice_col == key)
    out = {}
    for r in conn.execute(q.group_by("k")):  # by name: PostgreSQL matches no CASE with its parameters
        out[r.k if starts is None else starts[r.k]] = {
            k: (_money(r.cost) if k == "cost" else int(getattr(r, k)))
            for k in ("cases", "fr_met", "fr_known", "fr_overdue", "res_met", "res_known", "res_overdue", "resolved",
                      "resolve_minutes", "cost")}
    return out


def case_departments(conn: Connection, date_from: date, date_to: date, *, dimension: str = "total",
                     key: str | None = None, customer_id: int | None = None) -> dict[str, dict]:
    """{department: {"cases": n, "cost": recovery cost}} of cases opened in the period whose cause is known."""
    q = (select(case_facts.c.department, func.count().label("n"),
                _cents(type_coerce(case_facts.c.recovery_cost, BigInteger)).label("cost"))
         .where(case_facts.c.opened_day.between(date_from, date_to), case_facts.c.department.is_not(None)))
    column = CUSTOMER_SLICES.get(dimension)
    if key is not None and column is not None:
        q = q.where(case_facts.c[column].cast(String(64)) == key)
    if customer_id is not None:
        q = q.where(case_facts.c.customer_id == customer_id)
    return {r.department: {"cases": int(r.n), "cost": _money(r.cost)} for r in conn.execute(q.group_by(case_facts.c.department))}


def csat_sums(conn: Connection, dimension: str, date_from: date, date_to: date, *,
              customer_id: int | None = None, key: str | None = None,
              starts: list[date] | None = None) -> dict[str, dict[str, dict[str, int]]]:
    """Answers given in the period, per slice key (the customer's current segment/package/kind) and touchpoint.
    `key`: that slice value only; `starts`: per bucket of answer days instead (keyed by the bucket's first day)."""
    column = CUSTOMER_SLICES[dimension]
    slice_col = literal("") if column is None else _CUSTOMER_COLUMNS[column].cast(String(64))
    group = slice_col if starts is None else _bucket_of(csat_responses.c.answered_at, [_midnight(d) for d in starts])
    start, end = _day_range(date_from, date_to)
    score = csat_responses.c.score
    q = (select(group.label("k"), csat_responses.c.touchpoint, func.count().label("answers"),
                func.sum(case((score >= 4, 1), else_=0)).label("positive"),
                func.sum(case((score == 3, 1), else_=0)).label("neutral"),
                func.sum(case((score <= 2, 1), else_=0)).label("negative"),
                func.sum(score).label("score_sum"))
         .join(customers, customers.c.id == csat_responses.c.customer_id)
         .where(score.is_not(None), csat_responses.c.answered_at >= start, csat_responses.c.answered_at < end))
    if customer_id is not None:
        q = q.where(csat_responses.c.customer_id == customer_id)
    if key is not None:
        q = q.where(slice_col == key)
    out: dict = defaultdict(dict)
    for r in conn.execute(q.group_by("k", csat_responses.c.touchpoint)):
        out[r.k if starts is None else starts[r.k]][r.touchpoint] = {k: int(getattr(r, k) or 0)
                                  for k in ("answers", "positive", "neutral", "negative", "score_sum")}
    return out


def receivable_sums(conn: Connection, dimension: str, date_from: date, date_to: date, *,
                    customer_id: int | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """(receivables open at the end of the period, credit sales invoiced in it) per slice key."""
    column = CUSTOMER_SLICES[dimension]
    key = literal("") if column is None else _CUSTOMER_COLUMNS[column].cast(String(64))
    amount = type_coerce(receivables.c.amount, BigInteger)
    q = (select(key.label("k"), _cents(amount).label("open"),
                _cents(case((and_(receivables.c.kind.in_(("invoice", "invoice_void")),
                                  receivables.c.posted_on >= date_from), amount), else_=0)).label("sales"))
         .join(customers, customers.c.id == receivables.c.customer_id)
         .where(receivables.c.posted_on <= date_to))
    if customer_id is not None:
        q = q.where(receivables.c.customer_id == customer_id)
    return {r.k: (_money(r.open), _money(r.sales)) for r in conn.execute(q.group_by(key))}


def inventory_sums(conn: Connection, dimension: str, date_from: date,
                   date_to: date) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """(cost of goods shipped in the period, stock value at its start, at its end) per product or warehouse,
    at today's unit cost. Stock at a past moment = stock now less the moves since."""
    column = {"total": None, "product": "product_id", "warehouse": "warehouse_id"}[dimension]
    start, end = _day_range(date_from, date_to)
    cost = type_coerce(products.c.unit_cost, BigInteger)
    mk = literal("") if column is None else stock_moves.c[column].cast(String(64))
    moves = (select(mk.label("k"),
                    _cents(case((and_(stock_moves.c.kind == "shipment", stock_moves.c.at < end),
                                 -stock_moves.c.qty * cost), else_=0)).label("cogs"),
                    _cents(stock_moves.c.qty * cost).label("since_start"),
                    _cents(case((stock_moves.c.at >= end, stock_moves.c.qty * cost), else_=0)).label("since_end"))
             .join(products, products.c.id == stock_moves.c.product_id)
             .where(stock_moves.c.at >= start).group_by(mk))
    sk = literal("") if column is None else stock.c[column].cast(String(64))
    now = conn.execute(select(sk.label("k"), _cents(stock.c.on_hand * cost).label("v"))
                       .join(products, products.c.id == stock.c.product_id).group_by(sk))
    value_now = {r.k: int(r.v) for r in now}
    moved = {r.k: (int(r.cogs), int(r.since_start), int(r.since_end)) for r in conn.execute(moves)}
    out = {}
    for k in set(value_now) | set(moved):
        v, (cogs, since_start, since_end) = value_now.get(k, 0), moved.get(k, (0, 0, 0))
        out[k] = tuple(Decimal(x).scaleb(-2) for x in (cogs, v - since_start, v - since_end))
    return out


def _id_in(conn: Connection, column, ids: list[int]):
    """column IN ids: one array parameter on PostgreSQL (thousands of placeholders cost more to send than the
    query takes), chunks SQLite's parameter limit allows elsewhere."""
    if conn.dialect.name == "postgresql":
        return [column == any_(bindparam("ids", ids, type_=postgresql.ARRAY(BigInteger)))]
    return [column.in_(ids[i:i + 10_000]) for i in range(0, len(ids), 10_000)]


def labels(conn: Connection, dimension: str, keys) -> dict[str, str]:
    """What to show for each slice key: customer code and name, SKU, warehouse or carrier code."""
    ids = [int(k) for k in keys if k and k.isdigit()]
    source = {"customer": select(customers.c.id, customers.c.code + " " + customers.c.name),
              "product": select(products.c.id, products.c.sku),
              "warehouse": select(warehouses.c.id, warehouses.c.code),
              "carrier": select(carriers.c.id, carriers.c.code)}.get(dimension)
    out = {k: k for k in keys}
    if "" in out:
        out[""] = "(none)" if dimension != "total" else "all"
    if source is not None and ids:
        for where in _id_in(conn, source.selected_columns[0], ids):
            for i, label in conn.execute(source.where(where)):
                out[str(i)] = label
    return out
