"""The demo company is what the README promises, built through the real services."""

from sqlalchemy import func, select

from ordercare.clock import FixedClock
from ordercare.demo.company import build_demo
from ordercare.services.auth import authenticate
from ordercare.store.tables import customers, orders, products, purchase_orders, receipts, stock, warehouses

from tests.conftest import START


def test_demo_builds_a_realistic_distributor(sqlite_env):
    login = build_demo(sqlite_env.uow, sqlite_env.settings, FixedClock(START), seed=3)
    with sqlite_env.uow.read() as c:
        count = lambda t, *w: c.execute(select(func.count()).select_from(t).where(*w)).scalar_one()  # noqa: E731
        assert count(warehouses) >= 3
        assert len({r.region for r in c.execute(select(warehouses.c.region))}) >= 3
        assert count(products) >= 200
        assert count(customers, customers.c.kind == "external") >= 100
        assert count(customers, customers.c.kind == "internal") >= 2
        assert count(purchase_orders) > 0 and count(receipts) > 0
        assert count(orders) >= 200
        # several channels and statuses, not one of each
        assert len({r[0] for r in c.execute(select(orders.c.channel).distinct())}) >= 4
        statuses = {r[0] for r in c.execute(select(orders.c.status).distinct())}
        assert {"allocated", "cancelled"} <= statuses
        assert c.execute(select(func.sum(stock.c.reserved))).scalar_one() > 0
        admin = authenticate(c, login.admin_token)
        customer = authenticate(c, login.customer_token)
    assert admin.role == "admin" and customer.is_customer
    _billing_is_meaningful(sqlite_env)
    _service_is_meaningful(sqlite_env)
    _books_balance(sqlite_env)


def _books_balance(env) -> None:
    """`ordercare check` on the demo: every invariant holds after the history the services wrote."""
    from ordercare.domain.access import SYSTEM
    from ordercare.services.invariants import run_checks

    report = run_checks(env.uow, FixedClock(START), SYSTEM)
    assert report["ok"], report["violations"][:10]


def _billing_is_meaningful(env) -> None:
    """Shipped orders were invoiced by the real services, segments paid by their habits, the books balance."""
    from decimal import Decimal

    from ordercare.domain.access import SYSTEM
    from ordercare.services.ledger_check import check_ledger
    from ordercare.services.receivables import aging_report
    from ordercare.store.billing_tables import invoices, payments

    with env.uow.read() as c:
        issued = c.execute(select(func.count()).select_from(invoices).where(invoices.c.kind == "invoice")).scalar_one()
        paid = c.execute(select(func.count()).select_from(payments)).scalar_one()
        discount = dict(c.execute(select(customers.c.segment, func.sum(invoices.c.discount_taken))
                                  .join(customers, customers.c.id == invoices.c.customer_id)
                                  .group_by(customers.c.segment)).all())
    assert issued >= 100 and paid >= 30
    assert discount["A"] > 0  # segment A pays within the discount days
    aged = aging_report(env.uow, FixedClock(START), SYSTEM)["totals"]
    assert sum(1 for b in ("1-30", "31-60", "61-90", "90+") if aged[b] > Decimal("0")) >= 3
    assert check_ledger(env.uow, SYSTEM)["balanced"]


def _service_is_meaningful(env) -> None:
    """Complaints and returns on the history's damaged deliveries and short picks: the queue is not empty, some
    cases are closed with a root cause, returned units went to the shelf or a non-sellable bucket."""
    from ordercare.domain.access import SYSTEM
    from ordercare.services.case_views import list_cases
    from ordercare.services.return_views import list_returns
    from ordercare.store.service_tables import cases, nonsellable_stock

    queue = list_cases(env.uow, FixedClock(START), SYSTEM, open_only=True)
    assert queue["total"] >= 2
    with env.uow.read() as c:
        closed = c.execute(select(cases.c.root_cause).where(cases.c.status == "closed")).scalars().all()
        held = c.execute(select(func.coalesce(func.sum(nonsellable_stock.c.qty), 0))).scalar_one()
    assert closed and all(closed)
    assert list_returns(env.uow, SYSTEM)["total"] >= 3 and held >= 1


def test_the_demo_sign_ins_open_the_pages(sqlite_env):
    from ordercare.services.sign_in import sign_in
    login = build_demo(sqlite_env.uow, sqlite_env.settings, FixedClock(START), seed=3, history_days=2,
                       history_orders=10)
    clock = FixedClock(START)
    admin = sign_in(sqlite_env.uow, clock, username=login.admin_user, password=login.admin_password, client="t")
    desk = sign_in(sqlite_env.uow, clock, username="desk", password=login.admin_password, client="t")
    buyer = sign_in(sqlite_env.uow, clock, username=login.customer_user, password=login.customer_password,
                    client="t")
    assert (admin.actor.role, desk.actor.role, buyer.actor.role) == ("admin", "cs_agent", "customer")
