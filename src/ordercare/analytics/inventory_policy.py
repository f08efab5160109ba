"""Safety stock, reorder point, fill rate and EOQ for a continuous-review (Q, R) policy, over all SKUs at once.

Demand per period is normal with mean D and standard deviation σ_D; the replenishment lead time has mean L
and standard deviation s_L (same period). Then, per SKU (arrays of any shape, broadcast together):

    lead-time demand      μ_L = D·L,  σ_L = √(L·σ_D² + D²·s_L²)
    reorder point         R = μ_L + ss          (ss: safety stock)
    cycle service level   CSL = Φ(ss / σ_L)
    shortage per cycle    ESC = σ_L · L(ss / σ_L)        (L: the standard normal loss function)
    fill rate             fr = 1 − ESC / Q
    EOQ                   Q* = √(2·K·λ / h)               (λ: demand per year, h: holding cost per unit-year)

A target CSL gives ss = Φ⁻¹(CSL)·σ_L; a target fill rate gives ss = σ_L·L⁻¹((1 − fr)·Q / σ_L). Safety stock
is never planned below zero: a target that cycle stock alone already meets gets ss = 0 (and beats the target).
"""

from __future__ import annotations

import numpy as np

from ..domain.errors import ValidationFailed
from . import normal_loss as nl

WEEKS_PER_YEAR = 52.0


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def check_non_negative(field: str, values) -> None:
    """Refuse negative (or non-finite) rates with the position of the first offender."""
    v = _arr(values)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise ValidationFailed("negative_rate", f"{field}: must be a finite number ≥ 0 (got {v.ravel()[i]!r})",
                               field=field, position=i)


def check_rate(field: str, value: float) -> float:
    """A target service level or fill rate strictly between 0 and 1."""
    if not (isinstance(value, (int, float)) and np.isfinite(value) and 0.0 < float(value) < 1.0):
        raise ValidationFailed("rate_out_of_range", f"{field}: must be strictly between 0 and 1 (got {value!r})",
                               field=field, value=str(value))
    return float(value)


def lead_time_demand(demand_mean, demand_sd, lead_time_mean, lead_time_sd=0.0) -> tuple[np.ndarray, np.ndarray]:
    """(μ_L, σ_L) of demand over the lead time, lead time itself uncertain."""
    d, sd, lt, slt = _arr(demand_mean), _arr(demand_sd), _arr(lead_time_mean), _arr(lead_time_sd)
    return d * lt, np.sqrt(lt * sd * sd + d * d * slt * slt)


def eoq(order_cost, annual_demand, holding_cost):
    """Q* = √(2Kλ/h); 0 where there is no demand, no order cost or no holding cost to balance."""
    k, lam, h = _arr(order_cost), _arr(annual_demand), _arr(holding_cost)
    ok = (k > 0) & (lam > 0) & (h > 0)
    return np.sqrt(np.divide(2.0 * k * lam, h, out=np.zeros(np.broadcast(k, lam, h).shape), where=ok))


def _z(safety_stock, sigma):
    ss, s = _arr(safety_stock), _arr(sigma)
    z = np.divide(ss, s, out=np.zeros(np.broadcast(ss, s).shape), where=s > 0)
    return np.clip(z, nl.Z_MIN, nl.Z_MAX)


def cycle_service_level(safety_stock, sigma):
    """P(no stockout in a cycle); with no uncertainty (σ_L = 0) a non-negative safety stock never runs out."""
    s = _arr(sigma)
    return np.where(s > 0, nl.cdf(_z(safety_stock, s)), np.where(_arr(safety_stock) >= 0, 1.0, 0.0))


def expected_shortage(safety_stock, sigma):
    """ESC: expected units short per replenishment cycle."""
    s = _arr(sigma)
    return np.where(s > 0, s * nl.loss(_z(safety_stock, s)), np.maximum(-_arr(safety_stock), 0.0))


def fill_rate(safety_stock, sigma, order_qty):
    """Share of demand served from stock: 1 − ESC/Q (1 where nothing is ordered because nothing is demanded).

    The formula counts a shortage that outlasts the cycle more than once, so for lots much smaller than σ_L it
    can fall below zero; the fill rate reported is then 0.
    """
    q = _arr(order_qty)
    esc = expected_shortage(safety_stock, sigma)
    rate = 1.0 - np.divide(esc, q, out=np.zeros(np.broadcast(esc, q).shape), where=q > 0)
    return np.where(q > 0, np.clip(rate, 0.0, 1.0), 1.0)


def safety_stock_for_csl(csl, sigma):
    """ss = Φ⁻¹(CSL)·σ_L, floored at zero."""
    z = np.clip(nl.ppf(_arr(csl)), nl.Z_MIN, nl.Z_MAX)
    return np.maximum(z * _arr(sigma), 0.0)


def safety_stock_for_fill_rate(rate, sigma, order_qty):
    """ss = σ_L·L⁻¹((1 − fr)·Q/σ_L), floored at zero; 0 where there is no uncertainty."""
    s, q, fr = _arr(sigma), _arr(order_qty), _arr(rate)
    shape = np.broadcast(s, q, fr).shape
    target = np.divide((1.0 - fr) * q, s, out=np.ones(shape), where=s > 0)
    return np.where(s > 0, np.maximum(nl.inverse_loss(target) * s, 0.0), 0.0)


def optimal_csl(holding_cost, order_qty, annual_demand, stockout_cost_per_unit, *, ceiling: float = 0.9999):
    """The cycle service level that minimises holding + expected stockout cost per year.

    Annual cost of ss = z·σ_L:  h·σ_L·z + (λ/Q)·B·σ_L·L(z).  Setting the derivative to zero gives
    1 − Φ(z*) = h·Q / (λ·B), i.e. CSL* = 1 − hQ/(λB), here kept in [0.5, ceiling] (ss ≥ 0, finite).
    """
    h, q, lam, b = _arr(holding_cost), _arr(order_qty), _arr(annual_demand), _arr(stockout_cost_per_unit)
    shape = np.broadcast(h, q, lam, b).shape
    ratio = np.divide(h * q, lam * b, out=np.ones(shape), where=(lam * b) > 0)
    return np.clip(1.0 - ratio, 0.5, ceiling)
