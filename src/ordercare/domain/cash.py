"""Cash application: which open invoices a payment (or a credit) settles, and by how much.

Without instructions, cash goes to the customer's open invoices oldest due date first (then oldest
invoice); with instructions, exactly where it is told, and never more than the payment holds or an
invoice needs. Whatever is left is unapplied cash: customer credit, visible and usable later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .errors import ValidationFailed
from .invoicing import check_amount
from .payment_terms import ZERO, Settlement, settle


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CHEQUE = "cheque"
    CASH = "cash"


@dataclass(frozen=True)
class OpenItem:
    invoice_id: int
    number: str
    issued_on: date
    due_on: date
    open_amount: Decimal
    discount_base: Decimal  # the total less the credit notes applied to it
    discount_pct: Decimal
    discount_until: date | None
    currency: str = ""


@dataclass(frozen=True)
class Allocation:
    """An instruction: put this much cash against this invoice (the discount, if due, comes on top)."""

    invoice_id: int
    amount: Decimal


@dataclass(frozen=True)
class Applied:
    invoice_id: int
    settlement: Settlement


def oldest_first(items: list[OpenItem]) -> list[OpenItem]:
    return sorted(items, key=lambda i: (i.due_on, i.issued_on, i.invoice_id))


def settles_in_full(item: OpenItem, paid_on: date) -> Settlement:
    """The cash that settles the invoice completely if received on `paid_on`, and the discount it earns then."""
    return settle(open_amount=item.open_amount, discount_base=item.discount_base, discount_pct=item.discount_pct,
                  discount_until=item.discount_until, paid_on=paid_on, offered=item.open_amount)


def plan_auto(offered: Decimal, items: list[OpenItem], paid_on: date, *, with_discount: bool = True) -> list[Applied]:
    """Spread `offered` over the items, oldest due first. Credit notes pass with_discount=False."""
    out, left = [], offered
    for item in oldest_first(items):
        if left <= 0:
            break
        s = settle(open_amount=item.open_amount, discount_base=item.discount_base,
                   discount_pct=item.discount_pct if with_discount else ZERO, discount_until=item.discount_until,
                   paid_on=paid_on, offered=left)
        if s.settled > 0:
            out.append(Applied(item.invoice_id, s))
            left -= s.cash
    return out


def plan_explicit(offered: Decimal, items: dict[int, OpenItem], allocations: list[Allocation], paid_on: date, *,
                  with_discount: bool = True, field: str = "allocations") -> list[Applied]:
    """Apply exactly as instructed, or refuse the whole instruction with the line at fault.

    `items` holds the customer's open items by invoice id; an invoice that is not there (another
    customer's, cancelled, paid) is refused by the caller before this, with the right code.
    """
    seen: set[int] = set()
    total = ZERO
    out = []
    for i, a in enumerate(allocations):
        f = f"{field}[{i}]"
        check_amount(Decimal(a.amount), f"{f}.amount")
        if a.invoice_id in seen:
            raise ValidationFailed("duplicate_invoice", f"{f}.invoice: the invoice is named twice",
                                   field=f"{f}.invoice")
        seen.add(a.invoice_id)
        item = items[a.invoice_id]
        s = settle(open_amount=item.open_amount, discount_base=item.discount_base,
                   discount_pct=item.discount_pct if with_discount else ZERO, discount_until=item.discount_until,
                   paid_on=paid_on, offered=a.amount)
        if a.amount > s.cash:
            extra = f" after a discount of {s.discount}" if s.discount else ""
            raise ValidationFailed("more_than_open", f"{f}.amount: {a.amount} is more than the {s.cash} that "
                                   f"settles {item.number}{extra} (open {item.open_amount})", field=f"{f}.amount",
                                   open_amount=str(item.open_amount), settles_with=str(s.cash),
                                   discount=str(s.discount))
        total += a.amount
        if total > offered:
            raise ValidationFailed("more_than_available", f"{f}.amount: the allocations add up to {total}, more than "
                                   f"the {offered} available", field=f"{f}.amount", available=str(offered))
        out.append(Applied(a.invoice_id, s))
    return out


def check_method(method: str, field: str = "method") -> PaymentMethod:
    if method not in {m.value for m in PaymentMethod}:
        raise ValidationFailed("unknown_method", f"{field}: '{method}' is not one of "
                               f"{[m.value for m in PaymentMethod]}", field=field)
    return PaymentMethod(method)


def check_reference(reference: str, field: str = "reference") -> str:
    if not reference or not reference.strip():
        raise ValidationFailed("reference_required", f"{field}: give the bank or document reference", field=field)
    if len(reference) > 100:
        raise ValidationFailed("reference_too_long", f"{field}: at most 100 characters", field=field)
    return reference.strip()


def check_currency(currency: str, field: str = "currency") -> str:
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii() and currency.isalpha()
            and currency.isupper()):
        raise ValidationFailed("invalid_currency", f"{field}: a three-letter ISO code such as EUR", field=field)
    return currency
