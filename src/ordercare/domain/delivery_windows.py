"""The delivery window of a service package (DOMAIN §6, Table 8-1 "delivery"): when, around the date the customer
asked for, a delivery counts as in the window.

    basis "day":  [requested − days_before, requested + days_after]
    basis "week": [Monday of the requested week − days_before, Sunday of that week + days_after]

Table 8-1's "within 1 hour of request" needs delivery times, which the system does not keep (deliveries are
dated, not timed): package A is held to the requested day, like B's "on day requested". C's "during week
requested" is the ISO week (Monday to Sunday) of the requested date. A line without a requested date ("as soon
as possible") has no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .errors import ValidationFailed

MAX_DAYS = 60


@dataclass(frozen=True)
class DeliveryWindow:
    package: str
    basis: str  # day | week
    days_before: int = 0
    days_after: int = 0

    def bounds(self, requested: date) -> tuple[date, date]:
        if self.basis == "week":
            start = requested - timedelta(days=requested.weekday())
            return start - timedelta(days=self.days_before), start + timedelta(days=6 + self.days_after)
        return requested - timedelta(days=self.days_before), requested + timedelta(days=self.days_after)

    def verdict(self, day: date | None, requested: date | None) -> str | None:
        """early | within | late for a promised or delivered day; None without a requested date; 'late' for a
        line with no promise at all (back-ordered: it cannot be in any window yet)."""
        if requested is None:
            return None
        if day is None:
            return "late"
        lo, hi = self.bounds(requested)
        return "early" if day < lo else "late" if day > hi else "within"

    def describe(self) -> str:
        core = "on the requested day" if self.basis == "day" else "during the requested week"
        extra = [f"{self.days_before} day(s) before" if self.days_before else "",
                 f"{self.days_after} day(s) after" if self.days_after else ""]
        extra = [e for e in extra if e]
        return core + (f" (from {' to '.join(extra)})" if extra else "")


def check_window(package: str, basis: str, days_before: int, days_after: int) -> DeliveryWindow:
    if basis not in ("day", "week"):
        raise ValidationFailed("unknown_basis", f"basis: 'day' or 'week', not '{basis}'", field="basis")
    for name, value in (("days_before", days_before), ("days_after", days_after)):
        if not 0 <= value <= MAX_DAYS:
            raise ValidationFailed("out_of_range", f"{name}: between 0 and {MAX_DAYS}", field=name, value=value)
    return DeliveryWindow(package, basis, days_before, days_after)


DEFAULT_WINDOWS = (DeliveryWindow("A", "day"), DeliveryWindow("B", "day"), DeliveryWindow("C", "week"))
