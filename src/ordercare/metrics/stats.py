"""Exact statistics: rates with their numerator and denominator, and the spread of a whole-day histogram.

Cycle times are kept as counts per whole day, so the median and the 95th percentile are exact (no sampling,
no sketch), and the mean and standard deviation come from exact integer sums and sums of squares.
Percentiles interpolate linearly between the two nearest ranks (the "type 7" rule of NumPy, R and DuckDB's
quantile_cont): p = x[k] + (h - k)(x[k+1] - x[k]) with h = (n - 1)q, k = floor(h), x sorted ascending.
The standard deviation is the sample one (n - 1): the orders of a period are a sample of the process.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate
from typing import Any


def ratio(num: int | float, den: int | float) -> float | None:
    """num / den; None (shown as "n/a") when there is nothing to divide by."""
    return None if not den else num / den


def rate(num: int, den: int) -> dict[str, Any]:
    return {"rate": num / den if den else None, "count": num, "of": den}  # ratio(), inline: thousands per report


def quantiles(hist: Mapping[int, int], *qs: tuple[int, int]) -> list[float | None]:
    """The q-quantiles (each q a fraction num/den) of the values a histogram {value: count} holds, type 7.

    Whole-number arithmetic to the last step: h = (n - 1)num/den is split into k = floor(h) and the remainder,
    and x[k] + (rem/den)(x[k+1] - x[k]) is one exact fraction turned into the nearest float. x[k] is the first
    value whose running count passes k (found by bisection: thousands of histograms per report).
    """
    values = sorted(hist)
    counts = [hist[v] for v in values]
    if counts and min(counts) <= 0:
        values = [v for v, c in zip(values, counts) if c > 0]
        counts = [c for c in counts if c > 0]
    running = list(accumulate(counts))
    n = running[-1] if running else 0
    if n == 0:
        return [None] * len(qs)
    out = []
    for num, den in qs:
        k, rem = divmod((n - 1) * num, den)
        lo = values[bisect_right(running, k)]
        hi = values[bisect_right(running, k + 1)] if k + 1 < n else lo
        out.append((lo * den + rem * (hi - lo)) / den)
    return out


MEDIAN, P95 = (1, 2), (95, 100)


def spread(hist: Mapping[int, int], n: int, total: int, squares: int) -> dict[str, Any]:
    """Mean, sample standard deviation, median and 95th percentile of whole days."""
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "median": None, "p95": None}
    # Exact integer numerators and denominators; one rounding each, at the end.
    std = math.sqrt((squares * n - total * total) / (n * (n - 1))) if n > 1 else None
    median, p95 = quantiles(hist, MEDIAN, P95)
    return {"n": n, "mean": total / n, "std": std, "median": median, "p95": p95}
