"""Payment terms such as 2/10 net 30, and how much of an invoice a payment settles (DOMAIN §3 step 13).

"2/10 net 30": 2 % off if paid within 10 days of the invoice date, otherwise the whole amount is due
30 days after it. Day 10 still counts ("within"), day 11 does not. The date that counts is the day the
payment was received, not the day finance applied it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")  # money zero, printed as 0.00


def cents(amount: Decimal) -> Decimal:
    """Rounded half-up to the cent: the one rounding rule of billing (docs/billing.md)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PaymentTerms:
    code: str
    discount_pct: Decimal  # 2 for "2/10 net 30"
    discount_days: int
    net_days: int

    @property
    def has_discount(self) -> bool:
        return self.discount_pct > 0 and self.discount_days > 0

    def due_on(self, issued_on: date) -> date:
        return issued_on + timedelta(days=self.net_days)

    def discount_until(self, issued_on: date) -> date | None:
        """The last day a payment still earns the discount; None when the terms give none."""
        return issued_on + timedelta(days=self.discount_days) if self.has_discount else None


def early_payment_discount(base: Decimal, pct: Decimal) -> Decimal:
    """The discount on an amount: pct of it, rounded half-up to the cent."""
    return cents(base * pct / 100)


@dataclass(frozen=True)
class Settlement:
    cash: Decimal  # of the payment, put against the invoice
    discount: Decimal  # early-payment discount granted with it

    @property
    def settled(self) -> Decimal:
        return self.cash + self.discount


def settle(*, open_amount: Decimal, discount_base: Decimal, discount_pct: Decimal, discount_until: date | None,
           paid_on: date, offered: Decimal) -> Settlement:
    """How much of `offered` cash goes against an invoice with `open_amount` still open, and the discount.

    Within the discount period the invoice is settled by (open amount − discount), the discount being
    discount_pct of the discount base (the invoice total less credit notes applied to it), so the
    customer pays the same in total however the payment is split. A payment that does not settle the
    invoice in full earns no discount (yet): a later payment within the period still can. Outside the
    period, or without discount terms, cash settles its own amount. Never more than is open is settled.
    """
    if open_amount <= 0 or offered <= 0:
        return Settlement(ZERO, ZERO)
    discount = ZERO
    if discount_until is not None and paid_on <= discount_until and discount_pct > 0:
        discount = min(early_payment_discount(discount_base, discount_pct), open_amount)
    needed = open_amount - discount
    if offered >= needed:
        return Settlement(needed, discount)
    return Settlement(offered, ZERO)
