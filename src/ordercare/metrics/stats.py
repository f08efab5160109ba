"""Exact statistics: rates with their numerator and denominator, and the spread of a whole-day histogram.

Cycle times are kept as counts per whole day, so the median and the 95th percentile are exact (no sampling,
no sketch), and the mean and standard deviation come from exact integer sums and sums of squares.
Percentiles interpolate linearly between the two nearest ranks (the "type 7" rule of NumPy, R and DuckDB's
quantile_cont): p = x[k] + (h - k)(x[k+1] - x[k]) with h = (n - 1)q, k = floor(h), x sorted ascending.
The standard deviation is the sample one (n - 1): the orders of a period are a sample of the process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any


def ratio(num: int | float, den: int | float) -> float | None:
    """num / den; None (shown as "n/a") when there is nothing to divide by."""
    return None if not den else num / den


def rate(num: int, den: int) -> dict[str, Any]:
    return {"rate": ratio(num, den), "count": num, "of": den}


def quantile(hist: Mapping[int, int], q: Fraction) -> Fraction | None:
    """The q-quantile of the values a histogram {value: count} holds (type 7 interpolation)."""
    items = sorted((v, n) for v, n in hist.items() if n > 0)
    n = sum(c for _, c in items)
    if n == 0:
        return None
    h = (n - 1) * q
    k = math.floor(h)
    lo = hi = None
    seen = 0
    for value, count in items:
        if lo is None and k < seen + count:
            lo = value
        if k + 1 < seen + count:
            hi = value
            break
        seen += count
    if hi is None:
        hi = lo
    return lo + (h - k) * (hi - lo)


def spread(hist: Mapping[int, int], n: int, total: int, squares: int) -> dict[str, Any]:
    """Mean, sample standard deviation, median and 95th percentile of whole days."""
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "median": None, "p95": None}
    mean = Fraction(total, n)
    var = Fraction(squares * n - total * total, n * (n - 1)) if n > 1 else None
    median, p95 = quantile(hist, Fraction(1, 2)), quantile(hist, Fraction(95, 100))
    return {"n": n, "mean": float(mean), "std": math.sqrt(var) if var is not None else None,
            "median": float(median) if median is not None else None, "p95": float(p95) if p95 is not None else None}
