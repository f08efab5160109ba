"""Documents we send: 855 acknowledgment of an order, 856 ship notice of a shipment (810: see edi_invoice.py).

Each is generated from the stored facts - by itself when an 850 becomes an order (855) and when a shipment ships
(856), and again on demand -, enveloped with the partner's next control number, stored as sent (edi_documents)
and noted on the order's timeline. Lines are answered in the buyer's own terms when
the order came by 850: its line numbers, item ids and units; otherwise with our line numbers and SKUs (VP).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.exc import NoResultFound

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound
from ..domain.orders import OrderStatus, order_number
from ..integrations.x12.acknowledgment import AckLine, Acknowledgment, LineStatus, build_855, line_statuses
from ..integrations.x12.invoice import BUYER_ASSIGNED, SELLER_ASSIGNED, Location
from ..integrations.x12.purchase_order import UNITS, ItemId
from ..integrations.x12.ship_notice import TRANSPORT_METHODS, ShipItem, ShipNotice, ShipOrder, build_856
from ..store.db import UnitOfWork
from ..store.edi_tables import edi_transactions, partner_locations
from ..store.events import append_event, append_events, event_row
from ..store.fulfilment_tables import carrier_services, carriers, shipment_lines, shipments
from ..store.prepared import Prepared, in_ids, padded_ids
from ..store.tables import allocations, order_lines, orders, products, ship_tos, warehouses
from .edi_documents import get_document, partner_of_customer, send
from .order_views import order_view
from .release import shipment_number
from .shipment_views import shipment_view

X12_UNIT = {ours: code for code, ours in UNITS.items()}


_BUYER_LINES = Prepared(select(edi_transactions.c.order_id, edi_transactions.c.detail).where(
    edi_transactions.c.order_id.in_(bindparam("ids", expanding=True)), edi_transactions.c.status == "accepted")
    .order_by(edi_transactions.c.id), expanding="ids")


def buyer_lines_of(conn: Connection, order_ids) -> dict[int, dict | None]:
    """The 850 each of these orders came from (its detail: the buyer's lines and PO date), for those that came by
    EDI, in one read."""
    out: dict[int, dict] = {}
    ids = sorted(set(order_ids))
    for t in _BUYER_LINES.rows(conn, padded_ids(ids)) if ids else []:
        out.setdefault(t.order_id, t.detail)
    return out


def our_lines(lines: list[dict], units: dict[str, str]) -> list[dict]:
    """Our order lines in the shape of buyer lines, for orders that did not come by EDI."""
    return [{"line_id": str(ln["line_no"]), "qty": ln["qty"], "unit": X12_UNIT.get(units[ln["sku"]], "EA"),
             "unit_price": str(ln["unit_price"]), "item_ids": [["VP", ln["sku"]]], "sku": ln["sku"],
             "requested_date": ln["requested_date"].isoformat() if ln["requested_date"] else None} for ln in lines]


def fill_in_order(total: int, wanted: list[int]) -> list[int]:
    """Share `total` units among lines wanting `wanted`, first line first (merged buyer lines of one SKU)."""
    out = []
    for w in wanted:
        take = max(0, min(w, total))
        out.append(take)
        total -= take
    return out


def acknowledgment_of(view: dict[str, Any], detail: dict | None, units: dict[str, str], today: date) -> Acknowledgment:
    ours = {ln["sku"]: ln for ln in view["lines"]}
    bl = detail["lines"] if detail else our_lines(view["lines"], units)
    header_date = date.fromisoformat(detail["requested_date"]) if detail and detail.get("requested_date") else \
        view["requested_date"]
    cancelled = view["status"] == OrderStatus.CANCELLED
    shares: dict[int, int] = {}
    for sku, line in ours.items():
        mine = [i for i, b in enumerate(bl) if b["sku"] == sku]
        for i, share in zip(mine, fill_in_order(line["qty_promised"], [bl[i]["qty"] for i in mine])):
            shares[i] = share
    out = []
    for i, b in enumerate(bl):
        line = ours[b["sku"]]
        dates = [a["delivery_date"] for a in line["allocations"]]
        delivery = line["promised_date"] or (max(dates) if dates else None)
        requested = date.fromisoformat(b["requested_date"]) if b["requested_date"] else header_date
        statuses = (LineStatus("IR", b["qty"]),) if cancelled else \
            line_statuses(b["qty"], shares.get(i, 0), delivery, requested)
        out.append(AckLine(b["line_id"], b["qty"], b["unit"],
                           Decimal(b["unit_price"]) if b["unit_price"] is not None else None,
                           tuple(ItemId(q, v) for q, v in b["item_ids"]), statuses))
    po_date = date.fromisoformat(detail["po_date"]) if detail else view["created_at"].date()
    return Acknowledgment(view["customer_po"] or view["number"], po_date, view["number"], today, tuple(out))


_ACK_ORDER = Prepared(select(orders.c.customer_id, orders.c.status, orders.c.requested_date, orders.c.customer_po,
                             orders.c.created_at).where(orders.c.id == bindparam("oid")))
_ACK_LINES = Prepared(select(order_lines.c.id, order_lines.c.line_no, order_lines.c.qty, order_lines.c.qty_backordered,
                             order_lines.c.unit_price, order_lines.c.requested_date, order_lines.c.promised_date,
                             products.c.sku, products.c.unit)
                      .join(products, products.c.id == order_lines.c.product_id)
                      .where(order_lines.c.order_id == bindparam("oid")).order_by(order_lines.c.line_no))
_ACK_DELIVERIES = Prepared(select(allocations.c.order_line_id, allocations.c.delivery_date)
                           .where(allocations.c.order_id == bindparam("oid")).order_by(allocations.c.id))


def _ack_view(conn: Connection, actor: Actor, order_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """What the 855 reads of an order, as order_view shows it (lines with units promised and the delivery dates
    of their allocations), and each SKU's unit."""
    o = _ACK_ORDER.first(conn, {"oid": order_id})
    if o is None or (actor.is_customer and o.customer_id != actor.customer_id):
        raise NotFound("order_not_found", f"order {order_id}: no such order", field="order_id")
    deliveries: dict[int, list[dict]] = {}
    for a in _ACK_DELIVERIES.rows(conn, {"oid": order_id}):
        deliveries.setdefault(a.order_line_id, []).append({"delivery_date": a.delivery_date})
    lines = _ACK_LINES.rows(conn, {"oid": order_id})
    view = {"number": order_number(order_id), "status": o.status, "requested_date": o.requested_date,
            "customer_po": o.customer_po, "created_at": o.created_at, "lines": [{
                "line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty, "unit_price": ln.unit_price,
                "requested_date": ln.requested_date, "qty_promised": ln.qty - ln.qty_backordered,
                "promised_date": ln.promised_date, "allocations": deliveries.get(ln.id, [])} for ln in lines]}
    return view, {ln.sku: ln.unit for ln in lines}


def acknowledge_in(conn: Connection, clock: Clock, actor: Actor, order_id: int, partner: Row) -> int:
    """855 for an order, sent to this partner inside the caller's transaction; returns the document id."""
    view, units = _ack_view(conn, actor, order_id)
    ack = acknowledgment_of(view, buyer_lines_of(conn, [order_id]).get(order_id), units, clock.today())
    doc_id, _ = send(conn, partner, "855", [build_855(ack)], at=clock.now(), actor=actor.username, order_id=order_id)
    append_event(conn, order_id, "edi_sent", at=clock.now(), actor=actor.username, reason="855 acknowledgment",
                 payload={"set": "855", "document_id": doc_id, "partner": partner.code, "ack_type": ack.ack_type})
    return doc_id


def acknowledge_order(uow: UnitOfWork, clock: Clock, actor: Actor, order_id: int) -> dict[str, Any]:
    """855 on demand (an 850's order gets one by itself when it is placed): per buyer line the units promised
    with their delivery date, and the back-ordered rest, as they stand now."""
    actor.require(Permission.EXCHANGE_EDI)

    def work(conn: Connection) -> int:
        order_view(conn, actor, order_id)  # the one "no such order" answer, before anything else
        customer_id = conn.execute(select(orders.c.customer_id).where(orders.c.id == order_id)).scalar_one()
        return acknowledge_in(conn, clock, actor, order_id, partner_of_customer(conn, customer_id, "order"))

    return get_document(uow, actor, uow.run(work))


_PARTIES = Prepared(
    select(ship_tos.c.id, ship_tos.c.name, ship_tos.c.code,
           select(partner_locations.c.code).where(partner_locations.c.partner_id == bindparam("pid"),
                                                  partner_locations.c.ship_to_id == ship_tos.c.id)
           .order_by(partner_locations.c.code).limit(1).scalar_subquery().label("their_code"))
    .where(in_ids(ship_tos.c.id)), expanding="ids")


def ship_to_parties(conn: Connection, partner_id: int, ship_to_ids) -> dict[int, Location]:
    """Each ship-to as the partner knows it, in one read: its own location code (N103 92) if mapped, else our
    code (91)."""
    ids = sorted(set(ship_to_ids))
    out = {st.id: Location(st.name, BUYER_ASSIGNED, st.their_code) if st.their_code else
           Location(st.name, SELLER_ASSIGNED, st.code)
           for i in range(0, len(ids), 512) for st in _PARTIES.rows(conn, {"pid": partner_id,
                                                                          **padded_ids(ids[i:i + 512])})}
    if len(out) != len(ids):
        raise NoResultFound(f"no ship-tos {sorted(set(ids) - set(out))}")
    return out


_NOTICE_HEAD = Prepared(
    select(shipments.c.status, shipments.c.shipped_at, shipments.c.weight_kg, shipments.c.tracking_number,
           shipments.c.estimated_delivery, shipments.c.carrier_service_id,
           warehouses.c.name.label("warehouse_name"), warehouses.c.code.label("warehouse_code"),
           ship_tos.c.name.label("ship_to_name"), ship_tos.c.code.label("ship_to_code"),
           carriers.c.code.label("carrier_code"), carriers.c.name.label("carrier_name"), carrier_services.c.mode,
           select(partner_locations.c.code).where(partner_locations.c.partner_id == bindparam("pid"),
                                                  partner_locations.c.ship_to_id == shipments.c.ship_to_id)
           .order_by(partner_locations.c.code).limit(1).scalar_subquery().label("their_code"))
    .select_from(shipments.join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
                 .join(ship_tos, ship_tos.c.id == shipments.c.ship_to_id)
                 .outerjoin(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
                 .outerjoin(carriers, carriers.c.id == carrier_services.c.carrier_id))
    .where(shipments.c.id == bindparam("sid")))
_NOTICE_LINES = Prepared(
    select(shipment_lines.c.order_id, shipment_lines.c.qty_shipped, order_lines.c.line_no, order_lines.c.qty,
           order_lines.c.unit_price, order_lines.c.requested_date, orders.c.customer_po, products.c.sku,
           products.c.unit)
    .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
    .join(orders, orders.c.id == shipment_lines.c.order_id)
    .join(products, products.c.id == shipment_lines.c.product_id)
    .where(shipment_lines.c.shipment_id == bindparam("sid"))
    .order_by(shipment_lines.c.order_id, order_lines.c.line_no, shipment_lines.c.id))


def ship_notice_of(conn: Connection, shipment_id: int, partner: Row) -> tuple[ShipNotice, list[int]]:
    """The 856 of a shipped shipment, and the orders it carries (in id order), in three reads."""
    sh = _NOTICE_HEAD.first(conn, {"sid": shipment_id, "pid": partner.id})
    if sh is None:
        raise NotFound("shipment_not_found", f"shipment {shipment_id}: no such shipment", field="shipment_id")
    number = shipment_number(shipment_id)
    if sh.status not in ("shipped", "delivered"):
        raise Conflict("shipment_not_shipped", f"shipment_id: shipment {number} is {sh.status}; a ship "
                       "notice is sent once it has shipped", field="shipment_id", status=sh.status)
    every = _NOTICE_LINES.rows(conn, {"sid": shipment_id})
    rows = [r for r in every if r.qty_shipped > 0]
    by_order: dict[int, list] = {}
    for r in rows:
        by_order.setdefault(r.order_id, []).append(r)
    details = buyer_lines_of(conn, by_order)
    ship_orders = []
    for oid, lines in by_order.items():
        detail = details.get(oid)
        units = {r.sku: r.unit for r in lines}
        bl = detail["lines"] if detail else our_lines([{
            "line_no": r.line_no, "qty": r.qty, "unit_price": r.unit_price, "sku": r.sku,
            "requested_date": r.requested_date} for r in lines], units)
        per_sku: dict[str, list[dict]] = {}
        for b in bl:
            per_sku.setdefault(b["sku"], []).append(b)
        items = []
        for r in lines:
            mine = per_sku.get(r.sku, [])
            for b, qty in zip(mine, fill_in_order(r.qty_shipped, [b["qty"] for b in mine])):
                if qty:
                    items.append(ShipItem(b["line_id"], tuple(ItemId(q, v) for q, v in b["item_ids"]), qty, b["unit"]))
        ship_orders.append(ShipOrder(lines[0].customer_po or order_number(oid), order_number(oid), tuple(items)))
    rated = sh.carrier_service_id is not None
    notice = ShipNotice(
        shipment_number=number, shipped_at=sh.shipped_at, lading_qty=sum(r.qty_shipped for r in rows),
        gross_weight_kg=Decimal(sh.weight_kg), carrier_code=sh.carrier_code if rated else "",
        carrier_name=sh.carrier_name if rated else "",
        transport_method=TRANSPORT_METHODS.get(sh.mode if rated else None, "M"),
        tracking_number=sh.tracking_number or "", estimated_delivery=sh.estimated_delivery if rated else None,
        ship_from=(sh.warehouse_name, sh.warehouse_code), ship_to=(sh.ship_to_name, sh.their_code or sh.ship_to_code),
        orders=tuple(ship_orders))
    return notice, sorted({r.order_id for r in every})


def ship_notice_in(conn: Connection, clock: Clock, actor: Actor, shipment_id: int, partner: Row) -> int:
    """856 for a shipped shipment, sent to this partner inside the caller's transaction (shipping sends it by itself
    for an EDI customer, before the shipment's 810); returns the document id."""
    notice, order_ids = ship_notice_of(conn, shipment_id, partner)
    doc_id, _ = send(conn, partner, "856", [build_856(notice)], at=clock.now(), actor=actor.username,
                     shipment_id=shipment_id)
    append_events(conn, [event_row(oid, "edi_sent", at=clock.now(), actor=actor.username, reason="856 ship notice",
                                   payload={"set": "856", "document_id": doc_id, "partner": partner.code,
                                            "shipment": notice.shipment_number}) for oid in order_ids])
    return doc_id


def send_ship_notice(uow: UnitOfWork, clock: Clock, actor: Actor, shipment_id: int) -> dict[str, Any]:
    """856 on demand (sent by itself at shipping): carrier, tracking number, weight, and per order the buyer's
    lines shipped."""
    actor.require(Permission.EXCHANGE_EDI)

    def work(conn: Connection) -> int:
        customer_id = conn.execute(select(shipments.c.customer_id).where(shipments.c.id == shipment_id)).scalar()
        if customer_id is None:
            shipment_view(conn, shipment_id)  # the one "no such shipment" answer
        return ship_notice_in(conn, clock, actor, shipment_id, partner_of_customer(conn, customer_id, "shipment_id"))

    return get_document(uow, actor, uow.run(work))
