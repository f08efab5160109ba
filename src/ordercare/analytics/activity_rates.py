"""The activities of cost-to-serve, their cost drivers and rates (DOMAIN §6, activity-based costing).

An activity's **rate** is what one unit of its driver costs: an order entered by phone, a line picked, a
minute of case work. A rate is data: set directly, or derived the ABC way from a **cost pool** (what the
activity's resources cost in a period) divided by the **driver volume** of that period (how many orders,
lines, minutes they handled), and kept with both so the number can be traced. Order entry and quotes are
rated per channel (EDI and the portal cost less than the phone), case work per minute with minutes per case
by category and per case event as data. A missing qualifier falls back to the activity's default ('').
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from ..domain.cases import CaseCategory
from ..domain.errors import ValidationFailed
from ..domain.orders import Channel

RATE_PLACES = Decimal("0.0001")
MAX_RATE = Decimal(1000000)
MAX_MINUTES = Decimal(10000)


class Activity(StrEnum):
    QUOTE = "quote"
    ORDER_ENTRY = "order_entry"
    CREDIT_CHECK = "credit_check"
    EXPEDITE = "expedite"
    LINE_PICK = "line_pick"
    SHIPMENT = "shipment"
    FREIGHT = "freight"
    RETURN = "return"
    CASE_HANDLING = "case_handling"
    SERVICE_RECOVERY = "service_recovery"
    PAYMENT_DISCOUNT = "payment_discount"
    RECEIVABLES_CARRYING = "receivables_carrying"


@dataclass(frozen=True)
class ActivityDef:
    activity: Activity
    name: str
    driver: str  # what is counted
    unit: str  # what the rate is per
    qualified_by: str | None = None  # "channel": one rate per channel


A = Activity
ACTIVITIES: tuple[ActivityDef, ...] = (
    ActivityDef(A.QUOTE, "Inquiry / quote", "quotes created in the period", "per quote", "channel"),
    ActivityDef(A.ORDER_ENTRY, "Order entry", "orders placed in the period", "per order", "channel"),
    ActivityDef(A.CREDIT_CHECK, "Credit check", "orders put on credit hold (reviewed by finance) in the period",
                "per order reviewed"),
    ActivityDef(A.EXPEDITE, "Expedite", "orders placed in the period asking for a date earlier than the "
                "package lead time allows (or quoted as expedite)", "per expedited order"),
    ActivityDef(A.LINE_PICK, "Picking", "shipment lines shipped in the period", "per line picked"),
    ActivityDef(A.SHIPMENT, "Shipment handling", "shipments shipped in the period", "per shipment"),
    ActivityDef(A.FREIGHT, "Freight", "the actual freight of those shipments (rate shopping's cost)",
                "factor on the freight (1 = at cost)"),
    ActivityDef(A.RETURN, "Returns processed", "returns received in the period", "per return"),
    ActivityDef(A.CASE_HANDLING, "Case handling", "minutes of case work on the cases opened in the period "
                "(minutes per case by category + minutes per case event)", "per minute"),
    ActivityDef(A.SERVICE_RECOVERY, "Service recovery", "the recovery cost recorded on those cases",
                "factor on the cost (1 = at cost)"),
    ActivityDef(A.PAYMENT_DISCOUNT, "Early-payment discount", "discount taken on payments applied in the period",
                "factor on the discount (1 = at cost)"),
    ActivityDef(A.RECEIVABLES_CARRYING, "Days outstanding", "money-days the customer's invoices were open "
                "within the period", "cost of capital per year (0.08 = 8 %)"),
)
BY_CODE = {d.activity.value: d for d in ACTIVITIES}
CHANNELS = tuple(c.value for c in Channel)
CATEGORIES = tuple(c.value for c in CaseCategory)


@dataclass(frozen=True)
class Rate:
    activity: str
    qualifier: str  # a channel for quote and order entry; '' = the activity's default
    rate: Decimal
    pool_cost: Decimal | None = None  # where the rate came from: the cost pool …
    driver_volume: Decimal | None = None  # … and the driver volume it was divided by


@dataclass(frozen=True)
class CaseMinutes:
    kind: str  # category | event
    code: str  # the case category or the case event kind; '' = any other
    minutes: Decimal


def _number(value, field: str) -> Decimal:
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed("invalid_number", f"{field}: not a number", field=field, value=str(value)) from None
    if not d.is_finite():
        raise ValidationFailed("invalid_number", f"{field}: not a number", field=field, value=str(value))
    return d


def _bounded(value, field: str, hi: Decimal) -> Decimal:
    d = _number(value, field)
    if d < 0:
        raise ValidationFailed("negative_rate", f"{field}: must not be negative", field=field, value=str(d))
    if d > hi:
        raise ValidationFailed("out_of_range", f"{field}: at most {hi}", field=field, value=str(d))
    return d


def rate_from_pool(pool_cost, driver_volume, field: str = "rate") -> Decimal:
    """ABC: the cost of the activity's resources in a period ÷ the driver volume they handled, to 4 decimals."""
    pool = _bounded(pool_cost, f"{field}.pool_cost", MAX_RATE * 1000)
    volume = _number(driver_volume, f"{field}.driver_volume")
    if volume <= 0:
        raise ValidationFailed("invalid_driver_volume", f"{field}.driver_volume: must be above zero",
                               field=f"{field}.driver_volume", value=str(volume))
    return (pool / volume).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def check_rate(activity: str, qualifier: str, *, rate=None, pool_cost=None, driver_volume=None,
               field: str = "rates[0]") -> Rate:
    """A rate given directly, or derived from a cost pool and its driver volume (not both); never negative."""
    d = BY_CODE.get(activity)
    if d is None:
        raise ValidationFailed("unknown_activity", f"activity: '{activity}' is not one of {', '.join(BY_CODE)}",
                               field="activity", allowed=list(BY_CODE))
    qualifier = qualifier or ""
    if qualifier and (d.qualified_by != "channel" or qualifier not in CHANNELS):
        allowed = CHANNELS if d.qualified_by == "channel" else ()
        raise ValidationFailed("unknown_qualifier", f"{field}.qualifier: '{qualifier}' is not "
                               + (f"one of {', '.join(allowed)}" if allowed else f"used by {activity} (leave it empty)"),
                               field=f"{field}.qualifier", allowed=list(allowed))
    given_pool = pool_cost is not None or driver_volume is not None
    if given_pool and rate is not None:
        raise ValidationFailed("conflicting_rate", f"{field}.rate: give a rate or a cost pool with its driver "
                               "volume, not both", field=f"{field}.rate")
    if given_pool:
        if pool_cost is None or driver_volume is None:
            missing = "pool_cost" if pool_cost is None else "driver_volume"
            raise ValidationFailed("missing_field", f"{field}.{missing}: required with a cost pool",
                                   field=f"{field}.{missing}")
        value = rate_from_pool(pool_cost, driver_volume, field)
        return Rate(activity, qualifier, value, _number(pool_cost, f"{field}.pool_cost"),
                    _number(driver_volume, f"{field}.driver_volume"))
    if rate is None:
        raise ValidationFailed("missing_field", f"{field}.rate: required (or a pool_cost and driver_volume)",
                               field=f"{field}.rate")
    value = _bounded(rate, f"{field}.rate", MAX_RATE)
    if value != value.quantize(RATE_PLACES):
        raise ValidationFailed("too_precise", f"{field}.rate: at most 4 decimals", field=f"{field}.rate")
    return Rate(activity, qualifier, value)


def check_minutes(kind: str, code: str, minutes, field: str = "minutes[0]") -> CaseMinutes:
    if kind not in ("category", "event"):
        raise ValidationFailed("unknown_kind", f"{field}.kind: 'category' or 'event'", field=f"{field}.kind")
    code = code or ""
    if kind == "category" and code and code not in CATEGORIES:
        raise ValidationFailed("unknown_category", f"{field}.code: '{code}' is not one of {', '.join(CATEGORIES)}",
                               field=f"{field}.code", allowed=list(CATEGORIES))
    value = _bounded(minutes, f"{field}.minutes", MAX_MINUTES)
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("too_precise", f"{field}.minutes: at most 2 decimals", field=f"{field}.minutes")
    return CaseMinutes(kind, code, value)


class RateBook:
    """Rates and case minutes as looked up by the costing: a qualifier without its own rate takes the default."""

    def __init__(self, rates: list[Rate] | tuple[Rate, ...], minutes: list[CaseMinutes] | tuple[CaseMinutes, ...]):
        self._rates = {(r.activity, r.qualifier): r.rate for r in rates}
        self._minutes = {(m.kind, m.code): m.minutes for m in minutes}

    def rate(self, activity: str, qualifier: str = "") -> Decimal:
        got = self._rates.get((activity, qualifier))
        return got if got is not None else self._rates.get((activity, ""), Decimal(0))

    def minutes(self, kind: str, code: str) -> Decimal:
        got = self._minutes.get((kind, code))
        return got if got is not None else self._minutes.get((kind, ""), Decimal(0))


D = Decimal
# A firm's starting point, to be replaced by its own cost pools (docs/cost-to-serve.md shows how).
DEFAULT_RATES: tuple[Rate, ...] = (
    Rate("quote", "", D("8.00")), Rate("quote", "phone", D("12.00")), Rate("quote", "desk", D("12.00")),
    Rate("quote", "web", D("2.00")), Rate("quote", "portal", D("2.00")), Rate("quote", "api", D("0.50")),
    Rate("quote", "edi", D("0.50")), Rate("quote", "file", D("1.00")),
    Rate("order_entry", "", D("10.00")), Rate("order_entry", "phone", D("15.00")),
    Rate("order_entry", "desk", D("15.00")), Rate("order_entry", "web", D("3.00")),
    Rate("order_entry", "portal", D("3.00")), Rate("order_entry", "api", D("1.00")),
    Rate("order_entry", "file", D("2.00")), Rate("order_entry", "edi", D("0.50")),
    Rate("credit_check", "", D("20.00")), Rate("expedite", "", D("25.00")), Rate("line_pick", "", D("1.20")),
    Rate("shipment", "", D("8.00")), Rate("freight", "", D("1")), Rate("return", "", D("30.00")),
    Rate("case_handling", "", D("0.75")), Rate("service_recovery", "", D("1")),
    Rate("payment_discount", "", D("1")), Rate("receivables_carrying", "", D("0.08")),
)
DEFAULT_MINUTES: tuple[CaseMinutes, ...] = (
    CaseMinutes("category", "", D("15")), CaseMinutes("category", "late_delivery", D("20")),
    CaseMinutes("category", "damaged_goods", D("35")), CaseMinutes("category", "wrong_item", D("30")),
    CaseMinutes("category", "short_shipment", D("25")), CaseMinutes("category", "billing_error", D("30")),
    CaseMinutes("category", "product_question", D("10")), CaseMinutes("category", "technical_support", D("45")),
    CaseMinutes("category", "installation", D("40")), CaseMinutes("category", "return_request", D("15")),
    CaseMinutes("event", "", D("0")), CaseMinutes("event", "note", D("5")),
    CaseMinutes("event", "customer_note", D("5")), CaseMinutes("event", "escalated", D("15")),
    CaseMinutes("event", "recovery", D("10")), CaseMinutes("event", "root_cause", D("10")),
)
