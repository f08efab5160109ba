"""simulate(): set up the company (unless given), then run the days, each through the real services.

A day, in simulated time (UTC):

    06:30  goods in (purchase receipts due today; supplier delays were announced earlier)
    07:00  finance works the credit-hold queue
    07:00-17:30  orders through every channel (EDI batches at 07:30, 13:30 and 21:00)
    09:00  installers; 10:30 carriers deliver (complaints and returns follow as their own items)
    09:30, 12:30, 16:30  the SLA escalation job (working days)
    15:00  each warehouse: release, pick, rate, loads and routes, ship
    16:30  the buyer's review (working days)
    18:00  billing: invoice run, payments, disputes, dunning
    24:00  the measures: the facts and daily summaries of every order the day touched, refreshed once

The services would refresh an order's measures at each change (a case's every step, each shipment, delivery);
the simulator holds those refreshes through the day and makes them once at midnight (hold_measures=False
refreshes at each change, as a live system does; both end the day with the same facts and summaries).
"""

from __future__ import annotations

import time as wall
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from ..clock import FixedClock
from ..config import Settings
from ..services.measure_facts import refresh_order_facts, refreshes_held
from ..store.db import UnitOfWork
from . import aftersales, billing, ordering, purchasing, warehouse
from .company import Company, build_company
from .scenario import Scenario
from .world import World, moment

Progress = Callable[[str, int, int], None]


def _noop(_step: str, _done: int, _total: int) -> None:
    pass


@dataclass
class Summary:
    scenario: Scenario
    seconds: float
    cpu_seconds: float
    setup_seconds: float
    setup_cpu_seconds: float
    tally: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    time_by_kind: dict[str, float] = field(default_factory=dict)  # wall seconds per kind of agenda item

    @property
    def orders(self) -> int:
        return self.tally.get("orders", 0)

    def as_dict(self) -> dict:
        sc = self.scenario
        return {"days": sc.days, "seed": sc.seed, "customers": sc.customers, "skus": sc.skus,
                "start": sc.start.isoformat(), "seconds": round(self.seconds, 2),
                "setup_seconds": round(self.setup_seconds, 2), "cpu_seconds": round(self.cpu_seconds, 2),
                "setup_cpu_seconds": round(self.setup_cpu_seconds, 2),
                "tally": dict(sorted(self.tally.items())), "refusals": dict(sorted(self.refusals.items())),
                "seconds_by_kind": {k: round(v, 2) for k, v in sorted(self.time_by_kind.items())}}


def simulate(uow: UnitOfWork, settings: Settings, scenario: Scenario, *, progress: Progress = _noop,
             company: Company | None = None, clock: FixedClock | None = None, hold_measures: bool = True) -> Summary:
    """Run the scenario on a migrated database; the company is set up first unless given."""
    scenario.check()
    t0, c0 = wall.perf_counter(), wall.process_time()
    clock = clock or FixedClock(datetime.combine(scenario.start, time(6, 0), tzinfo=timezone.utc))
    clock.set(datetime.combine(scenario.start, time(6, 0), tzinfo=timezone.utc))
    company = company or build_company(uow, settings, clock, scenario, progress)
    setup, setup_cpu = wall.perf_counter() - t0, wall.process_time() - c0
    world = World(uow, settings, scenario, company, clock)
    for d in range(scenario.days):
        day = scenario.start + timedelta(days=d)
        with refreshes_held() if hold_measures else nullcontext(set()) as touched:
            _plan_day(world, day)
            world.run_until(moment(day, 24))
        if touched:
            uow.run(lambda conn, ids=sorted(touched): refresh_order_facts(conn, ids))
        world.forecast.close_day()
        progress("simulated days", d + 1, scenario.days)
    clock.set(moment(scenario.end, 6))
    return Summary(scenario, wall.perf_counter() - t0, wall.process_time() - c0, setup, setup_cpu,
                   dict(world.tally), dict(world.refusals), dict(world.seconds))


def _plan_day(world: World, day) -> None:
    working = day.weekday() < 5
    world.at(moment(day, 7.0), lambda: ordering.review_credit_holds(world), "credit holds")
    ordering.plan_orders(world, day)
    world.at(moment(day, 9.0), lambda: warehouse.install_due(world), "installers")
    world.at(moment(day, 10.5), lambda: warehouse.deliver_today(world), "deliveries")
    if working:
        for hour in (9.5, 12.5, 16.5):
            world.at(moment(day, hour), lambda: aftersales.escalate(world), "escalation")
    for wh in world.company.warehouses:
        world.at(moment(day, 15.0), lambda wh=wh: warehouse.warehouse_run(world, wh), "warehouse")
        if working:
            world.at(moment(day, 16.5), lambda wh=wh: purchasing.review(world, wh), "buyer")
    world.at(moment(day, 18.0), lambda: billing.billing_day(world), "billing")
