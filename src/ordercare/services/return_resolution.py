"""Resolving a return: credit note, refund, replacement order, or repair and send back.

Credit notes and refunds are billing's (services/credit_notes.py), called inside this transaction.
A replacement or a repaired unit goes back to the customer as a new order through the normal order flow
(promised, allocated, picked, shipped like any other), recorded as a no-charge order so it is not invoiced.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import Connection, insert, select

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, ValidationFailed
from ..domain.orders import Channel, RequestedLine, order_number
from ..domain.returns import Disposition, Resolution, ReturnStatus, rma_number
from ..store.db import UnitOfWork
from ..store.events import append_event
from ..store.service_tables import no_charge_orders, return_dispositions, return_lines
from ..store.tables import customers, order_lines, orders, products, ship_tos
from .intake import Intake, OrderRequest, take_in
from .orders import create_order
from .return_handling import move_nonsellable, restock
from .returns import load_return_for, move_return


def free_of_charge(intake: Intake) -> Intake:
    """The same goods priced 0, with no credit limit for this order: a replacement adds nothing to what the
    customer owes, so it neither counts in the credit exposure nor waits for finance."""
    customer = SimpleNamespace(**intake.customer._mapping)
    customer.credit_limit = None
    return replace(intake, customer=customer, lines=[
        replace(ln, unit_price=Decimal("0"), amount=Decimal("0")) for ln in intake.lines])


def place_no_charge_order(conn: Connection, clock: Clock, settings: Settings, actor: Actor, *, original_order_id: int,
                          lines: list[tuple[str, int]], source: str, source_ref: str) -> int:
    """A replacement/reship order to the original order's customer and ship-to, through the normal flow."""
    orig = conn.execute(select(orders.c.customer_id, orders.c.ship_to_id).where(orders.c.id == original_order_id)).one()
    code = conn.execute(select(customers.c.code).where(customers.c.id == orig.customer_id)).scalar_one()
    ship_to = conn.execute(select(ship_tos.c.code).where(ship_tos.c.id == orig.ship_to_id)).scalar_one()
    req = OrderRequest(customer=code, ship_to=ship_to, channel=Channel.DESK, customer_po=source_ref,
                       lines=[RequestedLine(sku, qty, None, i) for i, (sku, qty) in enumerate(lines)])
    intake = free_of_charge(take_in(conn, actor, req, clock.today()))
    order_id = create_order(conn, clock, settings, actor, intake, channel=str(req.channel), customer_po=source_ref)
    now = clock.now()
    conn.execute(insert(no_charge_orders).values(order_id=order_id, original_order_id=original_order_id,
                                                 source=source, source_ref=source_ref, created_at=now))
    append_event(conn, order_id, "no_charge", at=now, actor=actor.username, reason=f"replacement for {source_ref}",
                 payload={"original_order": order_number(original_order_id), "source": source, "ref": source_ref})
    append_event(conn, original_order_id, "replacement_ordered", at=now, actor=actor.username,
                 payload={"order": order_number(order_id), "source": source, "ref": source_ref,
                          "lines": [{"sku": s, "qty": q} for s, q in lines]})
    return order_id


def is_no_charge(conn: Connection, order_id: int) -> bool:
    """For billing: replacement and reship orders are not invoiced."""
    return conn.execute(select(no_charge_orders.c.order_id).where(no_charge_orders.c.order_id == order_id)).first() \
        is not None


def _credit_lines(conn: Connection, return_id: int):
    from ..domain.credit_notes import CreditLine
    rows = conn.execute(select(return_lines, products.c.sku, order_lines.c.line_no)
                        .join(products, products.c.id == return_lines.c.product_id)
                        .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
                        .where(return_lines.c.return_id == return_id, return_lines.c.qty_received > 0)
                        .order_by(return_lines.c.id)).all()
    out = []
    for r in rows:
        # The fee was set on the authorised units; received units carry their share of it.
        fee = (r.restocking_fee * r.qty_received / r.qty).quantize(Decimal("0.01"))
        amount = r.unit_price * r.qty_received - fee
        text = f"Return {rma_number(return_id)}: line {r.line_no} {r.sku} ({r.reason})"
        if fee:
            text += f", restocking fee {fee}"
        out.append(CreditLine(text[:300], amount, qty=r.qty_received, order_line_id=r.order_line_id))
    return out


def resolve_return(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, return_id: int,
                   resolution: str, *, refund_method: str | None = None, refund_reference: str | None = None) -> dict:
    """Close the loop with the customer once every received unit has a disposition."""
    actor.require(Permission.AUTHORISE_RETURN)
    if resolution not in {r.value for r in Resolution}:
        raise ValidationFailed("unknown_resolution", f"resolution: one of {[r.value for r in Resolution]}",
                               field="resolution")
    if resolution == Resolution.REFUND and not (refund_method and refund_reference):
        raise ValidationFailed("refund_details_required", "refund_method: a refund needs a method and a reference",
                               field="refund_method")

    def work(conn: Connection) -> dict:
        ret = load_return_for(conn, actor, return_id, lock=True)
        if ret.status != ReturnStatus.INSPECTED:
            raise Conflict("return_not_inspected", f"return {return_id} is {ret.status}: resolve it once every "
                           "received unit is inspected", field="status", status=ret.status)
        ref, now = rma_number(return_id), clock.now()
        values: dict = {"resolution": resolution, "resolved_at": now}
        received = conn.execute(select(products.c.sku, return_lines.c.qty_received)
                                .join(products, products.c.id == return_lines.c.product_id)
                                .where(return_lines.c.return_id == return_id, return_lines.c.qty_received > 0)).all()
        if resolution in (Resolution.CREDIT_NOTE, Resolution.REFUND):
            from .credit_notes import raise_credit_note_in, refund_in
            lines = _credit_lines(conn, return_id)
            cn = raise_credit_note_in(conn, clock, actor, customer_id=ret.customer_id, order_id=ret.order_id,
                                      reason=f"goods returned under {ref}", lines=lines, source="return",
                                      source_ref=ref)
            values["credit_note_id"] = cn
            if resolution == Resolution.REFUND:
                # What the credit note did not settle on open invoices is paid back (tax included).
                from ..store.billing_tables import credit_notes
                left = conn.execute(select(credit_notes.c.unapplied).where(credit_notes.c.id == cn)).scalar_one()
                if left <= 0:
                    raise ValidationFailed("nothing_to_refund", "resolution: the credit settles open invoices of "
                                           "the customer, nothing is left to pay back; resolve with credit_note",
                                           field="resolution")
                values["refund_id"] = refund_in(conn, clock, actor, customer_id=ret.customer_id, amount=left,
                                                method=refund_method, reference=refund_reference, credit_note_id=cn,
                                                source="return", source_ref=ref)
        elif resolution == Resolution.REPLACEMENT:
            values["replacement_order_id"] = place_no_charge_order(
                conn, clock, settings, actor, original_order_id=ret.order_id, lines=[(r.sku, r.qty_received)
                                                                                    for r in received],
                source="return", source_ref=ref)
        else:
            values["replacement_order_id"] = _repair_and_return(conn, clock, settings, actor, ret, ref)
        move_return(conn, ret, ReturnStatus.RESOLVED, at=now, actor=actor.username, kind="resolved",
                    payload={"resolution": resolution, **{k: v for k, v in values.items() if k.endswith("_id")}},
                    **values)
        append_event(conn, ret.order_id, "return_resolved", at=now, actor=actor.username,
                     payload={"rma": ref, "resolution": resolution,
                              **{k: v for k, v in values.items() if k.endswith("_id")}})
        return {"return_id": return_id, "resolution": resolution,
                **{k: v for k, v in values.items() if k.endswith("_id")}}

    return uow.run(work)


def _repair_and_return(conn: Connection, clock: Clock, settings: Settings, actor: Actor, ret, ref: str) -> int:
    """Units inspected for repair are repaired: back on the shelf, then sent to the customer at no charge."""
    repaired = conn.execute(select(return_dispositions.c.product_id, return_dispositions.c.qty, products.c.sku)
                            .join(products, products.c.id == return_dispositions.c.product_id)
                            .where(return_dispositions.c.return_id == ret.id,
                                   return_dispositions.c.disposition == Disposition.REPAIR)).all()
    if not repaired:
        raise ValidationFailed("nothing_in_repair", "resolution: no unit of this return was sent to repair",
                               field="resolution")
    now = clock.now()
    for r in repaired:
        move_nonsellable(conn, ret.warehouse_id, r.product_id, Disposition.REPAIR.value, -r.qty, kind="repaired",
                         ref=ref, at=now, actor=actor.username)
        restock(conn, settings, clock, ret.warehouse_id, r.product_id, r.qty, ref=ref,
                reason="repaired, to be sent back to the customer", actor=actor.username)
    return place_no_charge_order(conn, clock, settings, actor, original_order_id=ret.order_id,
                                 lines=[(r.sku, r.qty) for r in repaired], source="return", source_ref=ref)
