"""Satisfaction surveys: a customer answers its pending surveys (CSAT 1-5 and a comment) in the portal; the
desk sees the answers and records one given on the phone. Scores are checked by services/csat.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.errors import DomainError
from ...services import csat
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, whole_number
from ..registry import NavEntry
from ..service_forms import take_error

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_SERVICE))]
Answerer = Annotated[Page, Depends(needs(P.OPEN_CASE))]

NAV = [NavEntry("Surveys", "/surveys", P.READ_SERVICE, 42, "Tell us how we did: your pending satisfaction "
                "surveys.", roles=frozenset({Role.CUSTOMER}))]


def _surveys_page(p: Page, *, errors: FieldErrors | None = None, answering: int | None = None, status: int = 200):
    """`answering` is the survey whose form came back with errors (and shows what was typed)."""
    q = p.request.query_params
    customer = "" if p.actor.is_customer else q.get("customer", "").strip()[:40]
    pending = q.get("pending") == "yes"
    surveys = csat.list_surveys(p.uow, p.actor, pending=pending, customer=customer or None, limit=200)
    return p.html("service/surveys.html", surveys=surveys, errors=errors or FieldErrors(), answering=answering,
                  status=status, values=p.form.values if answering else {"customer": customer,
                                                                          "pending": "yes" if pending else ""},
                  can_answer=p.allowed(P.OPEN_CASE))


@router.get("/surveys")
def survey_list(p: Reader):
    return _surveys_page(p)


@router.post("/surveys/{survey_id}/answer")
def answer(p: Answerer, survey_id: DbId):
    errors = FieldErrors()
    # Any whole number is passed on: the service says what a score may be (1 to 5).
    score = whole_number(p.form, "score", errors, minimum=-10**6, maximum=10**6)
    if not errors:
        try:
            csat.answer_survey(p.uow, p.clock, p.actor, survey_id, score=score, comment=p.form.get("comment") or None)
            return p.redirect("/surveys", flash="Thank you for your answer")
        except DomainError as exc:
            take_error(errors, exc)
            return _surveys_page(p, errors=errors, answering=survey_id, status=409 if exc.kind == "conflict" else 422)
    return _surveys_page(p, errors=errors, answering=survey_id, status=422)
