"""Credit check: open receivables + open orders + this order against the limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CreditDecision:
    exposure: Decimal  # after this order
    limit: Decimal | None
    hold: bool

    @property
    def excess(self) -> Decimal:
        if self.limit is None:
            return Decimal("0")
        return max(Decimal("0"), self.exposure - self.limit)


def check_credit(
    *, limit: Decimal | None, open_receivables: Decimal, open_orders: Decimal, this_order: Decimal, internal: bool
) -> CreditDecision:
    """Internal customers and customers without a limit are never held."""
    exposure = open_receivables + open_orders + this_order
    if internal or limit is None:
        return CreditDecision(exposure, None, False)
    return CreditDecision(exposure, limit, exposure > limit)
