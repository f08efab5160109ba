"""Recompute every measure from the records: after an upgrade of a database that already held orders, or to
prove the incremental summaries right. Facts are refreshed in chunks (each its own transaction, keeping what
they captured when things happened: first promises, stock at placement); the summaries are then summed again
from the facts in one transaction that holds writers of the measure tables off until it is done."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select, text

from ..domain.access import Actor, Permission
from ..store.db import UnitOfWork
from ..store.measure_summary import rebuild_summaries
from ..store.service_tables import cases
from ..store.tables import orders
from .measure_cases import refresh_case_facts
from .measure_facts import CHUNK, refresh_order_facts

_MEASURE_TABLES = "order_facts, line_facts, case_facts, kpi_daily, kpi_daily_cycle, kpi_daily_failures"


def rebuild_measures(uow: UnitOfWork, actor: Actor,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Returns how many orders and cases were read and how many orders' facts had to change."""
    actor.require(Permission.REBUILD_MEASURES)
    with uow.read() as conn:
        order_ids = conn.execute(select(orders.c.id).order_by(orders.c.id)).scalars().all()
        case_ids = conn.execute(select(cases.c.id).order_by(cases.c.id)).scalars().all()
    changed = 0
    for i in range(0, len(order_ids), CHUNK):
        chunk = order_ids[i:i + CHUNK]
        changed += uow.run(lambda conn, ids=chunk: refresh_order_facts(conn, ids, summaries=False))
        if progress:
            progress("orders", min(i + CHUNK, len(order_ids)), len(order_ids))
    for i in range(0, len(case_ids), CHUNK):
        chunk = case_ids[i:i + CHUNK]
        uow.run(lambda conn, ids=chunk: refresh_case_facts(conn, ids, orders=False))
        if progress:
            progress("cases", min(i + CHUNK, len(case_ids)), len(case_ids))

    def summaries(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":  # refreshes wait; readers go on reading the old summaries
            conn.execute(text(f"LOCK TABLE {_MEASURE_TABLES} IN SHARE ROW EXCLUSIVE MODE"))
        rebuild_summaries(conn)
    uow.run(summaries)
    if progress:
        progress("summaries", 1, 1)
    return {"orders": len(order_ids), "orders_changed": changed, "cases": len(case_ids)}
