"""A unit of work inside another transaction: each run() is a savepoint of the caller's connection.

A file import hands one of these to the ordinary service functions (create_customer, place_order, …), so each
row goes through exactly the rules of the API, rolls back alone when it is refused, and the whole file still
commits — or not — as one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


class SavepointUnitOfWork:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.engine = conn.engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.conn.begin_nested():
            yield self.conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self.conn

    def run(self, work, *, attempts: int = 1):
        with self.conn.begin_nested():
            return work(self.conn)
