"""The demo company is what the README promises: a distributor whose history the simulator ran through the real
services, with its story visible in the measures. One small demo (five weeks, 24 customers) is built once for
the module; `ordercare demo` builds a bigger one the same way."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.clock import FixedClock
from ordercare.config import Settings
from ordercare.demo.company import build_demo, demo_scenario
from ordercare.domain.access import SYSTEM
from ordercare.metrics.periods import ReportRequest
from ordercare.services.auth import authenticate
from ordercare.services.measure_report import kpi_report, pareto_report
from ordercare.sim.story import problem_window
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.tables import customers, orders, products, purchase_orders, receipts, warehouses

from tests.conftest import START

SIZE = {"seed": 3, "days": 35, "customers": 24, "skus": 96}


class Demo:
    def __init__(self, uow, login, clock):
        self.uow, self.login, self.clock = uow, login, clock


@pytest.fixture(scope="module")
def demo(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    clock = FixedClock(START)
    uow = UnitOfWork(engine)
    login = build_demo(uow, Settings(database_url=url), clock, **SIZE)
    yield Demo(uow, login, clock)
    engine.dispose()


def test_the_demo_is_a_realistic_distributor(demo):
    with demo.uow.read() as c:
        count = lambda t, *w: c.execute(select(func.count()).select_from(t).where(*w)).scalar_one()  # noqa: E731
        assert count(warehouses) == 3 and len({r.region for r in c.execute(select(warehouses.c.region))}) == 3
        assert count(products) == SIZE["skus"]
        assert count(customers, customers.c.kind == "external") == SIZE["customers"]
        assert count(customers, customers.c.kind == "internal") == 3
        assert count(purchase_orders) > 0 and count(receipts) > 0
        assert count(orders) >= 200
        channels = set(c.execute(select(orders.c.channel).distinct()).scalars())
        assert {"edi", "api", "portal", "phone", "file"} <= channels
        statuses = set(c.execute(select(orders.c.status).distinct()).scalars())
        assert {"delivered", "cancelled"} <= statuses and len(statuses) >= 5
        # The history ends yesterday evening: nothing happened today or later.
        last = c.execute(select(func.max(orders.c.created_at))).scalar_one()
        assert last.date() < START.date()
        admin = authenticate(c, demo.login.admin_token)
        customer = authenticate(c, demo.login.customer_token)
    assert admin.role == "admin" and customer.is_customer


def test_the_demo_sign_ins_work(demo):
    from ordercare.services.sign_in import sign_in
    login = demo.login
    admin = sign_in(demo.uow, demo.clock, username=login.admin_user, password=login.admin_password, client="t")
    desk = sign_in(demo.uow, demo.clock, username="desk", password=login.admin_password, client="t")
    buyer = sign_in(demo.uow, demo.clock, username=login.customer_user, password=login.customer_password, client="t")
    assert (admin.actor.role, desk.actor.role, buyer.actor.role) == ("admin", "cs_agent", "customer")


def test_the_books_balance(demo):
    """`ordercare check` on the demo: every invariant holds after the history the services wrote."""
    from ordercare.services.invariants import run_checks
    from ordercare.services.ledger_check import check_ledger

    report = run_checks(demo.uow, demo.clock, SYSTEM)
    assert report["ok"], report["violations"][:10]
    assert check_ledger(demo.uow, SYSTEM)["balanced"]


def test_the_demo_ships_rate_shopped_and_routed(demo):
    """Shipments went out with a rate-shopped carrier service and its cost and CO2, by several modes; road loads
    carry a multi-stop route of a stored length and stop sequence (issue 3: the demo shows real costs and routes)."""
    from ordercare.store.fulfilment_tables import carrier_services, loads, shipments

    with demo.uow.read() as c:
        shipped = c.execute(select(shipments.c.freight_cost, shipments.c.co2_kg, carrier_services.c.mode)
                            .join(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
                            .where(shipments.c.status.in_(["shipped", "delivered"]))).all()
        routes = c.execute(select(loads.c.id, loads.c.route_distance_km)).all()
        sequenced = c.execute(select(func.count()).select_from(shipments)
                              .where(shipments.c.load_id.is_not(None), shipments.c.route_seq.is_not(None))).scalar_one()
    assert len(shipped) >= 100 and all(cost > 0 and co2 is not None for cost, co2, _ in shipped)
    assert sum(1 for _, co2, _ in shipped if co2 > 0) > 0.9 * len(shipped)  # a few km of a light load round to 0
    assert len({mode for _, _, mode in shipped}) >= 2
    assert routes and all(km and km > 0 for _, km in routes)
    assert sequenced >= len(routes)


def test_billing_follows_the_segments_habits(demo):
    from ordercare.services.receivables import aging_report
    from ordercare.store.billing_tables import invoices, payments

    with demo.uow.read() as c:
        issued = c.execute(select(func.count()).select_from(invoices).where(invoices.c.kind == "invoice")).scalar_one()
        paid = c.execute(select(func.count()).select_from(payments)).scalar_one()
        discount = dict(c.execute(select(customers.c.segment, func.sum(invoices.c.discount_taken))
                                  .join(customers, customers.c.id == invoices.c.customer_id)
                                  .group_by(customers.c.segment)).all())
    assert issued >= 30 and paid >= 20
    assert discount["A"] > 0  # key accounts pay within the discount days
    aged = aging_report(demo.uow, demo.clock, SYSTEM)["totals"]
    assert sum(1 for b in ("1-30", "31-60", "61-90", "90+") if aged[b] > Decimal("0")) >= 2


def test_the_service_desk_has_work_and_history(demo):
    from ordercare.services.case_views import list_cases
    from ordercare.services.return_views import list_returns
    from ordercare.store.service_tables import cases

    assert list_cases(demo.uow, demo.clock, SYSTEM, open_only=True)["total"] >= 2
    with demo.uow.read() as c:
        closed = c.execute(select(cases.c.root_cause).where(cases.c.status == "closed")).scalars().all()
    assert closed and all(closed)
    assert list_returns(demo.uow, SYSTEM)["total"] >= 3


def test_the_replenishment_story_shows_in_the_measures(demo):
    """Poznań's replenishment team falls behind for a stretch: its fill rate drops below its own before and
    below the other warehouses', the Pareto of root causes charges replenishment, the desk answers late and
    satisfaction falls — read through the real report service, as the dashboard reads it."""
    scenario = demo_scenario(demo.clock, **SIZE)
    first, last = problem_window(scenario.story, scenario.start, scenario.days)
    before = ReportRequest(scenario.start, first - timedelta(days=1))
    during = ReportRequest(first, last)

    def fill(req):
        rows = kpi_report(demo.uow, demo.clock, SYSTEM, ReportRequest(req.date_from, req.date_to,
                                                                      slice="warehouse"))["rows"]
        return {r["label"]: r["fill"]["line"]["rate"] for r in rows}

    def replenishment_cases(req):
        depts = pareto_report(demo.uow, demo.clock, SYSTEM, req)["departments"]
        return next((d["cases"] for d in depts if d["department"] == "replenishment"), 0)

    def total(req):
        return kpi_report(demo.uow, demo.clock, SYSTEM, req)["total"]

    fill_before, fill_during, poz = fill(before), fill(during), scenario.story.warehouse
    assert poz == "POZ" and set(fill_during) == {"RTM", "LYS", "POZ"}
    assert fill_during[poz] < fill_before[poz] - 0.02
    assert fill_during[poz] == min(fill_during.values())
    assert replenishment_cases(during) > replenishment_cases(before) + 2
    t_before, t_during = total(before), total(during)
    assert t_during["cases"]["first_response_sla"]["rate"] < t_before["cases"]["first_response_sla"]["rate"]
    assert t_during["csat"]["all"]["csat"] < t_before["csat"]["all"]["csat"]
