"""64 clients, each on its own connection, place orders for scarce stock on PostgreSQL at the same instant.

The service must neither oversell nor deadlock; the naive check-then-act control, run by the
same harness, must be caught by the same checker.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from ordercare.store.db import make_engine

from .harness import (
    assign,
    build_world,
    load_refs,
    naive_placer,
    race_report,
    run_threads,
    scarce_scenario,
    service_placer,
)

pytestmark = pytest.mark.postgres

N_CLIENTS = 64
APP_NAME = "oc_race"


@pytest.fixture
def race_engine(postgres_env):
    """An engine only the race clients use (a pool of one connection per client)."""
    engine = make_engine(f"{postgres_env.url}?application_name={APP_NAME}", pool_size=N_CLIENTS)
    yield engine
    engine.dispose()


def warm(engine) -> None:
    """Open every client's connection before the barrier, so the clients really start together."""
    conns = [engine.connect() for _ in range(N_CLIENTS)]
    for c in conns:
        c.close()


def deadlocks_so_far(engine) -> int:
    """pg_stat_database.deadlocks of this database, once pending statistics are flushed.

    A backend flushes its statistics when it exits, so the race's connections (and the
    fixture pool's, disposed here) are closed first and waited for. Connections other test
    code may keep open to this database are waited for only briefly.
    """
    engine.dispose()
    deadline, others_deadline = time.monotonic() + 15, time.monotonic() + 3
    with engine.connect() as c:
        while True:
            race, others = c.execute(text(
                "SELECT count(*) FILTER (WHERE application_name = :a), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"), {"a": APP_NAME}).one()
            c.rollback()
            if race == 0 and (others == 0 or time.monotonic() > others_deadline):
                break
            assert time.monotonic() < deadline, "race connections did not close"
            time.sleep(0.05)
        return c.execute(text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
                         ).scalar_one()


def test_service_neither_oversells_nor_deadlocks(postgres_env, race_engine):
    sc = scarce_scenario(n_orders=64)
    build_world(postgres_env, sc)
    engine = postgres_env.uow.engine
    deadlocks_before = deadlocks_so_far(engine)
    warm(race_engine)

    outcomes = run_threads(service_placer(race_engine, postgres_env.clock.now()), assign(sc, N_CLIENTS))
    race_engine.dispose()
    deadlocks = deadlocks_so_far(engine) - deadlocks_before
    r = race_report(engine, sc, outcomes)

    assert r["peak_in_flight"] >= N_CLIENTS // 2, "the clients did not overlap: the race proves nothing"
    assert r["errors"] == [], "errors reached the clients"
    assert len(r["placed"]) == len(set(r["placed"])) == len(sc.orders)
    assert r["violations"] == []
    t = r["totals"]
    # Demand exceeds supply of both SKUs, so every unit of stock and of the receipts is taken, no more.
    assert t["reserved"] == t["on_hand"] == t["allocated_stock"] == sum(sc.stock.values())
    assert t["promised"] == t["receipt_open"] == t["allocated_receipts"] == sum(q for *_, q in sc.receipts)
    assert r["replay"] == [], "allocations differ from a serial execution in commit order"
    assert r["events"] == []
    assert set(r["statuses"].values()) <= {"allocated", "partially_allocated", "backordered"}
    assert {"allocated", "backordered"} <= set(r["statuses"].values())
    assert deadlocks == 0, f"{deadlocks} deadlocks (retried inside the unit of work, but the lock order should " \
                           "prevent them)"


def test_naive_check_then_act_is_caught(postgres_env, race_engine):
    """Negative control: the same harness and checker catch an unlocked read-then-write reservation."""
    sc = scarce_scenario(n_orders=64)
    build_world(postgres_env, sc)
    engine = postgres_env.uow.engine
    warm(race_engine)

    outcomes = run_threads(naive_placer(race_engine, load_refs(engine), postgres_env.clock.now()),
                           assign(sc, N_CLIENTS))
    r = race_report(engine, sc, outcomes)

    assert r["peak_in_flight"] >= N_CLIENTS // 2
    assert r["errors"] == []  # nothing stops it: the database accepts every write
    assert r["violations"], "the checker missed the naive reservation's lost updates"
    assert any("units allocated from it" in v for v in r["violations"])
    assert any("(oversold)" in v for v in r["violations"])
    assert r["totals"]["allocated_stock"] > r["totals"]["on_hand"], "the control did not oversell"
