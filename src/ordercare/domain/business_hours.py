"""Business-hours calendars: working hours per weekday in an IANA time zone, and holidays.

SLA targets are counted in business time only: a 16-hour target on 8-hour days is two working days.
Times go in and out as aware datetimes; the calendar's own zone decides what "Monday 09:00" is, daylight
saving time included (zoneinfo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationFailed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A target further out than this many days of calendar is a configuration error, not a date.
MAX_SPAN_DAYS = 3 * 366

Period = tuple[time, time]


@dataclass(frozen=True)
class BusinessCalendar:
    code: str
    timezone: str
    hours: dict[int, tuple[Period, ...]]  # weekday (0 = Monday) -> working periods in local time
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed("unknown_timezone", f"timezone: '{self.timezone}' is not an IANA time zone",
                                   field="timezone") from None
        for wd, periods in self.hours.items():
            if wd not in range(7):
                raise ValidationFailed("invalid_hours", f"hours: weekday {wd} is not 0-6", field="hours")
            last = None
            for start, end in periods:
                if not start < end:
                    raise ValidationFailed("invalid_hours", f"hours.{WEEKDAYS[wd]}: {start}-{end} ends before it "
                                           "starts", field=f"hours.{WEEKDAYS[wd]}")
                if last is not None and start < last:
                    raise ValidationFailed("invalid_hours", f"hours.{WEEKDAYS[wd]}: periods overlap or are not in "
                                           "order", field=f"hours.{WEEKDAYS[wd]}")
                last = end
        if not any(self.hours.values()):
            raise ValidationFailed("invalid_hours", "hours: the calendar has no working hours at all", field="hours")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a local day, as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return []
        zone = self.zone
        return [(datetime.combine(day, s, tzinfo=zone).astimezone(timezone.utc),
                 datetime.combine(day, e, tzinfo=zone).astimezone(timezone.utc))
                for s, e in self.hours.get(day.weekday(), ())]


def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None:
        raise ValidationFailed("naive_timestamp", f"{name}: give a time zone", field=name)


def business_time_between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time from start to end (zero if end is not after start)."""
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(cal.zone).date() - timedelta(days=1)  # a period may begin the local day before
    last = end.astimezone(cal.zone).date() + timedelta(days=1)
    while day <= last:
        for ps, pe in cal.periods_on(day):
            lo, hi = max(ps, start), min(pe, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def add_business_time(cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The instant when `amount` of working time has passed since start.

    A target that runs out exactly at the end of a working period is due then, not next morning.
    """
    _aware(start, "start")
    if amount < timedelta(0):
        raise ValidationFailed("invalid_duration", "amount: must not be negative", field="amount")
    left = amount
    day = start.astimezone(cal.zone).date() - timedelta(days=1)
    for _ in range(MAX_SPAN_DAYS):
        for ps, pe in cal.periods_on(day):
            lo = max(ps, start)
            if pe <= lo:
                continue
            if left <= pe - lo:
                return (lo + left).astimezone(timezone.utc)
            left -= pe - lo
        day += timedelta(days=1)
    raise ValidationFailed("calendar_too_sparse", f"calendar {cal.code}: {amount} of working time does not fit in "
                           f"{MAX_SPAN_DAYS} days", field="calendar")


def parse_hours(spec: dict[str, list[str]]) -> dict[int, tuple[Period, ...]]:
    """{"mon": ["09:00-12:30", "13:00-17:00"], ...} -> weekday -> periods (days left out are closed)."""
    out: dict[int, tuple[Period, ...]] = {}
    for name, periods in spec.items():
        key = name.lower()[:3]
        if key not in WEEKDAYS:
            raise ValidationFailed("invalid_hours", f"hours.{name}: not a weekday (mon … sun)", field=f"hours.{name}")
        parsed = []
        for p in periods:
            try:
                a, b = p.split("-")
                parsed.append((time.fromisoformat(a.strip()), time.fromisoformat(b.strip())))
            except ValueError:
                raise ValidationFailed("invalid_hours", f"hours.{name}: '{p}' is not HH:MM-HH:MM",
                                       field=f"hours.{name}") from None
        out[WEEKDAYS.index(key)] = tuple(parsed)
    return out


def format_hours(hours: dict[int, tuple[Period, ...]]) -> dict[str, list[str]]:
    return {WEEKDAYS[wd]: [f"{s.strftime('%H:%M')}-{e.strftime('%H:%M')}" for s, e in periods]
            for wd, periods in sorted(hours.items()) if periods}


OFFICE_HOURS = {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"],
                "fri": ["09:00-17:00"]}
