"""Complaint and service cases: log, work through the procedure, recover, follow up, close; the queues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...domain.cases import parse_ref
from ...domain.errors import NotFound, ValidationFailed
from ...domain.orders import parse_order_number
from ...services import case_recovery, case_views, cases
from ...services.returns import ReturnLineRequest
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_service import AssignIn, CaseIn, NoteIn, RecoveryIn, RequiredNoteIn, ResolutionIn, RootCauseIn, \
    as_json

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)


def case_id(ref: str) -> int:
    found = parse_ref(ref, "CS")
    if found is None:
        raise NotFound("case_not_found", f"case {ref}: no such case", field="case_id")
    return found


def linked_id(ref: str | None, prefix: str, field: str) -> int | None:
    """An order or return named in a body: an unreadable one is a field error, not a missing route."""
    if ref is None:
        return None
    found = parse_order_number(ref) if prefix == "SO" else parse_ref(ref, prefix)
    if found is None:
        raise ValidationFailed(f"unknown_{field}", f"{field}: '{ref}' is not a {prefix}- number", field=field)
    return found


def _view(ctx, cid: int) -> dict[str, Any]:
    return as_json(case_views.get_case(ctx.uow, ctx.clock, ctx.actor, cid))


@router.post("/cases", status_code=201)
def open_case(ctx: CtxDep, body: CaseIn) -> dict[str, Any]:
    """Log a case (a customer: its own, through the portal); it is routed and its SLA clocks start."""
    cid = cases.open_case(ctx.uow, ctx.clock, ctx.actor, cases.CaseRequest(
        customer=body.customer, subject=body.subject, category=body.category, channel=body.channel,
        priority=body.priority, description=body.description, contact_name=body.contact_name,
        contact_email=body.contact_email, contact_phone=body.contact_phone,
        order_id=linked_id(body.order, "SO", "order"), shipment_id=body.shipment_id, invoice_id=body.invoice_id,
        return_id=linked_id(body.return_ref, "RMA", "return_ref")))
    return _view(ctx, cid)


@router.get("/cases")
def list_cases(ctx: CtxDep, status: str | None = None, queue: str | None = None, assigned_to: str | None = None,
               customer: str | None = None, priority: str | None = None, category: str | None = None,
               open: bool = False, breached: bool | None = None, sort: str = "opened",
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    """The case queue, oldest first (or `sort=urgency`: most overdue first, then the least business time left),
    with each case's SLA due times, breach state and band (on_track, due_soon, breached, paused, met)."""
    return as_json(case_views.list_cases(ctx.uow, ctx.clock, ctx.actor, status=status, queue=queue,
                                         assigned_to=assigned_to, customer=customer, priority=priority,
                                         category=category, open_only=open, breached=breached, sort=sort,
                                         limit=limit, offset=offset))


@router.get("/cases/{case_ref}")
def get_case(ctx: CtxDep, case_ref: str) -> dict[str, Any]:
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/acknowledge")
def acknowledge(ctx: CtxDep, case_ref: str, body: NoteIn) -> dict[str, Any]:
    """The first response to the customer: the first-response clock stops."""
    cases.acknowledge(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/investigate")
def investigate(ctx: CtxDep, case_ref: str, body: NoteIn) -> dict[str, Any]:
    cases.investigate(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/wait-on-customer")
def wait_on_customer(ctx: CtxDep, case_ref: str, body: RequiredNoteIn) -> dict[str, Any]:
    """Ask the customer for something; the SLA clocks pause until the answer."""
    cases.wait_on_customer(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/resume")
def resume(ctx: CtxDep, case_ref: str, body: NoteIn) -> dict[str, Any]:
    cases.resume(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/notes", status_code=201)
def add_note(ctx: CtxDep, case_ref: str, body: RequiredNoteIn) -> dict[str, Any]:
    """A message on the case; the customer's answer ends a wait on the customer."""
    cases.add_note(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/root-cause")
def root_cause(ctx: CtxDep, case_ref: str, body: RootCauseIn) -> dict[str, Any]:
    """Record the root cause and the department the failure is charged to."""
    cases.record_root_cause(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), root_cause=body.root_cause,
                            department=body.department, note=body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/recovery-actions", status_code=201)
def add_recovery(ctx: CtxDep, case_ref: str, body: RecoveryIn) -> dict[str, Any]:
    """Reship, credit note, refund, return authorisation, goodwill or apology — with its cost."""
    case_recovery.add_recovery(ctx.uow, ctx.clock, ctx.settings, ctx.actor, case_id(case_ref), case_recovery.Recovery(
        kind=body.kind, note=body.note, cost=body.cost, amount=body.amount,
        lines=[(ln.sku, ln.qty) for ln in body.lines],
        return_lines=[ReturnLineRequest(ln.line_no, ln.qty, ln.reason) for ln in body.return_lines],
        refund_method=body.refund_method, refund_reference=body.refund_reference,
        credit_note_id=body.credit_note_id))
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/resolve")
def resolve(ctx: CtxDep, case_ref: str, body: ResolutionIn) -> dict[str, Any]:
    cases.resolve(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.resolution)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/follow-up")
def follow_up(ctx: CtxDep, case_ref: str, body: NoteIn) -> dict[str, Any]:
    """Tell the customer and send a CSAT survey about the case."""
    cases.follow_up(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/reopen")
def reopen(ctx: CtxDep, case_ref: str, body: RequiredNoteIn) -> dict[str, Any]:
    cases.reopen(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/close")
def close(ctx: CtxDep, case_ref: str, body: NoteIn) -> dict[str, Any]:
    """Close a followed-up case; refused without a root cause and responsible department."""
    cases.close(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), body.note)
    return _view(ctx, case_id(case_ref))


@router.post("/cases/{case_ref}/assign")
def assign(ctx: CtxDep, case_ref: str, body: AssignIn) -> dict[str, Any]:
    cases.assign(ctx.uow, ctx.clock, ctx.actor, case_id(case_ref), username=body.username, queue=body.queue)
    return _view(ctx, case_id(case_ref))
