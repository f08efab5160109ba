"""What the benchmarks share: fresh databases, one realistic seeded company, one order workload.

Not part of the test suite. Every database made here is temporary: a SQLite file in a temp
directory, or a PostgreSQL database created for the run and dropped afterwards.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # for tests.concurrency.checker (the invariant checker)
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("ORDERCARE_BENCH_PG_URL",
                              os.environ.get("ORDERCARE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Three distribution centres and customers across Europe (the demo company's places).
WAREHOUSES = [("RTM", "Rotterdam DC", "Benelux", "Rotterdam", 51.9244, 4.4777, 1),
              ("LYS", "Lyon DC", "France & Iberia", "Lyon", 45.7640, 4.8357, 1),
              ("POZ", "Poznan DC", "Central Europe", "Poznan", 52.4064, 16.9252, 2)]
N_PRODUCTS = 200
N_CUSTOMERS = 60
STOCK_PER_ROW = 1_000_000  # ample: a benchmark never runs a product out
LINES_PER_ORDER = 5


@dataclass
class Seeded:
    url: str
    skus: list[str]
    customers: list[str]
    token: str | None = None


def libpq_url(url: str) -> str:
    """SQLAlchemy URL -> the plain postgresql:// URL psycopg takes."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new, empty database URL: a temp SQLite file, or a temp PostgreSQL database (dropped afterwards)."""
    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="ordercare-bench-")
        try:
            yield f"sqlite:///{tmp}/bench.db"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    import psycopg

    name = f"oc_bench_{uuid.uuid4().hex[:10]}"
    admin = libpq_url(PG_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, *, token: bool = False) -> Seeded:
    """Schema by the migrations, then the company through the service layer."""
    from ordercare.clock import FixedClock
    from ordercare.config import Settings
    from ordercare.sim.places import CITIES
    from ordercare.domain.access import SYSTEM
    from ordercare.domain.customers import SourcingPolicy
    from ordercare.services import auth, receipts
    from ordercare.services import master_data as md
    from ordercare.store.db import UnitOfWork, make_engine
    from ordercare.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    uow, clock, settings = UnitOfWork(engine), FixedClock(START), Settings(database_url=url)
    rnd = random.Random(42)
    for code, name, region, city, lat, lon, handling in WAREHOUSES:
        md.create_warehouse(uow, SYSTEM, md.WarehouseData(code, name, region, city, lat, lon, handling))
    skus = [f"P{i:04d}" for i in range(N_PRODUCTS)]
    for sku in skus:
        price = Decimal(rnd.randint(200, 20000)) / 100
        md.create_product(uow, SYSTEM, md.ProductData(sku, f"Product {sku}", Decimal("1.250"), Decimal("0.00400"),
                                                      price, (price * Decimal("0.6")).quantize(Decimal("0.01"))))
        for wh, *_ in WAREHOUSES:
            md.adjust_stock(uow, clock, settings, SYSTEM, warehouse=wh, sku=sku, delta=STOCK_PER_ROW,
                            reason="opening stock", kind="initial")
    for wh, *_ in WAREHOUSES:  # open purchase orders: the receipt queries have rows to read and lock
        receipts.create_purchase_order(uow, clock, settings, SYSTEM, number=f"PO-{wh}", supplier="Supplier",
                                       warehouse=wh, lines=[receipts.ReceiptLine(s, 500, START.date().replace(
                                           month=4)) for s in skus[::4]])
    customers = []
    for i in range(N_CUSTOMERS):
        city, country, lat, lon = CITIES[i % len(CITIES)]
        code = f"C{1000 + i}"
        md.create_customer(uow, clock, SYSTEM, md.CustomerData(
            code=code, name=f"Customer {code} {city}", credit_limit=None if i % 3 else Decimal(100000000),
            service_package="ABC"[i % 3], segment="ABC"[i % 3], sourcing_policy=SourcingPolicy.NEAREST,
            ship_tos=[md.ShipToData("MAIN", "Main", city, country, lat, lon, is_default=True)]))
        customers.append(code)
    out = Seeded(url, skus, customers)
    if token:
        _, out.token = auth.add_user_with_token(uow, clock, SYSTEM, username="bench", role="cs_agent")
    engine.dispose()
    return out


def workload(seeded: Seeded, n: int, seed_: int) -> list[tuple[str, list[tuple[str, int]]]]:
    """n orders of LINES_PER_ORDER distinct products, 1-5 units each, random customers."""
    rnd = random.Random(seed_)
    return [(rnd.choice(seeded.customers), [(s, rnd.randint(1, 5)) for s in rnd.sample(seeded.skus, LINES_PER_ORDER)])
            for _ in range(n)]


def check_books(url: str) -> list[str]:
    """The concurrency tests' invariant checker, run on a benchmark database afterwards."""
    from ordercare.store.db import make_engine
    from tests.concurrency.checker import check_invariants

    engine = make_engine(url)
    try:
        return check_invariants(engine)
    finally:
        engine.dispose()


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import platform
    import sqlite3

    import sqlalchemy
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy.__version__}


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(libpq_url(url)) as c:
        return c.execute("SHOW server_version").fetchone()[0]
