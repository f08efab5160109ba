"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from ordercare.store.db import make_engine
from ordercare.store.migrate import current_revision, upgrade
from ordercare.store.tables import metadata, service_packages


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)


def test_sqlite_migration_matches_the_tables(sqlite_env):
    engine = sqlite_env.uow.engine
    assert current_revision(engine) == "0001"
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
