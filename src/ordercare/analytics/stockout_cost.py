"""The expected cost of a stockout (DOMAIN §5): Σ probability(outcome) × cost(outcome).

When a customer meets a stockout one of four things happens: the customer waits, the customer
back-orders, the seller loses the sale, or the seller loses the customer. Each outcome is data: its
probability and its cost per unit short, as a fixed amount plus a multiple of the SKU's unit margin
(a lost sale costs one margin; a lost customer costs the margins of the orders that will not come).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ..domain.errors import ValidationFailed

OUTCOMES = ("customer_waits", "back_order", "lost_sale", "lost_customer")


@dataclass(frozen=True)
class StockoutOutcome:
    code: str
    probability: Decimal
    cost_per_unit: Decimal  # fixed cost per unit short (expediting, admin, goodwill)
    margin_multiple: Decimal  # unit margins lost per unit short


# Defaults a new database starts with; the firm replaces them with its own estimates.
DEFAULT_OUTCOMES = (
    StockoutOutcome("customer_waits", Decimal("0.40"), Decimal("0.50"), Decimal("0")),
    StockoutOutcome("back_order", Decimal("0.30"), Decimal("3.00"), Decimal("0")),
    StockoutOutcome("lost_sale", Decimal("0.20"), Decimal("0"), Decimal("1")),
    StockoutOutcome("lost_customer", Decimal("0.10"), Decimal("0"), Decimal("10")),
)


def check_outcomes(outcomes: list[StockoutOutcome] | tuple[StockoutOutcome, ...]) -> None:
    """Each of the four outcomes once, probabilities in [0, 1] adding up to exactly 1, costs ≥ 0."""
    codes = [o.code for o in outcomes]
    for i, o in enumerate(outcomes):
        if o.code not in OUTCOMES:
            raise ValidationFailed("unknown_outcome", f"outcomes[{i}].code: '{o.code}' is not one of "
                                   f"{', '.join(OUTCOMES)}", field=f"outcomes[{i}].code")
        if not Decimal(0) <= o.probability <= Decimal(1):
            raise ValidationFailed("rate_out_of_range", f"outcomes[{i}].probability: must be between 0 and 1",
                                   field=f"outcomes[{i}].probability")
        for name in ("cost_per_unit", "margin_multiple"):
            if getattr(o, name) < 0:
                raise ValidationFailed("negative_rate", f"outcomes[{i}].{name}: must not be negative",
                                       field=f"outcomes[{i}].{name}")
    if sorted(codes) != sorted(OUTCOMES):
        raise ValidationFailed("incomplete_outcomes", f"outcomes: give each of {', '.join(OUTCOMES)} exactly once",
                               field="outcomes", given=codes)
    total = sum((o.probability for o in outcomes), Decimal(0))
    if total != 1:
        raise ValidationFailed("probabilities_do_not_add_up", f"outcomes: probabilities add up to {total}, not 1",
                               field="outcomes", total=str(total))


def outcome_costs(outcomes, unit_margin) -> dict[str, np.ndarray]:
    """Per outcome and SKU: probability × (fixed cost + margin multiple × unit margin), per unit short.

    A negative margin (sold below cost) counts as zero: losing such a sale does not save the stockout cost.
    """
    margin = np.maximum(np.asarray(unit_margin, dtype=float), 0.0)
    return {o.code: float(o.probability) * (float(o.cost_per_unit) + float(o.margin_multiple) * margin)
            for o in outcomes}


def cost_per_unit_short(outcomes, unit_margin) -> np.ndarray:
    """The expected cost of one unit short, per SKU."""
    parts = outcome_costs(outcomes, unit_margin)
    return np.sum(np.stack(list(parts.values())), axis=0)
