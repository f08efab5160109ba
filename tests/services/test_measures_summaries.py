"""The daily summaries a report reads give exactly what summing the facts gives, however the facts changed on
the way (each change applied as new contribution minus old), and a rebuild from the facts gives the same rows.
Random histories (hypothesis) on SQLite; a seeded random history and a real pipeline on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import importlib.util

from alembic.migration import MigrationContext
from alembic.operations import Operations
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, func, inspect, select

from ordercare.metrics.counters import BIN_DAYS, COUNTERS, DIMENSIONS, MONTHLY, ORDER_DIMENSIONS
from ordercare.metrics.periods import ReportRequest
from ordercare.services.measure_facts import store_facts
from ordercare.services.measure_rebuild import rebuild_measures
from ordercare.services.measure_report import kpi_report, pareto_report
from ordercare.store import measure_sums as sums
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.migrate import MIGRATIONS
from ordercare.store.measure_summary import rebuild_summaries
from ordercare.store.measure_tables import kpi_daily, kpi_daily_cycle, kpi_daily_failures, line_facts, order_facts
from ordercare.store.tables import metadata
from tests.measure_records import D0, order_versions

LO, HI = D0 - timedelta(days=1), D0 + timedelta(days=10)
SUMMARIES = (kpi_daily, kpi_daily_cycle, kpi_daily_failures)


def _as_plain(counters, hist):
    return ({k: v for k, v in counters.items() if any(v.values())},
            {k: {m: dict(d) for m, d in h.items()} for k, h in hist.items()})


# Periods of days only, a whole month (month rows of the large slices), and a month with partial ones around it.
PERIODS = [(LO, HI), (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 2, 20), date(2026, 4, 2))]
# The large slices also: a year row with whole months and days around it, and two read as a month or a year
# less the days around the period (the histories' order days, from D0 on, among them).
LONG_PERIODS = [(date(2025, 11, 20), date(2027, 2, 28)), (D0 + timedelta(days=1), date(2026, 3, 30)),
                (D0 + timedelta(days=2), date(2026, 12, 31))]


def assert_summaries_match_facts(conn) -> None:
    for dim in DIMENSIONS:
        for lo, hi in PERIODS + (LONG_PERIODS if dim in MONTHLY else []):
            assert _as_plain(*sums.summed(conn, dim, lo, hi)) == _as_plain(*sums.summed(conn, dim, lo, hi,
                                                                                from_facts=True)), (dim, lo, hi)
            if dim in ORDER_DIMENSIONS:
                assert sums.failures(conn, dim, lo, hi) == sums.failures(conn, dim, lo, hi, from_facts=True), (dim, lo)


def summary_rows(conn) -> dict:
    out = {}
    for t in SUMMARIES:
        keys = [c.name for c in t.primary_key.columns]
        rows = {tuple(r._mapping[k] for k in keys): tuple(v for k, v in r._mapping.items() if k not in keys)
                for r in conn.execute(select(t))}
        out[t.name] = {k: v for k, v in rows.items() if any(v)}  # a row summed down to zero is no row
    return out


def _apply_history(uow, history) -> None:
    for versions in history:
        for record in versions:
            uow.run(lambda conn, r=record: store_facts(conn, [r]))


histories = st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True).flatmap(
    lambda ids: st.tuples(*[st.lists(order_versions(i), min_size=1, max_size=4) for i in ids]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(histories)
def test_summaries_equal_the_sums_of_the_facts_after_any_history(history):
    engine = make_engine("sqlite://")
    metadata.create_all(engine, tables=[order_facts, line_facts, *SUMMARIES])
    uow = UnitOfWork(engine)
    _apply_history(uow, history)
    with uow.read() as conn:
        assert_summaries_match_facts(conn)
        incremental = summary_rows(conn)
    uow.run(rebuild_summaries)
    with uow.read() as conn:
        assert summary_rows(conn) == incremental
    engine.dispose()


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(histories)
def test_random_histories_on_both_databases(env, history):
    """The database keeps what earlier examples wrote: a later example's versions change those orders again."""
    _apply_history(env.uow, history)
    with env.uow.read() as conn:
        assert_summaries_match_facts(conn)
        incremental = summary_rows(conn)
    env.uow.run(rebuild_summaries)
    with env.uow.read() as conn:
        assert summary_rows(conn) == incremental


def test_rebuilding_from_the_records_reproduces_every_report(env):
    """A history through the services (back-orders, short picks, late and damaged deliveries, a case, a return);
    then facts and summaries are recomputed from the records: every slice of the report is the same."""
    from tests.services.test_measures_pareto import pareto_history
    pareto_history(env)
    period = ReportRequest(D0, D0 + timedelta(days=30))
    slices = ["total", *[d for d in DIMENSIONS if d != "total"]]
    before = [kpi_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30), slice=s,
                                                                      trend="week")) for s in slices]
    pareto_before = pareto_report(env.uow, env.clock, env.actor, period)
    with env.uow.read() as conn:
        rows_before = summary_rows(conn)
    result = rebuild_measures(env.uow, env.actor)
    assert result["orders_changed"] == 0  # the facts were current: nothing to correct
    with env.uow.read() as conn:
        assert summary_rows(conn) == rows_before
        assert_summaries_match_facts(conn)
    after = [kpi_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30), slice=s,
                                                                     trend="week")) for s in slices]
    assert after == before
    assert pareto_report(env.uow, env.clock, env.actor, period) == pareto_before


def _migration(name: str):
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / "versions" / f"{name}.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def _run_migration(conn, step) -> None:
    with Operations.context(MigrationContext.configure(conn)):
        step()


def test_the_year_rows_migration_sums_what_the_rebuild_sums(env):
    """A database summed before the year rows existed gets them from its month rows (revision
    0004_kpi_year_rows), the same rows a rebuild writes."""
    from tests.services.test_measures_pareto import pareto_history
    pareto_history(env)
    with env.uow.read() as conn:
        rows = summary_rows(conn)
    assert any(k[0] == "product@year" and any(v[len(COUNTERS):]) for k, v in rows["kpi_daily"].items())  # bins
    migration = _migration("0004_kpi_year_rows")

    def without_then_migrated(conn):
        for t in SUMMARIES:
            conn.execute(delete(t).where(t.c.dimension.in_(("customer@year", "product@year"))))
        _run_migration(conn, migration.upgrade)
    env.uow.run(without_then_migrated)
    with env.uow.read() as conn:
        assert summary_rows(conn) == rows


def test_the_cycle_bins_migration_moves_the_histogram_rows_into_the_daily_rows_exactly(env):
    """Revision 0006_kpi_cycle_bins, down and up again on a history with cycle times in and outside the bins:
    down, every bin is a histogram row again (as the summaries were kept before it) and no bin column is left;
    up, the rows are the same as before, to the last count, and still match the facts."""
    from tests.services.test_measures_pareto import pareto_history
    pareto_history(env)
    with env.uow.read() as conn:
        rows = summary_rows(conn)
        binned = sum(sum(v[len(COUNTERS):]) for v in rows["kpi_daily"].values())
    assert binned > 0
    migration = _migration("0006_kpi_cycle_bins")

    def down(conn):
        _run_migration(conn, migration.downgrade)
        names = [c["name"] for c in inspect(conn).get_columns("kpi_daily")]
        assert not [n for n in names if n.startswith(("ship_d", "deliver_d"))]
        in_range = kpi_daily_cycle.c.days.between(0, BIN_DAYS - 1)
        assert conn.execute(select(func.sum(kpi_daily_cycle.c.n)).where(in_range)).scalar_one() == binned
        _run_migration(conn, migration.upgrade)
    env.uow.run(down)
    with env.uow.read() as conn:
        assert summary_rows(conn) == rows
        assert_summaries_match_facts(conn)
