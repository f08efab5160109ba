"""What is simulated: the size of the company, the period, the seed, and how each customer segment behaves.

Everything here is data (plain dataclasses); the rules that use it are in demand.py, story.py, habits.py and
buyer.py, all pure and unit-tested; the day loop that drives the real services is in run.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from ..domain.errors import ValidationFailed
from ..domain.orders import Channel


@dataclass(frozen=True)
class Segment:
    """How the customers of one segment order, pay and complain."""

    code: str
    share: float  # of the external customers
    sites: tuple[int, int]  # ship-tos per customer (a chain orders per store)
    orders_per_site_week: float  # on average, before the season
    lines: tuple[int, int, int]  # lines per order: least, most, most likely
    qty_scale: float  # quantities against the catalogue's usual order sizes
    channels: dict[Channel, float]
    weekend: float  # share of a weekday's orders on Saturday and Sunday (portal, web)
    requested_days: tuple[int, int] | None  # days ahead a delivery date is asked for (None: as soon as possible)
    asks_date: float  # share of orders with a requested date
    complains: float  # chance a noticed failure becomes a complaint
    cancels: float  # share of orders cancelled before they are released
    credit_limit: int | None  # EUR, before the per-customer spread


SEGMENTS: dict[str, Segment] = {
    # Key accounts: chains and hospital groups, ordering by EDI and API for each site, near-daily, big baskets.
    "A": Segment("A", 0.15, (2, 6), 2.6, (4, 30, 10), 2.0,
                 {Channel.EDI: 55, Channel.API: 25, Channel.PORTAL: 10, Channel.PHONE: 10},
                 0.05, (2, 4), 0.9, 0.45, 0.01, 400_000),
    # Regular trade: workshops and contractors, weekly to twice a week, portal and phone.
    "B": Segment("B", 0.35, (1, 2), 2.2, (2, 12, 4), 1.0,
                 {Channel.PORTAL: 40, Channel.PHONE: 25, Channel.DESK: 10, Channel.API: 10, Channel.WEB: 15},
                 0.15, (3, 8), 0.6, 0.35, 0.02, 150_000),
    # Small accounts: a few lines now and then, mostly through the portal, often by phone.
    "C": Segment("C", 0.50, (1, 1), 1.1, (1, 5, 2), 0.6,
                 {Channel.PORTAL: 50, Channel.PHONE: 30, Channel.DESK: 10, Channel.WEB: 10},
                 0.3, (5, 14), 0.3, 0.25, 0.03, 50_000),
}
# The firm's own sites (maintenance, assembly, laboratory): weekly spare-parts lists uploaded as a file, and
# the portal in between. Measured like anyone else; settled by internal transfer.
INTERNAL = Segment("internal", 0.0, (1, 1), 2.0, (2, 10, 4), 0.8,
                   {Channel.FILE: 30, Channel.PORTAL: 70}, 0.0, (3, 7), 0.5, 0.2, 0.0, None)


@dataclass(frozen=True)
class ReplenishmentProblem:
    """The story: one warehouse's replenishment team falls behind for a stretch of the period.

    Pick slots are not refilled from reserve in time, so pickers find them empty: short picks charged to
    replenishment, back-orders, late and incomplete deliveries, complaints, lower CSAT — then the fix.
    The stretch is a share of the simulated period, so short runs show it too.
    """

    warehouse: str = "POZ"
    starts: float = 0.38  # share of the period elapsed when it begins (mid-May in a calendar year)
    lasts: float = 0.22  # share of the period it lasts (about eleven weeks of a year)
    short_rate: float = 0.12  # share of pick lines found short at its height
    usual_short_rate: float = 0.006  # everywhere else, any time: the normal count errors
    ramp_days: int = 10  # it builds up and clears over this many days


@dataclass(frozen=True)
class Carriers:
    late_one_day: float = 0.04
    late_more: float = 0.01
    damaged_line: float = 0.004
    lost_unit: float = 0.001  # a carton missing at delivery (short delivery)
    wrong_item: float = 0.001  # a picking slip-up found by the customer


# (field, least, most): a day to ten years; at least three SKUs per category, so every trade finds its range.
LIMITS = (("days", 1, 3660), ("customers", 1, 20_000), ("skus", 24, 100_000))


@dataclass(frozen=True)
class Scenario:
    days: int = 365
    seed: int = 7
    customers: int = 300  # external customers; three internal sites come on top
    skus: int = 2000
    start: date = date(2026, 1, 1)
    segments: dict[str, Segment] = field(default_factory=lambda: dict(SEGMENTS))
    internal: Segment = INTERNAL
    story: ReplenishmentProblem = ReplenishmentProblem()
    carriers: Carriers = Carriers()
    returns_rate: float = 0.006  # delivered lines sent back as not needed
    question_rate: float = 0.002  # delivered lines that bring a product question (no failure)
    dispute_rate: float = 0.02  # invoices disputed as wrongly priced

    @property
    def end(self) -> date:
        from datetime import timedelta
        return self.start + timedelta(days=self.days)

    def check(self) -> Scenario:
        """Refuse a size the simulator cannot run (each field named), before anything is written."""
        for name, low, high in LIMITS:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValidationFailed(f"invalid_{name}", f"{name}: {value} is out of range ({low} to {high})",
                                       field=name, minimum=low, maximum=high)
        return self

    def rng(self, stream: str) -> random.Random:
        """An independent, reproducible random stream per concern: adding draws to one never shifts another."""
        return random.Random(f"{self.seed}:{stream}")
