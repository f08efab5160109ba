"""Carriers and rate shopping, vehicles, load building and routing (DOMAIN §3 steps 5-7).

Every picked shipment is rate-shopped: the cheapest carrier service that still
meets its due date (the earliest promised delivery among its lines), with the
alternatives kept for the record. Shipments going by road freight (LTL or
full truck) are then built into vehicle loads and each load gets a multi-stop
route; parcel and other modes are handed to their carrier as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.freight import CarrierService, Mode, ShipmentToRate, parse_tariff, rate_shop
from ..domain.fulfilment import refuse_empty
from ..domain.loads import LoadItem, Vehicle, build_loads
from ..domain.routing import SOLUTIONS_PER_STOP, Stop, plan_route
from ..store.db import UnitOfWork
from ..store.events import append_events, event_row
from ..store.fulfilment_tables import carrier_services, carriers, loads, shipment_lines, shipments, vehicles
from ..store.prepared import Prepared, in_ids, insert_of
from ..store.tables import ship_tos
from .release import shipment_number, warehouse_row

ROAD_FREIGHT = {Mode.LTL.value, Mode.FTL.value}
# Load building's statements, compiled once (store/prepared.py): every warehouse afternoon plans its loads.
_CANDIDATES = Prepared(
    select(shipments.c.id, shipments.c.weight_kg, shipments.c.volume_m3, ship_tos.c.lat, ship_tos.c.lon,
           carrier_services.c.mode)
    .join(ship_tos, ship_tos.c.id == shipments.c.ship_to_id)
    .outerjoin(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
    .where(shipments.c.warehouse_id == bindparam("wh"), shipments.c.status == "picked", shipments.c.load_id.is_(None),
           shipments.c.planned_ship_date <= bindparam("day"))
    .order_by(shipments.c.id))
_ORDERS_ON = Prepared(select(shipment_lines.c.shipment_id, shipment_lines.c.order_id)
                      .where(in_ids(shipment_lines.c.shipment_id)), expanding="ids")
_NEW_LOAD = insert_of(loads, ("warehouse_id", "vehicle_id", "load_date", "weight_kg", "volume_m3", "status",
                              "route_distance_km", "route_solver", "created_at"), returning=loads.c.id)
_ON_LOAD = Prepared(update(shipments).where(shipments.c.id == bindparam("sid"))
                    .values(load_id=bindparam("load"), route_seq=bindparam("seq")), order=("load", "seq", "sid"))


@dataclass
class ServiceData:
    code: str
    name: str
    mode: str
    rate_table: dict[str, Any]
    km_per_day: Decimal
    min_transit_days: int
    co2_g_per_tkm: Decimal
    max_weight_kg: Decimal | None = None
    max_volume_m3: Decimal | None = None


@dataclass
class CarrierData:
    code: str
    name: str
    services: list[ServiceData] = field(default_factory=list)


def create_carrier(uow: UnitOfWork, actor: Actor, data: CarrierData) -> int:
    """A carrier with its services; every rate table is validated (gaps, overlaps, order) before anything is kept."""
    actor.require(Permission.MANAGE_CARRIERS)
    for i, s in enumerate(data.services):
        try:
            mode = Mode(s.mode)
        except ValueError:
            raise ValidationFailed("unknown_mode", f"services[{i}].mode: one of {[m.value for m in Mode]}",
                                   field=f"services[{i}].mode") from None
        try:
            parse_tariff(mode, s.rate_table)
        except ValidationFailed as exc:
            exc.field = f"services[{i}].{exc.field}" if exc.field else f"services[{i}].rate_table"
            exc.message = f"services[{i}].{exc.message}"
            raise

    def work(conn: Connection) -> int:
        if conn.execute(select(carriers.c.id).where(carriers.c.code == data.code)).first():
            raise Conflict("duplicate_carrier", f"code: carrier '{data.code}' exists already", field="code")
        cid = conn.execute(insert(carriers).values(code=data.code, name=data.name)
                           .returning(carriers.c.id)).scalar_one()
        if data.services:
            conn.execute(insert(carrier_services), [
                {"carrier_id": cid, "code": s.code, "name": s.name, "mode": s.mode, "rate_table": s.rate_table,
                 "max_weight_kg": s.max_weight_kg, "max_volume_m3": s.max_volume_m3, "km_per_day": s.km_per_day,
                 "min_transit_days": s.min_transit_days, "co2_g_per_tkm": s.co2_g_per_tkm, "active": True}
                for s in data.services])
        return cid

    return uow.run(work)


def active_services(conn: Connection) -> list[CarrierService]:
    rows = conn.execute(select(carrier_services, carriers.c.code.label("carrier"))
                        .join(carriers, carriers.c.id == carrier_services.c.carrier_id)
                        .where(carrier_services.c.active.is_(True)).order_by(carrier_services.c.id)).all()
    return [CarrierService(
        id=r.id, carrier=r.carrier, code=r.code, name=r.name, mode=Mode(r.mode),
        tariff=parse_tariff(Mode(r.mode), r.rate_table),
        max_weight_kg=Decimal(r.max_weight_kg) if r.max_weight_kg is not None else None,
        max_volume_m3=Decimal(r.max_volume_m3) if r.max_volume_m3 is not None else None,
        km_per_day=Decimal(r.km_per_day), min_transit_days=r.min_transit_days,
        co2_g_per_tkm=Decimal(r.co2_g_per_tkm)) for r in rows]


def _quote_json(q) -> dict[str, Any]:
    return {"service_id": q.service_id, "carrier": q.carrier, "service": q.service_code, "mode": str(q.mode),
            "cost": str(q.cost), "transit_days": q.transit_days, "delivery_date": q.delivery_date.isoformat(),
            "co2_kg": str(q.co2_kg), "meets_due_date": q.meets_due_date}


def _rated(sh, services: list[CarrierService]):
    """The cheapest service that carries this shipment and meets its due date (or the quickest), and the others."""
    if sh.status in ("shipped", "delivered"):
        raise Conflict("already_shipped", f"shipment {sh.id} is {sh.status}", field="shipment_id")
    refuse_empty(sh)
    chosen, alternatives = rate_shop(services, ShipmentToRate(
        weight_kg=Decimal(sh.weight_kg), volume_m3=Decimal(sh.volume_m3), distance_km=sh.distance_km,
        ship_date=sh.planned_ship_date, due_date=sh.due_date))
    if chosen is None:
        raise Conflict("no_carrier", f"shipment {sh.id}: no carrier service can carry "
                       f"{sh.weight_kg} kg / {sh.volume_m3} m³ over {sh.distance_km} km", field="shipment_id")
    return chosen, alternatives


def _write_rates(conn: Connection, rated: list[tuple[int, Any, list]]) -> list[dict[str, Any]]:
    """Store each shipment's chosen rate (one batched update); returns what the callers answer."""
    out = [{"shipment_id": sid, "chosen": _quote_json(c), "alternatives": [_quote_json(q) for q in alts]}
           for sid, c, alts in rated]
    _SET_RATE.execute_many(conn, [(c.service_id, c.cost, c.transit_days, c.co2_kg, c.delivery_date,
                                   answer["alternatives"], sid)
                                  for (sid, c, _), answer in zip(rated, out, strict=True)])
    return out


# Rating writes every picked shipment of an afternoon: compiled once, on the driver, rows given positionally.
_SET_RATE = Prepared(update(shipments).where(shipments.c.id == bindparam("sid"))
                     .values(carrier_service_id=bindparam("svc"), freight_cost=bindparam("cost"),
                             transit_days=bindparam("days"), co2_kg=bindparam("co2"),
                             estimated_delivery=bindparam("eta"), rate_alternatives=bindparam("alts")),
                     order=("svc", "cost", "days", "co2", "eta", "alts", "sid"))
_TO_RATE = Prepared(select(shipments.c.id, shipments.c.status, shipments.c.weight_kg, shipments.c.volume_m3,
                           shipments.c.distance_km, shipments.c.planned_ship_date, shipments.c.due_date)
                    .where(in_ids(shipments.c.id)), expanding="ids")


def rate_in(conn: Connection, shipment_id: int, services: list[CarrierService] | None = None) -> dict[str, Any]:
    sh = conn.execute(select(shipments).where(shipments.c.id == shipment_id)).first()
    if sh is None:
        raise NotFound("shipment_not_found", f"shipment {shipment_id}: no such shipment", field="shipment_id")
    chosen, alternatives = _rated(sh, services if services is not None else active_services(conn))
    return _write_rates(conn, [(shipment_id, chosen, alternatives)])[0]


def rate_shipment(uow: UnitOfWork, actor: Actor, shipment_id: int) -> dict[str, Any]:
    actor.require(Permission.FULFIL)
    return uow.run(lambda conn: rate_in(conn, shipment_id))


def rate_shipments(uow: UnitOfWork, actor: Actor, shipment_ids: list[int]) -> dict[str, Any]:
    """Rate-shop many shipments in one transaction: the carrier services and the shipments read once, the rates
    written in one batch. One that no service can carry (or that left meanwhile) is reported in `not_rated`; the
    others are rated."""
    actor.require(Permission.FULFIL)

    def work(conn: Connection) -> dict[str, Any]:
        services, ids = active_services(conn), sorted(set(shipment_ids))
        heads = {r.id: r for r in _TO_RATE.rows_in(conn, ids)}
        rated, not_rated = [], []
        for sid in ids:
            try:
                if sid not in heads:
                    raise NotFound("shipment_not_found", f"shipment {sid}: no such shipment", field="shipment_id")
                rated.append((sid, *_rated(heads[sid], services)))
            except (Conflict, NotFound) as exc:
                not_rated.append({"shipment_id": sid, "code": exc.code, "message": exc.message})
        return {"rated": _write_rates(conn, rated), "not_rated": not_rated}

    return uow.run(work)


@dataclass
class VehicleData:
    code: str
    warehouse: str
    max_weight_kg: Decimal
    max_volume_m3: Decimal
    fixed_cost: Decimal = Decimal("0")


def create_vehicle(uow: UnitOfWork, actor: Actor, data: VehicleData) -> int:
    actor.require(Permission.MANAGE_CARRIERS)
    if data.max_weight_kg <= 0 or data.max_volume_m3 <= 0:
        raise ValidationFailed("invalid_capacity", "max_weight_kg and max_volume_m3 must be positive",
                               field="max_weight_kg")

    def work(conn: Connection) -> int:
        wh = warehouse_row(conn, data.warehouse)
        if conn.execute(select(vehicles.c.id).where(vehicles.c.code == data.code)).first():
            raise Conflict("duplicate_vehicle", f"code: vehicle '{data.code}' exists already", field="code")
        return conn.execute(insert(vehicles).values(
            code=data.code, warehouse_id=wh.id, max_weight_kg=data.max_weight_kg, max_volume_m3=data.max_volume_m3,
            fixed_cost=data.fixed_cost, active=True).returning(vehicles.c.id)).scalar_one()

    return uow.run(work)


def plan_loads(uow: UnitOfWork, clock: Clock, actor: Actor, warehouse: str, on: date | None = None, *,
               route_effort: int = SOLUTIONS_PER_STOP) -> list[int]:
    """Build vehicle loads from the picked road-freight shipments due out by `on`, then route each load.

    Loads use the warehouse's largest vehicle; they are trips, so one vehicle
    may run several. `route_effort`: the route search's work limit, in solutions per stop
    (domain/routing.py). Returns the new load ids.
    """
    actor.require(Permission.FULFIL)

    def work(conn: Connection) -> list[int]:
        wh = warehouse_row(conn, warehouse)
        day = on or clock.today()
        fleet = conn.execute(select(vehicles).where(vehicles.c.warehouse_id == wh.id, vehicles.c.active.is_(True))
                             .order_by(vehicles.c.max_weight_kg.desc(), vehicles.c.id)).all()
        if not fleet:
            raise Conflict("no_vehicle", f"warehouse {warehouse} has no active vehicle", field="warehouse")
        truck = fleet[0]
        candidates = _CANDIDATES.rows(conn, {"wh": wh.id, "day": day})
        road = [c for c in candidates if c.mode is None or c.mode in ROAD_FREIGHT]
        if not road:
            return []
        plan = build_loads([LoadItem(c.id, Decimal(c.weight_kg), Decimal(c.volume_m3)) for c in road],
                           Vehicle(truck.code, Decimal(truck.max_weight_kg), Decimal(truck.max_volume_m3),
                                   Decimal(truck.fixed_cost)))
        where = {c.id: c for c in road}
        now, made = clock.now(), []
        # Loads are sized for the largest vehicle; trips go round the vehicles of that size.
        same_size = [v for v in fleet if v.max_weight_kg >= truck.max_weight_kg
                     and v.max_volume_m3 >= truck.max_volume_m3]
        orders_of: dict[int, set[int]] = {}
        ids = sorted(where)
        for sid, order_id in _ORDERS_ON.rows_in(conn, ids):
            orders_of.setdefault(sid, set()).add(order_id)
        stops, events = [], []
        for i, load in enumerate(plan.loads):
            vehicle = same_size[i % len(same_size)]
            route = plan_route((wh.lat, wh.lon), [Stop(sid, where[sid].lat, where[sid].lon)
                                                  for sid in load.shipment_ids], solutions_per_stop=route_effort)
            load_id = _NEW_LOAD.scalar(conn, dict(
                warehouse_id=wh.id, vehicle_id=vehicle.id, load_date=day, weight_kg=load.weight_kg,
                volume_m3=load.volume_m3, status="planned", route_distance_km=round(route.distance_km, 1),
                route_solver=route.solver, created_at=now))
            for seq, sid in enumerate(route.sequence, start=1):
                stops.append((load_id, seq, sid))
                events += [event_row(order_id, "loaded", at=now, actor=actor.username, payload={
                    "shipment": shipment_number(sid), "load": load_id, "vehicle": vehicle.code, "stop": seq})
                    for order_id in sorted(orders_of.get(sid, ()))]
            made.append(load_id)
        _ON_LOAD.execute_many(conn, stops)
        append_events(conn, events)
        return made

    return uow.run(work)
