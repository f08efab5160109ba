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
from typing import Any


def ratio(num: int | float, den: int | float) -> float | None:
    """num / den; None (shown as "n/a") when there is nothing to divide by."""
    return None if not den else num / den


def rate(num: int, den: int) -> dict[str, Any]:
    return {"rate": ratio(num, den), "count": num, "of": den}


def quantiles(hist: Mapping[int, int], *qs: tuple[int, int]) -> list[float | None]:
    """The q-quantiles (each q a fraction num/den) of the values a histogram {value: count} holds, type 7.

    Whole-number arithmetic to the last step: h = (n - 1)num/den is split into k = floor(h) and the remainder,
    and x[k] + (rem/den)(x[k+1] - x[k]) is one exact fraction turned into the nearest float.
    """
    items = sorted((v, c) for v, c in hist.items() if c > 0)
    n = sum(c for _, c in items)
    if n == 0:
        return [None] * len(qs)
    out = []
    for num, den in qs:
        k, rem = divmod((n - 1) * num, den)
        lo = hi = None
        seen = 0
        for value, count in items:
            if lo is None and k < seen + count:
                lo = value
            if k + 1 < seen + count:
                hi = value
                break
            seen += count
        hi = lo if hi is None else hi
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
