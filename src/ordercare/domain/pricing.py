"""Unit price: the customer's price list (best quantity break reached), else list price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Money columns are Numeric(14, 2): the largest amount a line or an order may reach.
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class PriceBreak:
    min_qty: int
    price: Decimal


def unit_price(list_price: Decimal, breaks: list[PriceBreak], qty: int) -> Decimal:
    reached = [b for b in breaks if b.min_qty <= qty]
    if not reached:
        return list_price
    return max(reached, key=lambda b: b.min_qty).price


def line_amount(price: Decimal, qty: int) -> Decimal:
    """Rounded half-up to the cent per line; order totals are sums of rounded lines."""
    return (price * qty).quantize(CENT, rounding=ROUND_HALF_UP)
