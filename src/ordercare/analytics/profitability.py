"""Profitability segments (DOMAIN §6): net sales value against cost-to-serve, four zones, and what to do.

    high value = net sales value ≥ the value threshold      high cost = cost-to-serve > the cost threshold

| zone | value | cost |
|---|---|---|
| Protect | high | low |
| Build | low | low |
| Cost Engineer | high | high |
| Danger Zone | low | high |

Thresholds default to the medians of the period's customers (those with any sales or activity). **Ties at a
threshold favour the customer**: exactly at the value threshold counts as high value, exactly at the cost
threshold as low cost — so a customer on both medians is in Protect, and a customer is never put in the
Danger Zone by a tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .activity_rates import Activity, RateBook
from .cost_to_serve import ZERO, CustomerCost, cents


class Zone(StrEnum):
    PROTECT = "protect"
    BUILD = "build"
    COST_ENGINEER = "cost_engineer"
    DANGER_ZONE = "danger_zone"


ZONE_NAMES = {Zone.PROTECT: "Protect", Zone.BUILD: "Build", Zone.COST_ENGINEER: "Cost Engineer",
              Zone.DANGER_ZONE: "Danger Zone"}
ZONE_ACTIONS = {
    Zone.PROTECT: "Protect: keep the package and the relationship; watch that the cost to serve stays low.",
    Zone.BUILD: "Build: grow sales (more of the range, volume or lead-time offers) while keeping the low cost "
                "to serve.",
    Zone.COST_ENGINEER: "Cost Engineer: reduce the cost to serve (channel, order size and frequency, expedites, "
                        "service failures) without losing the sales.",
    Zone.DANGER_ZONE: "Danger Zone: change how the customer interacts (channel, order size, frequency), charge "
                      "the real cost (small-order or expedite fees), or move the customer to another channel.",
}


@dataclass(frozen=True)
class Thresholds:
    value: Decimal | None  # None: no customers, nothing to compare
    cost: Decimal | None
    value_source: str  # median | configured | given
    cost_source: str


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count), to the cent; None for none."""
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    mid = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return cents(mid)


def thresholds_for(values: Sequence[Decimal], costs: Sequence[Decimal], *, value: Decimal | None = None,
                   cost: Decimal | None = None, value_source: str = "given", cost_source: str = "given") -> Thresholds:
    return Thresholds(value if value is not None else median(values), cost if cost is not None else median(costs),
                      value_source if value is not None else "median", cost_source if cost is not None else "median")


def zone_of(value: Decimal, cost: Decimal, th: Thresholds) -> Zone | None:
    if th.value is None or th.cost is None:
        return None
    high_value, high_cost = value >= th.value, cost > th.cost
    if high_value:
        return Zone.COST_ENGINEER if high_cost else Zone.PROTECT
    return Zone.DANGER_ZONE if high_cost else Zone.BUILD


def movement(previous: Zone | None, now: Zone | None) -> str:
    """new | gone | same | improved | worsened | sideways (Build ↔ Cost Engineer)."""
    if previous is None:
        return "new" if now is not None else "same"
    if now is None:
        return "gone"
    if previous == now:
        return "same"
    if now is Zone.PROTECT or previous is Zone.DANGER_ZONE:
        return "improved"
    if previous is Zone.PROTECT or now is Zone.DANGER_ZONE:
        return "worsened"
    return "sideways"


def cheapest_channel(book: RateBook, activity: str, channels: Sequence[str]) -> str:
    return min(channels, key=lambda ch: (book.rate(activity, ch), ch))


def recommendations(zone: Zone | None, c: CustomerCost, book: RateBook, *, weekly_orders: int,
                    target_channels: Sequence[str] = ("portal", "edi")) -> list[dict[str, Any]]:
    """The zone's action first, then the specific levers this customer's activities show, each with what it
    would save or recover in the period at today's rates (estimate, None where it cannot be priced)."""
    if zone is None:
        return []
    out: list[dict[str, Any]] = [{"code": f"zone_{zone.value}", "action": ZONE_ACTIONS[zone], "estimate": None}]
    if zone not in (Zone.DANGER_ZONE, Zone.COST_ENGINEER):
        return out
    d = c.drivers
    target = cheapest_channel(book, Activity.ORDER_ENTRY, target_channels)
    to_rate = book.rate(Activity.ORDER_ENTRY, target)
    saving = sum((n * (book.rate(Activity.ORDER_ENTRY, ch) - to_rate) for ch, n in d.orders.items()
                  if book.rate(Activity.ORDER_ENTRY, ch) > to_rate), ZERO)
    if saving > 0:
        out.append({"code": "move_channel", "estimate": cents(saving),
                    "action": f"Move ordering to {target}: order entry costs {to_rate} there per order."})
    if d.order_count > weekly_orders > 0:
        from .what_if import Scenario, what_if
        weekly = what_if(c, book, Scenario(orders=weekly_orders), days=None)
        out.append({"code": "order_less_often", "estimate": cents(c.cost_to_serve - weekly.cost_to_serve),
                    "action": f"Consolidate to weekly ordering ({weekly_orders} orders instead of {d.order_count})."})
    per_order = _handling_per_order(c)
    avg_value = d.order_value / d.order_count if d.order_count else None
    if per_order is not None and avg_value is not None and per_order * 10 > avg_value:
        out.append({"code": "small_order_fee", "estimate": cents(per_order * d.order_count),
                    "action": f"Charge a small-order fee or set a minimum order: handling costs {cents(per_order)} "
                              f"per order against an average order of {cents(avg_value)}."})
    if d.expedites:
        fee = book.rate(Activity.EXPEDITE)
        out.append({"code": "expedite_fee", "estimate": cents(fee * d.expedites),
                    "action": f"Charge the expedite cost ({fee} per expedited order, {d.expedites} this period)."})
    cts = c.cost_to_serve
    failures = c.cost_of(Activity.CASE_HANDLING) + c.cost_of(Activity.SERVICE_RECOVERY) + c.cost_of(Activity.RETURN)
    if cts > 0 and failures * 5 > cts:
        out.append({"code": "reduce_failures", "estimate": cents(failures),
                    "action": "Remove the causes of cases and returns (see the root-cause Pareto)."})
    money = c.cost_of(Activity.PAYMENT_DISCOUNT) + c.cost_of(Activity.RECEIVABLES_CARRYING)
    if cts > 0 and money * 5 > cts:
        out.append({"code": "payment_terms", "estimate": cents(money),
                    "action": "Review the payment terms and chase overdue invoices: discounts and days outstanding "
                              "are a fifth or more of the cost to serve."})
    return out


def _handling_per_order(c: CustomerCost) -> Decimal | None:
    """Order entry, picking, shipment handling and freight per order: what a small order costs whatever it holds."""
    n = c.drivers.order_count
    if not n:
        return None
    handling = sum((c.cost_of(a) for a in (Activity.ORDER_ENTRY, Activity.LINE_PICK, Activity.SHIPMENT,
                                           Activity.FREIGHT)), ZERO)
    return handling / n
