"""The simulator holds the measures' refreshes through a simulated day and refreshes every order the day touched
once at midnight (sim/run.py). Proof that this ends where refreshing at every change ends: the same scenario,
run both ways on fresh databases (SQLite and PostgreSQL), leaves the same rows in every history table and the
same facts and daily summaries."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from ordercare.clock import FixedClock
from ordercare.config import Settings
from ordercare.services import measure_facts
from ordercare.sim import run as sim_run
from ordercare.sim.run import simulate
from ordercare.sim.scenario import Scenario
from ordercare.store.billing_tables import invoice_lines, invoices
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.fulfilment_tables import shipment_lines, shipments
from ordercare.store.measure_tables import case_facts, kpi_daily, kpi_daily_cycle, kpi_daily_failures, line_facts, \
    order_facts
from ordercare.store.service_tables import cases
from ordercare.store.tables import allocations, order_events, order_lines, orders, stock
from tests.conftest import START, truncate_pg

SCENARIO = dict(days=12, customers=12, skus=48, seed=3)
HISTORY = [orders, order_lines, allocations, order_events, shipments, shipment_lines, invoices, invoice_lines, stock,
           cases]
FACTS = [order_facts, line_facts, case_facts]
SUMMARIES = [kpi_daily, kpi_daily_cycle, kpi_daily_failures]
KEYS = {"dimension", "day", "slice_key", "measure", "days", "kind", "department"}


def _state(uow: UnitOfWork) -> dict[str, list]:
    """Every row of the tables compared, in key order; summary rows whose counters are all zero left out (a
    slice that got +1 and then -1 keeps a zero row where the held path never wrote one)."""
    out = {}
    with uow.read() as conn:
        for table in HISTORY + FACTS + SUMMARIES:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            if table in SUMMARIES:
                counters = [i for i, c in enumerate(table.c) if c.name not in KEYS]
                rows = [r for r in rows if any(r[i] for i in counters)]
            out[table.name] = [tuple(r) for r in rows]
    return out


def _run(uow: UnitOfWork, url: str, *, hold: bool) -> dict[str, list]:
    clock = FixedClock(START)
    simulate(uow, Settings(database_url=url), Scenario(**SCENARIO, start=START.date()), clock=clock,
             hold_measures=hold)
    return _state(uow)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_databases(request, tmp_path):
    """A function that gives a fresh migrated database (uow, url) each time it is called."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        engines = []

        def fresh(name: str):
            path = tmp_path / f"{name}.db"
            shutil.copy(template, path)
            engines.append(make_engine(f"sqlite:///{path}"))
            return UnitOfWork(engines[-1]), f"sqlite:///{path}"

        yield fresh
        for e in engines:
            e.dispose()
    else:
        url, engine = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_engine")

        def fresh(_name: str):
            truncate_pg(engine)  # identities restart: both runs get the same ids
            return UnitOfWork(engine), url

        yield fresh


def test_held_refreshes_end_where_a_refresh_at_every_change_ends(fresh_databases, monkeypatch):
    held_orders: list[int] = []

    @contextmanager
    def recorded():
        with measure_facts.refreshes_held() as touched:
            yield touched
        held_orders.append(len(touched))

    monkeypatch.setattr(sim_run, "refreshes_held", recorded)
    each = _run(*fresh_databases("each"), hold=False)
    assert held_orders == []
    held = _run(*fresh_databases("held"), hold=True)
    assert len(held_orders) == SCENARIO["days"] and sum(held_orders) > 50  # the services' refreshes were held
    assert len(each["orders"]) > 30 and len(each["cases"]) > 0 and len(each["kpi_daily"]) > 100
    for table in each:
        assert held[table] == each[table], f"{table} differs"
