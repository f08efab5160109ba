"""Reading cases: one case with its SLA clocks, history, recovery and cost; the queues."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from ..clock import Clock
from ..domain.access import Actor, Permission, Role
from ..domain.cases import QUEUE_GENERAL, QUEUE_KEY_ACCOUNTS, QUEUE_PORTAL, CaseCategory, CaseStatus, case_number
from ..domain.errors import ValidationFailed
from ..domain.orders import order_number
from ..domain.returns import rma_number
from ..domain.sla import PRIORITIES, overall_band, urgency
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
        "breached": any(c.breached for c in state.values()), "band": overall_band(state.values()).value,
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
        "contact_phone": case.contact_phone, "order_id": case.order_id, "shipment_id": case.shipment_id,
        "invoice_id": case.invoice_id, "return_id": case.return_id,
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


QUEUE_SORTS = ("urgency", "opened")


def _choice(value: str | None, allowed, field: str, what: str) -> None:
    if value is not None and value not in allowed:
        raise ValidationFailed(f"unknown_{field}", f"{field}: '{value}' is not a {what}", field=field,
                               allowed=list(allowed))


def list_cases(uow: UnitOfWork, clock: Clock, actor: Actor, *, status: str | None = None, queue: str | None = None,
               assigned_to: str | None = None, customer: str | None = None, priority: str | None = None,
               category: str | None = None, open_only: bool = False, breached: bool | None = None,
               sort: str = "opened", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The case queue; `breached` filters on the clocks as they stand now. Sorted oldest first, or by urgency
    (domain/sla.urgency: the most overdue first, then the least business time left, paused, stopped)."""
    actor.require(Permission.READ_SERVICE)
    _choice(status, [s.value for s in CaseStatus], "status", "case status")
    _choice(priority, PRIORITIES, "priority", "priority")
    _choice(category, [c.value for c in CaseCategory], "category", "case category")
    _choice(sort, QUEUE_SORTS, "sort", "sort order")
    q = (select(cases, customers.c.code.label("customer_code"), users.c.username.label("assignee"))
         .join(customers, customers.c.id == cases.c.customer_id)
         .outerjoin(users, users.c.id == cases.c.assigned_user_id))
    if actor.is_customer:
        q = q.where(cases.c.customer_id == actor.customer_id)
    if open_only:
        q = q.where(cases.c.status.not_in([CaseStatus.CLOSED]))
    for column, value in ((cases.c.status, status), (cases.c.queue, queue), (users.c.username, assigned_to),
                          (customers.c.code, customer), (cases.c.priority, priority), (cases.c.category, category)):
        if value:
            q = q.where(column == value)
    q = q.order_by(cases.c.opened_at, cases.c.id)
    on_clocks = breached is not None or sort == "urgency"  # every matching case's clocks are needed
    with uow.read() as conn:
        if not on_clocks:
            total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            rows = conn.execute(q.limit(limit).offset(offset)).all()
        else:
            rows = conn.execute(q).all()
        pauses = pauses_of(conn, [r.id for r in rows])
        calendars, now = CalendarCache(conn), clock.now()
        states = [clocks(r, pauses.get(r.id, []), calendars, now) for r in rows]
    items = [(_summary(r, r.customer_code, r.assignee, state), urgency(state.values(), r.priority))
             for r, state in zip(rows, states)]
    if breached is not None:
        items = [i for i in items if i[0]["breached"] == breached]
    if sort == "urgency":
        items.sort(key=lambda i: i[1])  # stable: equally urgent cases stay oldest first
    if on_clocks:
        total, items = len(items), items[offset:offset + limit]
    return {"total": total, "items": [i[0] for i in items]}


def cases_of_order(conn: Connection, clock: Clock, actor: Actor, order_id: int) -> list[dict[str, Any]]:
    """The order page's cases panel (the order is already checked to be the actor's)."""
    rows = conn.execute(select(cases, customers.c.code.label("customer_code"), users.c.username.label("assignee"))
                        .join(customers, customers.c.id == cases.c.customer_id)
                        .outerjoin(users, users.c.id == cases.c.assigned_user_id)
                        .where(cases.c.order_id == order_id).order_by(cases.c.id)).all()
    pauses, calendars, now = pauses_of(conn, [r.id for r in rows]), CalendarCache(conn), clock.now()
    return [_summary(r, r.customer_code, None if actor.is_customer else r.assignee,
                     clocks(r, pauses.get(r.id, []), calendars, now)) for r in rows]


def desk_choices(uow: UnitOfWork, actor: Actor) -> dict[str, list[str]]:
    """What the desk can pick from: the queues in use (and the routing's own) and the active service users."""
    actor.require(Permission.READ_SERVICE)
    with uow.read() as conn:
        used = conn.execute(select(cases.c.queue).distinct()).scalars().all()
        people = conn.execute(select(users.c.username).where(
            users.c.active.is_(True), users.c.role.in_([Role.CS_AGENT, Role.MANAGER, Role.ADMIN]))
            .order_by(users.c.username)).scalars().all()
    if actor.is_customer:  # the desk's organisation is not the customer's business
        return {"queues": [], "service_users": []}
    return {"queues": sorted({QUEUE_GENERAL, QUEUE_PORTAL, QUEUE_KEY_ACCOUNTS, *used}), "service_users": people}
