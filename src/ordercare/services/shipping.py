"""Ship confirmation (DOMAIN §3 step 10): one shipment, or many in one transaction (a load, an afternoon).

Credit is checked again before goods leave; the stock, the allocations, the order lines, the timeline and
the per-shipment invoice follow in the same transaction. Proof of delivery and installation: delivery.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, delete, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.credit import check_credit
from ..domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from ..domain.fulfilment import refuse_empty
from ..domain.orders import OrderStatus
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row, move_order
from ..store.fulfilment_tables import carrier_services, carriers, loads, shipment_lines, shipments
from ..store.prepared import Prepared, id_chunks, in_ids, insert_of
from ..store.service_tables import no_charge_orders
from ..store.tables import allocations, customers, order_lines, orders, stock, stock_moves
from .allocation import recompute_statuses, release_backorders
from .edi_documents import active_partners
from .edi_outbound import ship_notice_in
from .invoicing import ShipmentInvoicing
from .measure_facts import refresh_order_facts
from .orders import credit_exposure
from .release import shipment_number
from .transport import active_services, rate_in


@dataclass(frozen=True)
class ShipQuantity:
    line_id: int
    qty: int


def _credit_blocks(conn: Connection, order_ids: list[int]) -> tuple[list[int], list[int], dict]:
    """Orders on hold, and orders whose customer is now over its limit without finance's approval (one exposure
    read per customer; a no-charge order owes nothing, so it ships whatever the customer owes)."""
    held, over, facts, exposure = [], [], {}, {}
    for o in conn.execute(select(orders.c.id, orders.c.status, orders.c.credit_approved_by, orders.c.customer_id,
                                 customers.c.credit_limit, customers.c.kind,
                                 no_charge_orders.c.order_id.is_not(None).label("no_charge"))
                          .join(customers, customers.c.id == orders.c.customer_id)
                          .outerjoin(no_charge_orders, no_charge_orders.c.order_id == orders.c.id)
                          .where(orders.c.id.in_(order_ids)).order_by(orders.c.id)):
        if o.status == OrderStatus.CREDIT_HOLD:
            held.append(o.id)
            continue
        if o.credit_approved_by or o.no_charge:
            continue
        if o.customer_id not in exposure:
            exposure[o.customer_id] = credit_exposure(conn, o.customer_id)
        receivable, open_orders = exposure[o.customer_id]
        decision = check_credit(limit=o.credit_limit, open_receivables=receivable, open_orders=open_orders,
                                this_order=0, internal=o.kind == "internal")
        if decision.hold:
            over.append(o.id)
            facts[str(o.id)] = {"exposure": str(decision.exposure), "limit": str(decision.limit)}
    return held, over, facts


def ship(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, shipment_id: int,
         quantities: list[ShipQuantity] | None = None) -> dict:
    """Ship a picked shipment: credit checked again, stock leaves the warehouse, orders move on.

    Units picked but not shipped (quantities below the picked ones) go back to
    free stock and their order lines back to back-order.
    """
    actor.require(Permission.FULFIL)
    out = uow.run(lambda conn: _ship_in(conn, clock, settings, actor, [shipment_id],
                                        {shipment_id: quantities or []}, strict=True))
    if out["held"]:  # the hold is committed even though the shipment does not go
        raise Conflict("order_on_credit_hold", f"shipment {shipment_id}: orders {out['held']} went on credit "
                       "hold (over the credit limit); finance must release them", field="shipment_id",
                       orders=out["held"])
    return out["shipped"][0]


def ship_shipments(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor,
                   shipment_ids: list[int]) -> dict:
    """Ship many picked shipments (a load, a warehouse's afternoon) in one transaction, as picked, by the same
    rules as ship(). A shipment that cannot go stays where it is, with the reason in `not_shipped`: no longer
    picked, nothing picked, an order on credit hold, or a customer now over its limit (those orders are put on
    hold). Credit is checked for all of them before any leaves."""
    actor.require(Permission.FULFIL)
    if not shipment_ids:
        return {"shipped": [], "not_shipped": [], "held": []}
    return uow.run(lambda conn: _ship_in(conn, clock, settings, actor, sorted(set(shipment_ids)), {}, strict=False))


def _wanted(sh, lines: dict, quantities: list[ShipQuantity]) -> dict[int, int]:
    if sh.status in ("shipped", "delivered"):
        raise Conflict("already_shipped", f"shipment {sh.id} was shipped already", field="shipment_id")
    refuse_empty(sh)
    if sh.status != "picked":
        raise Conflict("not_picked", f"shipment {sh.id} is {sh.status}: pick it first", field="shipment_id",
                       status=sh.status)
    wanted = {ln.id: ln.qty_picked for ln in lines.values()}
    for i, q in enumerate(quantities):
        if q.line_id not in lines:
            raise ValidationFailed("unknown_line", f"lines[{i}].line_id: not a line of this shipment",
                                   field=f"lines[{i}].line_id")
        if q.qty < 0 or q.qty > lines[q.line_id].qty_picked:
            raise ValidationFailed("ship_more_than_picked",
                                   f"lines[{i}].qty: {q.qty} is more than the {lines[q.line_id].qty_picked} picked"
                                   if q.qty >= 0 else f"lines[{i}].qty: must not be negative",
                                   field=f"lines[{i}].qty", picked=lines[q.line_id].qty_picked)
        wanted[q.line_id] = q.qty
    if not any(wanted.values()):
        raise ValidationFailed("nothing_to_ship", "lines: nothing picked to ship", field="lines")
    return wanted


def _ship_in(conn: Connection, clock: Clock, settings: Settings, actor: Actor, ids: list[int],
             quantities: dict[int, list[ShipQuantity]], *, strict: bool) -> dict:
    """Ship these shipments, set-based. strict: any refusal raises (one shipment asked for by name); otherwise
    a shipment that cannot go is left out with its reason."""
    heads = {r.id: r for r in _HEADS.rows_in(conn, ids)}
    lines: dict[int, dict] = defaultdict(dict)
    for r in _LINES.rows_in(conn, ids):
        lines[r.shipment_id][r.id] = r
    not_shipped, wanted = [], {}

    def refuse(sid: int, exc: DomainError) -> None:
        if strict:
            raise exc
        not_shipped.append({"shipment_id": sid, "code": exc.code, "message": exc.message})

    for sid in ids:
        if sid not in heads:
            refuse(sid, NotFound("shipment_not_found", f"shipment {sid}: no such shipment", field="shipment_id"))
            continue
        try:
            wanted[sid] = _wanted(heads[sid], lines[sid], quantities.get(sid, []))
        except DomainError as exc:
            refuse(sid, exc)
    order_ids = sorted({ln.order_id for sid in wanted for ln in lines[sid].values()})
    held, over, facts = _credit_blocks(conn, order_ids) if order_ids else ([], [], {})
    blocked = set(held) | set(over)
    for sid in list(wanted):
        stopped = sorted({ln.order_id for ln in lines[sid].values()} & blocked)
        if stopped:
            del wanted[sid]
            on_hold = sorted(set(stopped) & set(held))
            if on_hold:
                refuse(sid, Conflict("order_on_credit_hold", f"shipment {sid}: orders {on_hold} are on credit hold",
                                     field="shipment_id", orders=on_hold))
            else:
                not_shipped.append({"shipment_id": sid, "code": "order_on_credit_hold",
                                    "message": f"shipment {sid}: orders {stopped} went on credit hold"})
    now, today = clock.now(), clock.today()
    if over:
        # The hold stays even though the shipment does not go (committed with whatever else ships).
        for order_id in over:
            status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
            move_order(conn, order_id, status, OrderStatus.CREDIT_HOLD, at=now, actor=actor.username,
                       reason="credit limit exceeded at shipping", payload=facts.get(str(order_id)))
    go = sorted(wanted)
    if not go:
        return {"shipped": [], "not_shipped": not_shipped, "held": over}
    unrated = [sid for sid in go if heads[sid].carrier_service_id is None]
    if unrated:
        services = active_services(conn)
        for sid in unrated:
            try:
                rate_in(conn, sid, services)
            except DomainError as exc:  # no carrier can take it
                refuse(sid, exc)
                go.remove(sid)
        heads.update({r.id: r for r in _HEADS.rows_in(conn, unrated)})
        if not go:
            return {"shipped": [], "not_shipped": not_shipped, "held": over}
    shipped = _leave(conn, now, today, settings, actor, [heads[sid] for sid in go], lines, wanted)
    # An EDI customer's shipment is announced by its 856, then billed (customers invoiced per shipment) with the
    # invoice's 810, shipment by shipment, in this same transaction. One read of the partners for all of them.
    partners = active_partners(conn, {heads[sid].customer_id for sid in go})
    invoicing = ShipmentInvoicing(conn, clock, actor, [result["shipment_id"] for result in shipped])
    for result in shipped:
        sid = result["shipment_id"]
        if heads[sid].customer_id in partners:
            ship_notice_in(conn, clock, actor, sid, partners[heads[sid].customer_id])
        result["invoice_id"] = invoicing.invoice(sid)
    refresh_order_facts(conn, {ln.order_id for sid in go for ln in lines[sid].values()})
    return {"shipped": shipped, "not_shipped": not_shipped, "held": over}


def _leave(conn: Connection, now, today, settings: Settings, actor: Actor, heads: list, lines: dict,
           wanted: dict) -> list[dict]:
    """The goods leave: stock, moves, allocations, lines, shipments, loads, events and statuses, one batch each."""
    inventory.lock_supply(conn, {ln.product_id for sh in heads for ln in lines[sh.id].values()})
    per_cell: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    moves, done_allocs, line_rows, order_rows, left_behind = [], [], [], [], set()
    by = actor.username
    for sh in heads:
        wh, ref, units = sh.warehouse_id, f"shipment:{sh.id}", wanted[sh.id]
        for line in lines[sh.id].values():
            line_id, product_id = line.id, line.product_id
            qty, picked = units[line_id], line.qty_picked or 0
            cell = per_cell[(wh, product_id)]
            cell[0] += qty
            cell[1] += picked
            if qty:
                moves.append((wh, product_id, -qty, "shipment", ref, now, by))
            if line.allocation_id is not None:
                done_allocs.append(line.allocation_id)
            line_rows.append((qty, line_id))
            order_rows.append((qty, picked - qty, line.order_line_id))
            if picked - qty:
                left_behind.add(product_id)
    # Picked units leave the reservation: shipped ones also leave the shelf.
    cells = [(wh, pid, q, p) for (wh, pid), (q, p) in sorted(per_cell.items()) if q or p]
    if cells and _STOCK_LEAVES.execute_many(conn, cells) != len(cells):
        raise Conflict("stock_record_inconsistent", "the stock record holds less than was picked", field="lines")
    _MOVES.execute_many(conn, moves)
    _LINE_SHIPPED.execute_many(conn, line_rows)
    done_allocs.sort()
    for chunk in id_chunks(done_allocs):
        _ALLOCATIONS_DONE.execute(conn, chunk)
    _ORDER_LINE_SHIPPED.execute_many(conn, order_rows)
    carrier = {r.id: r for r in conn.execute(
        select(carrier_services.c.id, carriers.c.code, carrier_services.c.code.label("service"))
        .join(carriers, carriers.c.id == carrier_services.c.carrier_id)
        .where(carrier_services.c.id.in_({sh.carrier_service_id for sh in heads})))}
    tracking = {sh.id: f"{carrier[sh.carrier_service_id].code}-{sh.id:09d}" for sh in heads}
    _SHIPMENT_SHIPPED.execute_many(conn, [(now, tracking[sh.id], sh.id) for sh in heads])
    load_ids = sorted({sh.load_id for sh in heads if sh.load_id is not None})
    if load_ids:
        unshipped = select(shipments.c.id).where(shipments.c.load_id == loads.c.id,
                                                 shipments.c.status.not_in(["shipped", "delivered"])).exists()
        conn.execute(update(loads).where(loads.c.id.in_(load_ids), ~unshipped).values(status="shipped"))
    if left_behind:
        release_backorders(conn, left_behind, today=today, at=now, actor=actor.username,
                           horizon_end=today + timedelta(days=settings.promise_horizon_days),
                           reason="picked units left behind at shipping")
    events, out, order_ids = [], [], set()
    for sh in heads:
        c, units = carrier[sh.carrier_service_id], wanted[sh.id]
        per_order: dict[int, int] = {}
        for ln in lines[sh.id].values():
            per_order[ln.order_id] = per_order.get(ln.order_id, 0) + units[ln.id]
        number, eta = shipment_number(sh.id), sh.estimated_delivery.isoformat() if sh.estimated_delivery else None
        for order_id in sorted(per_order):
            events.append(event_row(order_id, "shipped", at=now, actor=by, payload={
                "shipment": number, "carrier": c.code, "service": c.service, "tracking_number": tracking[sh.id],
                "estimated_delivery": eta, "units": per_order[order_id]}))
        order_ids.update(per_order)
        out.append({"shipment_id": sh.id, "tracking_number": tracking[sh.id], "units": sum(units.values())})
    append_events(conn, events)
    recompute_statuses(conn, order_ids, at=now, actor=by, reason="shipped")
    return out


# The reads and per-line batches of shipping, compiled once and sent on the driver (store/prepared.py): an
# afternoon ships thousands of lines, and SQLAlchemy's executemany set-up cost more per row than the statements.
# Rows are given positionally (the `order` of each statement's parameters).
_HEADS = Prepared(select(shipments.c.id, shipments.c.status, shipments.c.warehouse_id, shipments.c.customer_id,
                         shipments.c.carrier_service_id, shipments.c.load_id, shipments.c.estimated_delivery)
                  .where(in_ids(shipments.c.id)), expanding="ids")
_LINES = Prepared(select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                         shipment_lines.c.order_line_id, shipment_lines.c.product_id, shipment_lines.c.allocation_id,
                         shipment_lines.c.qty_picked)
                  .where(in_ids(shipment_lines.c.shipment_id)).order_by(shipment_lines.c.id), expanding="ids")
_STOCK_LEAVES = Prepared(update(stock).where(stock.c.warehouse_id == bindparam("wh"),
                                             stock.c.product_id == bindparam("pid"),
                                             stock.c.on_hand >= bindparam("q"), stock.c.reserved >= bindparam("p"))
                         .values(on_hand=stock.c.on_hand - bindparam("q"), reserved=stock.c.reserved - bindparam("p")),
                         order=("wh", "pid", "q", "p"))
_ALLOCATIONS_DONE = Prepared(delete(allocations).where(in_ids(allocations.c.id)), expanding="ids")
_MOVES = insert_of(stock_moves, ("warehouse_id", "product_id", "qty", "kind", "ref", "at", "actor"), positional=True)
_LINE_SHIPPED = Prepared(update(shipment_lines).where(shipment_lines.c.id == bindparam("lid"))
                         .values(qty_shipped=bindparam("q"), allocation_id=None), order=("q", "lid"))
_ORDER_LINE_SHIPPED = Prepared(update(order_lines).where(order_lines.c.id == bindparam("olid")).values(
    qty_shipped=order_lines.c.qty_shipped + bindparam("q"),
    qty_backordered=order_lines.c.qty_backordered + bindparam("back")), order=("q", "back", "olid"))
_SHIPMENT_SHIPPED = Prepared(update(shipments).where(shipments.c.id == bindparam("sid"))
                             .values(status="shipped", shipped_at=bindparam("at"),
                                     tracking_number=bindparam("tracking")), order=("at", "tracking", "sid"))


# Proof of delivery and installation live in delivery.py; callers have always found them here.
from .delivery import (  # noqa: E402,F401
    INSTALLATION_LEAD_DAYS, DeliveryException, ProofOfDelivery, complete_installation, deliver, deliver_shipments,
    schedule_installation,
)
