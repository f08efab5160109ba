"""The facts of complaint cases for the service report: SLA outcomes, time to resolve, recovery cost, blame.

refresh_case_facts(conn, case_ids) is called by the case services whenever a case is opened, moves, gets its
root cause or a recovery action. An SLA outcome is known once its clock stopped (acknowledged, resolved); while
it runs the fact keeps its due time, so a report counts a case already past due as missed. The order a case is
about is refreshed too: the department its investigation names takes the blame for that order's failure.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, select

from ..store.measure_tables import case_facts
from ..store.prepared import Prepared, in_ids, insert_of, padded_ids
from ..store.service_tables import cases, recovery_actions
from ..store.tables import customers
from .case_clocks import clocks, pauses_of
from .measure_facts import refresh_order_facts
from .measure_records import utc_day
from .service_setup import CalendarCache

CHUNK = 512
# What the facts and the clocks read of a case (clocks: the calendar, targets, opening and stops).
_CASES = Prepared(
    select(cases.c.id, cases.c.customer_id, cases.c.order_id, cases.c.opened_at, cases.c.acknowledged_at,
           cases.c.resolved_at, cases.c.category, cases.c.priority, cases.c.department, cases.c.calendar_code,
           cases.c.first_response_minutes, cases.c.resolution_minutes,
           customers.c.segment, customers.c.service_package, customers.c.kind)
    .join(customers, customers.c.id == cases.c.customer_id)
    .where(in_ids(cases.c.id)), expanding="ids")
_RECOVERY_COST = Prepared(
    select(recovery_actions.c.case_id, func.sum(recovery_actions.c.cost))
    .where(in_ids(recovery_actions.c.case_id)).group_by(recovery_actions.c.case_id),
    expanding="ids")
_FORGET = Prepared(delete(case_facts).where(in_ids(case_facts.c.case_id)),
                   expanding="ids")
_COLUMNS = tuple(c.name for c in case_facts.columns)
_WRITE = insert_of(case_facts, _COLUMNS)


def _met(state) -> int | None:
    if state.stopped_at is None:
        return None
    return 0 if state.breached else 1


def refresh_case_facts(conn: Connection, case_ids: Iterable[int], *, now=None, orders: bool = True) -> None:
    """Recompute the facts of these cases (and of the orders they are about)."""
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        ids_in = padded_ids(chunk)
        rows = _CASES.rows(conn, ids_in)
        cost = dict(_RECOVERY_COST.rows(conn, ids_in))
        pauses, calendars = pauses_of(conn, chunk), CalendarCache(conn)
        facts = []
        for c in rows:
            # The clocks are read as of their stop (or, running, only for their due time): `now` matters
            # only for a running clock's elapsed time, which the facts do not keep.
            at = now or c.resolved_at or c.acknowledged_at or c.opened_at
            state = clocks(c, pauses.get(c.id, []), calendars, max(at, c.opened_at))
            fr, res = state["first_response"], state["resolution"]
            facts.append({
                "case_id": c.id, "customer_id": c.customer_id, "segment": c.segment, "package": c.service_package,
                "customer_kind": c.kind, "order_id": c.order_id, "opened_day": utc_day(c.opened_at),
                "category": c.category, "priority": c.priority, "department": c.department,
                "first_response_met": _met(fr), "resolution_met": _met(res),
                "first_response_due": fr.due_at if fr.stopped_at is None else None,
                "resolution_due": res.due_at if res.stopped_at is None else None,
                "resolve_minutes": int((c.resolved_at - c.opened_at).total_seconds() // 60)
                if c.resolved_at else None,
                "recovery_cost": cost.get(c.id) or 0})
        _FORGET.execute(conn, ids_in)
        _WRITE.execute_many(conn, facts)
        if orders:
            refresh_order_facts(conn, {c.order_id for c in rows if c.order_id is not None})
