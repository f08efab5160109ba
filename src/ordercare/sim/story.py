"""The things that go wrong, and how people react (pure, seeded): the replenishment problem, carriers,
complaints, the service desk's pace and the customers' satisfaction.

The story of the demo: one warehouse's replenishment team falls behind for a stretch (ReplenishmentProblem).
Pickers there find empty slots: short picks charged to replenishment; the missing units are back-ordered and
follow later, so deliveries come incomplete and late; customers complain about short shipments and late
deliveries; the desk, swamped by those complaints, answers more slowly and breaches SLAs; satisfaction drops.
Then the problem is fixed and everything recovers. Every effect comes out of the services' own records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain.business_hours import OFFICE_HOURS, BusinessCalendar, add_business_time, parse_hours
from .scenario import Carriers, ReplenishmentProblem, Segment

DESK_CALENDAR = BusinessCalendar("DESK", "Europe/Amsterdam", parse_hours(OFFICE_HOURS))


def problem_window(story: ReplenishmentProblem, start: date, days: int) -> tuple[date, date]:
    """First and last day of the stretch."""
    first = start + timedelta(days=int(days * story.starts))
    return first, first + timedelta(days=max(1, int(days * story.lasts)) - 1)


def problem_intensity(story: ReplenishmentProblem, start: date, days: int, day: date) -> float:
    """0 outside the stretch, rising to 1 over its first ramp days and falling over its last ones."""
    first, last = problem_window(story, start, days)
    if day < first or day > last:
        return 0.0
    ramp = max(1, min(story.ramp_days, (last - first).days // 3 + 1))
    return min(1.0, ((day - first).days + 1) / ramp, ((last - day).days + 1) / ramp)


def short_pick_rate(story: ReplenishmentProblem, warehouse: str, start: date, days: int, day: date) -> float:
    extra = story.short_rate * problem_intensity(story, start, days, day) if warehouse == story.warehouse else 0.0
    return story.usual_short_rate + extra


def short_cause(story: ReplenishmentProblem, warehouse: str, start: date, days: int, day: date,
                rng: random.Random) -> tuple[str, str]:
    """(reason, department) of a short pick: during the stretch, in that warehouse, nearly always an empty slot
    replenishment did not refill; otherwise a stock record that was wrong (inventory control)."""
    rate = short_pick_rate(story, warehouse, start, days, day)
    if rng.random() * rate >= story.usual_short_rate:
        return "pick slot empty, replenishment not done", "replenishment"
    return "fewer units in the slot than on record", "inventory_control"


@dataclass(frozen=True)
class Arrival:
    days_late: int  # against the carrier's estimate
    damaged: dict[int, int]  # line position -> units
    lost: dict[int, int]
    wrong: dict[int, int]


def carrier_outcome(rng: random.Random, carriers: Carriers, line_qtys: list[int]) -> Arrival:
    x = rng.random()
    late = 0 if x >= carriers.late_one_day + carriers.late_more else 1 if x < carriers.late_one_day else \
        rng.randint(2, 4)
    damaged, lost, wrong = {}, {}, {}
    for i, qty in enumerate(line_qtys):
        if qty <= 0:
            continue
        y = rng.random()
        if y < carriers.damaged_line:
            damaged[i] = rng.randint(1, min(qty, 3))
        elif y < carriers.damaged_line + carriers.lost_unit:
            lost[i] = 1
        elif y < carriers.damaged_line + carriers.lost_unit + carriers.wrong_item:
            wrong[i] = 1
    return Arrival(late, damaged, lost, wrong)


# A failure the customer notices -> (case category, subject).
COMPLAINTS = {
    "damaged": ("damaged_goods", "Goods arrived damaged"),
    "short": ("short_shipment", "Part of the order did not come"),
    "lost": ("short_shipment", "A carton is missing from the delivery"),
    "wrong": ("wrong_item", "We received the wrong item"),
    "late": ("late_delivery", "The delivery is late"),
    "question": ("product_question", "Question about a product"),
}


def complains(rng: random.Random, segment: Segment, failure: str, pressure: float) -> bool:
    """A noticed failure becomes a complaint; repeated trouble (pressure 0..1) makes customers quicker to call."""
    if failure == "question":
        return True
    base = segment.complains * (1.6 if failure in ("damaged", "wrong", "lost") else 1.0)
    return rng.random() < min(0.95, base * (1 + pressure))


def priority_for(rng: random.Random, segment: Segment, failure: str) -> str:
    if failure == "question":
        return "low"
    if segment.code == "A" and rng.random() < 0.3:
        return "high"
    return "high" if rng.random() < 0.1 else "normal"


def desk_hours(rng: random.Random, pressure: float, dedicated: bool) -> float:
    """Business hours until the desk answers a new case: a dedicated rep is quicker; a desk swamped by the
    story's complaints (pressure 0..1) takes several times longer, which is when SLAs breach."""
    base = rng.uniform(0.3, 2.5) if dedicated else rng.uniform(0.5, 6.0)
    slow = 1 + 3.5 * pressure * rng.random()
    return base * slow


def desk_time(after: datetime, hours: float) -> datetime:
    """The moment the desk has worked `hours` business hours after a moment (Mon-Fri 9-17 Amsterdam)."""
    return add_business_time(DESK_CALENDAR, after, timedelta(hours=hours))


def csat_score(rng: random.Random, *, breached: bool, failure: str, pressure: float) -> int:
    """1-5: a quick, fair recovery earns 4-5; breached SLAs and repeated shortages cost points."""
    mean = 4.4 - (1.2 if breached else 0.0) - (0.6 if failure in ("short", "late") else 0.0) - 0.8 * pressure
    return max(1, min(5, round(rng.gauss(mean, 0.8))))


SCORE_COMMENTS = {5: "Sorted out quickly, thank you", 4: "Good, took a day longer than hoped", 3: "OK",
                  2: "Too many calls needed", 1: "Still waiting for a proper answer"}
