"""Read what the inventory policy needs from the database, set-based: demand per SKU and day, receipt lead
times, per-product settings, stockout outcomes. Returns NumPy columns aligned on one SKU order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Callable

import numpy as np
from sqlalchemy import Connection, String, cast, func, literal, select

from ..analytics import demand_history as dh
from ..analytics.policy_plan import SkuInputs
from ..analytics.stockout_cost import StockoutOutcome, check_outcomes, cost_per_unit_short, outcome_costs
from ..domain.errors import NotFound, ValidationFailed
from ..store.analytics_tables import inventory_policy_settings, product_lead_times, stockout_outcomes
from ..store.tables import order_lines, orders, products, purchase_orders, receipts, stock_moves

Progress = Callable[[str], None]
MAX_WEEKS = 520


@dataclass
class PolicyInputs:
    """Every column aligned on `skus` (sorted), plus where each figure came from."""

    window_start: date
    window_end: date  # exclusive: the Monday of the current week
    weeks: int
    settings: dict
    outcomes: list[StockoutOutcome]
    skus: np.ndarray
    names: np.ndarray
    unit_margin: np.ndarray
    demand: dh.DemandStats
    observed_lead: dh.LeadTimeStats
    lead_time_days: np.ndarray
    lead_time_sd_days: np.ndarray
    lead_time_source: np.ndarray
    sku_inputs: SkuInputs

    def outcome_costs(self) -> dict[str, np.ndarray]:
        return outcome_costs(self.outcomes, self.unit_margin)


def load_settings(conn: Connection) -> dict:
    row = conn.execute(select(inventory_policy_settings)).mappings().one()
    return dict(row)


def load_outcomes(conn: Connection) -> list[StockoutOutcome]:
    rows = conn.execute(select(stockout_outcomes).order_by(stockout_outcomes.c.code)).all()
    return [StockoutOutcome(r.code, Decimal(r.probability), r.cost_per_unit, Decimal(r.margin_multiple))
            for r in rows]


def window(today: date, weeks: int) -> tuple[date, date]:
    """Whole weeks (Monday to Sunday) ending before the current week: the current week is not over."""
    if not 2 <= weeks <= MAX_WEEKS:
        raise ValidationFailed("weeks_out_of_range", f"weeks: must be between 2 and {MAX_WEEKS}", field="weeks",
                               weeks=weeks)
    end = today - timedelta(days=today.weekday())
    return end - timedelta(weeks=weeks), end


def _day(conn: Connection, column):
    """The UTC calendar day of a timestamp, in SQL (SQLite stores UTC text; PostgreSQL has timestamptz)."""
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _utc_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=timezone.utc)


def _product_rows(conn: Connection, skus: list[str] | None):
    stmt = select(products.c.id, products.c.sku, products.c.name, products.c.unit_cost, products.c.list_price)
    if skus:
        stmt = stmt.where(products.c.sku.in_(skus))
    else:
        stmt = stmt.where(products.c.active.is_(True))
    rows = conn.execute(stmt.order_by(products.c.id)).all()
    if skus:
        missing = sorted(set(skus) - {r.sku for r in rows})
        if missing:
            raise NotFound("unknown_sku", f"sku: no product with SKU '{missing[0]}'", field="sku", sku=missing[0])
    return rows


def _positions(ids: np.ndarray, wanted) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `wanted` product ids in the sorted `ids`, and which of them are there at all."""
    w = np.asarray(wanted, dtype=np.int64)
    pos = np.clip(np.searchsorted(ids, w), 0, max(len(ids) - 1, 0))
    return pos, (ids[pos] == w) if len(ids) else np.zeros(len(w), dtype=bool)


def load_inputs(conn: Connection, today: date, *, weeks: int | None = None, skus: list[str] | None = None,
                progress: Progress | None = None) -> PolicyInputs:
    step = progress or (lambda _: None)
    settings = load_settings(conn)
    outcomes = load_outcomes(conn)
    check_outcomes(outcomes)
    weeks = weeks or settings["history_weeks"]
    start, end = window(today, weeks)
    rows = _product_rows(conn, skus)
    ids = np.array([r.id for r in rows], dtype=np.int64)
    n = len(ids)

    step("demand history")
    day = _day(conn, orders.c.created_at)
    demand_q = (select(order_lines.c.product_id, day.label("day"), func.sum(order_lines.c.qty))
                .join(orders, orders.c.id == order_lines.c.order_id)
                .where(orders.c.created_at >= _utc_midnight(start), orders.c.created_at < _utc_midnight(end),
                       orders.c.status != "cancelled")
                .group_by(order_lines.c.product_id, day))
    if skus:
        demand_q = demand_q.where(order_lines.c.product_id.in_(ids.tolist()))
    d_rows = conn.execute(demand_q).all()
    pos, found = _positions(ids, [r[0] for r in d_rows])
    offsets = np.array([(_as_date(r[1]) - start).days for r in d_rows], dtype=np.int64)
    qty = np.array([float(r[2]) for r in d_rows])
    demand = dh.weekly_demand(pos[found], offsets[found], qty[found], n, weeks)

    step("supplier lead times")
    first_arrival = (select(stock_moves.c.ref, func.min(stock_moves.c.at).label("arrived"))
                     .where(stock_moves.c.kind == "receipt").group_by(stock_moves.c.ref).subquery())
    lt_q = (select(receipts.c.product_id, purchase_orders.c.created_at, receipts.c.expected_date,
                   first_arrival.c.arrived)
            .join(purchase_orders, purchase_orders.c.id == receipts.c.purchase_order_id)
            .join(first_arrival, first_arrival.c.ref == literal("receipt:") + cast(receipts.c.id, String)))
    if skus:
        lt_q = lt_q.where(receipts.c.product_id.in_(ids.tolist()))
    lt_rows = conn.execute(lt_q).all()
    pos, found = _positions(ids, [r[0] for r in lt_rows])
    lead = np.array([(_aware(r[3]) - _aware(r[1])).total_seconds() / 86400 for r in lt_rows])
    late = np.array([(_aware(r[3]).date() - r[2]).days for r in lt_rows], dtype=float)
    observed = dh.lead_times(pos[found], lead[found] if len(lead) else [], late[found] if len(late) else [], n)

    own = conn.execute(select(product_lead_times)).all()
    pos, found = _positions(ids, [r.product_id for r in own])
    conf_days = np.full(n, float(settings["lead_time_days"]))
    conf_sd = np.full(n, float(settings["lead_time_sd_days"]))
    order_cost = np.full(n, float(settings["order_cost"]))
    has_own = np.zeros(n, dtype=bool)
    at = pos[found]
    kept = [r for r, ok in zip(own, found, strict=True) if ok]
    conf_days[at] = [float(r.lead_time_days) for r in kept]
    conf_sd[at] = [float(r.lead_time_sd_days) for r in kept]
    has_own[at] = True
    own_cost = np.array([np.nan if r.order_cost is None else float(r.order_cost) for r in kept])
    order_cost[at] = np.where(np.isnan(own_cost), order_cost[at], own_cost) if len(kept) else order_cost[at]
    lt_days, lt_sd, source = dh.choose_lead_time(observed, settings["min_receipts"], conf_days, conf_sd, has_own)

    unit_cost = np.array([float(r.unit_cost) for r in rows])
    margin = np.array([float(r.list_price - r.unit_cost) for r in rows])
    inputs = SkuInputs(demand.mean, demand.sd, lt_days / 7.0, lt_sd / 7.0, unit_cost, order_cost,
                       np.full(n, float(settings["holding_rate"])), cost_per_unit_short(outcomes, margin))
    return PolicyInputs(start, end, weeks, settings, outcomes, np.array([r.sku for r in rows], dtype=object),
                        np.array([r.name for r in rows], dtype=object), margin, demand, observed, lt_days, lt_sd,
                        source, inputs)


def _aware(value) -> datetime:
    """SQLite hands MIN() of a timestamp back as text; make every timestamp an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
