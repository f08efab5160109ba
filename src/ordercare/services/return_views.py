"""Reading returns, and the return facts per order line (reasons and dispositions) for the measures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.orders import order_number
from ..domain.returns import FIRM_FAULT, ReturnStatus, check_reason, return_window, rma_number
from ..store.db import UnitOfWork
from ..store.service_events import return_history
from ..store.service_tables import nonsellable_stock, return_dispositions, return_lines, returns
from ..store.tables import customers, order_lines, products, warehouses
from .orders import load_order_for
from .returns import already_returned, delivered_on_of, load_return_for, policy_decisions
from .service_setup import load_return_policy


def return_view(conn: Connection, actor: Actor, return_id: int) -> dict[str, Any]:
    r = load_return_for(conn, actor, return_id)
    customer = conn.execute(select(customers.c.code).where(customers.c.id == r.customer_id)).scalar_one()
    wh = conn.execute(select(warehouses.c.code).where(warehouses.c.id == r.warehouse_id)).scalar() \
        if r.warehouse_id else None
    disp: dict[int, list] = {}
    for d in conn.execute(select(return_dispositions).where(return_dispositions.c.return_id == return_id)
                          .order_by(return_dispositions.c.id)):
        disp.setdefault(d.return_line_id, []).append({"disposition": d.disposition, "qty": d.qty, "note": d.note,
                                                      "at": d.at})
    lines = conn.execute(select(return_lines, products.c.sku, products.c.name, order_lines.c.line_no)
                         .join(products, products.c.id == return_lines.c.product_id)
                         .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
                         .where(return_lines.c.return_id == return_id).order_by(return_lines.c.id)).all()
    return {
        "id": r.id, "number": rma_number(r.id), "customer": customer, "order": order_number(r.order_id),
        "order_id": r.order_id, "status": r.status, "policy": r.policy_code, "channel": r.channel, "note": r.note,
        "requested_at": r.requested_at, "requested_by": r.requested_by, "decided_at": r.decided_at,
        "decision_note": r.decision_note, "policy_override": r.policy_override, "warehouse": wh,
        "restocking_fee": r.restocking_fee, "resolution": r.resolution, "resolved_at": r.resolved_at,
        "replacement_order": order_number(r.replacement_order_id) if r.replacement_order_id else None,
        "credit_note_id": r.credit_note_id, "refund_id": r.refund_id,
        "lines": [{"id": ln.id, "line_no": ln.line_no, "sku": ln.sku, "product_name": ln.name, "qty": ln.qty,
                   "reason": ln.reason, "unit_price": ln.unit_price, "restocking_fee": ln.restocking_fee,
                   "qty_received": ln.qty_received, "qty_disposed": ln.qty_disposed,
                   "dispositions": disp.get(ln.id, [])} for ln in lines],
        "history": return_history(conn, r.id),
    }


def get_return(uow: UnitOfWork, actor: Actor, return_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_SERVICE)
    with uow.read() as conn:
        return return_view(conn, actor, return_id)


def list_returns(uow: UnitOfWork, actor: Actor, *, status: str | None = None, customer: str | None = None,
                 order_id: int | None = None, reason: str | None = None, warehouse: str | None = None,
                 limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Returns, newest first; `reason` matches a return with a line of that reason, `warehouse` where the goods
    come back."""
    actor.require(Permission.READ_SERVICE)
    if status is not None and status not in {s.value for s in ReturnStatus}:
        raise ValidationFailed("unknown_status", f"status: '{status}' is not a return status", field="status",
                               allowed=[s.value for s in ReturnStatus])
    if reason is not None:
        check_reason(reason, "reason")
    units = (select(return_lines.c.return_id, func.sum(return_lines.c.qty).label("units"))
             .group_by(return_lines.c.return_id).subquery())
    q = (select(returns, customers.c.code.label("customer_code"), units.c.units, warehouses.c.code.label("wh"))
         .join(customers, customers.c.id == returns.c.customer_id).join(units, units.c.return_id == returns.c.id)
         .outerjoin(warehouses, warehouses.c.id == returns.c.warehouse_id))
    if actor.is_customer:
        q = q.where(returns.c.customer_id == actor.customer_id)
    if status:
        q = q.where(returns.c.status == status)
    if customer:
        q = q.where(customers.c.code == customer)
    if order_id:
        q = q.where(returns.c.order_id == order_id)
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if reason:
        q = q.where(returns.c.id.in_(select(return_lines.c.return_id).where(return_lines.c.reason == reason)))
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(returns.c.id.desc()).limit(limit).offset(offset)).all()
        reasons = _reasons(conn, [r.id for r in rows])
    return {"total": total, "items": [
        {"id": r.id, "number": rma_number(r.id), "customer": r.customer_code, "order": order_number(r.order_id),
         "status": r.status, "units": r.units, "requested_at": r.requested_at, "resolution": r.resolution,
         "warehouse": r.wh, "reasons": reasons.get(r.id, [])}
        for r in rows]}


def _reasons(conn: Connection, return_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for rid, reason in conn.execute(select(return_lines.c.return_id, return_lines.c.reason).distinct()
                                    .where(return_lines.c.return_id.in_(return_ids))
                                    .order_by(return_lines.c.return_id, return_lines.c.reason)):
        out.setdefault(rid, []).append(reason)
    return out


def returns_of_order(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The order page's returns panel (the order is already checked to be the actor's)."""
    units = dict(conn.execute(select(return_lines.c.return_id, func.sum(return_lines.c.qty))
                              .join(returns, returns.c.id == return_lines.c.return_id)
                              .where(returns.c.order_id == order_id).group_by(return_lines.c.return_id)).all())
    rows = conn.execute(select(returns).where(returns.c.order_id == order_id).order_by(returns.c.id)).all()
    reasons = _reasons(conn, [r.id for r in rows])
    return [{"id": r.id, "number": rma_number(r.id), "status": r.status, "units": units.get(r.id, 0),
             "reasons": reasons.get(r.id, []), "requested_at": r.requested_at, "resolution": r.resolution,
             "replacement_order": order_number(r.replacement_order_id) if r.replacement_order_id else None}
            for r in rows]


def returnable_lines(uow: UnitOfWork, clock: Clock, actor: Actor, order_id: int) -> dict[str, Any]:
    """What a return request form offers: each line's delivered units not yet on a return, its last day under
    the returns policy, and the policy itself (reasons, restocking fee and the reasons that carry none)."""
    actor.require(Permission.REQUEST_RETURN)
    with uow.read() as conn:
        load_order_for(conn, actor, order_id)
        policy = load_return_policy(conn)
        rows = conn.execute(select(order_lines, products.c.sku, products.c.name)
                            .join(products, products.c.id == order_lines.c.product_id)
                            .where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)).all()
        already = already_returned(conn, [r.id for r in rows])
        lines = []
        for r in rows:
            delivered_on = delivered_on_of(conn, r.id)
            last_day, warranty_until = return_window(policy, delivered_on) if delivered_on else (None, None)
            lines.append({"line_no": r.line_no, "sku": r.sku, "product_name": r.name,
                          "qty_delivered": r.qty_delivered, "qty_returned": already.get(r.id, 0),
                          "returnable": max(0, r.qty_delivered - already.get(r.id, 0)), "delivered_on": delivered_on,
                          "return_by": last_day, "warranty_until": warranty_until,
                          "in_window": last_day is not None and clock.today() <= last_day})
    return {"order": order_number(order_id), "order_id": order_id, "lines": lines, "policy": {
        "code": policy.code, "window_days": policy.window_days, "warranty_days": policy.warranty_days,
        "reasons": sorted(policy.allowed_reasons), "restocking_fee_pct": policy.restocking_fee_pct,
        "fee_free_reasons": sorted(FIRM_FAULT)}}


def delivered_units(conn: Connection, order_id: int) -> int:
    return conn.execute(select(func.coalesce(func.sum(order_lines.c.qty_delivered), 0))
                        .where(order_lines.c.order_id == order_id)).scalar_one()


def policy_check(uow: UnitOfWork, clock: Clock, actor: Actor, return_id: int) -> dict[str, Any]:
    """Before the decision: the return's policy, and per line whether the policy lets it come back today and the
    restocking fee it would carry (the same evaluation authorising does)."""
    actor.require(Permission.READ_SERVICE)
    with uow.read() as conn:
        ret = load_return_for(conn, actor, return_id)
        policy = load_return_policy(conn, ret.policy_code)
        decisions = policy_decisions(conn, return_id, policy, clock.today())
    return {"policy": {"code": policy.code, "window_days": policy.window_days,
                       "warranty_days": policy.warranty_days, "reasons": sorted(policy.allowed_reasons),
                       "restocking_fee_pct": policy.restocking_fee_pct, "fee_free_reasons": sorted(FIRM_FAULT)},
            "within_policy": not any(d.problems for _, d, _ in decisions),
            "restocking_fee": sum((fee for _, _, fee in decisions), Decimal(0)),
            "lines": {ln.id: {"problems": list(d.problems), "fee_pct": d.fee_pct, "restocking_fee": fee}
                      for ln, d, fee in decisions}}


def return_facts(conn: Connection, order_ids: list[int]) -> list[dict[str, Any]]:
    """Per returned order line: units, reason, whose fault, and units per disposition (damage-free, order
    accuracy and cost-to-serve read these). Refused and cancelled requests are not facts of a return."""
    disposed: dict[int, dict[str, int]] = {}
    for d in conn.execute(select(return_dispositions.c.return_line_id, return_dispositions.c.disposition,
                                 func.sum(return_dispositions.c.qty))
                          .where(return_dispositions.c.return_id.in_(
                              select(returns.c.id).where(returns.c.order_id.in_(order_ids))))
                          .group_by(return_dispositions.c.return_line_id, return_dispositions.c.disposition)):
        disposed.setdefault(d[0], {})[d[1]] = d[2]
    rows = conn.execute(select(return_lines, returns.c.order_id, returns.c.status)
                        .join(returns, returns.c.id == return_lines.c.return_id)
                        .where(returns.c.order_id.in_(order_ids),
                               returns.c.status.not_in([ReturnStatus.REFUSED, ReturnStatus.CANCELLED]))
                        .order_by(return_lines.c.id)).all()
    return [{"order_id": r.order_id, "order_line_id": r.order_line_id, "return": rma_number(r.return_id),
             "qty": r.qty, "reason": r.reason, "firm_fault": r.reason in FIRM_FAULT, "qty_received": r.qty_received,
             "dispositions": disposed.get(r.id, {})} for r in rows]


def nonsellable(uow: UnitOfWork, actor: Actor, *, warehouse: str | None = None) -> list[dict[str, Any]]:
    """Returned units off the shelf, per warehouse, SKU and bucket."""
    actor.require(Permission.READ_STOCK)
    q = (select(warehouses.c.code, products.c.sku, nonsellable_stock.c.bucket, nonsellable_stock.c.qty)
         .join(warehouses, warehouses.c.id == nonsellable_stock.c.warehouse_id)
         .join(products, products.c.id == nonsellable_stock.c.product_id).where(nonsellable_stock.c.qty > 0))
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    with uow.read() as conn:
        return [{"warehouse": r[0], "sku": r[1], "bucket": r[2], "qty": r[3]}
                for r in conn.execute(q.order_by(warehouses.c.code, products.c.sku, nonsellable_stock.c.bucket))]
