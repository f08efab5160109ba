"""The standard normal loss function and its inverse, vectorised.

L(z) = E[(Z − z)⁺] = φ(z) − z·(1 − Φ(z)) for Z ~ N(0, 1): the expected units by which
demand exceeds a stock level z standard deviations above its mean, per standard deviation.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

Z_MIN, Z_MAX = -8.0, 8.0  # beyond ±8σ the normal model says nothing useful (and L underflows)
_ROOT_2PI = np.sqrt(2.0 * np.pi)


def pdf(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-0.5 * z * z) / _ROOT_2PI


def cdf(z):
    return ndtr(np.asarray(z, dtype=float))


def ppf(p):
    """Inverse of Φ: the z whose cumulative probability is p (0 < p < 1)."""
    return ndtri(np.asarray(p, dtype=float))


def loss(z):
    """L(z) = φ(z) − z·(1 − Φ(z)); 1 − Φ(z) is taken as Φ(−z), which stays exact in the right tail."""
    z = np.asarray(z, dtype=float)
    return pdf(z) - z * ndtr(-z)


def inverse_loss(target, iterations: int = 40):
    """The z with L(z) = target, for target > 0, clipped to [Z_MIN, Z_MAX].

    L is positive and strictly decreasing, so the root is bracketed by [Z_MIN, Z_MAX]; each step is a
    Newton step on log L (nearly linear in the right tail, so few steps are needed) unless it leaves the
    bracket, in which case it bisects. Every element runs the same steps: no Python loop over SKUs.
    """
    t = np.asarray(target, dtype=float)
    log_t = np.log(np.clip(t, 1e-300, None))
    lo = np.full(t.shape, Z_MIN)
    hi = np.full(t.shape, Z_MAX)
    z = np.clip(ppf(np.clip(1.0 - t, 1e-12, 1 - 1e-12)), Z_MIN, Z_MAX)  # a fair first guess for small targets
    for _ in range(iterations):
        lz = np.maximum(loss(z), 1e-300)
        h = np.log(lz) - log_t
        # L decreasing: h > 0 means z is left of the root.
        lo = np.where(h > 0, z, lo)
        hi = np.where(h <= 0, z, hi)
        slope = -ndtr(-z) / lz  # d/dz log L(z) = −(1 − Φ(z)) / L(z)
        step = np.divide(h, slope, out=np.zeros_like(z), where=slope != 0)
        newton = z - step
        inside = (newton > lo) & (newton < hi)
        z = np.where(inside, newton, 0.5 * (lo + hi))
    # Targets L cannot reach inside the bracket sit at its ends.
    z = np.where(t >= loss(Z_MIN), Z_MIN, z)
    return np.where(t <= loss(Z_MAX), Z_MAX, z)
