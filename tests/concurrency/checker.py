"""The invariants after a race, checked by the product's own checker (services/invariants.py, `ordercare check`).

``check_invariants(engine_or_connection)`` returns the violations as sentences; an empty list means the books
balance: stock reserved = its allocations and never above on hand, receipts promised = their allocations and
never overpromised, every unit of a line back-ordered, allocated or shipped (a cancelled order holds nothing),
allocations agree with their lines and receipts, every order in the status its facts give it, stock on hand =
its stock moves, the receivables ledger balanced.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from ordercare.services.invariants import find_violations


@contextmanager
def _connection(bind):
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
            conn.rollback()
    else:
        yield bind


# Constraints `corrupted(unchecked=True)` switches off so a test can write what the database would refuse.
CONSTRAINTS = {"stock": ["ck_stock_never_oversold"],
               "receipts": ["ck_receipts_never_overpromised", "ck_receipts_qty"],
               "order_lines": ["ck_order_lines_qty"], "return_lines": ["ck_return_lines_qty"]}


@contextmanager
def corrupted(env, *, unchecked: bool = False):
    """A connection in a transaction that is rolled back afterwards: write a corruption, check, leave no trace."""
    with env.uow.engine.connect() as c:
        try:
            with c.begin() as tx:
                if unchecked and env.kind == "sqlite":
                    c.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
                if unchecked and env.kind == "postgres":
                    for table, names in CONSTRAINTS.items():
                        for name in names:
                            c.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
                yield c
                tx.rollback()
        finally:
            if unchecked and env.kind == "sqlite":
                c.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
                c.rollback()


def check_invariants(bind: Engine | Connection) -> list[str]:
    with _connection(bind) as conn:
        return [v.message for vs in find_violations(conn).values() for v in vs]


def supply_totals(bind: Engine | Connection) -> dict[str, int]:
    """Units on hand, reserved, expected on open receipts, promised, and allocated (stock / receipts)."""
    with _connection(bind) as conn:
        one = lambda sql: int(conn.execute(text(sql)).scalar_one())
        return {
            "on_hand": one("SELECT COALESCE(SUM(on_hand), 0) FROM stock"),
            "reserved": one("SELECT COALESCE(SUM(reserved), 0) FROM stock"),
            "receipt_open": one("SELECT COALESCE(SUM(qty_ordered - qty_received), 0) FROM receipts "
                                "WHERE status = 'open'"),
            "promised": one("SELECT COALESCE(SUM(promised), 0) FROM receipts"),
            "allocated_stock": one("SELECT COALESCE(SUM(qty), 0) FROM allocations WHERE receipt_id IS NULL"),
            "allocated_receipts": one("SELECT COALESCE(SUM(qty), 0) FROM allocations WHERE receipt_id IS NOT NULL"),
        }
