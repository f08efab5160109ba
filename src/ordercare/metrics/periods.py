"""What a report asks for: a period of order days, a slice, a fill rule, a trend bucket; checked before any read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.errors import ValidationFailed
from .counters import SLICES
from .kpis import FILL_RULES
from .slices import SORTS

TRENDS = ("day", "week", "month")
MAX_DAYS = 3700  # ten years: a longer period is a typing error, not a report
MAX_BUCKETS = 400  # points of one trend line: more are no longer readable (a year of days is 366)
# Periods lie between these: the period before one (profitability's movement) and the month after one (buckets)
# must still be dates; a day outside is a typing error, not a report.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 11, 30)


@dataclass(frozen=True)
class ReportRequest:
    date_from: date
    date_to: date
    slice: str = "total"
    fill_rule: str = "first_shipment"
    trend: str | None = None  # day | week | month: a series for trend charts
    customer: str | None = None  # staff: one customer's report (a customer user always gets its own)
    limit: int | None = None  # at most this many slice values; the rest summed as "others" (metrics/slices.py)
    sort: str | None = None  # label | volume | a KPI worst first; default: label, or volume with a limit

    @property
    def order(self) -> str:
        return self.sort or ("volume" if self.limit else "label")


def default_from(date_to: date) -> date:
    """The first of the 30 order days up to `date_to` (a report's default period); never before the first date
    (a period so early is then refused by its check, not by an overflow)."""
    return date.fromordinal(max(1, date_to.toordinal() - 29))


def check_request(req: ReportRequest) -> ReportRequest:
    if req.date_from > req.date_to:
        raise ValidationFailed("invalid_period", f"from: {req.date_from} is after to ({req.date_to})", field="from",
                               date_from=str(req.date_from), date_to=str(req.date_to))
    if req.date_from < FIRST_DAY:
        raise ValidationFailed("date_out_of_range", f"from: a day from {FIRST_DAY} on", field="from")
    if req.date_to > LAST_DAY:
        raise ValidationFailed("date_out_of_range", f"to: a day up to {LAST_DAY}", field="to")
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
    if req.trend is not None and len(buckets(req.date_from, req.date_to, req.trend)) > MAX_BUCKETS:
        raise ValidationFailed("too_many_buckets", f"trend: at most {MAX_BUCKETS} points; take a longer bucket or a "
                               "shorter period", field="trend", bucket=req.trend)
    return req


def trend_for(date_from: date, date_to: date) -> str:
    """The bucket a period reads best in: days up to a month, weeks up to half a year, months beyond."""
    days = (date_to - date_from).days + 1
    return "day" if days <= 31 else "week" if days <= 183 else "month"


def bucket_start(day: date, trend: str) -> date:
    """The day itself, or the first day of the week (Monday, ISO) or month it falls in."""
    if trend == "day":
        return day
    return day - timedelta(days=day.weekday()) if trend == "week" else day.replace(day=1)


def buckets(date_from: date, date_to: date, trend: str) -> list[tuple[date, date]]:
    """The days, weeks or months covering the period, each clipped to it: [(first day, last day)]."""
    out, start = [], bucket_start(date_from, trend)
    while start <= date_to:
        if trend in ("day", "week"):
            nxt = start + timedelta(days=1 if trend == "day" else 7)
        else:
            nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((max(start, date_from), min(nxt - timedelta(days=1), date_to)))
        start = nxt
    return out



def counters_by_bucket(per_day: dict, trend: str) -> dict[date, dict[str, int]]:
    """{(slice key, day): {counter: n}} summed per bucket: {bucket start: {counter: n}}."""
    out: dict[date, dict[str, int]] = {}
    for (_, day), counters in per_day.items():
        b = out.setdefault(bucket_start(day, trend), {})
        for k, v in counters.items():
            b[k] = b.get(k, 0) + v
    return out


def histograms_by_bucket(per_day: dict, trend: str) -> dict[date, dict[str, dict[int, int]]]:
    """{(slice key, day): {measure: {days: n}}} summed per bucket: {bucket start: {measure: {days: n}}}."""
    out: dict[date, dict[str, dict[int, int]]] = {}
    for (_, day), measures in per_day.items():
        b = out.setdefault(bucket_start(day, trend), {})
        for m, values in measures.items():
            h = b.setdefault(m, {})
            for d, n in values.items():
                h[d] = h.get(d, 0) + n
    return out
