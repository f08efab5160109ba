"""Lead-time-based offers at quotation ("sell, make, buy", DOMAIN §2): a price that depends on the lead time chosen.

Each quote line has its standard promise (ATP-based delivery, or the requested date when later) at the standard
price. An offer rule proposes another date — a number of days from the standard promise, or from the customer's
service-package lead time — at a price adjusted by a percentage. An offer is made only when it is a real trade:

- its date is not earlier than the earliest delivery ATP allows (the line's delivery before any requested-date
  bound): no faster promise than the stock and receipts can keep;
- a premium buys an earlier date than the standard promise, a discount asks for a later one, and an offer at the
  standard price must at least change the date. Two rules giving the same date keep the first (by code).

A line that cannot be dated (back-ordered beyond the horizon) gets no offers.

The package: a line's package date is the quote date + the package's lead time. A requested date earlier than
that is flagged an expedite (the customer asks for more than its package promises); it is not surcharged, because
the same customer asking for no date would be promised the ATP date at the standard price anyway — the premium
lever for faster delivery is an offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .errors import ValidationFailed
from .pricing import CENT, MAX_AMOUNT, line_amount


class OfferBasis(StrEnum):
    PROMISE = "promise"  # days from the line's standard promise
    PACKAGE = "package"  # days from the quote date + the package lead time


MIN_ADJUSTMENT, MAX_ADJUSTMENT = Decimal("-90"), Decimal("500")
MAX_DAYS = 365


@dataclass(frozen=True)
class OfferRule:
    code: str
    name: str
    basis: OfferBasis
    days: int
    price_adjustment_pct: Decimal  # + premium, − discount
    active: bool = True


# A new database starts with these (data: the firm edits them).
DEFAULT_RULES = (
    OfferRule("EXPRESS", "Express: two days sooner", OfferBasis.PROMISE, -2, Decimal("10.00")),
    OfferRule("ECONOMY", "Economy: one week later", OfferBasis.PROMISE, 7, Decimal("-3.00")),
    OfferRule("PACKAGE", "At the service package lead time", OfferBasis.PACKAGE, 0, Decimal("-2.00")),
)


@dataclass(frozen=True)
class Offer:
    code: str
    name: str
    delivery_date: date
    price_adjustment_pct: Decimal
    unit_price: Decimal
    amount: Decimal


def check_rule(rule: OfferRule, field: str = "offer_rule") -> None:
    if not rule.code or not rule.code.replace("_", "").replace("-", "").isalnum() or rule.code != rule.code.upper():
        raise ValidationFailed("invalid_code", f"{field}.code: use capital letters, digits, '-' or '_'",
                               field=f"{field}.code")
    if rule.code == "STANDARD":
        raise ValidationFailed("reserved_code", f"{field}.code: 'STANDARD' names the quote's own promise",
                               field=f"{field}.code")
    if not -MAX_DAYS <= rule.days <= MAX_DAYS:
        raise ValidationFailed("days_out_of_range", f"{field}.days: must be between −{MAX_DAYS} and {MAX_DAYS}",
                               field=f"{field}.days")
    if not MIN_ADJUSTMENT <= rule.price_adjustment_pct <= MAX_ADJUSTMENT:
        raise ValidationFailed("adjustment_out_of_range", f"{field}.price_adjustment_pct: must be between "
                               f"{MIN_ADJUSTMENT} and {MAX_ADJUSTMENT}", field=f"{field}.price_adjustment_pct")
    if rule.basis is OfferBasis.PROMISE and rule.days == 0:
        raise ValidationFailed("offer_changes_nothing", f"{field}.days: an offer on the promise must move the date",
                               field=f"{field}.days")


def adjusted_price(unit_price: Decimal, pct: Decimal) -> Decimal:
    """Unit price × (1 + pct/100), half-up to the cent."""
    return (unit_price * (1 + pct / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def package_date(today: date, lead_time_days: int) -> date:
    return today + timedelta(days=lead_time_days)


def is_expedite(requested: date | None, package_day: date) -> bool:
    """The customer asks for delivery sooner than its service package promises."""
    return requested is not None and requested < package_day


def line_offers(rules: list[OfferRule], *, unit_price: Decimal, qty: int, standard: date | None,
                earliest: date | None, package_day: date) -> list[Offer]:
    """The offers of one line, in rule-code order (see the module doc for when an offer is made)."""
    if standard is None or earliest is None:
        return []
    out: list[Offer] = []
    seen: set[date] = {standard}
    for rule in sorted(rules, key=lambda r: r.code):
        if not rule.active:
            continue
        base = standard if rule.basis is OfferBasis.PROMISE else package_day
        when = base + timedelta(days=rule.days)
        pct = rule.price_adjustment_pct
        if when < earliest or when in seen:
            continue
        if (pct > 0 and when >= standard) or (pct < 0 and when <= standard):
            continue  # a premium for no gain, or a discount for no wait
        price = adjusted_price(unit_price, pct)
        amount = line_amount(price, qty)
        if amount > MAX_AMOUNT:
            continue
        seen.add(when)
        out.append(Offer(rule.code, rule.name, when, pct, price, amount))
    return out
