"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from ordercare.store.db import make_engine
from ordercare.store.migrate import current_revision, script_heads, upgrade
from ordercare.store.tables import metadata, service_packages


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)


def test_sqlite_migration_matches_the_tables(sqlite_env):
    engine = sqlite_env.uow.engine
    assert current_revision(engine) == script_heads()
    assert _diff(engine) == []


def test_postgres_migration_matches_the_tables(postgres_env):
    assert _diff(postgres_env.uow.engine) == []


def test_upgrade_on_an_existing_database_keeps_its_data(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    with engine.begin() as c:
        before = c.execute(select(service_packages.c.code)).scalars().all()
    upgrade(engine)  # a second upgrade is a no-op, not a failure
    with engine.begin() as c:
        assert c.execute(select(service_packages.c.code)).scalars().all() == before == ["A", "B", "C"]
    assert "stock" in inspect(engine).get_table_names()


def test_new_database_starts_with_the_textbook_service_packages(env):
    with env.uow.read() as c:
        rows = {r.code: (str(r.fill_rate_target), r.lead_time_days, r.payment_terms)
                for r in c.execute(select(service_packages))}
    assert rows == {"A": ("0.9800", 3, "4/10 net 30"), "B": ("0.9200", 7, "3/10 net 30"),
                    "C": ("0.8800", 14, "2/10 net 30")}


def test_upgrade_from_the_first_release_keeps_orders(tmp_path):
    """An order written under revision 0001 upgrades to head and reads through today's services."""
    from ordercare.domain.access import SYSTEM
    from ordercare.services.order_views import get_order
    from ordercare.store.db import UnitOfWork

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as c:  # rows as the first release wrote them (money in cents)
        for sql in [
            "INSERT INTO warehouses VALUES (1, 'W1', 'W1', 'EU', 'X', 50, 4, 1, 1)",
            "INSERT INTO products VALUES (1, 'P1', 'P1', 'ea', 1, 0.01, 1000, 600, '', 0, 1)",
            "INSERT INTO customers (id, code, name, kind, active, segment, service_package, sourcing_policy, "
            "ship_complete, created_at) VALUES (1, 'C1', 'C1', 'external', 1, 'B', 'B', 'nearest', 0, "
            "'2026-03-01 09:00:00.000000')",
            "INSERT INTO ship_tos VALUES (1, 1, 'MAIN', 'Main', '', 'X', '', 'BE', 50, 4, 1)",
            "INSERT INTO stock VALUES (1, 1, 10, 3)",
            "INSERT INTO orders (id, customer_id, ship_to_id, channel, status, credit_hold, ship_complete, priority, "
            "promised_date, currency, total_amount, created_at, created_by) VALUES (1, 1, 1, 'api', 'allocated', 0, "
            "0, 2, '2026-03-04', 'EUR', 3000, '2026-03-01 09:00:00.000000', 'old')",
            "INSERT INTO order_lines (id, order_id, line_no, product_id, qty, unit_price, amount, qty_backordered, "
            "promised_ship_date, promised_date) VALUES (1, 1, 1, 1, 3, 1000, 3000, 0, '2026-03-03', '2026-03-04')",
            "INSERT INTO allocations (id, order_line_id, order_id, warehouse_id, product_id, qty, available_date, "
            "ship_date, delivery_date, created_at) VALUES (1, 1, 1, 1, 1, 3, '2026-03-02', '2026-03-03', "
            "'2026-03-04', '2026-03-01 09:00:00.000000')",
        ]:
            c.exec_driver_sql(sql)
    upgrade(engine)
    assert current_revision(engine) == script_heads()
    o = get_order(UnitOfWork(engine), SYSTEM, 1)
    assert (o["status"], str(o["total_amount"]), o["lines"][0]["qty_promised"]) == ("allocated", "30.00", 3)
    with engine.begin() as c:  # the new columns start from "nothing shipped, nothing released"
        assert c.exec_driver_sql("SELECT qty_shipped, qty_delivered FROM order_lines").one() == (0, 0)
        assert c.exec_driver_sql("SELECT released FROM allocations").scalar_one() == 0
