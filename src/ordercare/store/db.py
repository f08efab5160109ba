"""Engines and the unit of work: the only place that commits.

SQLite runs in WAL mode and every write transaction starts with BEGIN
IMMEDIATE, so two writers never both read and then both try to upgrade a
lock (which SQLite answers with "database is locked" instead of waiting).
PostgreSQL runs at READ COMMITTED; stock rows are locked in a fixed order
(warehouse, product) by the inventory queries, so concurrent orders neither
oversell nor deadlock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool, StaticPool

from .prepared import driver_sql

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED", "EXCLUSIVE": "BEGIN EXCLUSIVE"}


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=StaticPool if in_memory else NullPool if pool_size == 0 else None,
        )
        _configure_sqlite(engine, in_memory)
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is deferred-only).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        driver_sql(conn, _BEGIN[mode])  # on the driver: SQLAlchemy's execution path costs more than BEGIN


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# PostgreSQL deadlock and serialization failures, SQLite "locked": safe to retry the whole transaction.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class UnitOfWork:
    """Hands out transactions; commits when the block ends without an error, rolls back otherwise.

    On SQLite the writers of one process queue on a lock before BEGIN IMMEDIATE: SQLite's own busy
    handler sleeps and retries, so under load a writer can keep losing to newer ones (seconds of
    tail latency); the queue serves them in turn. Other processes still wait on the busy timeout.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._writers = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._writers, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: deferred, so readers never wait for writers)."""
        with self.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            with conn.begin():
                yield conn

    def run(self, work, *, attempts: int = 5):
        """Run work(conn) in a transaction, retrying the whole of it on deadlock or lock timeouts."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as conn:
                    return work(conn)
            except DBAPIError as exc:
                if attempt == attempts or not _retryable(exc):
                    raise
                time.sleep(0.01 * attempt)
