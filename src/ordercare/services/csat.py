"""Customer satisfaction: surveys sent at a touchpoint, answers (1-5 and a comment), CSAT by touchpoint."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cases import check_text
from ..domain.errors import Conflict, Forbidden, ValidationFailed
from ..domain.satisfaction import Touchpoint, check_score, check_touchpoint
from ..store.db import UnitOfWork
from ..store.service_events import append_case_event
from ..store.service_tables import cases, csat_responses, returns
from ..store.tables import customers, orders
from .intake import resolve_customer
from .ownership import load_owned


def request_survey_in(conn: Connection, clock: Clock, *, touchpoint: str, customer_id: int,
                      order_id: int | None = None, case_id: int | None = None, return_id: int | None = None) -> int:
    """Ask the customer to rate one touchpoint (composable: notifications can send it after a delivery)."""
    check_touchpoint(touchpoint)
    return conn.execute(insert(csat_responses).values(
        touchpoint=touchpoint, customer_id=customer_id, order_id=order_id, case_id=case_id, return_id=return_id,
        requested_at=clock.now()).returning(csat_responses.c.id)).scalar_one()


def _survey_for(conn: Connection, actor: Actor, survey_id: int):
    return load_owned(conn, actor, csat_responses, survey_id, what="survey")


def answer_survey(uow: UnitOfWork, clock: Clock, actor: Actor, survey_id: int, *, score: int,
                  comment: str | None = None) -> None:
    """The customer's answer (or the desk's record of an answer given on the phone)."""
    actor.require(Permission.OPEN_CASE)
    check_score(score)
    text = check_text(comment, "comment")

    def work(conn: Connection) -> None:
        s = _survey_for(conn, actor, survey_id)
        if s.answered_at is not None:
            raise Conflict("survey_answered", f"survey {survey_id} was answered already", field="survey_id")
        now = clock.now()
        res = conn.execute(update(csat_responses).where(csat_responses.c.id == survey_id,
                                                        csat_responses.c.answered_at.is_(None))
                           .values(score=score, comment=text, answered_at=now, answered_by=actor.username))
        if res.rowcount != 1:
            raise Conflict("survey_answered", f"survey {survey_id} was answered already", field="survey_id")
        if s.case_id is not None:
            append_case_event(conn, s.case_id, "csat", at=now, actor=actor.username, payload={"score": score})

    uow.run(work)


def give_feedback(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str, touchpoint: str, score: int,
                  comment: str | None = None, order_id: int | None = None, case_id: int | None = None,
                  return_id: int | None = None) -> int:
    """Feedback nobody asked for yet, about one touchpoint of the customer's own order, case or return."""
    actor.require(Permission.OPEN_CASE)
    check_touchpoint(touchpoint)
    check_score(score)
    text = check_text(comment, "comment")

    def work(conn: Connection) -> int:
        cust = resolve_customer(conn, actor, customer)
        for table, value, field in ((orders, order_id, "order_id"), (cases, case_id, "case_id"),
                                    (returns, return_id, "return_id")):
            if value is not None and conn.execute(select(table.c.customer_id).where(
                    table.c.id == value)).scalar() != cust.id:
                raise ValidationFailed("unknown_reference", f"{field}: the customer has no such record", field=field)
        now = clock.now()
        return conn.execute(insert(csat_responses).values(
            touchpoint=touchpoint, customer_id=cust.id, order_id=order_id, case_id=case_id, return_id=return_id,
            score=score, comment=text, answered_at=now, answered_by=actor.username)
            .returning(csat_responses.c.id)).scalar_one()

    return uow.run(work)


def _survey_view(r) -> dict[str, Any]:
    return {"id": r.id, "touchpoint": r.touchpoint, "customer": r.code, "order_id": r.order_id,
            "case_id": r.case_id, "return_id": r.return_id, "score": r.score, "comment": r.comment,
            "requested_at": r.requested_at, "answered_at": r.answered_at}


def list_surveys(uow: UnitOfWork, actor: Actor, *, pending: bool = False, customer: str | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
    actor.require(Permission.READ_SERVICE)
    q = select(csat_responses, customers.c.code).join(customers, customers.c.id == csat_responses.c.customer_id)
    if actor.is_customer:
        q = q.where(csat_responses.c.customer_id == actor.customer_id)
    if customer:
        q = q.where(customers.c.code == customer)
    if pending:
        q = q.where(csat_responses.c.answered_at.is_(None))
    with uow.read() as conn:
        return [_survey_view(r) for r in conn.execute(q.order_by(csat_responses.c.id.desc()).limit(limit))]


def csat_by_touchpoint(uow: UnitOfWork, actor: Actor, *, answered_from: date | None = None,
                       answered_to: date | None = None) -> list[dict[str, Any]]:
    """Per touchpoint: answers, average score, CSAT (share of 4 and 5) and the spread of scores."""
    actor.require(Permission.READ_SERVICE)
    if actor.is_customer:  # the report spans every customer
        raise Forbidden("forbidden", "role 'customer' may not read the CSAT report", permission="read_csat_report")
    q = (select(csat_responses.c.touchpoint, csat_responses.c.score, func.count())
         .where(csat_responses.c.score.is_not(None))
         .group_by(csat_responses.c.touchpoint, csat_responses.c.score))
    if answered_from:
        q = q.where(func.date(csat_responses.c.answered_at) >= answered_from)
    if answered_to:
        q = q.where(func.date(csat_responses.c.answered_at) <= answered_to)
    with uow.read() as conn:
        counts: dict[str, dict[int, int]] = {}
        for tp, score, n in conn.execute(q):
            counts.setdefault(tp, {})[score] = n
        sent = dict(conn.execute(select(csat_responses.c.touchpoint, func.count())
                                 .where(csat_responses.c.requested_at.is_not(None))
                                 .group_by(csat_responses.c.touchpoint)).all())
    out = []
    for tp in Touchpoint:
        by_score = counts.get(tp.value, {})
        n = sum(by_score.values())
        out.append({"touchpoint": tp.value, "answers": n, "surveys_sent": sent.get(tp.value, 0),
                    "average": round(sum(s * k for s, k in by_score.items()) / n, 2) if n else None,
                    "csat": round(sum(k for s, k in by_score.items() if s >= 4) / n, 4) if n else None,
                    "scores": {str(s): by_score.get(s, 0) for s in range(1, 6)}})
    return out
