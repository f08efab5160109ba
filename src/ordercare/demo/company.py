"""The demo: the simulated distributor (ordercare.sim) run up to yesterday, then sign-ins to look at it.

Everything in it was written by the real services under a simulated clock: orders through every channel,
purchasing and goods in, picking (with Poznań's replenishment problem in the middle of the history),
carriers, complaints and returns, invoices, payments and dunning. The story shows in the reports: Poznań's
fill rate drops while the problem lasts, the Pareto of root causes names replenishment, SLAs breach and
CSAT dips, then everything recovers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select, update

from ..clock import Clock, FixedClock
from ..config import Settings
from ..services import auth
from ..services.passwords import hash_password
from ..sim.run import Summary, simulate
from ..sim.scenario import Scenario
from ..store.db import UnitOfWork
from ..store.tables import customers, users
from . import CUSTOMERS, DAYS, SKUS

Progress = Callable[[str, int, int], None]


@dataclass
class DemoLogin:
    admin_token: str
    admin_user: str
    admin_password: str
    customer_token: str
    customer_code: str
    customer_user: str = ""
    customer_password: str = ""  # the portal sign-in; staff demo users (desk, …) share admin's password
    summary: Summary | None = None


def _noop(_step: str, _done: int, _total: int) -> None:
    pass


def demo_scenario(clock: Clock, *, seed: int = 7, days: int = DAYS, customers: int = CUSTOMERS,
                  skus: int = SKUS) -> Scenario:
    """The history ends yesterday evening: its last day is the day before the clock's today."""
    return Scenario(days=days, seed=seed, customers=customers, skus=skus,
                    start=clock.today() - timedelta(days=days)).check()


def build_demo(uow: UnitOfWork, settings: Settings, clock: Clock, *, seed: int = 7, days: int = DAYS,
               customers: int = CUSTOMERS, skus: int = SKUS, progress: Progress = _noop) -> DemoLogin:
    scenario = demo_scenario(clock, seed=seed, days=days, customers=customers, skus=skus)
    past = FixedClock(datetime.combine(scenario.start, time(6, 0), tzinfo=timezone.utc))
    summary = simulate(uow, settings, scenario, progress=progress, clock=past)
    login = _logins(uow, clock)
    login.summary = summary
    return login


def _logins(uow: UnitOfWork, clock: Clock) -> DemoLogin:
    """admin (a new password), the simulator's staff users signing in with the same one, and a key account's
    buyer in the portal."""
    password = secrets.token_urlsafe(9)
    with uow.transaction() as conn:
        customer_code = conn.execute(select(customers.c.code).where(customers.c.segment == "A",
                                                                     customers.c.kind == "external")
                                     .order_by(customers.c.code)).scalars().first()
        admin_id = auth.create_user(conn, clock, username="admin", role="admin")
        token = auth.issue_token(conn, clock, admin_id, "demo")
        conn.execute(update(users).where(users.c.role != "customer").values(password_hash=hash_password(password)))
        cust_name, cust_password = f"buyer@{customer_code.lower()}", secrets.token_urlsafe(9)
        cust_user = auth.create_user(conn, clock, username=cust_name, role="customer", customer_code=customer_code)
        conn.execute(update(users).where(users.c.id == cust_user).values(password_hash=hash_password(cust_password)))
        cust_token = auth.issue_token(conn, clock, cust_user, "demo")
    return DemoLogin(token, "admin", password, cust_token, customer_code, cust_name, cust_password)
