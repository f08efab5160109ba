"""Demand: which customer orders what, when, how much, through which channel (pure, seeded).

- Each SKU has a popularity (Zipf over a shuffled rank: a fifth of the range makes about three quarters of
  the lines), a usual order size and its category's season; its level also drifts from week to week (a random
  walk on the logarithm, pulled back to 1), so no two SKUs move alike.
- Each customer trade (hospital, workshop, contractor, retailer, internal site) buys its own mix of
  categories; a line picks a category by that mix times the category's season, then a SKU by popularity
  times its weekly level.
- Orders per ship-to and day are Poisson: the segment's weekly rate spread over the working days (fewer at
  weekends, for the channels open then), times the market's season (quiet August and Christmas weeks).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from ..domain.orders import Channel
from .scenario import Segment

# Category: (amplitude of the season, day of the year it peaks). Building trades peak in late spring,
# heating and plumbing in autumn, hospitals in winter; storage projects follow budgets in early spring.
CATEGORY_SEASON = {
    "Fasteners": (0.15, 140), "Hand tools": (0.15, 150), "Power tools": (0.30, 130), "Safety": (0.20, 160),
    "Plumbing": (0.30, 300), "Electrical": (0.20, 280), "Hospital supplies": (0.25, 15),
    "Storage & install": (0.35, 75),
}
# What each trade buys (relative weights per category).
TRADE_MIX = {
    "retailer": {"Fasteners": 3, "Hand tools": 3, "Power tools": 3, "Safety": 2, "Plumbing": 2, "Electrical": 2,
                 "Storage & install": 0.3},
    "workshop": {"Fasteners": 4, "Hand tools": 4, "Power tools": 3, "Safety": 2, "Storage & install": 0.5},
    "contractor": {"Fasteners": 3, "Power tools": 2, "Safety": 2, "Plumbing": 4, "Electrical": 4,
                   "Storage & install": 0.4},
    "hospital": {"Hospital supplies": 8, "Safety": 2, "Electrical": 0.5, "Storage & install": 0.3},
    "internal": {"Fasteners": 3, "Hand tools": 2, "Power tools": 2, "Safety": 2, "Electrical": 2, "Plumbing": 1,
                 "Storage & install": 0.2},
}
# Usual order sizes per category (units), before the segment's scale.
ORDER_SIZES = {"Storage & install": (1, 1, 1, 2, 3), "Power tools": (1, 1, 2, 2, 3, 5),
               "Hospital supplies": (2, 5, 10, 10, 20, 40)}
DEFAULT_SIZES = (1, 2, 5, 5, 10, 12, 20, 24, 50)
WEEKDAY = (1.15, 1.1, 1.05, 1.05, 0.95, 0.0, 0.0)  # Monday … Sunday, before the segment's weekend share
WEEKEND_CHANNELS = (Channel.PORTAL, Channel.WEB, Channel.EDI, Channel.API)


def season(category: str, day: date) -> float:
    amplitude, peak = CATEGORY_SEASON.get(category, (0.0, 0))
    return 1 + amplitude * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25)


def market(day: date) -> float:
    """The whole market: August holidays and the weeks around Christmas are quiet."""
    if day.month == 8:
        return 0.7
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 3):
        return 0.4
    return 1.0


def weekday_factor(day: date, segment: Segment) -> float:
    w = day.weekday()
    return segment.weekend if w >= 5 else WEEKDAY[w]


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (lam is small here: a few orders per site and day)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def orders_today(rng: random.Random, segment: Segment, day: date) -> int:
    """Orders one ship-to places on a day."""
    per_day = segment.orders_per_site_week / 5.3  # five working days and a little weekend trade
    return poisson(rng, per_day * weekday_factor(day, segment) * market(day))


def channel_for(rng: random.Random, segment: Segment, day: date) -> Channel:
    options = [(c, w) for c, w in segment.channels.items() if day.weekday() < 5 or c in WEEKEND_CHANNELS]
    if not options:
        options = list(segment.channels.items())
    return rng.choices([c for c, _ in options], weights=[w for _, w in options])[0]


def requested_date(rng: random.Random, segment: Segment, day: date) -> date | None:
    if segment.requested_days is None or rng.random() >= segment.asks_date:
        return None
    return day + timedelta(days=rng.randint(*segment.requested_days))


def line_count(rng: random.Random, segment: Segment) -> int:
    low, high, mode = segment.lines
    return max(low, min(high, round(rng.triangular(low, high, mode))))


@dataclass(frozen=True)
class SkuProfile:
    sku: str
    category: str
    popularity: float
    sizes: tuple[int, ...]

    @property
    def mean_size(self) -> float:
        return sum(self.sizes) / len(self.sizes)


def profiles(items: list[dict], rng: random.Random, zipf: float = 0.9) -> list[SkuProfile]:
    """Popularity by a shuffled Zipf rank; order sizes by category."""
    ranks = list(range(1, len(items) + 1))
    rng.shuffle(ranks)
    return [SkuProfile(p["sku"], p["category"], 1 / r ** zipf, ORDER_SIZES.get(p["category"], DEFAULT_SIZES))
            for p, r in zip(items, ranks)]


class DemandModel:
    """Picks order lines. Weekly SKU levels come from their own stream, so they do not depend on orders."""

    def __init__(self, skus: list[SkuProfile], rng: random.Random, *, drift: float = 0.15, pull: float = 0.8):
        self.skus = skus
        self.by_category: dict[str, list[int]] = {}
        for i, s in enumerate(skus):
            self.by_category.setdefault(s.category, []).append(i)
        self._rng, self._drift, self._pull = rng, drift, pull
        self._log_level = [0.0] * len(skus)
        self._week: int | None = None
        self._cum: dict[str, list[float]] = {}

    def level(self, i: int) -> float:
        return math.exp(self._log_level[i])

    def start_week(self, week: int) -> None:
        """Move every SKU's level one step (once per simulated week) and rebuild the pick weights."""
        if week == self._week:
            return
        if self._week is not None:
            for i in range(len(self.skus)):
                self._log_level[i] = self._pull * self._log_level[i] + self._rng.gauss(0, self._drift)
        self._week = week
        self._cum = {c: list(accumulate(self.skus[i].popularity * self.level(i) for i in idx))
                     for c, idx in self.by_category.items()}

    def category_weights(self, trade: str, day: date) -> dict[str, float]:
        mix = TRADE_MIX.get(trade, TRADE_MIX["retailer"])
        return {c: w * season(c, day) for c, w in mix.items() if c in self.by_category}

    def pick_lines(self, rng: random.Random, trade: str, n: int, day: date, qty_scale: float) -> list[tuple[str, int]]:
        """n distinct SKUs with their quantities."""
        if self._week is None:
            self.start_week(0)
        weights = self.category_weights(trade, day)
        cats = list(weights)
        cat_cum = list(accumulate(weights[c] for c in cats))
        chosen: dict[int, int] = {}
        for _ in range(n * 3):  # duplicates are drawn again; a tiny category may run out
            if len(chosen) == n:
                break
            cat = cats[bisect.bisect_right(cat_cum, rng.random() * cat_cum[-1])]
            cum = self._cum[cat]
            i = self.by_category[cat][min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)]
            if i not in chosen:
                chosen[i] = max(1, round(rng.choice(self.skus[i].sizes) * qty_scale))
        return [(self.skus[i].sku, q) for i, q in chosen.items()]

    def expected_share(self, trade: str, day: date) -> dict[str, float]:
        """Each SKU's expected share of a trade's lines on a day (levels at 1): what a forecast starts from."""
        weights = self.category_weights(trade, day)
        total = sum(weights.values())
        out: dict[str, float] = {}
        for cat, w in weights.items():
            idx = self.by_category[cat]
            pop = sum(self.skus[i].popularity for i in idx)
            for i in idx:
                out[self.skus[i].sku] = w / total * self.skus[i].popularity / pop
        return out
