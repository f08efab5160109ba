"""The daily summaries a report reads give exactly what summing the facts gives, however the facts changed on
the way (each change applied as new contribution minus old), and a rebuild from the facts gives the same rows.
Random histories (hypothesis) on SQLite; a seeded random history and a real pipeline on both databases."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from ordercare.metrics.counters import DIMENSIONS, MONTHLY, ORDER_DIMENSIONS
from ordercare.metrics.periods import ReportRequest
from ordercare.services.measure_facts import store_facts
from ordercare.services.measure_rebuild import rebuild_measures
from ordercare.services.measure_report import kpi_report, pareto_report
from ordercare.store import measure_sums as sums
from ordercare.store.db import UnitOfWork, make_engine
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


def test_the_year_rows_migration_sums_what_the_rebuild_sums(env):
    """A database summed before the year rows existed gets them from its month rows (revision
    0004_kpi_year_rows), the same rows a rebuild writes."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import delete

    from ordercare.store.migrate import MIGRATIONS
    from tests.services.test_measures_pareto import pareto_history
    pareto_history(env)
    with env.uow.read() as conn:
        rows = summary_rows(conn)
    assert any(k[0] == "product@year" for k in rows["kpi_daily_cycle"])
    spec = importlib.util.spec_from_file_location("year_rows", MIGRATIONS / "versions" / "0004_kpi_year_rows.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    def without_then_migrated(conn):
        for t in SUMMARIES:
            conn.execute(delete(t).where(t.c.dimension.in_(("customer@year", "product@year"))))
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
    env.uow.run(without_then_migrated)
    with env.uow.read() as conn:
        assert summary_rows(conn) == rows
