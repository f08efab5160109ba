"""Service recovery on a case: reship, credit note, refund, return authorisation, goodwill, apology.

Each action is done through the real service function inside the case's transaction, and records what
the failure cost the firm: goods reshipped at their unit cost, money credited or refunded, the cost of a
goodwill gesture. Together they are the cost of the service failure (cost-to-serve reads them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.cases import WORKABLE, RecoveryKind, case_number, check_cost, check_text
from ..domain.errors import Conflict, ValidationFailed
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.service_events import append_case_event
from ..store.service_tables import cases, recovery_actions
from ..store.tables import products
from .cases import load_case_for
from .measure_cases import refresh_case_facts
from .return_resolution import place_no_charge_order
from .returns import ReturnLineRequest, authorise_return_in, request_return_in


@dataclass(frozen=True)
class Recovery:
    kind: str
    note: str | None = None
    cost: Decimal | None = None  # goodwill / apology: what the gesture cost
    amount: Decimal | None = None  # credit note / refund
    lines: list[tuple[str, int]] = field(default_factory=list)  # reship: (sku, qty)
    return_lines: list[ReturnLineRequest] = field(default_factory=list)  # return authorisation
    refund_method: str | None = None
    refund_reference: str | None = None
    credit_note_id: int | None = None  # refund of this credit note


def _needs_order(case) -> int:
    if case.order_id is None:
        raise ValidationFailed("case_has_no_order", "kind: this action needs a case linked to an order",
                               field="kind")
    return case.order_id


def _goods_cost(conn: Connection, lines: list[tuple[str, int]]) -> Decimal:
    costs = dict(conn.execute(select(products.c.sku, products.c.unit_cost)
                              .where(products.c.sku.in_([s for s, _ in lines]))).all())
    return sum((costs.get(s, Decimal("0")) * q for s, q in lines), Decimal("0"))


def add_recovery(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, case_id: int,
                 action: Recovery) -> int:
    """Take one recovery action on a case; returns the recovery action's id."""
    actor.require(Permission.WORK_CASES)
    if action.kind not in {k.value for k in RecoveryKind}:
        raise ValidationFailed("unknown_recovery", f"kind: one of {[k.value for k in RecoveryKind]}", field="kind")
    note = check_text(action.note, "note", required=action.kind in (RecoveryKind.GOODWILL, RecoveryKind.APOLOGY),
                      max_len=1000)

    def work(conn: Connection) -> int:
        case = load_case_for(conn, actor, case_id, lock=True)
        if case.status not in WORKABLE:
            raise Conflict("case_not_workable", f"case {case_id} is {case.status}: recovery happens between "
                           "acknowledgement and follow-up", field="status", status=case.status)
        ref, row = case_number(case.id), {}
        kind = RecoveryKind(action.kind)
        if kind is RecoveryKind.RESHIP:
            if not action.lines:
                raise ValidationFailed("no_lines", "lines: reship at least one line", field="lines")
            row["order_id"] = place_no_charge_order(conn, clock, settings, actor,
                                                    original_order_id=_needs_order(case), lines=action.lines,
                                                    source="case", source_ref=ref)
            row["cost"] = _goods_cost(conn, action.lines)
        elif kind is RecoveryKind.RETURN_AUTHORISATION:
            return_id = request_return_in(conn, clock, actor, _needs_order(case), action.return_lines,
                                          note=note, channel="desk")
            authorise_return_in(conn, clock, actor, return_id, note=f"authorised on {ref}")
            row.update(return_id=return_id, cost=Decimal("0"))
            if case.return_id is None:
                conn.execute(update(cases).where(cases.c.id == case.id).values(return_id=return_id))
        elif kind is RecoveryKind.CREDIT_NOTE:
            from ..domain.credit_notes import CreditLine
            from .credit_notes import raise_credit_note_in
            amount = check_cost(action.amount or Decimal("0"), "amount")
            if amount <= 0:
                raise ValidationFailed("invalid_amount", "amount: credit a positive amount", field="amount")
            row["credit_note_id"] = raise_credit_note_in(
                conn, clock, actor, customer_id=case.customer_id, reason=note or f"service recovery on {ref}",
                lines=[CreditLine((note or f"Credit for {ref}")[:300], amount)], order_id=case.order_id,
                invoice_id=case.invoice_id, source="case", source_ref=ref)
            row["cost"] = amount
        elif kind is RecoveryKind.REFUND:
            from .credit_notes import refund_in
            amount = check_cost(action.amount or Decimal("0"), "amount")
            if amount <= 0:
                raise ValidationFailed("invalid_amount", "amount: refund a positive amount", field="amount")
            row["refund_id"] = refund_in(conn, clock, actor, customer_id=case.customer_id, amount=amount,
                                         method=action.refund_method or "", reference=action.refund_reference or "",
                                         credit_note_id=action.credit_note_id, source="case", source_ref=ref)
            row["credit_note_id"] = action.credit_note_id
            # A refund of credit already counted (a credit note of this case) costs nothing more.
            counted = action.credit_note_id is not None and conn.execute(select(recovery_actions.c.id).where(
                recovery_actions.c.case_id == case.id,
                recovery_actions.c.credit_note_id == action.credit_note_id)).first() is not None
            row["cost"] = Decimal("0") if counted else amount
        else:
            row["cost"] = check_cost(action.cost if action.cost is not None else Decimal("0"))
        now = clock.now()
        action_id = conn.execute(insert(recovery_actions).values(
            case_id=case.id, kind=kind, note=note, at=now, actor=actor.username, **row)
            .returning(recovery_actions.c.id)).scalar_one()
        append_case_event(conn, case.id, "recovery", at=now, actor=actor.username, note=note,
                          payload={"kind": kind, "cost": str(row["cost"]),
                                   **{k: v for k, v in row.items() if k.endswith("_id")}})
        refresh_case_facts(conn, [case.id])
        if case.order_id is not None:
            append_event(conn, case.order_id, "service_recovery", at=now, actor=actor.username, payload={
                "case": ref, "kind": kind, "cost": str(row["cost"]),
                **{k: v for k, v in row.items() if k.endswith("_id")}})
        return action_id

    return uow.run(work)
