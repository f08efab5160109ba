"""The simulation's state: the company, the agenda of what happens when, who does it, and the tallies.

Everything that happens is an agenda item: an action at a moment of simulated time. The day's fixed
routines (goods in, the warehouse's shipping run, billing…) and the day's orders are put on the agenda in
the morning; actions schedule their consequences (a delivery, a complaint, the next step of a case) as
later items. Items run in time order (ties in the order they were scheduled); before each one the clock is
set to its moment, so every service records the simulated time.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from time import perf_counter

from sqlalchemy import select

from ..clock import FixedClock
from ..config import Settings
from ..domain.access import Actor, Role
from ..domain.errors import DomainError
from ..store.db import UnitOfWork
from ..store.tables import customers
from .buyer import Forecast
from .company import ACCOUNT_REPS, Company, expected_daily
from .scenario import Scenario, Segment
from .story import problem_intensity


class _Refused:
    """What attempt() returns when a service refused: falsy, and never a service's own answer."""

    def __bool__(self) -> bool:
        return False


REFUSED = _Refused()


@dataclass(order=True)
class Item:
    at: datetime
    seq: int
    action: Callable[[], object] = field(compare=False)
    name: str = field(compare=False, default="")


def moment(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc) + timedelta(hours=hour)


class World:
    def __init__(self, uow: UnitOfWork, settings: Settings, scenario: Scenario, company: Company, clock: FixedClock):
        self.uow, self.settings, self.scenario, self.company, self.clock = uow, settings, scenario, company, clock
        with uow.read() as conn:
            self.ids = dict(conn.execute(select(customers.c.code, customers.c.id)).all())
        self.by_code = {c.code: c for c in company.customers}
        self.forecast = Forecast(expected_daily(company, scenario))
        self.edi_control: dict[str, int] = {}  # partner -> last interchange control number sent
        self.deliveries: dict[date, list] = {}  # day -> the trips carriers hand over that day
        self.tally: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # wall seconds spent per kind of agenda item
        self.refusals: Counter[str] = Counter()  # domain errors met, by code (a service said no)
        self._agenda: list[Item] = []
        self._seq = itertools.count()
        self._rngs: dict = {}
        self.warehouse = Actor(None, "warehouse", Role.WAREHOUSE)
        self.finance = Actor(None, "finance", Role.FINANCE)
        self.manager = Actor(None, "manager", Role.MANAGER)

    # --- randomness, people -------------------------------------------------------------------------------
    def rng(self, stream: str):
        if stream not in self._rngs:
            self._rngs[stream] = self.scenario.rng(stream)
        return self._rngs[stream]

    def desk(self, n: int = 0) -> Actor:
        return Actor(None, ACCOUNT_REPS[n % len(ACCOUNT_REPS)], Role.CS_AGENT)

    def customer_actor(self, code: str) -> Actor:
        return Actor(None, f"buyer@{code.lower()}", Role.CUSTOMER, self.ids[code])

    def segment(self, code: str) -> Segment:
        seg = self.by_code[code].segment
        return self.scenario.internal if seg == "internal" else self.scenario.segments[seg]

    def pressure(self, day: date | None = None) -> float:
        """How hard the story presses on the firm today (0..1)."""
        return problem_intensity(self.scenario.story, self.scenario.start, self.scenario.days,
                                 day or self.clock.today())

    # --- the agenda ---------------------------------------------------------------------------------------
    def at(self, when: datetime, action: Callable[[], object], name: str = "") -> None:
        heapq.heappush(self._agenda, Item(when, next(self._seq), action, name))

    def run_until(self, end: datetime) -> None:
        """Run every item due before `end`; the time each kind of item takes is added up in `seconds`."""
        while self._agenda and self._agenda[0].at < end:
            item = heapq.heappop(self._agenda)
            if item.at > self.clock.now():
                self.clock.set(item.at)
            t0 = perf_counter()
            item.action()
            self.seconds[item.name] += perf_counter() - t0

    def attempt(self, what: str, call: Callable[[], object]):
        """Run a service call; a refusal (a domain error) is part of business life: count it, go on."""
        try:
            return call()
        except DomainError as exc:
            self.refusals[f"{what}: {exc.code}"] += 1
            return REFUSED
