"""Mean and spread of weekly demand and of supplier lead time, per SKU, from history (vectorised).

Demand: units ordered per week, network-wide (all warehouses), over a window of whole weeks; a week without
orders is a week of zero demand. Lead time: days from a purchase order to the first arrival of each of its
receipt lines; a SKU with fewer observations than asked for falls back to a configured lead time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _mean_sd(sums: np.ndarray, squares: np.ndarray, n) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation from sums and sums of squares (0 where n < 2)."""
    n = np.asarray(n, dtype=float)
    mean = np.divide(sums, n, out=np.zeros_like(sums), where=n > 0)
    var = np.divide(squares - n * mean * mean, n - 1, out=np.zeros_like(sums), where=n > 1)
    return mean, np.sqrt(np.maximum(var, 0.0))  # rounding can leave −0.0000001


@dataclass(frozen=True)
class DemandStats:
    mean: np.ndarray  # units per week
    sd: np.ndarray
    total: np.ndarray  # units in the window
    weeks_with_demand: np.ndarray


def weekly_demand(sku_index, day_offset, qty, n_skus: int, weeks: int) -> DemandStats:
    """Demand per SKU and week from (sku position, days since the window's first day, units) records.

    Records outside the window are ignored. Every SKU gets `weeks` observations (zeros included).
    """
    i = np.asarray(sku_index, dtype=np.int64)
    w = np.asarray(day_offset, dtype=np.int64) // 7
    q = np.asarray(qty, dtype=float)
    keep = (w >= 0) & (w < weeks)
    cells = np.bincount(i[keep] * weeks + w[keep], weights=q[keep], minlength=n_skus * weeks).astype(float)
    grid = cells.reshape(n_skus, weeks)
    mean, sd = _mean_sd(grid.sum(axis=1), (grid * grid).sum(axis=1), weeks)
    return DemandStats(mean, sd, grid.sum(axis=1), (grid > 0).sum(axis=1))


@dataclass(frozen=True)
class LeadTimeStats:
    mean_days: np.ndarray
    sd_days: np.ndarray
    observations: np.ndarray
    late_days: np.ndarray  # mean of (arrived − expected): the supplier's lateness


def lead_times(sku_index, lead_days, late_days, n_skus: int) -> LeadTimeStats:
    """Per SKU: mean and sample sd of the observed lead times, their count and the mean lateness."""
    i = np.asarray(sku_index, dtype=np.int64)
    d = np.asarray(lead_days, dtype=float)
    late = np.asarray(late_days, dtype=float)
    n = np.bincount(i, minlength=n_skus).astype(float)
    sums = np.bincount(i, weights=d, minlength=n_skus).astype(float)
    mean, sd = _mean_sd(sums, np.bincount(i, weights=d * d, minlength=n_skus).astype(float), n)
    late_mean = np.divide(np.bincount(i, weights=late, minlength=n_skus).astype(float), n, out=np.zeros(n_skus), where=n > 0)
    return LeadTimeStats(mean, sd, n.astype(np.int64), late_mean)


def choose_lead_time(observed: LeadTimeStats, min_observations: int, configured_days, configured_sd_days,
                     has_configured) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean days, sd days, source) per SKU: the history where it has enough receipts, else the product's own
    configured lead time, else the default (the configured arrays hold the default where a SKU has none).

    Source codes: "history", "product", "default".
    """
    enough = observed.observations >= max(min_observations, 2)
    has_configured = np.asarray(has_configured, dtype=bool)
    mean = np.where(enough, observed.mean_days, np.asarray(configured_days, dtype=float))
    sd = np.where(enough, observed.sd_days, np.asarray(configured_sd_days, dtype=float))
    source = np.where(enough, "history", np.where(has_configured, "product", "default"))
    return mean, sd, source
