"""Reading fulfilment: shipments, pick lists, loads, installations, and the data of shipping documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.orders import order_number
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import (
    carrier_services, carriers, installations, loads, pick_lists, shipment_lines, shipments, vehicles,
)
from ..store.tables import customers, orders, products, ship_tos, warehouses
from .release import shipment_number

SHIPMENT_STATUSES = ("released", "picking", "picked", "empty", "shipped", "delivered")


def _carrier_of(conn: Connection, service_id: int | None) -> dict[str, Any] | None:
    if service_id is None:
        return None
    r = conn.execute(select(carriers.c.code, carriers.c.name, carrier_services.c.code.label("service"),
                            carrier_services.c.name.label("service_name"), carrier_services.c.mode)
                     .join(carrier_services, carrier_services.c.carrier_id == carriers.c.id)
                     .where(carrier_services.c.id == service_id)).one()
    return {"carrier": r.code, "carrier_name": r.name, "service": r.service, "service_name": r.service_name,
            "mode": r.mode}


def shipment_view(conn: Connection, shipment_id: int) -> dict[str, Any]:
    sh = conn.execute(select(shipments, warehouses.c.code.label("warehouse"), customers.c.code.label("customer"),
                             customers.c.name.label("customer_name"), ship_tos.c.code.label("ship_to"),
                             ship_tos.c.city.label("city"))
                      .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
                      .join(customers, customers.c.id == shipments.c.customer_id)
                      .join(ship_tos, ship_tos.c.id == shipments.c.ship_to_id)
                      .where(shipments.c.id == shipment_id)).first()
    if sh is None:
        raise NotFound("shipment_not_found", f"shipment {shipment_id}: no such shipment", field="shipment_id")
    lines = conn.execute(select(shipment_lines, products.c.sku, products.c.name.label("product_name"))
                         .join(products, products.c.id == shipment_lines.c.product_id)
                         .where(shipment_lines.c.shipment_id == shipment_id).order_by(shipment_lines.c.id)).all()
    load = None
    if sh.load_id is not None:
        ld = conn.execute(select(loads.c.id, vehicles.c.code).join(vehicles, vehicles.c.id == loads.c.vehicle_id)
                          .where(loads.c.id == sh.load_id)).one()
        load = {"load_id": ld.id, "vehicle": ld.code, "stop": sh.route_seq}
    return {
        "id": sh.id, "number": shipment_number(sh.id), "warehouse": sh.warehouse, "customer": sh.customer,
        "customer_name": sh.customer_name, "ship_to": sh.ship_to, "city": sh.city, "status": sh.status,
        "planned_ship_date": sh.planned_ship_date, "due_date": sh.due_date, "weight_kg": sh.weight_kg,
        "volume_m3": sh.volume_m3, "distance_km": sh.distance_km, "pick_list_id": sh.pick_list_id,
        "freight": {**(_carrier_of(conn, sh.carrier_service_id) or {}), "cost": sh.freight_cost,
                    "transit_days": sh.transit_days, "co2_kg": sh.co2_kg,
                    "estimated_delivery": sh.estimated_delivery} if sh.carrier_service_id else None,
        "rate_alternatives": sh.rate_alternatives or [], "load": load, "tracking_number": sh.tracking_number,
        "shipped_at": sh.shipped_at, "delivered_at": sh.delivered_at, "received_by": sh.received_by,
        "lines": [{
            "id": ln.id, "order": order_number(ln.order_id), "sku": ln.sku, "product_name": ln.product_name,
            "qty": ln.qty, "qty_picked": ln.qty_picked, "short_reason": ln.short_reason,
            "short_department": ln.short_department, "qty_shipped": ln.qty_shipped, "qty_delivered": ln.qty_delivered,
            "qty_short_delivered": ln.qty_short_delivered, "qty_damaged": ln.qty_damaged,
            "qty_wrong_item": ln.qty_wrong_item, "delivery_note": ln.delivery_note} for ln in lines],
    }


def get_shipment(uow: UnitOfWork, actor: Actor, shipment_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        return shipment_view(conn, shipment_id)


def list_shipments(uow: UnitOfWork, actor: Actor, *, warehouse: str | None = None, status: str | None = None,
                   ship_date: date | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    actor.require(Permission.READ_SHIPMENTS)
    if status is not None and status not in SHIPMENT_STATUSES:
        raise ValidationFailed("unknown_status", f"status: one of {list(SHIPMENT_STATUSES)}", field="status")
    q = (select(shipments.c.id, shipments.c.status, shipments.c.planned_ship_date, shipments.c.due_date,
                shipments.c.weight_kg, shipments.c.freight_cost, shipments.c.tracking_number,
                warehouses.c.code.label("warehouse"), customers.c.code.label("customer"))
         .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
         .join(customers, customers.c.id == shipments.c.customer_id))
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if status:
        q = q.where(shipments.c.status == status)
    if ship_date:
        q = q.where(shipments.c.planned_ship_date == ship_date)
    with uow.read() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(shipments.c.id.desc()).limit(limit).offset(offset)).all()
    return {"total": total, "items": [{**dict(r._mapping), "number": shipment_number(r.id)} for r in rows]}


def order_shipments(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The shipments carrying an order, for its page and timeline."""
    rows = conn.execute(select(shipments.c.id, shipments.c.status, shipments.c.tracking_number,
                               shipments.c.estimated_delivery, shipments.c.delivered_at,
                               func.sum(shipment_lines.c.qty).label("units"))
                        .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
                        .where(shipment_lines.c.order_id == order_id)
                        .group_by(shipments.c.id, shipments.c.status, shipments.c.tracking_number,
                                  shipments.c.estimated_delivery, shipments.c.delivered_at)
                        .order_by(shipments.c.id)).all()
    return [{"number": shipment_number(r.id), "status": r.status, "units": int(r.units),
             "tracking_number": r.tracking_number, "estimated_delivery": r.estimated_delivery,
             "delivered_at": r.delivered_at} for r in rows]


def get_pick_list(uow: UnitOfWork, actor: Actor, pick_list_id: int) -> dict[str, Any]:
    """The wave in pick-path order (by SKU), one row per shipment line."""
    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        pl = conn.execute(select(pick_lists, warehouses.c.code.label("warehouse"))
                          .join(warehouses, warehouses.c.id == pick_lists.c.warehouse_id)
                          .where(pick_lists.c.id == pick_list_id)).first()
        if pl is None:
            raise NotFound("pick_list_not_found", f"pick list {pick_list_id}: no such pick list", field="pick_list_id")
        rows = conn.execute(select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.qty,
                                   shipment_lines.c.qty_picked, products.c.sku, products.c.name)
                            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                            .join(products, products.c.id == shipment_lines.c.product_id)
                            .where(shipments.c.pick_list_id == pick_list_id)
                            .order_by(products.c.sku, shipment_lines.c.id)).all()
    return {"id": pl.id, "warehouse": pl.warehouse, "status": pl.status, "created_at": pl.created_at,
            "created_by": pl.created_by,
            "lines": [{"line_id": r.id, "shipment": shipment_number(r.shipment_id), "shipment_id": r.shipment_id,
                       "sku": r.sku, "product_name": r.name, "qty": r.qty, "qty_picked": r.qty_picked}
                      for r in rows]}


def get_load(uow: UnitOfWork, actor: Actor, load_id: int) -> dict[str, Any]:
    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        ld = conn.execute(select(loads, vehicles.c.code.label("vehicle"), vehicles.c.max_weight_kg,
                                 vehicles.c.max_volume_m3, warehouses.c.code.label("warehouse"))
                          .join(vehicles, vehicles.c.id == loads.c.vehicle_id)
                          .join(warehouses, warehouses.c.id == loads.c.warehouse_id)
                          .where(loads.c.id == load_id)).first()
        if ld is None:
            raise NotFound("load_not_found", f"load {load_id}: no such load", field="load_id")
        stops = conn.execute(select(shipments.c.id, shipments.c.route_seq, shipments.c.weight_kg, shipments.c.status,
                                    customers.c.code, ship_tos.c.city)
                             .join(customers, customers.c.id == shipments.c.customer_id)
                             .join(ship_tos, ship_tos.c.id == shipments.c.ship_to_id)
                             .where(shipments.c.load_id == load_id).order_by(shipments.c.route_seq)).all()
    return {"id": ld.id, "warehouse": ld.warehouse, "vehicle": ld.vehicle, "load_date": ld.load_date,
            "status": ld.status, "weight_kg": ld.weight_kg, "volume_m3": ld.volume_m3,
            "weight_utilisation": _share(ld.weight_kg, ld.max_weight_kg),
            "volume_utilisation": _share(ld.volume_m3, ld.max_volume_m3),
            "route_distance_km": ld.route_distance_km, "route_solver": ld.route_solver,
            "stops": [{"stop": s.route_seq, "shipment": shipment_number(s.id), "customer": s.code, "city": s.city,
                       "weight_kg": s.weight_kg, "status": s.status} for s in stops]}


def _share(part, whole) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")) if whole else Decimal("0")


def list_installations(uow: UnitOfWork, actor: Actor, *, status: str | None = None) -> list[dict[str, Any]]:
    actor.require(Permission.READ_SHIPMENTS)
    q = (select(installations, products.c.sku, customers.c.code.label("customer"))
         .join(products, products.c.id == installations.c.product_id)
         .join(orders, orders.c.id == installations.c.order_id)
         .join(customers, customers.c.id == orders.c.customer_id))
    if status:
        q = q.where(installations.c.status == status)
    with uow.read() as conn:
        rows = conn.execute(q.order_by(installations.c.scheduled_for, installations.c.id)).all()
    return [{"id": r.id, "order": order_number(r.order_id), "customer": r.customer, "sku": r.sku, "qty": r.qty,
             "status": r.status, "scheduled_for": r.scheduled_for, "completed_at": r.completed_at,
             "technician": r.technician, "shipment": shipment_number(r.shipment_id)} for r in rows]




def list_carriers(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        rows = conn.execute(select(carriers.c.code.label("carrier"), carriers.c.name.label("carrier_name"),
                                   carrier_services).join(carrier_services,
                                                          carrier_services.c.carrier_id == carriers.c.id)
                            .order_by(carriers.c.code, carrier_services.c.code)).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = out.setdefault(r.carrier, {"code": r.carrier, "name": r.carrier_name, "services": []})
        c["services"].append({"id": r.id, "code": r.code, "name": r.name, "mode": r.mode, "rate_table": r.rate_table,
                              "km_per_day": r.km_per_day, "min_transit_days": r.min_transit_days,
                              "co2_g_per_tkm": r.co2_g_per_tkm, "max_weight_kg": r.max_weight_kg,
                              "max_volume_m3": r.max_volume_m3, "active": r.active})
    return list(out.values())


def shipping_document(conn: Connection, shipment_id: int):
    """Everything a packing slip and a bill of lading print, from the stored shipment."""
    from ..documents.shipping import DocLine, Party, ShippingDocument

    view = shipment_view(conn, shipment_id)
    sh = conn.execute(select(shipments.c.warehouse_id, shipments.c.ship_to_id).where(shipments.c.id == shipment_id)
                      ).one()
    wh = conn.execute(select(warehouses).where(warehouses.c.id == sh.warehouse_id)).one()
    st = conn.execute(select(ship_tos).where(ship_tos.c.id == sh.ship_to_id)).one()
    info = {r.id: r for r in conn.execute(
        select(shipment_lines.c.id, products.c.unit, products.c.weight_kg, orders.c.customer_po)
        .join(products, products.c.id == shipment_lines.c.product_id)
        .join(orders, orders.c.id == shipment_lines.c.order_id)
        .where(shipment_lines.c.shipment_id == shipment_id))}
    lines = []
    for ln in view["lines"]:
        # What leaves: shipped units once shipped, else what was picked, else what was released.
        if ln["qty_shipped"]:
            qty = ln["qty_shipped"]
        else:
            qty = ln["qty_picked"] if ln["qty_picked"] is not None else ln["qty"]
        if not qty:
            continue
        extra = info[ln["id"]]
        lines.append(DocLine(sku=ln["sku"], description=ln["product_name"], qty=qty, unit=extra.unit,
                             weight_kg=(Decimal(extra.weight_kg) * qty).quantize(Decimal("0.001")),
                             order_number=ln["order"], customer_po=extra.customer_po))
    freight = view["freight"] or {}
    load = view["load"] or {}
    return ShippingDocument(
        shipment_number=view["number"], ship_date=view["planned_ship_date"],
        shipper=Party(f"Ordercare — {wh.name}", "", "", wh.city, wh.region),
        consignee=Party(f"{view['customer_name']} — {st.name}", st.street, st.postal_code, st.city, st.country),
        lines=tuple(lines), carrier=freight.get("carrier_name"), service=freight.get("service_name"),
        mode=freight.get("mode"), tracking_number=view["tracking_number"],
        total_weight_kg=sum((ln.weight_kg for ln in lines), Decimal("0")), total_volume_m3=Decimal(view["volume_m3"]),
        load_number=f"LD-{load['load_id']:06d}" if load else None, vehicle=load.get("vehicle"),
        stop_sequence=load.get("stop"))


def packing_slip(uow: UnitOfWork, actor: Actor, shipment_id: int) -> bytes:
    from ..documents.shipping import packing_slip_pdf

    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        return packing_slip_pdf(shipping_document(conn, shipment_id))


def bill_of_lading(uow: UnitOfWork, actor: Actor, shipment_id: int) -> bytes:
    from ..documents.shipping import bill_of_lading_pdf

    actor.require(Permission.READ_SHIPMENTS)
    with uow.read() as conn:
        return bill_of_lading_pdf(shipping_document(conn, shipment_id))
