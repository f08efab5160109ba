"""Request bodies of cost-to-serve: activity rates, case minutes, zone thresholds, a package's delivery window.
Amounts and rates arrive as strings or numbers and are checked by the services (a negative rate is refused
with its field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from .schemas import In

Number = Annotated[Decimal, Field(max_digits=18, decimal_places=4)]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class RateIn(In):
    """A rate (per unit of the driver), or a cost pool with the driver volume it handled (the rate is derived)."""

    qualifier: Annotated[str, Field(max_length=20)] = ""
    rate: Number | None = None
    pool_cost: Money | None = None
    driver_volume: Number | None = None


class RatesIn(In):
    rates: Annotated[list[RateIn], Field(min_length=1, max_length=20)]


class MinutesIn(In):
    kind: Literal["category", "event"]
    code: Annotated[str, Field(max_length=30)] = ""
    minutes: Annotated[Decimal, Field(max_digits=8, decimal_places=2)]


class CaseMinutesIn(In):
    minutes: Annotated[list[MinutesIn], Field(min_length=1, max_length=50)]


class ThresholdsIn(In):
    """Only the fields given change; null: the median of the period again."""

    value_threshold: Money | None = None
    cost_threshold: Money | None = None


class DeliveryWindowIn(In):
    basis: Literal["day", "week"]
    days_before: Annotated[int, Field(strict=True)] = 0
    days_after: Annotated[int, Field(strict=True)] = 0
