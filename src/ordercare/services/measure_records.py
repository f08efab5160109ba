"""The orders as the measures read them: plain records (metrics/records.py) of orders as they stand, with what
their stored facts captured earlier (the first promises, the units in stock when ordered).

The reads are Prepared statements (compiled once, run on the driver) with the order ids as an IN list: a refresh
reads thousands of lines and shipment lines at midnight of a simulated day, and SQLAlchemy's per-row machinery
cost more than the rules that derive the facts.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Connection, func, select

from ..domain.returns import ReturnStatus
from ..metrics.records import CaseLink, LineRecord, OrderRecord, ShipmentPart
from ..store.fulfilment_tables import carrier_services, shipment_lines, shipments
from ..store.prepared import Prepared, in_ids, padded_ids
from ..store.service_tables import cases, return_lines, returns
from ..store.tables import allocations, customers, order_events, order_lines, orders, products, service_packages

# Returns that are not (or no longer) a claim: they do not count.
_NOT_RETURNED = (str(ReturnStatus.REFUSED), str(ReturnStatus.CANCELLED))


def utc_day(at: datetime):
    return at.astimezone(timezone.utc).date()



_HEADS = Prepared(
    select(orders.c.id, orders.c.created_at, orders.c.customer_id, orders.c.channel, orders.c.status,
           orders.c.promised_date, customers.c.segment, customers.c.service_package, customers.c.kind,
           service_packages.c.lead_time_days)
    .join(customers, customers.c.id == orders.c.customer_id)
    .join(service_packages, service_packages.c.code == customers.c.service_package)
    .where(in_ids(orders.c.id)).order_by(orders.c.id), expanding="ids")
_LINES = Prepared(
    select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id, order_lines.c.qty,
           order_lines.c.requested_date, order_lines.c.promised_ship_date, order_lines.c.promised_date)
    .where(in_ids(order_lines.c.order_id)).order_by(order_lines.c.order_id, order_lines.c.id), expanding="ids")
_PARTS = Prepared(
    select(shipment_lines.c.order_line_id, shipment_lines.c.shipment_id, shipment_lines.c.qty,
           shipment_lines.c.qty_picked, shipment_lines.c.qty_shipped, shipment_lines.c.qty_delivered,
           shipment_lines.c.qty_short_delivered, shipment_lines.c.qty_damaged, shipment_lines.c.qty_wrong_item,
           shipment_lines.c.short_department, shipments.c.warehouse_id, shipments.c.shipped_at,
           shipments.c.delivered_at, carrier_services.c.carrier_id)
    .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
    .outerjoin(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
    .where(in_ids(shipment_lines.c.order_id)).order_by(shipment_lines.c.id), expanding="ids")
_RETURNED = Prepared(
    select(return_lines.c.order_line_id, return_lines.c.reason, func.sum(return_lines.c.qty))
    .join(returns, returns.c.id == return_lines.c.return_id)
    .where(in_ids(returns.c.order_id), returns.c.status.not_in(_NOT_RETURNED))
    .group_by(return_lines.c.order_line_id, return_lines.c.reason)
    .order_by(return_lines.c.order_line_id, return_lines.c.reason), expanding="ids")
_COMPLAINTS = Prepared(select(cases.c.id, cases.c.order_id, cases.c.category, cases.c.department)
                       .where(in_ids(cases.c.order_id)), expanding="ids")
_HELD = Prepared(select(order_events.c.order_id).distinct()
                 .where(in_ids(order_events.c.order_id), order_events.c.to_status == "credit_hold"),
                 expanding="ids")


def load_records(conn: Connection, ids: list[int], old: dict[int, tuple],
                 old_lines: dict[int, list[tuple]]) -> list[OrderRecord]:
    """The orders as they stand, with what their facts captured earlier (first promises, stock at placement):
    `old`, `old_lines` the stored facts (_stored)."""
    of_orders = padded_ids(ids)
    heads = _HEADS.rows(conn, of_orders)
    lines: dict[int, list] = {}
    for ln in _LINES.rows(conn, of_orders):
        lines.setdefault(ln.order_id, []).append(ln)
    parts: dict[int, list] = {}
    days: dict[datetime, date] = {}  # a shipment's lines share its times: each converted once
    for p in _PARTS.rows(conn, of_orders):
        shipped, delivered = p.shipped_at, p.delivered_at
        if shipped is not None:
            shipped = days.get(shipped) or days.setdefault(shipped, utc_day(shipped))
        if delivered is not None:
            delivered = days.get(delivered) or days.setdefault(delivered, utc_day(delivered))
        parts.setdefault(p.order_line_id, []).append(ShipmentPart(
            p.shipment_id, p.warehouse_id, p.carrier_id, p.qty, p.qty_picked, p.qty_shipped, shipped, delivered,
            p.qty_delivered, p.qty_short_delivered, p.qty_damaged, p.qty_wrong_item, p.short_department))
    returned: dict[int, list] = {}
    for r in _RETURNED.rows(conn, of_orders):
        returned.setdefault(r[0], []).append((r[1], int(r[2])))
    complaints: dict[int, list] = {}
    for c in _COMPLAINTS.rows(conn, of_orders):
        complaints.setdefault(c.order_id, []).append(CaseLink(c.id, c.category, c.department))
    held = {r.order_id for r in _HELD.rows(conn, of_orders)}
    from .invoice_changes import disputes_for_orders  # billing imports the services that import this module
    disputes = disputes_for_orders(conn, ids)
    legacy = _placement_guesses(conn, [h.id for h in heads if h.id not in old])
    out = []
    for h in heads:
        before = old.get(h.id)
        captured = {f.order_line_id: f for f in old_lines.get(h.id, ())}
        guess = legacy.get(h.id, {})
        from_stock, planned = guess.get("from_stock", {}), guess.get("warehouse", {})
        line_records = []
        for ln in lines.get(h.id, ()):
            was = captured.get(ln.id)
            if was is not None:  # what the facts captured earlier stays
                line_records.append(LineRecord(
                    ln.id, ln.product_id, ln.qty, was.qty_from_stock, ln.requested_date,
                    was.first_promised_ship or ln.promised_ship_date, was.first_promised_date or ln.promised_date,
                    was.warehouse_id, tuple(parts.get(ln.id, ())), tuple(returned.get(ln.id, ()))))
            else:
                line_records.append(LineRecord(
                    ln.id, ln.product_id, ln.qty, from_stock.get(ln.id, ln.qty), ln.requested_date,
                    ln.promised_ship_date, ln.promised_date, planned.get(ln.id), tuple(parts.get(ln.id, ())),
                    tuple(returned.get(ln.id, ()))))
        out.append(OrderRecord(
            order_id=h.id, ordered_on=before.order_day if before else utc_day(h.created_at),
            customer_id=h.customer_id, segment=before.segment if before else h.segment,
            package=before.package if before else h.service_package,
            customer_kind=before.customer_kind if before else h.kind, channel=h.channel,
            lead_time_days=before.lead_time_days if before else h.lead_time_days,
            cancelled=h.status == "cancelled", credit_held=h.id in held,
            first_promised_date=(before.first_promised_date if before else guess.get("promised")) or h.promised_date,
            lines=tuple(line_records), disputes=tuple(d["status"] for d in disputes.get(h.id, [])),
            cases=tuple(complaints.get(h.id, ()))))
    return out


def _placement_guesses(conn: Connection, ids: list[int]) -> dict[int, dict]:
    """For orders placed before the measures existed: what placement knew, as far as the timeline tells.

    The first promise is the one of the placement event (or the first re-promise); a line named by the
    placement's back-order event had none of its units in stock (all of them when it was the only one named);
    the planned warehouse is that of an allocation still held. Approximate, and documented as such.
    """
    out: dict[int, dict] = {i: {"from_stock": {}, "warehouse": {}} for i in ids}
    if not ids:
        return out
    sku_ids = dict(conn.execute(select(products.c.sku, products.c.id)).all())
    qty = {(ln.order_id, ln.product_id): (ln.id, ln.qty) for ln in conn.execute(
        select(order_lines.c.id, order_lines.c.order_id, order_lines.c.product_id, order_lines.c.qty)
        .where(order_lines.c.order_id.in_(ids)))}
    for e in conn.execute(select(order_events.c.order_id, order_events.c.kind, order_events.c.from_status,
                                 order_events.c.payload)
                          .where(order_events.c.order_id.in_(ids),
                                 order_events.c.kind.in_(("status_changed", "promise_changed", "backordered")))
                          .order_by(order_events.c.at, order_events.c.id)):
        guess, data = out[e.order_id], e.payload or {}
        if "promised" not in guess:
            when = data.get("promised_date") if e.from_status == "new" else data.get("new") \
                if e.kind == "promise_changed" else None
            if when:
                guess["promised"] = date.fromisoformat(when)
        if e.kind == "backordered" and "skus" in data and not guess["from_stock"]:
            named = [sku_ids[s] for s in data["skus"] if s in sku_ids]
            for pid in named:
                line_id, units = qty.get((e.order_id, pid), (None, 0))
                if line_id is not None:
                    guess["from_stock"][line_id] = max(units - data.get("units", units), 0) if len(named) == 1 else 0
    for a in conn.execute(select(allocations.c.order_id, allocations.c.order_line_id, allocations.c.warehouse_id)
                          .where(allocations.c.order_id.in_(ids)).order_by(allocations.c.id)):
        out[a.order_id]["warehouse"].setdefault(a.order_line_id, a.warehouse_id)
    return out
