"""Promises after placement: back-order release, re-promising, the order's promised date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, func, select, update

from ..domain.customers import SourcingPolicy
from ..domain.errors import Conflict
from ..domain.orders import OPEN_FOR_SUPPLY, OrderStatus, check_transition, progress_status
from ..domain.sourcing import LineDemand, plan_order
from ..store import inventory
from ..store.events import append_event, append_events, event_row
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.prepared import Prepared, id_chunks, in_ids
from ..store.tables import allocations, order_lines, orders, ship_tos
from .intake import lanes_to
from .measure_facts import refresh_order_facts

S = OrderStatus


def refresh_promises(conn: Connection, order_id: int) -> tuple[date | None, date | None]:
    """Recompute each line's promised dates and the order's from its allocations.

    A line has a promised delivery only when no unit of it is back-ordered: the
    later of its latest allocation's delivery and the date the customer asked for.
    Returns the order's (old, new) promised date.
    """
    old = _PROMISED.rows(conn, {"oid": order_id})[0].promised_date
    lines = _LINE_PROMISES.rows(conn, {"oid": order_id})
    latest: dict[int, tuple[date, date]] = {}
    for a in _ALLOCATED_DATES.rows(conn, {"oid": order_id}):
        prev = latest.get(a.order_line_id)
        latest[a.order_line_id] = (max(prev[0], a.ship_date), max(prev[1], a.delivery_date)) if prev else (
            a.ship_date, a.delivery_date)
    order_date: date | None = None
    complete = True
    for ln in lines:
        ship = deliver = None
        if ln.qty_backordered == 0 and ln.id in latest:
            ship, deliver = latest[ln.id]
            if ln.requested_date and deliver < ln.requested_date:
                deliver = ln.requested_date
        if deliver is None:
            complete = False
        else:
            order_date = max(order_date, deliver) if order_date else deliver
        if (ship, deliver) != (ln.promised_ship_date, ln.promised_date):
            _REPROMISE_LINE.execute(conn, {"lid": ln.id, "ship": ship, "deliver": deliver})
    new = order_date if complete else None
    if new != old:
        _REPROMISE_ORDER.execute(conn, {"oid": order_id, "deliver": new})
    return old, new


# refresh_promises runs per order after every short pick and back-order release: compiled once, on the driver.
_PROMISED = Prepared(select(orders.c.promised_date).where(orders.c.id == bindparam("oid")))
_LINE_PROMISES = Prepared(select(order_lines.c.id, order_lines.c.qty_backordered, order_lines.c.requested_date,
                                 order_lines.c.promised_ship_date, order_lines.c.promised_date)
                          .where(order_lines.c.order_id == bindparam("oid")))
_ALLOCATED_DATES = Prepared(select(allocations.c.order_line_id, allocations.c.ship_date, allocations.c.delivery_date)
                            .where(allocations.c.order_id == bindparam("oid")))
_REPROMISE_LINE = Prepared(update(order_lines).where(order_lines.c.id == bindparam("lid"))
                           .values(promised_ship_date=bindparam("ship"), promised_date=bindparam("deliver")))
_REPROMISE_ORDER = Prepared(update(orders).where(orders.c.id == bindparam("oid"))
                            .values(promised_date=bindparam("deliver")))


_STAGES = {"released": 1, "picking": 2, "picked": 3}
# Statuses that only finance or the end of the order's life change: facts do not move them.
_FIXED = (S.CREDIT_HOLD, S.CANCELLED, S.CLOSED, S.INVOICED)


def recompute_status(conn: Connection, order_id: int, *, at: datetime, actor: str, reason: str) -> OrderStatus:
    """Move an order to the status its facts give it: promises, shipment stages, units shipped.

    An order on credit hold stays there; only finance releases it.
    """
    return recompute_statuses(conn, [order_id], at=at, actor=actor, reason=reason)[order_id]


def recompute_statuses(conn: Connection, order_ids, *, at: datetime, actor: str,
                       reason: str) -> dict[int, OrderStatus]:
    """recompute_status for many orders at once: three reads, one conditional update per kind of move and one
    batch of events, whatever the number of orders (a pick list, a day's shipments)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    current = {r[0]: r[1] for r in _STATUS_OF.rows_in(conn, ids)}
    live = [i for i in ids if current[i] not in _FIXED]
    facts = statuses_from_facts(conn, live) if live else {}
    out = {i: OrderStatus(current[i]) for i in ids}
    moves = {}
    for i in live:
        out[i] = facts.get(i) or progress_status(units=0, backordered=0, shipped=0, all_shipments_delivered=True,
                                                 open_stage=None)
        if out[i] != current[i]:
            moves[i] = (current[i], out[i])
    move_orders(conn, moves, at=at, actor=actor, reason=reason)
    return out


def move_orders(conn: Connection, moves: dict[int, tuple[str, OrderStatus]], *, at: datetime, actor: str,
                reason: str) -> None:
    """move_order for many orders: each through the transitions table, conditionally on the status read."""
    groups: dict[tuple[str, OrderStatus], list[int]] = defaultdict(list)
    for order_id, (current, target) in sorted(moves.items()):
        check_transition(current, target)
        groups[(current, target)].append(order_id)
    for (current, target), ids in groups.items():
        moved = sum(_MOVE.execute(conn, {**chunk, "current": current, "target": target,
                                         "hold": target == S.CREDIT_HOLD}) for chunk in id_chunks(ids))
        if moved != len(ids):
            raise Conflict("order_changed", "the order changed while this was being done; reload and retry",
                           order_ids=ids)
    append_events(conn, [event_row(order_id, "status_changed", at=at, actor=actor, reason=reason,
                                   from_status=current, to_status=target)
                         for order_id, (current, target) in sorted(moves.items())])


# Every step of the warehouse day reads and moves its orders' statuses: compiled once, on the driver (a padded IN
# list matches each order once, so the update's row count is the number of orders moved).
_STATUS_OF = Prepared(select(orders.c.id, orders.c.status).where(in_ids(orders.c.id)), expanding="ids")
_MOVE = Prepared(update(orders).where(in_ids(orders.c.id), orders.c.status == bindparam("current"))
                 .values(status=bindparam("target"), credit_hold=bindparam("hold")), expanding="ids")


def status_from_facts(conn: Connection, order_id: int) -> OrderStatus:
    return statuses_from_facts(conn, [order_id]).get(order_id) or progress_status(
        units=0, backordered=0, shipped=0, all_shipments_delivered=True, open_stage=None)


_LINE_SUMS = (select(order_lines.c.order_id, func.sum(order_lines.c.qty), func.sum(order_lines.c.qty_backordered),
                     func.sum(order_lines.c.qty_shipped)).group_by(order_lines.c.order_id))
_SHIPMENT_PARTS = (select(shipment_lines.c.order_id, shipments.c.status, shipment_lines.c.qty_shipped,
                          shipment_lines.c.qty_picked)
                   .join(shipments, shipments.c.id == shipment_lines.c.shipment_id))
# For given orders (every step of the warehouse day recomputes its orders' statuses): compiled once, on the driver.
_LINE_SUMS_OF = Prepared(_LINE_SUMS.where(in_ids(order_lines.c.order_id)), expanding="ids")
_SHIPMENT_PARTS_OF = Prepared(_SHIPMENT_PARTS.where(in_ids(shipment_lines.c.order_id)), expanding="ids")


def statuses_from_facts(conn: Connection, order_ids: list[int] | None = None) -> dict[int, OrderStatus]:
    """The status each order's facts give it (order_ids None: every order with lines), in two set-based reads;
    the invariant checker compares it with the stored status. A line picked short to nothing holds no stage:
    none of its units waits in the warehouse (they went back to back-order)."""
    if order_ids is None:
        parts, sums = conn.execute(_SHIPMENT_PARTS), conn.execute(_LINE_SUMS)
    else:
        ids = sorted(set(order_ids))
        chunks = list(id_chunks(ids))
        parts = [r for c in chunks for r in _SHIPMENT_PARTS_OF.rows(conn, c)]
        sums = [r for c in chunks for r in _LINE_SUMS_OF.rows(conn, c)]
    stage: dict[int, str] = {}
    undelivered: set[int] = set()
    for oid, status, line_shipped, picked in parts:
        if line_shipped and status != "delivered":
            undelivered.add(oid)
        if not line_shipped and picked != 0 and status in _STAGES \
                and _STAGES[status] > _STAGES.get(stage.get(oid, ""), 0):
            stage[oid] = status
    return {oid: progress_status(units=units or 0, backordered=backordered or 0, shipped=shipped or 0,
                                 all_shipments_delivered=oid not in undelivered, open_stage=stage.get(oid))
            for oid, units, backordered, shipped in sums}


def note_promise_change(conn: Connection, order_id: int, old: date | None, new: date | None, *, at: datetime,
                        actor: str, reason: str) -> None:
    if old != new:
        append_event(conn, order_id, "promise_changed", at=at, actor=actor, reason=reason,
                     payload={"old": old.isoformat() if old else None, "new": new.isoformat() if new else None})


# Every change of supply (goods in, a purchase order, a pick or shipment that leaves units behind) asks for the
# lines waiting on its products, and most often finds none: compiled once, on the driver.
_WAITING = Prepared(
    select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id, order_lines.c.qty_backordered,
           order_lines.c.requested_date, orders.c.ship_to_id, orders.c.priority, orders.c.created_at)
    .join(orders, orders.c.id == order_lines.c.order_id)
    .where(in_ids(order_lines.c.product_id), order_lines.c.qty_backordered > 0,
           orders.c.status.in_(sorted(str(s) for s in OPEN_FOR_SUPPLY)))
    .order_by(orders.c.priority, orders.c.created_at, orders.c.id, order_lines.c.id), expanding="ids")


def release_backorders(conn: Connection, product_ids: set[int], *, today: date, at: datetime, actor: str,
                       horizon_end: date, reason: str) -> int:
    """Give free supply of these products to waiting lines: by package priority, then first come.

    Each waiting line is served on its own by the per-line rule (earliest delivery,
    then nearest), whatever the customer's sourcing policy: the rest of a line is
    better sent from another warehouse than kept waiting for the first one.
    The caller holds the supply locks (it has just changed the supply). Returns
    the number of units newly promised.
    """
    if not product_ids:
        return 0
    ids = sorted(product_ids)
    # Each chunk of products comes in serving order: merged into one.
    waiting = sorted(_WAITING.rows_in(conn, ids), key=lambda w: (w.priority, w.created_at, w.order_id, w.id))
    total = 0
    touched: set[int] = set()
    lane_cache: dict[int, list] = {}
    for w in waiting:
        supply = inventory.load_supply(conn, [w.product_id], lock=False)  # already locked by the caller
        if not supply:
            continue
        if w.ship_to_id not in lane_cache:
            st = conn.execute(select(ship_tos).where(ship_tos.c.id == w.ship_to_id)).one()
            lane_cache[w.ship_to_id] = lanes_to(conn, st)
        plan = plan_order([LineDemand(w.product_id, w.qty_backordered, w.requested_date)], supply,
                          lane_cache[w.ship_to_id], policy=SourcingPolicy.NEAREST, today=today,
                          horizon_end=horizon_end)[0]
        if not plan.allocations:
            continue
        inventory.take_supply(conn, [(w.product_id, a) for a in plan.allocations])
        inventory.record_allocations(conn, w.order_id, [(w.id, w.product_id, a) for a in plan.allocations], at)
        conn.execute(update(order_lines).where(order_lines.c.id == w.id)
                     .values(qty_backordered=plan.backordered))
        append_event(conn, w.order_id, "backorder_allocated", at=at, actor=actor, reason=reason,
                     payload={"line_id": w.id, "qty": plan.promised_qty, "still_backordered": plan.backordered})
        total += plan.promised_qty
        touched.add(w.order_id)
    for order_id in sorted(touched):
        old, new = refresh_promises(conn, order_id)
        note_promise_change(conn, order_id, old, new, at=at, actor=actor, reason=reason)
    recompute_statuses(conn, touched, at=at, actor=actor, reason=reason)
    refresh_order_facts(conn, touched)  # a back-ordered line's first promise is captured now
    return total
