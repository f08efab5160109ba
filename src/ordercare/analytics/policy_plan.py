"""The (Q, R) policy of every SKU for one target, the service level that maximises profit, and the curve of
fill rate against inventory investment. Columns are NumPy arrays, one element per SKU.

Units: demand per week, lead time in weeks, money per unit, holding rate per year (a fraction of unit cost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domain.errors import ValidationFailed
from . import inventory_policy as ip

TARGET_KINDS = ("fill_rate", "csl", "optimal")


@dataclass(frozen=True)
class SkuInputs:
    demand_mean: np.ndarray  # units per week
    demand_sd: np.ndarray
    lead_time: np.ndarray  # weeks
    lead_time_sd: np.ndarray
    unit_cost: np.ndarray
    order_cost: np.ndarray  # K, per replenishment order
    holding_rate: np.ndarray  # per year, fraction of unit cost
    stockout_cost: np.ndarray  # B, expected cost per unit short (stockout_cost.cost_per_unit_short)

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float))
            ip.check_non_negative(name, getattr(self, name))
        n = {getattr(self, f).shape for f in self.__dataclass_fields__}
        if len(n) != 1:
            raise ValueError(f"SkuInputs columns differ in shape: {n}")

    @property
    def annual_demand(self) -> np.ndarray:
        return self.demand_mean * ip.WEEKS_PER_YEAR

    @property
    def holding_cost(self) -> np.ndarray:
        """h: cost of holding one unit for a year."""
        return self.holding_rate * self.unit_cost

    def order_qty(self) -> np.ndarray:
        """The EOQ, at most one year's demand (a larger lot would sit more than a year on the shelf)."""
        return np.minimum(ip.eoq(self.order_cost, self.annual_demand, self.holding_cost), self.annual_demand)


@dataclass(frozen=True)
class Target:
    kind: str  # fill_rate | csl | optimal (the profit-maximising service level)
    value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValidationFailed("unknown_target", f"target: '{self.kind}' is not one of {', '.join(TARGET_KINDS)}",
                                   field="target")
        if self.kind != "optimal":
            ip.check_rate(f"target_{self.kind}", self.value)


def _costs(inp: SkuInputs, q, sigma, ss) -> dict[str, np.ndarray]:
    """What a safety stock costs and buys per year (holding, ordering, shortages) and the stock it ties up."""
    lam = inp.annual_demand
    cycles = np.divide(lam, q, out=np.zeros(np.broadcast(lam, q).shape), where=q > 0)
    esc = np.where(q > 0, ip.expected_shortage(ss, sigma), 0.0)
    csl = ip.cycle_service_level(ss, sigma)
    units_short = esc * cycles
    return {
        "cycle_service_level": csl,
        "expected_shortage_per_cycle": esc,
        "fill_rate": ip.fill_rate(ss, sigma, q),
        "safety_stock_value": ss * inp.unit_cost,
        "cycle_stock_value": q / 2.0 * inp.unit_cost,
        "inventory_investment": (ss + q / 2.0) * inp.unit_cost,
        "holding_cost_per_year": (ss + q / 2.0) * inp.holding_cost,
        "ordering_cost_per_year": cycles * inp.order_cost,
        "stockouts_per_year": (1.0 - csl) * cycles,
        "units_short_per_year": units_short,
        "stockout_cost_per_year": units_short * inp.stockout_cost,
    }


def safety_stock_for(target: Target, inp: SkuInputs, q, sigma, csl_star) -> np.ndarray:
    if target.kind == "fill_rate":
        return np.where(q > 0, ip.safety_stock_for_fill_rate(target.value, sigma, q), 0.0)
    return ip.safety_stock_for_csl(target.value if target.kind == "csl" else csl_star, sigma)


def plan(inp: SkuInputs, target: Target) -> dict[str, np.ndarray]:
    """Every column of the policy report, for every SKU at once (no Python loop over SKUs)."""
    mu, sigma = ip.lead_time_demand(inp.demand_mean, inp.demand_sd, inp.lead_time, inp.lead_time_sd)
    q = inp.order_qty()
    has_demand = inp.demand_mean > 0
    csl_star = ip.optimal_csl(inp.holding_cost, q, inp.annual_demand, inp.stockout_cost)
    ss = np.where(has_demand, safety_stock_for(target, inp, q, sigma, csl_star), 0.0)
    ss_star = np.where(has_demand, ip.safety_stock_for_csl(csl_star, sigma), 0.0)
    chosen, best = _costs(inp, q, sigma, ss), _costs(inp, q, sigma, ss_star)
    total = chosen["holding_cost_per_year"] + chosen["ordering_cost_per_year"] + chosen["stockout_cost_per_year"]
    best_total = best["holding_cost_per_year"] + best["ordering_cost_per_year"] + best["stockout_cost_per_year"]
    return {
        "has_demand": has_demand,
        "lead_time_demand_mean": mu,
        "lead_time_demand_sd": sigma,
        "eoq": ip.eoq(inp.order_cost, inp.annual_demand, inp.holding_cost),
        "order_qty": q,
        "safety_stock": ss,
        "reorder_point": mu + ss,
        **chosen,
        "total_cost_per_year": total,
        "optimal_cycle_service_level": np.where(has_demand, csl_star, 0.0),
        "optimal_fill_rate": best["fill_rate"],
        "optimal_safety_stock": ss_star,
        "optimal_total_cost_per_year": best_total,
    }


def fill_rate_curve(inp: SkuInputs, rates) -> dict[str, np.ndarray]:
    """For each target fill rate (k of them), each SKU's safety stock and what it costs: (k, n) arrays.

    The network's curve is the column sums: with every SKU at fill rate f, the demand-weighted unit fill rate
    of the whole range is f too.
    """
    r = np.asarray(rates, dtype=float)
    for i, x in enumerate(r):
        ip.check_rate(f"rates[{i}]", float(x))
    _, sigma = ip.lead_time_demand(inp.demand_mean, inp.demand_sd, inp.lead_time, inp.lead_time_sd)
    q = inp.order_qty()
    has = inp.demand_mean > 0
    ss = np.where(has[None, :] & (q[None, :] > 0),
                  ip.safety_stock_for_fill_rate(r[:, None], sigma[None, :], q[None, :]), 0.0)
    out = {k: np.broadcast_to(v, ss.shape) for k, v in _costs(inp, q[None, :], sigma[None, :], ss).items()}
    out["fill_rate"] = np.where(has[None, :], out["fill_rate"], 1.0)
    return {"rate": r, "safety_stock": ss, **out}
