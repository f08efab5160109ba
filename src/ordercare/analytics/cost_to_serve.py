"""Cost-to-serve and customer profit (DOMAIN §6): one customer's activity volumes in a period, priced with the
rates of analytics/activity_rates.py, against its net sales value.

    net sales value = gross sales (at list price) − price discounts + freight charged − returns and credits
                      − cost of goods
    cost-to-serve   = Σ over activities of driver volume × rate
    customer profit = net sales value − cost-to-serve

Every activity's cost is rounded half-up to the cent; cost-to-serve is the sum of the rounded activities. The
volumes come from the records, set-based (store/costing_queries.py); this module only prices them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .activity_rates import Activity, RateBook

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAYS_PER_YEAR = Decimal(365)
A = Activity


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Drivers:
    """What one customer made the firm do in a period (docs/cost-to-serve.md says which records count)."""

    quotes: dict[str, int] = field(default_factory=dict)  # by channel
    orders: dict[str, int] = field(default_factory=dict)  # by channel
    credit_checks: int = 0
    expedites: int = 0
    lines_picked: int = 0
    shipments: int = 0
    freight: Decimal = ZERO
    returns: int = 0
    cases: dict[str, int] = field(default_factory=dict)  # by category
    case_events: dict[str, int] = field(default_factory=dict)  # by event kind
    recovery_cost: Decimal = ZERO
    discount_taken: Decimal = ZERO
    money_days: Decimal = ZERO  # Σ amount open × days, within the period
    # The shape of the ordering, for the what-if and the recommendations.
    order_lines: int = 0
    distinct_skus: int = 0
    order_value: Decimal = ZERO  # orders placed in the period, at their prices

    @property
    def order_count(self) -> int:
        return sum(self.orders.values())

    def is_empty(self) -> bool:
        return self == Drivers()


@dataclass(frozen=True)
class NetSales:
    gross_sales: Decimal = ZERO  # units shipped in the period × list price
    price_discounts: Decimal = ZERO  # list price − the order's price (negative: a premium, e.g. an express offer)
    freight_charged: Decimal = ZERO  # freight lines invoiced in the period
    credits: Decimal = ZERO  # credit notes of the period (returns, price corrections; a case's are recovery)
    cost_of_goods: Decimal = ZERO  # units shipped × unit cost, less units returned to stock

    @property
    def revenue(self) -> Decimal:
        return self.gross_sales - self.price_discounts + self.freight_charged - self.credits

    @property
    def net_sales_value(self) -> Decimal:
        return self.revenue - self.cost_of_goods

    def as_dict(self) -> dict[str, Decimal]:
        return {"gross_sales": self.gross_sales, "price_discounts": self.price_discounts,
                "freight_charged": self.freight_charged, "returns_and_credits": self.credits,
                "revenue": self.revenue, "cost_of_goods": self.cost_of_goods,
                "net_sales_value": self.net_sales_value}


@dataclass(frozen=True)
class ActivityCost:
    activity: str
    volume: Decimal  # driver volume (orders, lines, minutes, money, money-days)
    cost: Decimal
    detail: tuple[dict[str, Any], ...] = ()  # per channel / category / event kind
    rate: Decimal | None = None  # one rate for the whole volume (None: per qualifier, see detail)


def _per(activity: str, counts: dict[str, int], book: RateBook) -> ActivityCost:
    detail = tuple({"qualifier": q, "volume": n, "rate": book.rate(activity, q),
                    "cost": cents(n * book.rate(activity, q))} for q, n in sorted(counts.items()) if n)
    return ActivityCost(activity, Decimal(sum(counts.values())), sum((d["cost"] for d in detail), ZERO), detail)


def _flat(activity: str, volume, book: RateBook) -> ActivityCost:
    v, rate = Decimal(volume), book.rate(activity)
    return ActivityCost(activity, v, cents(v * rate), rate=rate)


def _case_handling(d: Drivers, book: RateBook) -> ActivityCost:
    per_minute = book.rate(A.CASE_HANDLING)
    detail = []
    for kind, counts in (("category", d.cases), ("event", d.case_events)):
        for code, n in sorted(counts.items()):
            minutes = book.minutes(kind, code)
            if n and minutes:
                detail.append({"qualifier": f"{kind}:{code}", "volume": n, "minutes_each": minutes,
                               "minutes": n * minutes})
    total = sum((x["minutes"] for x in detail), Decimal(0))
    return ActivityCost(A.CASE_HANDLING, total, cents(total * per_minute), tuple(detail), per_minute)


def activity_costs(d: Drivers, book: RateBook) -> list[ActivityCost]:
    """Every activity in the order of ACTIVITIES, zero ones included (a table reads the same for everyone)."""
    capital = book.rate(A.RECEIVABLES_CARRYING)  # per year
    return [
        _per(A.QUOTE, d.quotes, book),
        _per(A.ORDER_ENTRY, d.orders, book),
        _flat(A.CREDIT_CHECK, d.credit_checks, book),
        _flat(A.EXPEDITE, d.expedites, book),
        _flat(A.LINE_PICK, d.lines_picked, book),
        _flat(A.SHIPMENT, d.shipments, book),
        _flat(A.FREIGHT, d.freight, book),
        _flat(A.RETURN, d.returns, book),
        _case_handling(d, book),
        _flat(A.SERVICE_RECOVERY, d.recovery_cost, book),
        _flat(A.PAYMENT_DISCOUNT, d.discount_taken, book),
        ActivityCost(A.RECEIVABLES_CARRYING, d.money_days, cents(d.money_days * capital / DAYS_PER_YEAR),
                     rate=capital),
    ]


def ratio(num: Decimal, den: Decimal, places: str = "0.0001") -> Decimal | None:
    """num ÷ den to 4 decimals; None ("n/a") with nothing to divide by."""
    return None if not den else (num / den).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CustomerCost:
    drivers: Drivers
    sales: NetSales
    activities: tuple[ActivityCost, ...]

    @property
    def cost_to_serve(self) -> Decimal:
        return sum((a.cost for a in self.activities), ZERO)

    @property
    def profit(self) -> Decimal:
        return self.sales.net_sales_value - self.cost_to_serve

    def cost_of(self, activity: str) -> Decimal:
        return next(a.cost for a in self.activities if a.activity == activity)

    def measures(self) -> dict[str, Any]:
        """The figures per order and per unit of sales that make customers comparable (None: n/a)."""
        orders = Decimal(self.drivers.order_count)
        return {"orders": self.drivers.order_count,
                "cost_per_order": ratio(self.cost_to_serve, orders, "0.01"),
                "average_order_value": ratio(self.drivers.order_value, orders, "0.01"),
                "cost_to_serve_pct_of_revenue": ratio(self.cost_to_serve * 100, self.sales.revenue, "0.01"),
                "profit_pct_of_revenue": ratio(self.profit * 100, self.sales.revenue, "0.01")}


def price(d: Drivers, sales: NetSales, book: RateBook) -> CustomerCost:
    return CustomerCost(d, sales, tuple(activity_costs(d, book)))


def with_drivers(c: CustomerCost, d: Drivers, book: RateBook) -> CustomerCost:
    """The same customer and sales with other volumes (the what-if), priced with the same rates."""
    return replace(c, drivers=d, activities=tuple(activity_costs(d, book)))
