"""Complaint and service cases: log, acknowledge, investigate, wait on the customer, resolve, follow up, close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission, Role
from ..domain.cases import (
    CaseCategory, CaseChannel, CaseStatus, case_number, check_close, check_root_cause, check_text,
    check_transition, route,
)
from ..domain.errors import Conflict, ValidationFailed
from ..domain.sla import PRIORITIES, choose_policy
from ..store.billing_tables import invoices
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.fulfilment_tables import shipments
from ..store.prepared import Prepared, insert_of, status_move
from ..store.service_events import append_case_event
from ..store.service_tables import case_events, case_pauses, cases, returns
from ..store.tables import orders, service_packages, users
from .intake import resolve_customer
from .ownership import load_owned
from .measure_cases import refresh_case_facts
from .service_setup import account_rep_of, load_calendar, load_sla_policies

S = CaseStatus


@dataclass(frozen=True)
class CaseRequest:
    customer: str  # customer code
    subject: str
    category: str
    channel: str = CaseChannel.PHONE
    priority: str = "normal"
    description: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    order_id: int | None = None
    shipment_id: int | None = None
    invoice_id: int | None = None  # billing's id
    return_id: int | None = None


def _choice(value: str, allowed, field: str, code: str) -> str:
    values = [a.value if hasattr(a, "value") else a for a in allowed]
    if value not in values:
        raise ValidationFailed(code, f"{field}: one of {values}", field=field)
    return value


_OWNER: dict[str, Prepared] = {}  # the customer of a linked record, per table: compiled once
_SERVICE_CHANNEL = Prepared(select(service_packages.c.service_channel)
                            .where(service_packages.c.code == bindparam("package")))
_CASE_COLUMNS = ("customer_id", "channel", "category", "priority", "status", "subject", "description", "contact_name",
                 "contact_email", "contact_phone", "order_id", "shipment_id", "invoice_id", "return_id", "queue",
                 "assigned_user_id", "sla_policy", "calendar_code", "first_response_minutes", "resolution_minutes",
                 "escalation", "escalation_level", "opened_at", "created_by")
_INSERT_CASE = insert_of(cases, _CASE_COLUMNS, returning=cases.c.id)


def _linked(conn: Connection, table, entity_id: int | None, customer_id: int, field: str, what: str) -> None:
    """A linked order, shipment or return must be the customer's (another's reads as missing)."""
    if entity_id is None:
        return
    q = _OWNER.get(table.name)
    if q is None:
        q = _OWNER[table.name] = Prepared(select(table.c.customer_id).where(table.c.id == bindparam("id")))
    owner = q.scalar(conn, {"id": entity_id})
    if owner != customer_id:
        raise ValidationFailed(f"unknown_{what}", f"{field}: the customer has no {what} {entity_id}", field=field)


def open_case_in(conn: Connection, clock: Clock, actor: Actor, req: CaseRequest) -> int:
    customer = resolve_customer(conn, actor, req.customer)
    channel = CaseChannel.PORTAL.value if actor.is_customer else _choice(req.channel, CaseChannel, "channel",
                                                                          "unknown_channel")
    _choice(req.category, CaseCategory, "category", "unknown_category")
    _choice(req.priority, PRIORITIES, "priority", "unknown_priority")
    subject = check_text(req.subject, "subject", required=True, max_len=200)
    description = check_text(req.description, "description", max_len=4000)
    contact = {f: check_text(getattr(req, f), f, max_len=50 if f == "contact_phone" else 200)
               for f in ("contact_name", "contact_email", "contact_phone")}
    _linked(conn, invoices, req.invoice_id, customer.id, "invoice_id", "invoice")
    _linked(conn, orders, req.order_id, customer.id, "order_id", "order")
    _linked(conn, shipments, req.shipment_id, customer.id, "shipment_id", "shipment")
    _linked(conn, returns, req.return_id, customer.id, "return_id", "return")
    policy = choose_policy(load_sla_policies(conn), customer.service_package, req.priority)
    if policy is None:
        raise ValidationFailed("no_sla_policy", f"priority: no SLA policy for package {customer.service_package} "
                               f"and priority {req.priority}", field="priority")
    load_calendar(conn, policy.calendar)
    service_channel = _SERVICE_CHANNEL.scalar(conn, {"package": customer.service_package})
    queue, assignee = route(service_channel, account_rep_of(conn, customer.id))
    now = clock.now()
    case_id = _INSERT_CASE.scalar(conn, dict(
        customer_id=customer.id, channel=channel, category=req.category, priority=req.priority,
        status=S.LOGGED, subject=subject, description=description, **contact, order_id=req.order_id,
        shipment_id=req.shipment_id, invoice_id=req.invoice_id, return_id=req.return_id, queue=queue,
        assigned_user_id=assignee, sla_policy=policy.code, calendar_code=policy.calendar,
        first_response_minutes=policy.first_response_minutes, resolution_minutes=policy.resolution_minutes,
        escalation=[e.__dict__ for e in policy.escalation], escalation_level=0, opened_at=now,
        created_by=actor.username))
    append_case_event(conn, case_id, "logged", at=now, actor=actor.username, to_status=S.LOGGED, payload={
        "channel": channel, "category": req.category, "priority": req.priority, "queue": queue,
        "assigned_user_id": assignee, "sla_policy": policy.code})
    if req.order_id is not None:
        append_event(conn, req.order_id, "case_opened", at=now, actor=actor.username, payload={
            "case": case_number(case_id), "category": req.category, "channel": channel})
    refresh_case_facts(conn, [case_id])
    return case_id


def open_case(uow: UnitOfWork, clock: Clock, actor: Actor, req: CaseRequest) -> int:
    """Log a case from any channel; it is routed (rep, queue or portal queue) and its SLA clocks start."""
    actor.require(Permission.OPEN_CASE)
    return uow.run(lambda conn: open_case_in(conn, clock, actor, req))


def load_case_for(conn: Connection, actor: Actor, case_id: int, *, lock: bool = False):
    return load_owned(conn, actor, cases, case_id, what="case", lock=lock)


def move_case(conn: Connection, case, target: CaseStatus, *, at, actor: str, note: str | None = None,
              payload: dict[str, Any] | None = None, **values: Any) -> None:
    """Change status through the transitions table, conditionally on the status we read."""
    check_transition(case.status, target)
    count = status_move(cases, tuple(sorted(values))).execute(conn, {
        **values, "id": case.id, "read_status": case.status, "to_status": str(target)})
    if count != 1:
        raise Conflict("case_changed", "the case changed while this was being done; reload and retry",
                       case_id=case.id)
    append_case_event(conn, case.id, "status_changed", at=at, actor=actor, note=note, from_status=case.status,
                      to_status=target, payload=payload)
    refresh_case_facts(conn, [case.id])


def _step(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, target: CaseStatus, note: str | None,
          *, note_required: bool = False, extra=None, after=None) -> None:
    """One step of the procedure: check, move, and what the step adds: extra(conn, case, now) -> column values
    before the move, after(conn, case, now) once moved."""
    actor.require(Permission.WORK_CASES)
    text = check_text(note, "note", required=note_required)

    def work(conn: Connection) -> None:
        case = load_case_for(conn, actor, case_id, lock=True)
        now = clock.now()
        values = extra(conn, case, now) if extra else {}
        move_case(conn, case, target, at=now, actor=actor.username, note=text, **values)
        if after:
            after(conn, case, now)

    uow.run(work)


def acknowledge(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str | None = None) -> None:
    """The first response to the customer: the first-response clock stops."""
    _step(uow, clock, actor, case_id, S.ACKNOWLEDGED, note, extra=lambda c, case, now: {"acknowledged_at": now})


def investigate(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str | None = None) -> None:
    """Start investigating; from waiting on the customer this is working again, so the pause ends."""
    _step(uow, clock, actor, case_id, S.INVESTIGATING, note, extra=lambda c, case, now: _end_pause(c, case, now))


def wait_on_customer(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str) -> None:
    """Ask the customer for something: the SLA clocks pause until the customer answers (or work resumes)."""
    def pause(conn, case, now):
        conn.execute(insert(case_pauses).values(case_id=case.id, started_at=now))
        return {}
    _step(uow, clock, actor, case_id, S.WAITING_ON_CUSTOMER, note, note_required=True, extra=pause)


def _resume_in(conn: Connection, case, now, actor: str, note: str | None) -> None:
    """Back to where the case was before it waited; the pause ends."""
    before = conn.execute(select(case_events.c.from_status).where(
        case_events.c.case_id == case.id, case_events.c.to_status == S.WAITING_ON_CUSTOMER)
        .order_by(case_events.c.id.desc()).limit(1)).scalar() or S.ACKNOWLEDGED
    _end_pause(conn, case, now)
    move_case(conn, case, CaseStatus(before), at=now, actor=actor, note=note)


_END_PAUSE = Prepared(update(case_pauses).where(case_pauses.c.case_id == bindparam("cid"),
                                               case_pauses.c.ended_at.is_(None)).values(ended_at=bindparam("now")))


def _end_pause(conn: Connection, case, now) -> dict:
    _END_PAUSE.execute(conn, {"cid": case.id, "now": now})
    return {}


def resume(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str | None = None) -> None:
    actor.require(Permission.WORK_CASES)
    text = check_text(note, "note")

    def work(conn: Connection) -> None:
        case = load_case_for(conn, actor, case_id, lock=True)
        if case.status != S.WAITING_ON_CUSTOMER:
            raise Conflict("not_waiting", f"case {case_id} is {case.status}, not waiting on the customer",
                           field="status", status=case.status)
        _resume_in(conn, case, clock.now(), actor.username, text)

    uow.run(work)


def add_note(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str) -> None:
    """A message on the case (the customer's or the desk's); the customer's answer ends a wait."""
    actor.require(Permission.OPEN_CASE)
    text = check_text(note, "note", required=True)

    def work(conn: Connection) -> None:
        case = load_case_for(conn, actor, case_id, lock=True)
        if case.status == S.CLOSED:
            raise Conflict("case_closed", f"case {case_id} is closed", field="status")
        now = clock.now()
        append_case_event(conn, case.id, "customer_note" if actor.is_customer else "note", at=now,
                          actor=actor.username, note=text)
        if actor.is_customer and case.status == S.WAITING_ON_CUSTOMER:
            _resume_in(conn, case, now, actor.username, "the customer answered")

    uow.run(work)


_ROOT_CAUSE = Prepared(update(cases).where(cases.c.id == bindparam("cid")).values(
    root_cause=bindparam("cause"), department=bindparam("dept"), root_cause_note=bindparam("note")))


def record_root_cause(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, *, root_cause: str,
                      department: str | None = None, note: str | None = None) -> None:
    """The investigation's finding: the failure is charged to the department that caused it."""
    actor.require(Permission.WORK_CASES)
    cause, dept = check_root_cause(root_cause, department)
    text = check_text(note, "note", max_len=1000)

    def work(conn: Connection) -> None:
        case = load_case_for(conn, actor, case_id, lock=True)
        if case.status in (S.LOGGED, S.CLOSED):
            raise Conflict("case_not_in_investigation", f"case {case_id} is {case.status}: acknowledge it first"
                           if case.status == S.LOGGED else f"case {case_id} is closed", field="status")
        now = clock.now()
        _ROOT_CAUSE.execute(conn, {"cid": case.id, "cause": cause, "dept": dept, "note": text})
        append_case_event(conn, case.id, "root_cause", at=now, actor=actor.username, note=text,
                          payload={"root_cause": cause, "department": dept})
        refresh_case_facts(conn, [case.id])
        if case.order_id is not None:
            append_event(conn, case.order_id, "service_failure", at=now, actor=actor.username, reason=text,
                         payload={"case": case_number(case.id), "root_cause": cause, "department": dept})

    uow.run(work)


def resolve(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, resolution: str) -> None:
    """What was done for the customer; the resolution clock stops."""
    text = check_text(resolution, "resolution", required=True)
    _step(uow, clock, actor, case_id, S.RESOLVED, None,
          extra=lambda c, case, now: {"resolved_at": now, "resolution": text})


def follow_up(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str | None = None) -> int:
    """Tell the customer and ask for feedback: a CSAT survey about the case is sent. Returns its id."""
    from .csat import request_survey_in
    made: list[int] = []

    def survey(conn, case, now):
        made.append(request_survey_in(conn, clock, touchpoint="case", customer_id=case.customer_id,
                                      order_id=case.order_id, case_id=case.id, return_id=case.return_id))
        append_case_event(conn, case.id, "survey_sent", at=now, actor=actor.username,
                          payload={"survey_id": made[-1]})
    _step(uow, clock, actor, case_id, S.FOLLOW_UP, note, after=survey)
    return made[0]


def reopen(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, reason: str) -> None:
    """The fix did not hold: back to investigation, and the resolution clock runs again."""
    _step(uow, clock, actor, case_id, S.INVESTIGATING, reason, note_required=True,
          extra=lambda c, case, now: {"resolved_at": None})


def close(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, note: str | None = None) -> None:
    """Closed once followed up, and only with a root cause and a responsible department."""
    def check(conn, case, now):
        check_transition(case.status, S.CLOSED)  # a step out of order says so before anything else
        check_close(case.root_cause, case.department)
        if case.order_id is not None:
            append_event(conn, case.order_id, "case_closed", at=now, actor=actor.username, payload={
                "case": case_number(case.id), "root_cause": case.root_cause, "department": case.department})
        return {"closed_at": now}
    _step(uow, clock, actor, case_id, S.CLOSED, note, extra=check)


def assign(uow: UnitOfWork, clock: Clock, actor: Actor, case_id: int, *, username: str | None = None,
           queue: str | None = None) -> None:
    """Give the case to a service user, or put it back in a queue."""
    actor.require(Permission.WORK_CASES)
    if username is None and queue is None:
        raise ValidationFailed("assignee_required", "username: name a user or a queue", field="username")

    def work(conn: Connection) -> None:
        case = load_case_for(conn, actor, case_id, lock=True)
        if case.status == S.CLOSED:
            raise Conflict("case_closed", f"case {case_id} is closed", field="status")
        values: dict[str, Any] = {}
        if username is not None:
            user = conn.execute(select(users.c.id, users.c.role, users.c.active)
                                .where(users.c.username == username)).first()
            if user is None or not user.active or user.role not in (Role.CS_AGENT, Role.MANAGER, Role.ADMIN):
                raise ValidationFailed("unknown_rep", f"username: '{username}' is not an active service user",
                                       field="username")
            values["assigned_user_id"] = user.id
        if queue is not None:
            values["queue"] = check_text(queue, "queue", required=True, max_len=30)
            if username is None:
                values["assigned_user_id"] = None
        conn.execute(update(cases).where(cases.c.id == case.id).values(**values))
        append_case_event(conn, case.id, "assigned", at=clock.now(), actor=actor.username,
                          payload={"username": username, "queue": values.get("queue", case.queue)})

    uow.run(work)
