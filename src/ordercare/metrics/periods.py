"""What a report asks for: a period of order days, a slice, a fill rule, a trend bucket; checked before any read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.errors import ValidationFailed
from .counters import SLICES
from .kpis import FILL_RULES
from .slices import SORTS

TRENDS = ("week", "month")
MAX_DAYS = 3700  # ten years: a longer period is a typing error, not a report


@dataclass(frozen=True)
class ReportRequest:
    date_from: date
    date_to: date
    slice: str = "total"
    fill_rule: str = "first_shipment"
    trend: str | None = None  # week | month: a series for trend charts
    customer: str | None = None  # staff: one customer's report (a customer user always gets its own)
    limit: int | None = None  # at most this many slice values; the rest summed as "others" (metrics/slices.py)
    sort: str | None = None  # label | volume | a KPI worst first; default: label, or volume with a limit

    @property
    def order(self) -> str:
        return self.sort or ("volume" if self.limit else "label")


def check_request(req: ReportRequest) -> ReportRequest:
    if req.date_from > req.date_to:
        raise ValidationFailed("invalid_period", f"from: {req.date_from} is after to ({req.date_to})", field="from",
                               date_from=str(req.date_from), date_to=str(req.date_to))
    if (req.date_to - req.date_from).days >= MAX_DAYS:
        raise ValidationFailed("period_too_long", f"to: a period of at most {MAX_DAYS} days", field="to")
    if req.slice not in ("total", *SLICES):
        raise ValidationFailed("unknown_slice", f"slice: '{req.slice}' is not one of {', '.join(SLICES)}",
                               field="slice", allowed=list(SLICES))
    if req.fill_rule not in FILL_RULES:
        raise ValidationFailed("unknown_fill_rule", f"fill_rule: one of {', '.join(FILL_RULES)}", field="fill_rule")
    if req.limit is not None and req.limit < 1:
        raise ValidationFailed("invalid_limit", "limit: at least 1 slice value (leave it out for all)",
                               field="limit")
    if req.sort is not None and req.sort not in SORTS:
        raise ValidationFailed("unknown_sort", f"sort: one of {', '.join(SORTS)}", field="sort",
                               allowed=list(SORTS))
    if req.trend is not None and req.trend not in TRENDS:
        raise ValidationFailed("unknown_trend", f"trend: one of {', '.join(TRENDS)}", field="trend")
    return req


def bucket_start(day: date, trend: str) -> date:
    """The first day of the week (Monday, ISO) or month a day falls in."""
    return day - timedelta(days=day.weekday()) if trend == "week" else day.replace(day=1)


def buckets(date_from: date, date_to: date, trend: str) -> list[tuple[date, date]]:
    """The weeks or months covering the period, each clipped to it: [(first day, last day)]."""
    out, start = [], bucket_start(date_from, trend)
    while start <= date_to:
        if trend == "week":
            nxt = start + timedelta(days=7)
        else:
            nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((max(start, date_from), min(nxt - timedelta(days=1), date_to)))
        start = nxt
    return out
