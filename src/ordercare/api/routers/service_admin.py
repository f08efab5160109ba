"""Surveys and CSAT, SLA and returns policies, business calendars, account reps, the escalation run,
and a customer's personal data in service records."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from ...domain.returns import ReturnPolicy
from ...domain.sla import EscalationLevel, SlaPolicy
from ...services import csat, personal_data, service_setup, sla_escalation
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_service import AccountRepIn, AnswerIn, CalendarIn, ErasureIn, FeedbackIn, ReturnPolicyIn, SlaPolicyIn, \
    as_json
from .cases import linked_id

router = APIRouter(tags=["service"], responses=ERROR_RESPONSES)


@router.get("/surveys")
def list_surveys(ctx: CtxDep, pending: bool = False, customer: str | None = None) -> list[dict[str, Any]]:
    """Satisfaction surveys (a customer: its own; pending=true: still to answer)."""
    return csat.list_surveys(ctx.uow, ctx.actor, pending=pending, customer=customer)


@router.post("/surveys/{survey_id}/answer")
def answer_survey(ctx: CtxDep, survey_id: int, body: AnswerIn) -> dict[str, str]:
    """A score from 1 to 5 and a comment."""
    if not 1 <= survey_id <= 2**62:
        from ...domain.errors import NotFound
        raise NotFound("survey_not_found", f"survey {survey_id}: no such survey", field="survey_id")
    csat.answer_survey(ctx.uow, ctx.clock, ctx.actor, survey_id, score=body.score, comment=body.comment)
    return {"status": "answered"}


@router.post("/feedback", status_code=201)
def give_feedback(ctx: CtxDep, body: FeedbackIn) -> dict[str, int]:
    """Rate one touchpoint (delivery, invoice, …) of the customer's own order, case or return."""
    fid = csat.give_feedback(ctx.uow, ctx.clock, ctx.actor, customer=body.customer, touchpoint=body.touchpoint,
                             score=body.score, comment=body.comment, order_id=linked_id(body.order, "SO", "order"),
                             case_id=linked_id(body.case, "CS", "case"),
                             return_id=linked_id(body.return_ref, "RMA", "return_ref"))
    return {"id": fid}


@router.get("/csat")
def csat_report(ctx: CtxDep, answered_from: date | None = None, answered_to: date | None = None
                ) -> list[dict[str, Any]]:
    """CSAT per touchpoint: answers, average, share of 4 and 5, the spread of scores."""
    return csat.csat_by_touchpoint(ctx.uow, ctx.actor, answered_from=answered_from, answered_to=answered_to)


@router.get("/service/setup")
def setup(ctx: CtxDep) -> dict[str, Any]:
    """Business calendars, SLA policies and returns policies."""
    return as_json(service_setup.service_setup(ctx.uow, ctx.actor))


@router.put("/service/calendars/{code}")
def set_calendar(ctx: CtxDep, code: str, body: CalendarIn) -> dict[str, str]:
    service_setup.set_calendar(ctx.uow, ctx.actor, service_setup.CalendarData(
        code[:40], body.name, body.timezone, body.hours, [(h.day, h.name) for h in body.holidays]))
    return {"code": code[:40]}


@router.put("/service/sla-policies/{code}")
def set_sla_policy(ctx: CtxDep, code: str, body: SlaPolicyIn) -> dict[str, str]:
    """Targets for a (package, priority) in business minutes of a calendar, and the escalation chain."""
    service_setup.set_sla_policy(ctx.uow, ctx.actor, SlaPolicy(
        code[:40], body.service_package, body.priority, body.first_response_minutes, body.resolution_minutes,
        body.calendar, tuple(EscalationLevel(e.level, e.role, e.after_minutes) for e in body.escalation)))
    return {"code": code[:40]}


@router.put("/service/return-policies/{code}")
def set_return_policy(ctx: CtxDep, code: str, body: ReturnPolicyIn) -> dict[str, str]:
    service_setup.set_return_policy(ctx.uow, ctx.actor, ReturnPolicy(
        code[:40], body.window_days, body.warranty_days, frozenset(body.allowed_reasons), body.restocking_fee_pct),
        name=body.name, is_default=body.is_default)
    return {"code": code[:40]}


@router.put("/customers/{code}/account-rep")
def assign_account_rep(ctx: CtxDep, code: str, body: AccountRepIn) -> dict[str, str]:
    """The customer's dedicated rep: its new cases go to this user."""
    service_setup.assign_account_rep(ctx.uow, ctx.clock, ctx.actor, code, body.username)
    return {"customer": code, "account_rep": body.username}


@router.post("/service/sla/run")
def run_sla(ctx: CtxDep) -> dict[str, Any]:
    """Escalate breached SLA clocks now (each level once; running it again escalates nothing twice)."""
    return sla_escalation.run_sla_escalations(ctx.uow, ctx.clock, ctx.actor)


@router.get("/customers/{code}/personal-data")
def export_personal_data(ctx: CtxDep, code: str) -> dict[str, Any]:
    """Everything personal the service records hold about the customer (data protection: access)."""
    return personal_data.export_personal_data(ctx.uow, ctx.actor, code)


@router.post("/customers/{code}/personal-data/erase")
def erase_personal_data(ctx: CtxDep, code: str, body: ErasureIn) -> dict[str, Any]:
    """Anonymise the customer's personal data in cases, returns and CSAT; counts, costs, root causes stay."""
    return personal_data.erase_personal_data(ctx.uow, ctx.clock, ctx.actor, code, body.reason)
