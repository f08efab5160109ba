"""The same race on a WAL SQLite file, the clients spread over several spawned OS processes.

Each process builds its own engine from the file's URL; its clients are threads with their own
connections. All clients of all processes wait on one barrier and then place at once.
"""

from __future__ import annotations

from .harness import assign, build_world, load_refs, race_report, run_processes, scarce_scenario

PROCESSES = 8
N_CLIENTS = 32  # 4 threads in each process; 64 orders, two per client


def _setup(sqlite_env):
    sc = scarce_scenario(n_orders=64)
    build_world(sqlite_env, sc)
    engine = sqlite_env.uow.engine
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    return sc, engine


def test_service_never_oversells_across_processes(sqlite_env):
    sc, engine = _setup(sqlite_env)

    outcomes = run_processes(sqlite_env.url, "service", sqlite_env.clock.now(), assign(sc, N_CLIENTS),
                             processes=PROCESSES)
    r = race_report(engine, sc, outcomes)

    assert len({o.client for o in outcomes}) == N_CLIENTS and len(outcomes) == len(sc.orders)
    assert r["peak_in_flight"] >= N_CLIENTS // 2, "the clients did not overlap: the race proves nothing"
    assert r["errors"] == [], "errors (e.g. 'database is locked') reached the clients"
    assert len(r["placed"]) == len(set(r["placed"])) == len(sc.orders)
    assert r["violations"] == []
    t = r["totals"]
    assert t["reserved"] == t["on_hand"] == t["allocated_stock"] == sum(sc.stock.values())
    assert t["promised"] == t["receipt_open"] == t["allocated_receipts"] == sum(q for *_, q in sc.receipts)
    assert r["replay"] == [], "allocations differ from a serial execution in commit order"
    assert r["events"] == []
    assert set(r["statuses"].values()) <= {"allocated", "partially_allocated", "backordered"}
    assert {"allocated", "backordered"} <= set(r["statuses"].values())


def test_naive_check_then_act_is_caught_across_processes(sqlite_env):
    """Negative control: BEGIN IMMEDIATE serialises the writes, but not a read made in another transaction."""
    sc, engine = _setup(sqlite_env)

    outcomes = run_processes(sqlite_env.url, "naive", sqlite_env.clock.now(), assign(sc, N_CLIENTS),
                             processes=PROCESSES, refs=load_refs(engine))
    r = race_report(engine, sc, outcomes)

    assert r["peak_in_flight"] >= N_CLIENTS // 2
    assert r["errors"] == []
    assert r["violations"], "the checker missed the naive reservation's lost updates"
    assert any("units allocated from it" in v for v in r["violations"])
    assert any("(oversold)" in v for v in r["violations"])
    assert r["totals"]["allocated_stock"] > r["totals"]["on_hand"], "the control did not oversell"
