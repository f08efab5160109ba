"""Available-to-promise and available-to-deliver (DOMAIN §3 step 3).

ATP(d) = on hand − allocated + scheduled receipts up to d, per warehouse.
"Allocated" counts both units reserved from stock and units already promised
against a scheduled receipt, so every unit of supply is either free or tied
to one order line, and ATP never goes down as d moves forward.

ATD = ATP date + handling days of the warehouse + transit days to the ship-to.
Dates are calendar days (no working-day calendar yet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ScheduledReceipt:
    receipt_id: int
    expected_date: date
    free_qty: int  # expected − already promised


@dataclass(frozen=True)
class SupplyPosition:
    """One product in one warehouse."""

    on_hand: int
    reserved: int
    receipts: tuple[ScheduledReceipt, ...] = ()

    @property
    def free_now(self) -> int:
        return self.on_hand - self.reserved


def receipt_available_date(expected: date, today: date) -> date:
    """A receipt that is overdue is not stock: the earliest it can be used is tomorrow."""
    return max(expected, today + timedelta(days=1))


def atp_profile(position: SupplyPosition, today: date, horizon_end: date) -> list[tuple[date, int]]:
    """Cumulative ATP at today and at each receipt date up to the horizon."""
    profile = [(today, position.free_now)]
    running = position.free_now
    for r in sorted(position.receipts, key=lambda r: (r.expected_date, r.receipt_id)):
        when = receipt_available_date(r.expected_date, today)
        if when > horizon_end or r.free_qty <= 0:
            continue
        running += r.free_qty
        if profile[-1][0] == when:
            profile[-1] = (when, running)
        else:
            profile.append((when, running))
    return profile


def atp_on(position: SupplyPosition, on: date, today: date) -> int:
    """ATP at one date: free stock plus free receipts expected by then."""
    return position.free_now + sum(
        r.free_qty for r in position.receipts if receipt_available_date(r.expected_date, today) <= on
    )


def earliest_atp_date(position: SupplyPosition, qty: int, today: date, horizon_end: date) -> date | None:
    for when, cumulative in atp_profile(position, today, horizon_end):
        if cumulative >= qty:
            return when
    return None


EARTH_RADIUS_KM = 6371.0
ROAD_KM_PER_DAY = 500.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def transit_days(km: float) -> int:
    """Road transit before carrier rates exist: one day per 500 km started, at least one day."""
    return max(1, math.ceil(km / ROAD_KM_PER_DAY))


@dataclass(frozen=True)
class Lane:
    """How one warehouse reaches one ship-to."""

    warehouse_id: int
    distance_km: float
    handling_days: int
    transit_days: int

    def ship_date(self, available: date) -> date:
        return available + timedelta(days=self.handling_days)

    def delivery_date(self, available: date) -> date:
        return self.ship_date(available) + timedelta(days=self.transit_days)
