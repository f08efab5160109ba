"""Receivables: aging buckets, days sales outstanding, dunning levels (docs/billing.md has worked examples)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .payment_terms import ZERO

# (bucket, first day overdue, last day overdue); "current" is everything not yet past its due date.
BUCKETS = (("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
BUCKET_NAMES = tuple(b[0] for b in BUCKETS)


def days_overdue(due_on: date, as_of: date) -> int:
    """Days past the due date; 0 or less while it is not yet due (due today is not overdue)."""
    return (as_of - due_on).days


def bucket(due_on: date, as_of: date) -> str:
    late = days_overdue(due_on, as_of)
    for name, first, last in BUCKETS:
        if (first is None or late >= first) and (last is None or late <= last):
            return name
    raise AssertionError("the buckets cover every day")  # pragma: no cover


def aging(items: Iterable[tuple[date, Decimal]], as_of: date) -> dict[str, Decimal]:
    """Open amounts (due date, amount) summed per bucket; every bucket is present."""
    out = {name: ZERO for name in BUCKET_NAMES}
    for due_on, amount in items:
        out[bucket(due_on, as_of)] += amount
    return out


def dso(receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding = open receivables ÷ credit sales of the last `days` days × `days`, to one
    decimal. None when nothing was sold in the period (DSO is undefined, not zero)."""
    if credit_sales <= 0:
        return None
    return (receivables / credit_sales * days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DunningLevel:
    level: int
    from_days: int  # days overdue at which this level is reached
    name: str


# A reminder a week after the due date, a second at three weeks, a final notice at 45 days.
DUNNING_LEVELS = (DunningLevel(1, 7, "reminder"), DunningLevel(2, 21, "second reminder"),
                  DunningLevel(3, 45, "final notice"))


def dunning_level(late_days: int) -> int:
    """The level an invoice this many days overdue has reached (0: none yet)."""
    level = 0
    for d in DUNNING_LEVELS:
        if late_days >= d.from_days:
            level = d.level
    return level


def dunning_name(level: int) -> str:
    return next((d.name for d in DUNNING_LEVELS if d.level == level), "none")
