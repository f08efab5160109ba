"""Invoice arithmetic and invoicing cycles.

Rounding rule (docs/billing.md): prices are whole cents, so a line's net amount (qty × unit price) is exact.
Tax is computed once per tax rate on the document: the sum of the net amounts at that rate times the rate,
rounded half-up to the cent. Total = net + tax. Rounding per rate rather than per line keeps a hundred
one-cent lines from drifting away from what the rate says.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .errors import ValidationFailed
from .payment_terms import ZERO, cents
from .pricing import MAX_AMOUNT


class Invoicing(StrEnum):
    PER_SHIPMENT = "per_shipment"  # an invoice as each shipment leaves
    WEEKLY = "weekly"  # one invoice per customer for the shipments of a week (Monday to Sunday)
    MONTHLY = "monthly"  # one per calendar month


@dataclass(frozen=True)
class TaxGroup:
    rate: Decimal  # percent
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    groups: tuple[TaxGroup, ...]


def totals(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """(net amount, tax rate %) per line -> net, tax and total, with the tax per rate."""
    by_rate: dict[Decimal, Decimal] = {}
    for net, rate in lines:
        key = Decimal(rate).quantize(Decimal("0.01"))
        by_rate[key] = by_rate.get(key, ZERO) + net
    groups = tuple(TaxGroup(rate, net, cents(net * rate / 100)) for rate, net in sorted(by_rate.items()))
    net = sum((g.net for g in groups), ZERO)
    tax = sum((g.tax for g in groups), ZERO)
    return Totals(net, tax, net + tax, groups)


def check_rate(rate: Decimal, field: str) -> Decimal:
    if not rate.is_finite() or rate < 0 or rate >= 100 or rate != rate.quantize(Decimal("0.01")):
        raise ValidationFailed("invalid_tax_rate", f"{field}: a tax rate is a percentage from 0 to 99.99, "
                               "at most two decimals", field=field)
    return rate


def check_amount(amount: Decimal, field: str, *, allow_zero: bool = False) -> Decimal:
    """Money as the columns hold it: at most two decimals, positive (or zero), within the column's range."""
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("invalid_amount", f"{field}: an amount has at most two decimals", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed("invalid_amount", f"{field}: must be {'zero or ' if allow_zero else ''}positive, "
                               f"got {amount}", field=field, amount=str(amount))
    if amount > MAX_AMOUNT:
        raise ValidationFailed("invalid_amount", f"{field}: exceeds the maximum of {MAX_AMOUNT}", field=field)
    return amount


def period_of(day: date, cycle: Invoicing) -> tuple[date, date]:
    """The invoicing period a shipping day falls in: its week (Monday to Sunday) or its calendar month."""
    if cycle is Invoicing.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if cycle is Invoicing.MONTHLY:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day, day


def closed_through(through: date, cycle: Invoicing) -> date:
    """The last shipping day whose period has ended by `through` (inclusive).

    A run "through 15 April" invoices monthly customers up to 31 March and weekly customers up to the
    last Sunday on or before 15 April; per-shipment customers up to 15 April itself.
    """
    start, end = period_of(through, cycle)
    return through if end == through else start - timedelta(days=1)


def _number(prefix: str, n: int) -> str:
    return f"{prefix}-{n:07d}"


def _parse(prefix: str, ref: str) -> int | None:
    text = ref.strip().upper()
    if text.startswith(prefix + "-"):
        text = text[len(prefix) + 1:]
    # isascii: str.isdigit() also accepts "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 and int(text) > 0 else None


def invoice_number(n: int) -> str:
    return _number("INV", n)


def credit_note_number(n: int) -> str:
    return _number("CN", n)


def payment_number(n: int) -> str:
    return _number("PAY", n)


def refund_number(n: int) -> str:
    return _number("RF", n)


def parse_invoice_number(ref: str) -> int | None:
    """'INV-0000042', 'inv-42' or '42'; None if it is neither."""
    return _parse("INV", ref)


def parse_credit_note_number(ref: str) -> int | None:
    return _parse("CN", ref)


def parse_payment_number(ref: str) -> int | None:
    return _parse("PAY", ref)
