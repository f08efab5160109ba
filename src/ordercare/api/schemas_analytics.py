"""Request bodies of service versus cost: policy settings, a product's lead time, stockout outcomes, offer rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from .schemas import In

Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Days = Annotated[Decimal, Field(max_digits=7, decimal_places=2)]


class PolicySettingsIn(In):
    """Only the fields given change. Rates are checked by the service (a negative one is refused with its field)."""

    holding_rate: Annotated[Decimal, Field(max_digits=6, decimal_places=4)] | None = None
    order_cost: Amount | None = None
    lead_time_days: Days | None = None
    lead_time_sd_days: Days | None = None
    history_weeks: int | None = None
    min_receipts: int | None = None


class LeadTimeIn(In):
    lead_time_days: Days
    lead_time_sd_days: Days = Decimal(0)
    order_cost: Amount | None = None


class OutcomeIn(In):
    code: Annotated[str, Field(min_length=1, max_length=20)]
    probability: Annotated[Decimal, Field(max_digits=5, decimal_places=4)]
    cost_per_unit: Amount = Decimal(0)
    margin_multiple: Annotated[Decimal, Field(max_digits=8, decimal_places=2)] = Decimal(0)


class OutcomesIn(In):
    outcomes: Annotated[list[OutcomeIn], Field(min_length=1, max_length=10)]


class OfferRuleIn(In):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    basis: Literal["promise", "package"]
    days: int
    price_adjustment_pct: Annotated[Decimal, Field(max_digits=6, decimal_places=2)]
    active: bool = True
