"""Credit notes: what a credit line is, where a credit comes from, and what makes one valid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .errors import ValidationFailed
from .invoicing import check_amount, check_rate


class CreditSource(StrEnum):
    RETURN = "return"  # goods came back
    PRICE_CORRECTION = "price_correction"  # billed above the agreed price
    SERVICE_RECOVERY = "service_recovery"  # goodwill after a service failure (DOMAIN §7)
    MANUAL = "manual"  # finance's own correction
    CASE = "case"  # the resolution of a complaint case


@dataclass(frozen=True)
class CreditLine:
    """One line of a credit note. `amount` is the net amount credited (before tax); tax is added at
    `tax_rate` (percent), or, when None, at the rate the credited order line was invoiced at."""

    description: str
    amount: Decimal
    qty: int | None = None
    order_line_id: int | None = None
    tax_rate: Decimal | None = None


MAX_LINES = 500


def check_credit_request(*, reason: str, source: str, lines: list[CreditLine]) -> CreditSource:
    """Everything that can be said about a credit note without the database; returns the source."""
    if source not in {s.value for s in CreditSource}:
        raise ValidationFailed("unknown_source", f"source: '{source}' is not one of "
                               f"{[s.value for s in CreditSource]}", field="source")
    if not reason or not reason.strip():
        raise ValidationFailed("reason_required", "reason: say why the customer is credited", field="reason")
    if len(reason) > 500:
        raise ValidationFailed("reason_too_long", "reason: at most 500 characters", field="reason")
    if not lines:
        raise ValidationFailed("no_lines", "lines: a credit note needs at least one line", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed("too_many_lines", f"lines: at most {MAX_LINES}", field="lines")
    for i, ln in enumerate(lines):
        if not ln.description or not ln.description.strip() or len(ln.description) > 300:
            raise ValidationFailed("invalid_description", f"lines[{i}].description: 1 to 300 characters",
                                   field=f"lines[{i}].description")
        check_amount(Decimal(ln.amount), f"lines[{i}].amount")
        if ln.qty is not None and (isinstance(ln.qty, bool) or not isinstance(ln.qty, int) or ln.qty <= 0):
            raise ValidationFailed("invalid_quantity", f"lines[{i}].qty: must be a positive whole number",
                                   field=f"lines[{i}].qty")
        if ln.tax_rate is not None:
            check_rate(Decimal(ln.tax_rate), f"lines[{i}].tax_rate")
    return CreditSource(source)
