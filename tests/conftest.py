"""Test databases: a migrated SQLite file copied per test, and a PostgreSQL database per test session.

PostgreSQL tests fail instead of skipping when CI=true; elsewhere they skip
with the reason. Each pytest session creates its own PostgreSQL database, so
parallel sessions (and developers) never truncate each other's data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, insert, text

from ordercare.clock import FixedClock
from ordercare.config import Settings
from ordercare.domain.access import SYSTEM, Actor
from ordercare.store.analytics_tables import reference_rows as analytics_reference_rows
from ordercare.store.costing_tables import reference_rows as costing_reference_rows
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.migrate import upgrade
from ordercare.store.service_tables import reference_rows as service_reference_rows
from ordercare.store.tables import metadata

PG_ADMIN_URL = os.environ.get("ORDERCARE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
REFERENCE_TABLES = {"alembic_version", "payment_terms", "service_packages"}
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday


@dataclass
class Env:
    """What a use-case test needs: a unit of work on a real database, a clock, settings, an actor."""

    uow: UnitOfWork
    clock: FixedClock
    settings: Settings
    actor: Actor
    url: str
    kind: str  # "sqlite" | "postgres"


def _pg_unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}")


@pytest.fixture(scope="session")
def pg_url():
    """A fresh, migrated PostgreSQL database for this session; dropped afterwards."""
    name = f"oc_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not available"
        _pg_unavailable(str(exc).splitlines()[0])
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url):
    engine = make_engine(pg_url, pool_size=40)
    yield engine
    engine.dispose()


def truncate_pg(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name not in REFERENCE_TABLES)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        # the defaults the migrations seed, as a new database has them
        for table, rows in [*service_reference_rows(), *analytics_reference_rows(), *costing_reference_rows()]:
            c.execute(insert(table), rows)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file we copy
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _settings(url: str) -> Settings:
    return Settings(database_url=url)


@pytest.fixture
def sqlite_env(sqlite_template, tmp_path) -> Env:
    path = tmp_path / "ordercare.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield Env(UnitOfWork(engine), FixedClock(START), _settings(url), SYSTEM, url, "sqlite")
    engine.dispose()


@pytest.fixture
def postgres_env(pg_url, pg_engine) -> Env:
    truncate_pg(pg_engine)
    yield Env(UnitOfWork(pg_engine), FixedClock(START), _settings(pg_url), SYSTEM, pg_url, "postgres")


@pytest.fixture(params=["sqlite", "postgres"])
def env(request) -> Env:
    """The same use-case test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_env")
