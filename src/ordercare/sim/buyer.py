"""The buyer: when to reorder a SKU for a warehouse and how much, and how suppliers keep their dates (pure).

A reorder point policy per warehouse and SKU, reviewed every working day: when the inventory position
(on hand − reserved + still to come on open receipts − promised on them) falls to the reorder point
(forecast demand over the supplier's lead time plus safety days), order enough to cover `cover_days` more.
The forecast is exponential smoothing of the units ordered in the warehouse's region, started from the
demand model's expectation (the forecast the old system handed over).

Suppliers: a lead time range; a share of lines late by some days, announced a few days ahead (the
receipt is rescheduled, and the promises resting on it move); a share delivered short and closed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Supplier:
    name: str
    lead_days: tuple[int, int]
    late_share: float
    late_days: tuple[int, int]
    short_share: float  # lines delivered short (80-95 %) and closed


SUPPLIERS = [
    Supplier("Bosch Industrial", (7, 12), 0.08, (2, 6), 0.02),
    Supplier("Würth Supply", (5, 8), 0.04, (1, 3), 0.01),
    Supplier("Stanley Black & Decker", (10, 16), 0.12, (3, 10), 0.03),
    Supplier("3M Safety", (6, 10), 0.05, (2, 5), 0.02),
    Supplier("Geberit Trade", (12, 20), 0.15, (4, 12), 0.04),
    Supplier("Schneider Electric", (8, 14), 0.06, (2, 7), 0.02),
    Supplier("Hartmann Medical", (5, 9), 0.03, (1, 3), 0.01),
    Supplier("Kaiser+Kraft Racking", (14, 24), 0.18, (5, 15), 0.03),
]
# Which supplier delivers a category.
SUPPLIER_OF = {"Fasteners": "Würth Supply", "Hand tools": "Stanley Black & Decker", "Power tools": "Bosch Industrial",
               "Safety": "3M Safety", "Plumbing": "Geberit Trade", "Electrical": "Schneider Electric",
               "Hospital supplies": "Hartmann Medical", "Storage & install": "Kaiser+Kraft Racking"}
BY_NAME = {s.name: s for s in SUPPLIERS}
SAFETY_DAYS = 6
COVER_DAYS = 14  # at least two weeks of demand per order
ORDER_COST = 40.0  # EUR per purchase order line (buying, receiving, booking)
HOLDING_RATE = 0.25  # per year, of the unit cost


def supplier_for(category: str) -> Supplier:
    return BY_NAME[SUPPLIER_OF.get(category, "Würth Supply")]


def reorder_point(daily: float, supplier: Supplier, safety_days: int = SAFETY_DAYS) -> float:
    return daily * (supplier.lead_days[1] + safety_days)


def lot_size(daily: float, unit_cost: float, cover_days: int = COVER_DAYS) -> float:
    """The economic order quantity sqrt(2 D S / H) over a year's demand D, at least `cover_days` of demand:
    slow movers are bought rarely and in lots, fast movers often."""
    eoq = math.sqrt(2 * daily * 365 * ORDER_COST / max(HOLDING_RATE * unit_cost, 0.01))
    return max(eoq, daily * cover_days, 1.0)


def reorder_qty(position: int, daily: float, supplier: Supplier, unit_cost: float, *,
                safety_days: int = SAFETY_DAYS) -> int:
    """Units to order now (0: not yet): at the reorder point, enough to bring the position back above it by
    a lot."""
    if daily <= 0:
        return 0
    rop = reorder_point(daily, supplier, safety_days)
    if position > rop:
        return 0
    return max(1, math.ceil(rop - position + lot_size(daily, unit_cost)))


def opening_stock(daily: float, supplier: Supplier, unit_cost: float, rng: random.Random) -> int:
    """What the warehouse holds on the first day: the reorder point and part of a lot."""
    return max(0, round(reorder_point(daily, supplier) + lot_size(daily, unit_cost) * rng.uniform(0.2, 1.0)))


@dataclass(frozen=True)
class SupplyOutcome:
    lead_days: int
    late_days: int  # announced `notice_days` before the first expected date
    notice_days: int
    delivered_share: float  # 1.0, or less when the line is delivered short and closed


def supply_outcome(rng: random.Random, supplier: Supplier) -> SupplyOutcome:
    lead = rng.randint(*supplier.lead_days)
    late = rng.randint(*supplier.late_days) if rng.random() < supplier.late_share else 0
    short = rng.uniform(0.8, 0.95) if rng.random() < supplier.short_share else 1.0
    return SupplyOutcome(lead, late, rng.randint(1, 3), short)


class Forecast:
    """Exponentially smoothed units per day, per (warehouse, SKU)."""

    def __init__(self, initial: dict[tuple[str, str], float], alpha: float = 0.05):
        self.rate = dict(initial)
        self.alpha = alpha
        self._today: dict[tuple[str, str], float] = {}

    def observe(self, cell: tuple[str, str], units: float) -> None:
        self._today[cell] = self._today.get(cell, 0.0) + units

    def close_day(self) -> None:
        """Fold the day's demand in; cells with no demand today decay towards zero."""
        a = self.alpha
        for cell in self.rate.keys() | self._today.keys():
            self.rate[cell] = (1 - a) * self.rate.get(cell, 0.0) + a * self._today.get(cell, 0.0)
        self._today = {}
