"""Property, through the real services on SQLite: any sequence of payments (named or oldest-first), credit notes,
later applications, refunds, reversals and cancellations keeps the ledger invariant to the cent, never applies
more than is open, and a refused step changes nothing."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from ordercare.clock import FixedClock
from ordercare.config import Settings
from ordercare.domain.access import SYSTEM
from ordercare.domain.cash import Allocation
from ordercare.domain.errors import DomainError
from ordercare.domain.payment_terms import settle
from ordercare.services import billing_setup, payments
from ordercare.services.credit_notes import CreditLine, raise_credit_note, refund
from ordercare.services.invoice_changes import cancel_invoice
from ordercare.services.ledger_check import find_problems
from ordercare.services.opening_balances import record_opening_balance
from ordercare.store.billing_tables import credit_notes, invoices
from ordercare.store.billing_tables import payments as payment_rows
from ordercare.store.db import UnitOfWork, make_engine
from tests.conftest import START, Env
from tests.factories import carriers, shipment_at, world
from tests.services.billing_helpers import billing_snapshot

D = Decimal
amounts = st.integers(min_value=1, max_value=100_000).map(lambda c: Decimal(c).scaleb(-2))
pick = st.integers(min_value=0, max_value=50)
step = st.one_of(
    st.tuples(st.just("pay"), amounts, st.lists(st.tuples(pick, amounts), max_size=3), st.integers(0, 3)),
    st.tuples(st.just("settle"), pick, st.none(), st.integers(0, 4)),  # pays exactly what settles an invoice now
    st.tuples(st.just("credit"), amounts, st.one_of(st.none(), pick), st.integers(0, 3)),
    st.tuples(st.just("apply_payment"), pick, st.none(), st.integers(0, 3)),
    st.tuples(st.just("apply_credit"), pick, st.none(), st.integers(0, 3)),
    st.tuples(st.just("refund"), amounts, st.none(), st.integers(0, 3)),
    st.tuples(st.just("reverse"), pick, st.none(), st.integers(0, 3)),
    st.tuples(st.just("cancel"), pick, st.none(), st.integers(0, 3)),
)


@pytest.fixture(scope="module")
def billed_db(sqlite_template, tmp_path_factory):
    """Three shipped invoices on 3/10 net 30 with 21 % tax and two opening balances, for CUST1."""
    path = tmp_path_factory.mktemp("billed") / "billed.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    env = Env(UnitOfWork(engine), FixedClock(START), Settings(database_url=url), SYSTEM, url, "sqlite")
    world(env, stock={("NEAR", "SKU-A"): 100, ("NEAR", "SKU-B"): 100})
    carriers(env)
    billing_setup.set_tax_rate(env.uow, SYSTEM, rate=D("21"), name="standard")
    for sku, qty in (("SKU-A", 7), ("SKU-B", 3), ("SKU-A", 12)):
        shipment_at(env, "NEAR", [(sku, qty)], "shipped")
    for n, amount in enumerate(("250.00", "99.99")):
        record_opening_balance(env.uow, env.clock, SYSTEM, customer_id=1, amount=D(amount), reference=f"OB-{n}",
                               issued_on=START.date() - timedelta(days=40), due_on=START.date() - timedelta(days=10),
                               currency="EUR")
    engine.dispose()
    return path


def _ids(env, table, *where) -> list[int]:
    with env.uow.read() as c:
        return list(c.execute(select(table.c.id).where(*where).order_by(table.c.id)).scalars())


def _do(env, kind, a, b, n) -> None:
    invs = _ids(env, invoices)
    if kind == "pay":
        allocations = [Allocation(invs[i % len(invs)], amount) for i, amount in b] or None
        payments.record_payment(env.uow, env.clock, SYSTEM, payments.PaymentIn(
            customer="CUST1", amount=a, currency="EUR", received_on=env.clock.today() - timedelta(days=n % 2),
            method="bank_transfer", reference=f"R{n}-{a}-{len(b)}", allocations=allocations))
    elif kind == "settle":
        with env.uow.read() as c:
            inv = c.execute(select(invoices).where(invoices.c.id == invs[a % len(invs)])).one()
        s = settle(open_amount=inv.open_amount, discount_base=inv.total - inv.credited,
                   discount_pct=inv.discount_pct, discount_until=inv.discount_until, paid_on=env.clock.today(),
                   offered=inv.open_amount)
        if s.cash > 0:
            payments.record_payment(env.uow, env.clock, SYSTEM, payments.PaymentIn(
                customer="CUST1", amount=s.cash, currency="EUR", received_on=env.clock.today(), method="card",
                reference=f"S{inv.id}-{n}-{s.cash}", allocations=[Allocation(inv.id, s.cash)]))
    elif kind == "credit":
        raise_credit_note(env.uow, env.clock, SYSTEM, customer_id=1, reason="property", source="manual",
                          lines=[CreditLine("credit", a, tax_rate=D("0"))], currency="EUR",
                          invoice_id=None if b is None else invs[b % len(invs)])
    elif kind in ("apply_payment", "reverse"):
        pays = _ids(env, payment_rows)
        if pays:
            pid = pays[a % len(pays)]
            if kind == "reverse":
                payments.reverse_payment(env.uow, env.clock, SYSTEM, pid, "bounced")
            else:
                payments.apply_payment(env.uow, env.clock, SYSTEM, pid)
    elif kind == "apply_credit":
        cns = _ids(env, credit_notes)
        if cns:
            payments.apply_credit_note(env.uow, env.clock, SYSTEM, cns[a % len(cns)])
    elif kind == "refund":
        refund(env.uow, env.clock, SYSTEM, customer_id=1, amount=a, method="bank_transfer", reference="rf",
               source="manual")
    elif kind == "cancel":
        cancel_invoice(env.uow, env.clock, SYSTEM, invs[a % len(invs)], "property", reissue=bool(a % 2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_any_sequence_keeps_the_ledger(billed_db, tmp_path, steps):
    path = tmp_path / "run.db"
    shutil.copy(billed_db, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    env = Env(UnitOfWork(engine), FixedClock(START), Settings(database_url=url), SYSTEM, url, "sqlite")
    try:
        for kind, a, b, days in steps:
            env.clock.advance(days=days)
            before = billing_snapshot(env)
            try:
                _do(env, kind, a, b, days)
            except DomainError:
                assert billing_snapshot(env) == before, f"refused {kind} changed something"
            with env.uow.read() as conn:
                problems = find_problems(conn)
                assert problems == [], problems
                assert all(r.open_amount >= 0 and r.open_amount <= r.total
                           for r in conn.execute(select(invoices)))
    finally:
        engine.dispose()
