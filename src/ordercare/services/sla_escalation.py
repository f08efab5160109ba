"""The escalation job: breached SLA clocks climb the escalation chain (team lead, then manager, …).

Each (case, clock, level) escalates once: a row in case_escalations under a unique key, a case event
"escalated" (the notifications feature turns those into e-mails) and, for a case about an order, an event
on the order's timeline. Running the job twice, or in two processes at once, escalates once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cases import OPEN, CaseStatus, case_number
from ..domain.sla import escalation_time, escalations_due
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.service_events import append_case_event
from ..store.service_tables import case_escalations, cases
from ..store.tables import customers, users
from .case_clocks import clocks, levels, pauses_of
from .service_setup import CalendarCache

log = logging.getLogger("ordercare.sla")
# Statuses whose resolution clock still runs (the first-response clock runs until acknowledged).
_RUNNING = [str(s) for s in OPEN]


def _insert_once(conn: Connection, row: dict) -> bool:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    inserted = conn.execute(upsert(case_escalations).values(**row).on_conflict_do_nothing(
        index_elements=["case_id", "clock", "level"]).returning(case_escalations.c.id)).first()
    return inserted is not None


def escalate_in(conn: Connection, clock: Clock, actor: Actor) -> dict[str, Any]:
    now = clock.now()
    rows = conn.execute(select(cases, customers.c.code.label("customer"), users.c.username.label("assignee"))
                        .join(customers, customers.c.id == cases.c.customer_id)
                        .outerjoin(users, users.c.id == cases.c.assigned_user_id)
                        .where(cases.c.status.in_(_RUNNING)).order_by(cases.c.id)).all()
    done = {(r.case_id, r.clock, r.level) for r in conn.execute(
        select(case_escalations.c.case_id, case_escalations.c.clock, case_escalations.c.level)
        .where(case_escalations.c.case_id.in_([c.id for c in rows] or [0])))}
    pauses = pauses_of(conn, [c.id for c in rows])
    calendars = CalendarCache(conn)
    escalated = []
    for case in rows:
        state = clocks(case, pauses.get(case.id, []), calendars, now)
        for name, c in state.items():
            if name == "first_response" and case.status != CaseStatus.LOGGED:
                continue
            for lv in escalations_due(c, levels(case)):
                if (case.id, name, lv.level) in done:
                    continue
                due = escalation_time(calendars[case.calendar_code], c, lv)
                if not _insert_once(conn, {"case_id": case.id, "clock": name, "level": lv.level, "role": lv.role,
                                           "due_at": due, "at": now}):
                    continue  # another run got there first
                fact = {"case": case_number(case.id), "clock": name, "level": lv.level, "role": lv.role,
                        "due_at": c.due_at.isoformat() if c.due_at else None, "customer": case.customer,
                        "priority": case.priority, "queue": case.queue, "assignee": case.assignee}
                append_case_event(conn, case.id, "escalated", at=now, actor=actor.username, payload=fact)
                if case.order_id is not None:
                    append_event(conn, case.order_id, "case_escalated", at=now, actor=actor.username, payload=fact)
                conn.execute(update(cases).where(cases.c.id == case.id, cases.c.escalation_level < lv.level)
                             .values(escalation_level=lv.level))
                escalated.append(fact)
    return {"checked": len(rows), "escalated": escalated, "at": now}


def run_sla_escalations(uow: UnitOfWork, clock: Clock, actor: Actor) -> dict[str, Any]:
    """Escalate every breached clock of the open cases; returns what was checked and escalated."""
    actor.require(Permission.MANAGE_SERVICE)
    return uow.run(lambda conn: escalate_in(conn, clock, actor))


class EscalationLoop:
    """Runs the job every `interval` seconds in a daemon thread, until stopped (the server's schedule)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, actor: Actor, interval: float):
        self.uow, self.clock, self.actor, self.interval = uow, clock, actor, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sla-escalations", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                summary = run_sla_escalations(self.uow, self.clock, self.actor)
                if summary["escalated"]:
                    log.info("SLA: %d escalation(s) over %d open cases", len(summary["escalated"]),
                             summary["checked"])
            except Exception:  # noqa: BLE001 - a failed run is logged; the next one tries again
                log.exception("SLA escalation run failed")


def _register_with_the_worker() -> None:
    """`ordercare worker` runs the job every five minutes (services/scheduled_jobs.py)."""
    from datetime import timedelta

    from .scheduled_jobs import register_job
    register_job("sla_escalations", timedelta(minutes=5),
                 lambda ctx: run_sla_escalations(ctx.uow, ctx.clock, ctx.actor))


_register_with_the_worker()
