"""Reading cases: one case with its SLA clocks, history, recovery and cost; the queues."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cases import CaseStatus, case_number
from ..domain.errors import ValidationFailed
from ..domain.orders import order_number
from ..domain.returns import rma_number
from ..store.db import UnitOfWork
from ..store.service_events import case_history
from ..store.service_tables import case_escalations, cases, csat_responses, recovery_actions
from ..store.tables import customers, users
from .case_clocks import clock_view, clocks, pauses_of
from .cases import load_case_for
from .service_setup import CalendarCache


def _summary(case, customer: str, assignee: str | None, state: dict) -> dict[str, Any]:
    return {
        "id": case.id, "number": case_number(case.id), "customer": customer, "status": case.status,
        "channel": case.channel, "category": case.category, "priority": case.priority, "subject": case.subject,
        "queue": case.queue, "assigned_to": assignee, "opened_at": case.opened_at,
        "order": order_number(case.order_id) if case.order_id else None, "escalation_level": case.escalation_level,
        "sla": {name: clock_view(c) for name, c in state.items()},
        "breached": any(c.breached for c in state.values()),
    }


def case_view(conn: Connection, clock: Clock, actor: Actor, case_id: int) -> dict[str, Any]:
    case = load_case_for(conn, actor, case_id)
    customer = conn.execute(select(customers.c.code).where(customers.c.id == case.customer_id)).scalar_one()
    assignee = conn.execute(select(users.c.username).where(users.c.id == case.assigned_user_id)).scalar() \
        if case.assigned_user_id else None
    state = clocks(case, pauses_of(conn, [case.id]).get(case.id, []), CalendarCache(conn), clock.now())
    actions = [{"id": a.id, "kind": a.kind, "cost": a.cost, "order": order_number(a.order_id) if a.order_id else None,
                "return": rma_number(a.return_id) if a.return_id else None, "credit_note_id": a.credit_note_id,
                "refund_id": a.refund_id, "note": a.note, "at": a.at, "actor": a.actor}
               for a in conn.execute(select(recovery_actions).where(recovery_actions.c.case_id == case.id)
                                     .order_by(recovery_actions.c.id))]
    surveys = [{"id": s.id, "score": s.score, "comment": s.comment, "requested_at": s.requested_at,
                "answered_at": s.answered_at}
               for s in conn.execute(select(csat_responses).where(csat_responses.c.case_id == case.id)
                                     .order_by(csat_responses.c.id))]
    escalations = [{"clock": e.clock, "level": e.level, "role": e.role, "at": e.at}
                   for e in conn.execute(select(case_escalations).where(case_escalations.c.case_id == case.id)
                                         .order_by(case_escalations.c.id))]
    return {
        **_summary(case, customer, assignee, state),
        "description": case.description, "contact_name": case.contact_name, "contact_email": case.contact_email,
        "contact_phone": case.contact_phone, "shipment_id": case.shipment_id, "invoice_id": case.invoice_id,
        "return": rma_number(case.return_id) if case.return_id else None, "sla_policy": case.sla_policy,
        "calendar": case.calendar_code, "acknowledged_at": case.acknowledged_at, "resolved_at": case.resolved_at,
        "closed_at": case.closed_at, "root_cause": case.root_cause, "department": case.department,
        "root_cause_note": case.root_cause_note, "resolution": case.resolution,
        "failure_cost": sum((a["cost"] for a in actions), Decimal("0")), "recovery_actions": actions,
        "surveys": surveys, "escalations": escalations, "anonymised": case.anonymised_at is not None,
        "history": case_history(conn, case.id),
    }


def get_case(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_SERVICE)
    with uow.read() as conn:
        return case_view(conn, clock, actor, case_id)


def list_cases(uow: UnitOfWork, clock: Clock, actor: Actor, *, status: str | None = None, queue: str | None = None,
               assigned_to: str | None = None, customer: str | None = None, open_only: bool = False,
               breached: bool | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The case queue, oldest first; `breached` filters on the clocks as they stand now."""
    actor.require(Permission.READ_SERVICE)
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise ValidationFailed("unknown_status", f"status: '{status}' is not a case status", field="status",
                               allowed=[s.value for s in CaseStatus])
    q = (select(cases, customers.c.code.label("customer_code"), users.c.username.label("assignee"))
         .join(customers, customers.c.id == cases.c.customer_id)
         .outerjoin(users, users.c.id == cases.c.assigned_user_id))
    if actor.is_customer:
        q = q.where(cases.c.customer_id == actor.customer_id)
    if status:
        q = q.where(cases.c.status == status)
    if open_only:
        q = q.where(cases.c.status.not_in([CaseStatus.CLOSED]))
    if queue:
        q = q.where(cases.c.queue == queue)
    if assigned_to:
        q = q.where(users.c.username == assigned_to)
    if customer:
        q = q.where(customers.c.code == customer)
    q = q.order_by(cases.c.opened_at, cases.c.id)
    with uow.read() as conn:
        if breached is None:
            total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = conn.execute(q.limit(limit).offset(offset)).all()
        else:
            rows = conn.execute(q).all()
        pauses = pauses_of(conn, [r.id for r in rows])
        calendars, now = CalendarCache(conn), clock.now()
        items = [_summary(r, r.customer_code, r.assignee, clocks(r, pauses.get(r.id, []), calendars, now))
                 for r in rows]
    if breached is not None:
        items = [i for i in items if i["breached"] == breached]
        total, items = len(items), items[offset:offset + limit]
    return {"total": total, "items": items}
