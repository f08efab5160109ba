"""Reading the warehouse's work lists: pick lists (waves), vehicle loads and the fleet."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import loads, pick_lists, shipment_lines, shipments, vehicles
from ..store.tables import warehouses

PICK_LIST_STATUSES = ("open", "done")


def list_pick_lists(uow: UnitOfWork, actor: Actor, *, warehouse: str | None = None, status: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
    """Newest first, with how many lines each holds and how many are confirmed."""
    actor.require(Permission.READ_SHIPMENTS)
    if status is not None and status not in PICK_LIST_STATUSES:
        raise ValidationFailed("unknown_status", f"status: one of {list(PICK_LIST_STATUSES)}", field="status")
    lines = func.count(shipment_lines.c.id)
    confirmed = func.count(shipment_lines.c.qty_picked)
    q = (select(pick_lists.c.id, pick_lists.c.status, pick_lists.c.created_at, pick_lists.c.created_by,
                warehouses.c.code.label("warehouse"), lines.label("lines"), confirmed.label("confirmed"))
         .join(warehouses, warehouses.c.id == pick_lists.c.warehouse_id)
         .outerjoin(shipments, shipments.c.pick_list_id == pick_lists.c.id)
         .outerjoin(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
         .group_by(pick_lists.c.id, pick_lists.c.status, pick_lists.c.created_at, pick_lists.c.created_by,
                   warehouses.c.code))
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if status:
        q = q.where(pick_lists.c.status == status)
    with uow.read() as conn:
        rows = conn.execute(q.order_by(pick_lists.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def list_loads(uow: UnitOfWork, actor: Actor, *, warehouse: str | None = None, on: date | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    """Newest first: vehicle, date, weight and volume, route length and the number of stops."""
    actor.require(Permission.READ_SHIPMENTS)
    stops = func.count(shipments.c.id)
    q = (select(loads.c.id, loads.c.load_date, loads.c.status, loads.c.weight_kg, loads.c.volume_m3,
                loads.c.route_distance_km, vehicles.c.code.label("vehicle"), warehouses.c.code.label("warehouse"),
                stops.label("stops"))
         .join(vehicles, vehicles.c.id == loads.c.vehicle_id)
         .join(warehouses, warehouses.c.id == loads.c.warehouse_id)
         .outerjoin(shipments, shipments.c.load_id == loads.c.id)
         .group_by(loads.c.id, loads.c.load_date, loads.c.status, loads.c.weight_kg, loads.c.volume_m3,
                   loads.c.route_distance_km, vehicles.c.code, warehouses.c.code))
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if on:
        q = q.where(loads.c.load_date == on)
    with uow.read() as conn:
        rows = conn.execute(q.order_by(loads.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def list_vehicles(uow: UnitOfWork, actor: Actor, *, warehouse: str | None = None) -> list[dict[str, Any]]:
    actor.require(Permission.READ_SHIPMENTS)
    q = (select(vehicles.c.id, vehicles.c.code, vehicles.c.max_weight_kg, vehicles.c.max_volume_m3,
                vehicles.c.fixed_cost, vehicles.c.active, warehouses.c.code.label("warehouse"))
         .join(warehouses, warehouses.c.id == vehicles.c.warehouse_id))
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    with uow.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(warehouses.c.code, vehicles.c.code))]
