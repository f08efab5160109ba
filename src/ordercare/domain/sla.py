"""Service level agreements: targets by service package and priority, clocks that pause, escalation chains.

A clock counts business time from the moment a case is logged, leaves out the time spent waiting on the
customer, and stops when the target event happens (first response: acknowledged; resolution: resolved).
It is breached when more business time than the target has been counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .business_hours import BusinessCalendar, add_business_time, business_time_between
from .errors import ValidationFailed


@dataclass(frozen=True)
class EscalationLevel:
    level: int
    role: str  # who is told: team_lead, manager, …
    after_minutes: int  # business minutes past the due time


@dataclass(frozen=True)
class SlaPolicy:
    code: str
    service_package: str | None  # None: any package without a policy of its own
    priority: str
    first_response_minutes: int
    resolution_minutes: int
    calendar: str
    escalation: tuple[EscalationLevel, ...]


def check_policy(p: SlaPolicy) -> None:
    if p.first_response_minutes <= 0 or p.resolution_minutes <= 0:
        raise ValidationFailed("invalid_target", "first_response_minutes: targets must be positive",
                               field="first_response_minutes")
    if p.first_response_minutes > p.resolution_minutes:
        raise ValidationFailed("invalid_target", "first_response_minutes: longer than the resolution target",
                               field="first_response_minutes")
    levels = [e.level for e in p.escalation]
    if levels != sorted(set(levels)) or any(e.after_minutes < 0 for e in p.escalation):
        raise ValidationFailed("invalid_escalation", "escalation: levels must rise and wait ≥ 0 minutes",
                               field="escalation")
    waits = [e.after_minutes for e in p.escalation]
    if waits != sorted(waits):
        raise ValidationFailed("invalid_escalation", "escalation: a higher level cannot come before a lower one",
                               field="escalation")


def choose_policy(policies: list[SlaPolicy], service_package: str, priority: str) -> SlaPolicy | None:
    """The package's own policy for the priority, else the catch-all one (no package)."""
    own = [p for p in policies if p.priority == priority and p.service_package == service_package]
    if own:
        return own[0]
    general = [p for p in policies if p.priority == priority and p.service_package is None]
    return general[0] if general else None


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still waiting on the customer


@dataclass(frozen=True)
class ClockState:
    target_minutes: int
    elapsed: timedelta  # business time counted (pauses left out)
    due_at: datetime | None  # None while paused before the due time
    stopped_at: datetime | None
    paused: bool
    breached: bool

    @property
    def remaining(self) -> timedelta:
        return timedelta(minutes=self.target_minutes) - self.elapsed

    @property
    def state(self) -> str:
        if self.breached:
            return "breached"
        if self.stopped_at is not None:
            return "met"
        return "paused" if self.paused else "running"


def sla_clock(cal: BusinessCalendar, started: datetime, target_minutes: int, *, pauses: list[Pause],
              now: datetime, stopped_at: datetime | None = None) -> ClockState:
    end = stopped_at or now
    elapsed = business_time_between(cal, started, end)
    paused_now = False
    for p in pauses:
        p_end = p.end or end
        elapsed -= business_time_between(cal, max(p.start, started), min(p_end, end))
        if p.end is None and stopped_at is None:
            paused_now = True
    target = timedelta(minutes=target_minutes)
    due: datetime | None = add_business_time(cal, started, target)
    for p in sorted(pauses, key=lambda x: x.start):
        if due is None or p.start >= due:
            continue
        if p.end is None:
            due = None  # the clock stands still before its due time: no due time until it runs again
            break
        due = add_business_time(cal, due, business_time_between(cal, p.start, p.end))
    return ClockState(target_minutes, elapsed, due, stopped_at, paused_now, elapsed > target)


class Band(StrEnum):
    """How a clock looks on the desk: the breach colours of the case queue."""

    ON_TRACK = "on_track"  # green
    DUE_SOON = "due_soon"  # amber: a quarter of the target or less is left
    BREACHED = "breached"  # red
    PAUSED = "paused"  # grey: waiting on the customer, the clock stands still
    MET = "met"  # stopped in time


# A running clock turns amber when no more than this share of its target is left (in business time).
DUE_SOON_SHARE = 4  # 1/4


def band(c: ClockState) -> Band:
    if c.breached:
        return Band.BREACHED
    if c.stopped_at is not None:
        return Band.MET
    if c.paused:
        return Band.PAUSED
    return Band.DUE_SOON if c.remaining * DUE_SOON_SHARE <= timedelta(minutes=c.target_minutes) else Band.ON_TRACK


# From least to most alarming: a case shows the most alarming band of its clocks.
SEVERITY = (Band.MET, Band.PAUSED, Band.ON_TRACK, Band.DUE_SOON, Band.BREACHED)


def overall_band(states: Iterable[ClockState]) -> Band:
    return max((band(c) for c in states), key=SEVERITY.index, default=Band.MET)


def urgency(states: Iterable[ClockState], priority: str) -> tuple[int, timedelta, int]:
    """Sort key of the case queue, most urgent first: cases with a clock that runs (or has run out) by the
    business time left on their tightest clock (overdue is negative, so the most overdue comes first); then
    cases whose clocks are paused; then cases whose clocks have stopped. Priority breaks ties."""
    live = [c for c in states if c.stopped_at is None]
    pressing = [c.remaining for c in live if c.breached or not c.paused]
    waiting = [c.remaining for c in live if c.paused and not c.breached]
    rank = PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)
    if pressing:
        return 0, min(pressing), rank
    if waiting:
        return 1, min(waiting), rank
    return 2, timedelta(0), rank


def escalations_due(clock: ClockState, levels: tuple[EscalationLevel, ...]) -> list[EscalationLevel]:
    """Levels whose wait past the due time is over; a stopped clock escalates no further."""
    if clock.stopped_at is not None:
        return []
    over = clock.elapsed - timedelta(minutes=clock.target_minutes)
    return [lv for lv in levels if over > timedelta(minutes=lv.after_minutes)]


def escalation_time(cal: BusinessCalendar, clock: ClockState, level: EscalationLevel) -> datetime | None:
    """When a level falls due (None while the due time is unknown)."""
    if clock.due_at is None:
        return None
    return add_business_time(cal, clock.due_at, timedelta(minutes=level.after_minutes))


PRIORITIES = ("urgent", "high", "normal", "low")
DEFAULT_ESCALATION = (EscalationLevel(1, "team_lead", 0), EscalationLevel(2, "manager", 240))
# Business minutes (first response, resolution) per package and priority; a dedicated-rep package answers fastest.
_TARGETS = {
    "A": {"urgent": (60, 480), "high": (120, 960), "normal": (240, 1920), "low": (480, 2400)},
    "B": {"urgent": (120, 960), "high": (240, 1920), "normal": (480, 2400), "low": (960, 4800)},
    "C": {"urgent": (240, 1920), "high": (480, 2400), "normal": (960, 4800), "low": (1920, 7200)},
}
DEFAULT_POLICIES = tuple(
    SlaPolicy(f"{pkg}-{prio}", pkg, prio, resp, res, "STANDARD", DEFAULT_ESCALATION)
    for pkg, by_prio in _TARGETS.items() for prio, (resp, res) in by_prio.items()
) + tuple(SlaPolicy(f"ANY-{prio}", None, prio, *_TARGETS["C"][prio], "STANDARD", DEFAULT_ESCALATION)
          for prio in PRIORITIES)
