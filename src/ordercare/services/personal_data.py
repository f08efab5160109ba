"""Data protection for post-sale service: export a customer's personal data in cases, returns and CSAT
answers, and erase it on request.

Erasure anonymises what a person wrote or who they are (subjects, descriptions, contact details, notes,
comments) and keeps the facts the firm measures: counts, categories, dates, costs, root causes,
departments, scores. Records stay linked, so totals and measures do not change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cases import case_number, check_text
from ..domain.errors import NotFound
from ..domain.returns import rma_number
from ..store.db import UnitOfWork
from ..store.service_events import append_case_event
from ..store.service_tables import case_events, cases, csat_responses, recovery_actions, return_events, returns
from ..store.tables import customers

ERASED = "[erased]"


def _customer(conn: Connection, code: str):
    row = conn.execute(select(customers.c.id, customers.c.code).where(customers.c.code == code)).first()
    if row is None:
        raise NotFound("customer_not_found", f"customer '{code}': no such customer", field="code")
    return row


def _notes(conn: Connection, table, key, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    if ids:
        for e in conn.execute(select(table).where(key.in_(ids), table.c.note.is_not(None)).order_by(table.c.id)):
            out.setdefault(getattr(e, key.name), []).append({"at": e.at, "by": e.actor, "kind": e.kind,
                                                              "note": e.note})
    return out


def export_personal_data(uow: UnitOfWork, actor: Actor, customer_code: str) -> dict[str, Any]:
    """Everything personal the service records hold about the customer, as one JSON document."""
    actor.require(Permission.PERSONAL_DATA)
    with uow.read() as conn:
        cust = _customer(conn, customer_code)
        case_rows = conn.execute(select(cases).where(cases.c.customer_id == cust.id).order_by(cases.c.id)).all()
        ret_rows = conn.execute(select(returns).where(returns.c.customer_id == cust.id).order_by(returns.c.id)).all()
        case_notes = _notes(conn, case_events, case_events.c.case_id, [c.id for c in case_rows])
        ret_notes = _notes(conn, return_events, return_events.c.return_id, [r.id for r in ret_rows])
        recovery_notes: dict[int, list] = {}
        for a in conn.execute(select(recovery_actions).where(
                recovery_actions.c.case_id.in_([c.id for c in case_rows] or [0]), recovery_actions.c.note.is_not(None))):
            recovery_notes.setdefault(a.case_id, []).append({"at": a.at, "kind": a.kind, "note": a.note})
        answers = conn.execute(select(csat_responses).where(csat_responses.c.customer_id == cust.id,
                                                            csat_responses.c.answered_at.is_not(None))
                               .order_by(csat_responses.c.id)).all()
    return {
        "customer": cust.code,
        "cases": [{"case": case_number(c.id), "opened_at": c.opened_at, "channel": c.channel, "subject": c.subject,
                   "description": c.description, "contact_name": c.contact_name, "contact_email": c.contact_email,
                   "contact_phone": c.contact_phone, "resolution": c.resolution, "notes": case_notes.get(c.id, []),
                   "recovery_notes": recovery_notes.get(c.id, []), "anonymised_at": c.anonymised_at}
                  for c in case_rows],
        "returns": [{"return": rma_number(r.id), "requested_at": r.requested_at, "note": r.note,
                     "notes": ret_notes.get(r.id, []), "anonymised_at": r.anonymised_at} for r in ret_rows],
        "csat": [{"touchpoint": a.touchpoint, "score": a.score, "comment": a.comment, "answered_at": a.answered_at}
                 for a in answers],
    }


def erase_personal_data(uow: UnitOfWork, clock: Clock, actor: Actor, customer_code: str, reason: str) -> dict:
    """Anonymise the customer's personal data in cases, returns and CSAT answers; the facts stay."""
    actor.require(Permission.PERSONAL_DATA)
    why = check_text(reason, "reason", required=True, max_len=500)

    def work(conn: Connection) -> dict:
        cust = _customer(conn, customer_code)
        now = clock.now()
        case_ids = conn.execute(select(cases.c.id).where(cases.c.customer_id == cust.id)).scalars().all()
        ret_ids = conn.execute(select(returns.c.id).where(returns.c.customer_id == cust.id)).scalars().all()
        conn.execute(update(cases).where(cases.c.customer_id == cust.id).values(
            subject=ERASED, description=None, contact_name=None, contact_email=None, contact_phone=None,
            resolution=None, root_cause_note=None, anonymised_at=now))
        if case_ids:
            conn.execute(update(case_events).where(case_events.c.case_id.in_(case_ids)).values(note=None))
            conn.execute(update(recovery_actions).where(recovery_actions.c.case_id.in_(case_ids)).values(note=None))
        conn.execute(update(returns).where(returns.c.customer_id == cust.id).values(
            note=None, decision_note=None, anonymised_at=now))
        if ret_ids:
            conn.execute(update(return_events).where(return_events.c.return_id.in_(ret_ids)).values(note=None))
        answers = conn.execute(update(csat_responses).where(csat_responses.c.customer_id == cust.id,
                                                            csat_responses.c.comment.is_not(None))
                               .values(comment=None)).rowcount
        for cid in case_ids:  # the erasure itself is on record, without what was erased
            append_case_event(conn, cid, "personal_data_erased", at=now, actor=actor.username,
                              payload={"reason": why})
        return {"customer": cust.code, "cases": len(case_ids), "returns": len(ret_ids), "csat_comments": answers,
                "at": now}

    return uow.run(work)
