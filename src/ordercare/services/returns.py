"""Returns (RMA): requested for delivered units, authorised or refused under the returns policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.cases import check_text
from ..domain.errors import Conflict, ValidationFailed
from ..domain.returns import ReturnPolicy, ReturnStatus, check_reason, check_return_qty, check_transition, evaluate, \
    restocking_fee, rma_number
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.prepared import status_move
from ..store.service_events import append_return_event
from ..store.service_tables import return_lines, returns
from ..store.tables import order_lines, products
from .measure_facts import refresh_order_facts
from .orders import load_order_for
from .ownership import load_owned
from .service_setup import load_return_policy

R = ReturnStatus
# Returns whose units still count against what was delivered.
_LIVE = [str(s) for s in ReturnStatus if s not in (R.REFUSED, R.CANCELLED)]


@dataclass(frozen=True)
class ReturnLineRequest:
    line_no: int  # the order line
    qty: int
    reason: str


def already_returned(conn: Connection, order_line_ids: list[int]) -> dict[int, int]:
    return dict(conn.execute(
        select(return_lines.c.order_line_id, func.sum(return_lines.c.qty))
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(return_lines.c.order_line_id.in_(order_line_ids), returns.c.status.in_(_LIVE))
        .group_by(return_lines.c.order_line_id)).all())


def request_return_in(conn: Connection, clock: Clock, actor: Actor, order_id: int, lines: list[ReturnLineRequest],
                      *, note: str | None = None, channel: str = "desk") -> int:
    order = load_order_for(conn, actor, order_id, lock=True)  # one return at a time per order
    text = check_text(note, "note")
    if not lines:
        raise ValidationFailed("no_lines", "lines: a return needs at least one line", field="lines")
    by_no = {r.line_no: r for r in conn.execute(
        select(order_lines, products.c.sku).join(products, products.c.id == order_lines.c.product_id)
        .where(order_lines.c.order_id == order_id))}
    seen: set[int] = set()
    for i, ln in enumerate(lines):
        if ln.line_no not in by_no or ln.line_no in seen:
            raise ValidationFailed("unknown_line", f"lines[{i}].line_no: not a line of order {order_id}"
                                   if ln.line_no not in by_no else f"lines[{i}].line_no: given twice",
                                   field=f"lines[{i}].line_no")
        seen.add(ln.line_no)
        check_reason(ln.reason, f"lines[{i}].reason")
    already = already_returned(conn, [by_no[ln.line_no].id for ln in lines])
    for i, ln in enumerate(lines):
        ol = by_no[ln.line_no]
        check_return_qty(f"lines[{i}].qty", qty=ln.qty, delivered=ol.qty_delivered, already=already.get(ol.id, 0))
    policy = load_return_policy(conn)
    now = clock.now()
    return_id = conn.execute(insert(returns).values(
        customer_id=order.customer_id, order_id=order_id, status=R.REQUESTED, policy_code=policy.code,
        channel="portal" if actor.is_customer else channel, note=text, requested_at=now,
        requested_by=actor.username, restocking_fee=0).returning(returns.c.id)).scalar_one()
    conn.execute(insert(return_lines), [
        {"return_id": return_id, "order_line_id": by_no[ln.line_no].id, "product_id": by_no[ln.line_no].product_id,
         "qty": ln.qty, "reason": ln.reason, "unit_price": by_no[ln.line_no].unit_price, "fee_pct": 0,
         "restocking_fee": 0, "qty_received": 0, "qty_disposed": 0} for ln in lines])
    facts = [{"line_no": ln.line_no, "sku": by_no[ln.line_no].sku, "qty": ln.qty, "reason": ln.reason}
             for ln in lines]
    append_return_event(conn, return_id, "requested", at=now, actor=actor.username, note=text,
                        to_status=R.REQUESTED, payload={"lines": facts})
    append_event(conn, order_id, "return_requested", at=now, actor=actor.username,
                 payload={"rma": rma_number(return_id), "lines": facts})
    refresh_order_facts(conn, [order_id])
    return return_id


def request_return(uow: UnitOfWork, clock: Clock, actor: Actor, order_id: int, lines: list[ReturnLineRequest],
                   *, note: str | None = None, channel: str = "desk") -> int:
    """A customer (its own delivered orders) or a rep asks to send delivered units back, with a reason per line."""
    actor.require(Permission.REQUEST_RETURN)
    return uow.run(lambda conn: request_return_in(conn, clock, actor, order_id, lines, note=note, channel=channel))


def load_return_for(conn: Connection, actor: Actor, return_id: int, *, lock: bool = False):
    return load_owned(conn, actor, returns, return_id, what="return", lock=lock)


def move_return(conn: Connection, ret, target: ReturnStatus, *, at, actor: str, note: str | None = None,
                kind: str = "status_changed", payload: dict | None = None, **values) -> None:
    check_transition(ret.status, target)
    if status_move(returns, tuple(sorted(values))).execute(conn, {
            **values, "id": ret.id, "read_status": ret.status, "to_status": str(target)}) != 1:
        raise Conflict("return_changed", "the return changed while this was being done; reload and retry",
                       return_id=ret.id)
    append_return_event(conn, ret.id, kind, at=at, actor=actor, note=note, from_status=ret.status, to_status=target,
                        payload=payload)
    if target in (R.REFUSED, R.CANCELLED):  # the units no longer count as returned
        refresh_order_facts(conn, [ret.order_id])


def delivered_on_of(conn: Connection, order_line_id: int):
    """The day the line's goods were (last) delivered."""
    at = conn.execute(select(func.max(shipments.c.delivered_at))
                      .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
                      .where(shipment_lines.c.order_line_id == order_line_id)).scalar()
    return at.date() if at else None


def policy_decisions(conn: Connection, return_id: int, policy: ReturnPolicy, today: date) -> list[tuple]:
    """Per return line (in line order): the line, the policy's decision and its restocking fee."""
    out = []
    for ln in conn.execute(select(return_lines).where(return_lines.c.return_id == return_id)
                           .order_by(return_lines.c.id)):
        decision = evaluate(policy, ln.reason, delivered_on_of(conn, ln.order_line_id) or today, today)
        out.append((ln, decision, restocking_fee(ln.unit_price, ln.qty, decision.fee_pct)))
    return out


def authorise_return_in(conn: Connection, clock: Clock, actor: Actor, return_id: int, *, override: bool = False,
                        note: str | None = None) -> dict:
    ret = load_return_for(conn, actor, return_id, lock=True)
    text = check_text(note, "note", max_len=500)
    if override and not text:
        raise ValidationFailed("note_required", "note: say why the policy is overridden", field="note")
    policy = load_return_policy(conn, ret.policy_code)
    now = clock.now()
    problems, total_fee, lines = [], 0, []
    for i, (ln, decision, fee) in enumerate(policy_decisions(conn, return_id, policy, clock.today())):
        problems += [f"lines[{i}]: {p}" for p in decision.problems]
        total_fee += fee
        lines.append(ln)
        conn.execute(update(return_lines).where(return_lines.c.id == ln.id)
                     .values(fee_pct=decision.fee_pct, restocking_fee=fee))
    if problems and not override:
        raise ValidationFailed("outside_return_policy", f"lines: {'; '.join(problems)}", field="lines",
                               problems=problems, policy=policy.code)
    warehouse = conn.execute(select(shipments.c.warehouse_id)
                             .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
                             .where(shipment_lines.c.order_line_id.in_([ln.order_line_id for ln in lines]))
                             .order_by(shipments.c.delivered_at.desc()).limit(1)).scalar()
    move_return(conn, ret, R.AUTHORISED, at=now, actor=actor.username, note=text, kind="authorised",
                payload={"policy": policy.code, "override": bool(problems), "problems": problems,
                         "restocking_fee": str(total_fee)},
                decided_at=now, decided_by=actor.username, decision_note=text, policy_override=bool(problems),
                restocking_fee=total_fee, warehouse_id=warehouse)
    append_event(conn, ret.order_id, "return_authorised", at=now, actor=actor.username, reason=text,
                 payload={"rma": rma_number(return_id), "restocking_fee": str(total_fee), "override": bool(problems)})
    return {"return_id": return_id, "restocking_fee": total_fee, "policy_problems": problems}


def authorise_return(uow: UnitOfWork, clock: Clock, actor: Actor, return_id: int, *, override: bool = False,
                     note: str | None = None) -> dict:
    """Authorise under the policy (window, reasons; restocking fee on customer-caused returns).

    Outside the policy it is refused with the reasons, unless overridden with a note.
    """
    actor.require(Permission.AUTHORISE_RETURN)
    return uow.run(lambda conn: authorise_return_in(conn, clock, actor, return_id, override=override, note=note))


def refuse_return(uow: UnitOfWork, clock: Clock, actor: Actor, return_id: int, reason: str) -> None:
    actor.require(Permission.AUTHORISE_RETURN)
    text = check_text(reason, "reason", required=True, max_len=500)

    def work(conn: Connection) -> None:
        ret = load_return_for(conn, actor, return_id, lock=True)
        now = clock.now()
        move_return(conn, ret, R.REFUSED, at=now, actor=actor.username, note=text, kind="refused",
                    decided_at=now, decided_by=actor.username, decision_note=text)
        append_event(conn, ret.order_id, "return_refused", at=now, actor=actor.username, reason=text,
                     payload={"rma": rma_number(return_id)})

    uow.run(work)
