"""What-if: the same customer buying the same goods in another pattern — another channel, fewer or more orders
(a frequency, a number of orders, or an average order value) — priced with the same rates.

The goods, the sales and everything not driven by the ordering pattern stay as they were (returns, cases,
payments). With N orders instead of n (n > 0):

    order entry and quotes  N orders through the scenario's channel (quotes: same count, that channel)
    lines ordered            max(N, min(lines, N × distinct SKUs)): a consolidated order carries each SKU once
    lines picked             scale with the lines ordered
    shipments, credit checks and expedites   scale with the orders (rounded half-up); "no expedites" drops them
    freight                  unchanged: the same weight goes to the same places (conservative — consolidated
                             shipments usually cost less per kg, so the real saving is at least the estimate)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from ..domain.errors import ValidationFailed
from .activity_rates import CHANNELS, RateBook
from .cost_to_serve import CustomerCost, with_drivers

FREQUENCIES = {"daily": 1, "weekly": 7, "biweekly": 14, "monthly": Decimal("30.4375")}  # days between orders
MAX_ORDERS = 100_000


@dataclass(frozen=True)
class Scenario:
    channel: str | None = None
    frequency: str | None = None  # daily | weekly | biweekly | monthly
    orders: int | None = None
    order_value: Decimal | None = None  # average order value
    expedites: bool = True  # False: no expedites any more

    def check(self) -> Scenario:
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValidationFailed("unknown_channel", f"channel: '{self.channel}' is not one of {', '.join(CHANNELS)}",
                                   field="channel", allowed=list(CHANNELS))
        given = [n for n, v in (("frequency", self.frequency), ("orders", self.orders),
                                ("order_value", self.order_value)) if v is not None]
        if len(given) > 1:
            raise ValidationFailed("conflicting_scenario", f"{given[1]}: give one of frequency, orders or "
                                   "order_value", field=given[1])
        if self.frequency is not None and self.frequency not in FREQUENCIES:
            raise ValidationFailed("unknown_frequency", f"frequency: one of {', '.join(FREQUENCIES)}",
                                   field="frequency", allowed=list(FREQUENCIES))
        if self.orders is not None and not 1 <= self.orders <= MAX_ORDERS:
            raise ValidationFailed("out_of_range", f"orders: between 1 and {MAX_ORDERS}", field="orders")
        if self.order_value is not None and not (self.order_value.is_finite() and self.order_value > 0):
            raise ValidationFailed("out_of_range", "order_value: must be above zero", field="order_value")
        return self


def orders_for(s: Scenario, c: CustomerCost, days: int | None) -> int:
    """How many orders the scenario means in the period."""
    d = c.drivers
    if s.orders is not None:
        return s.orders
    if s.frequency is not None:
        if days is None:
            raise ValueError("a frequency needs the period's days")
        return max(1, int((Decimal(days) / Decimal(FREQUENCIES[s.frequency])).to_integral_value(ROUND_HALF_UP)))
    if s.order_value is not None:
        return max(1, min(MAX_ORDERS, int((d.order_value / s.order_value).to_integral_value(ROUND_CEILING))))
    return d.order_count


def _scaled(value: int, new: int, old: int) -> int:
    return int((Decimal(value) * new / old).to_integral_value(ROUND_HALF_UP))


def what_if(c: CustomerCost, book: RateBook, s: Scenario, *, days: int | None) -> CustomerCost:
    """The customer's cost under the scenario. Needs orders in the period to learn the pattern from."""
    d = c.drivers
    n = d.order_count
    if n == 0:
        raise ValidationFailed("no_orders_in_period", "customer: no orders in the period to base a what-if on",
                               field="customer")
    new = orders_for(s, c, days)
    lines = max(new, min(d.order_lines, new * max(d.distinct_skus, 1)))
    channel = s.channel
    orders = {channel: new} if channel else _spread(d.orders, new)
    quotes = {channel: sum(d.quotes.values())} if channel and d.quotes else dict(d.quotes)
    scenario = replace(
        d, orders=orders, quotes={k: v for k, v in quotes.items() if v},
        order_lines=lines, lines_picked=_scaled(d.lines_picked, lines, d.order_lines) if d.order_lines else 0,
        shipments=_scaled(d.shipments, new, n), credit_checks=_scaled(d.credit_checks, new, n),
        expedites=_scaled(d.expedites, new, n) if s.expedites else 0)
    return with_drivers(c, scenario, book)


def _spread(by_channel: dict[str, int], new: int) -> dict[str, int]:
    """N orders over the channels in today's proportions (largest remainder, ties by channel name)."""
    total = sum(by_channel.values())
    shares = {ch: Decimal(k) * new / total for ch, k in by_channel.items()}
    out = {ch: math.floor(v) for ch, v in shares.items()}
    rest = new - sum(out.values())
    for ch in sorted(shares, key=lambda ch: (-(shares[ch] - out[ch]), ch))[:rest]:
        out[ch] += 1
    return {ch: k for ch, k in out.items() if k}
