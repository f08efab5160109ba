"""Service versus cost, per SKU: the inventory policy for a target, the fill-rate curve, the cost of a stockout.

Reads the history set-based (services/policy_inputs.py), computes every SKU at once (analytics/), and shapes
one page of rows. A SKU without demand in the window gets no policy (nothing to stock): its service-level
figures are null and its status says why — never NaN.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from ..analytics.policy_plan import Target, fill_rate_curve, plan
from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..store.db import UnitOfWork
from .policy_inputs import PolicyInputs, Progress, load_inputs

DEFAULT_RATES = (0.80, 0.85, 0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999)
MAX_POINTS = 50

_UNITS = ("lead_time_demand_mean", "lead_time_demand_sd", "eoq", "order_qty", "safety_stock", "reorder_point",
          "expected_shortage_per_cycle", "units_short_per_year", "optimal_safety_stock")
_RATES = ("cycle_service_level", "fill_rate", "optimal_cycle_service_level", "optimal_fill_rate",
          "stockouts_per_year")
_MONEY = ("safety_stock_value", "cycle_stock_value", "inventory_investment", "holding_cost_per_year",
          "ordering_cost_per_year", "stockout_cost_per_year", "total_cost_per_year", "optimal_total_cost_per_year")
_ONLY_WITH_DEMAND = {"cycle_service_level", "fill_rate", "optimal_cycle_service_level", "optimal_fill_rate",
                     "stockouts_per_year", "expected_shortage_per_cycle"}


def money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def target_from(target_fill_rate: float | None, target_csl: float | None) -> Target:
    """One target at most; none means the profit-maximising service level."""
    if target_fill_rate is not None and target_csl is not None:
        raise ValidationFailed("conflicting_targets", "target_csl: give a target fill rate or a target cycle "
                               "service level, not both", field="target_csl")
    if target_fill_rate is not None:
        return Target("fill_rate", target_fill_rate)
    if target_csl is not None:
        return Target("csl", target_csl)
    return Target("optimal")


def _basis(inp: PolicyInputs, target: Target) -> dict[str, Any]:
    s = inp.settings
    return {"target": target.kind, "target_value": target.value, "window_start": inp.window_start,
            "window_end": inp.window_end, "weeks": inp.weeks, "demand": "units ordered per week, all warehouses",
            "holding_rate": Decimal(s["holding_rate"]), "order_cost": s["order_cost"],
            "default_lead_time_days": Decimal(s["lead_time_days"]),
            "default_lead_time_sd_days": Decimal(s["lead_time_sd_days"]), "min_receipts": s["min_receipts"]}


def _rows(inp: PolicyInputs, cols: dict[str, np.ndarray], page: slice) -> list[dict[str, Any]]:
    """One dict per SKU of the page (the only per-row Python: shaping the answer)."""
    has = cols["has_demand"][page]
    lists = {k: np.round(v[page], 4 if k in _RATES else 2).tolist() for k, v in cols.items()
             if k in _UNITS or k in _RATES}
    money_lists = {k: cols[k][page].tolist() for k in _MONEY}
    out = []
    for i, sku in enumerate(inp.skus[page].tolist()):
        j = page.start + i
        row: dict[str, Any] = {
            "sku": sku, "name": inp.names[j], "status": "ok" if has[i] else "no_demand_history",
            "unit_cost": money(inp.sku_inputs.unit_cost[j]), "unit_margin": money(inp.unit_margin[j]),
            "demand_per_week": round(float(inp.demand.mean[j]), 2), "demand_sd_per_week": round(float(inp.demand.sd[j]), 2),
            "weeks_with_demand": int(inp.demand.weeks_with_demand[j]),
            "lead_time_days": round(float(inp.lead_time_days[j]), 2),
            "lead_time_sd_days": round(float(inp.lead_time_sd_days[j]), 2),
            "lead_time_source": str(inp.lead_time_source[j]), "receipts_observed": int(inp.observed_lead.observations[j]),
            "supplier_late_days": round(float(inp.observed_lead.late_days[j]), 2),
            "stockout_cost_per_unit": money(inp.sku_inputs.stockout_cost[j]),
        }
        for k, values in lists.items():
            row[k] = None if (k in _ONLY_WITH_DEMAND and not has[i]) else values[i]
        for k, values in money_lists.items():
            row[k] = money(values[i])
        out.append(row)
    return out


def _summary(inp: PolicyInputs, cols: dict[str, np.ndarray]) -> dict[str, Any]:
    has = cols["has_demand"]
    demand = inp.sku_inputs.demand_mean
    weighted = float((cols["fill_rate"] * demand).sum() / demand.sum()) if demand.sum() > 0 else None
    return {"skus": int(len(has)), "skus_without_demand": int((~has).sum()),
            "demand_weighted_fill_rate": None if weighted is None else round(weighted, 4),
            **{f"total_{k}": money(float(cols[k].sum())) for k in (
                "safety_stock_value", "inventory_investment", "holding_cost_per_year", "stockout_cost_per_year",
                "total_cost_per_year", "optimal_total_cost_per_year")}}


def policy_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, target: Target, weeks: int | None = None,
                  skus: list[str] | None = None, limit: int = 100, offset: int = 0,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Per SKU: demand and lead time (mean, spread, source), EOQ, safety stock and reorder point for the
    target, its service level, fill rate, investment and yearly costs, and the profit-maximising level."""
    actor.require(Permission.READ_ANALYTICS)
    with uow.read() as conn:
        inp = load_inputs(conn, clock.today(), weeks=weeks, skus=skus, progress=progress)
    if progress:
        progress("policy")
    cols = plan(inp.sku_inputs, target)
    page = slice(min(offset, len(inp.skus)), min(offset + limit, len(inp.skus)))
    return {"basis": _basis(inp, target), "summary": _summary(inp, cols), "total": len(inp.skus),
            "items": _rows(inp, cols, page)}


def _rates(from_rate: float | None, to_rate: float | None, points: int | None) -> np.ndarray:
    if from_rate is None and to_rate is None and points is None:
        return np.array(DEFAULT_RATES)
    lo, hi, n = from_rate or 0.80, to_rate or 0.999, points or 10
    if not 2 <= n <= MAX_POINTS:
        raise ValidationFailed("points_out_of_range", f"points: must be between 2 and {MAX_POINTS}", field="points")
    if not lo < hi:
        raise ValidationFailed("empty_range", f"to_rate: must be above from_rate ({lo})", field="to_rate")
    return np.linspace(lo, hi, n)


def fill_rate_curve_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, sku: str | None = None,
                           from_rate: float | None = None, to_rate: float | None = None, points: int | None = None,
                           weeks: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Fill rate against inventory investment: for one SKU, or for the whole range (every SKU at the rate)."""
    actor.require(Permission.READ_ANALYTICS)
    rates = _rates(from_rate, to_rate, points)
    with uow.read() as conn:
        inp = load_inputs(conn, clock.today(), weeks=weeks, skus=[sku] if sku else None, progress=progress)
    if progress:
        progress("curve")
    c = fill_rate_curve(inp.sku_inputs, rates)
    has = inp.sku_inputs.demand_mean > 0
    return {"scope": sku or "network", "skus": int(len(has)), "skus_without_demand": int((~has).sum()),
            "window_start": inp.window_start, "window_end": inp.window_end, "points": [
                {"fill_rate": round(float(r), 4),
                 "achieved_fill_rate": round(float(_weighted(c["fill_rate"][k], inp.sku_inputs.demand_mean, r)), 4),
                 "safety_stock_units": round(float(c["safety_stock"][k].sum()), 2),
                 **{name: money(float(c[name][k].sum())) for name in (
                     "safety_stock_value", "inventory_investment", "holding_cost_per_year", "stockout_cost_per_year")},
                 "total_cost_per_year": money(float((c["holding_cost_per_year"][k] + c["ordering_cost_per_year"][k]
                                                     + c["stockout_cost_per_year"][k]).sum()))}
                for k, r in enumerate(rates.tolist())]}


def _weighted(rates: np.ndarray, demand: np.ndarray, fallback: float) -> float:
    """Demand-weighted fill rate (the unit fill rate of the range); the target itself with no demand at all."""
    total = demand.sum()
    return float((rates * demand).sum() / total) if total > 0 else fallback


def stockout_cost_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, skus: list[str] | None = None,
                         weeks: int | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The four outcomes, each SKU's expected cost per unit short (by outcome), and what the profit-maximising
    service level holds and loses per year."""
    actor.require(Permission.READ_ANALYTICS)
    with uow.read() as conn:
        inp = load_inputs(conn, clock.today(), weeks=weeks, skus=skus)
    cols = plan(inp.sku_inputs, Target("optimal"))
    parts = inp.outcome_costs()
    page = slice(min(offset, len(inp.skus)), min(offset + limit, len(inp.skus)))
    has = cols["has_demand"]
    items = []
    for j in range(page.start, page.stop):
        items.append({
            "sku": inp.skus[j], "unit_margin": money(inp.unit_margin[j]),
            "by_outcome": {code: money(float(v[j])) for code, v in parts.items()},
            "cost_per_unit_short": money(inp.sku_inputs.stockout_cost[j]),
            "status": "ok" if has[j] else "no_demand_history",
            "optimal_cycle_service_level": round(float(cols["optimal_cycle_service_level"][j]), 4) if has[j] else None,
            "optimal_fill_rate": round(float(cols["optimal_fill_rate"][j]), 4) if has[j] else None,
            "optimal_safety_stock": round(float(cols["optimal_safety_stock"][j]), 2),
            "stockout_cost_per_year": money(float(cols["stockout_cost_per_year"][j])),
            "holding_cost_per_year": money(float(cols["holding_cost_per_year"][j])),
        })
    return {"outcomes": [{"code": o.code, "probability": o.probability, "cost_per_unit": o.cost_per_unit,
                          "margin_multiple": o.margin_multiple} for o in inp.outcomes],
            "total": len(inp.skus), "items": items}
