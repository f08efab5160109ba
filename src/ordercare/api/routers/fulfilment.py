"""Release, pick, rate, load, ship, deliver, install; carriers and vehicles."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ...services import picking, release, shipment_views as views, shipping, transport, transport_views
from ..deps import CtxDep
from ..schemas import (
    ERROR_RESPONSES, CarrierIn, CompleteInstallationIn, Created, DeliverIn, LoadsIn, PickIn, ReleaseIn, ScheduleIn,
    ShipIn, VehicleIn,
)

router = APIRouter(tags=["fulfilment"], responses=ERROR_RESPONSES)
DbId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/warehouses/{code}/release")
def release_to_warehouse(ctx: CtxDep, code: str, body: ReleaseIn) -> dict[str, Any]:
    """Release due stock allocations to the warehouse, consolidated into shipments per customer, ship-to and day."""
    ids = release.release_to_warehouse(ctx.uow, ctx.clock, ctx.actor, code, body.through)
    return {"shipments": [views.get_shipment(ctx.uow, ctx.actor, i) for i in ids]}


@router.post("/warehouses/{code}/pick-lists", status_code=201)
def create_pick_list(ctx: CtxDep, code: str) -> dict[str, Any]:
    pick_id = picking.create_pick_list(ctx.uow, ctx.clock, ctx.actor, code)
    return views.get_pick_list(ctx.uow, ctx.actor, pick_id)


@router.get("/pick-lists")
def list_pick_lists(ctx: CtxDep, warehouse: str | None = None,
                    status: Annotated[str | None, Query(pattern="^(open|done)$")] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return transport_views.list_pick_lists(ctx.uow, ctx.actor, warehouse=warehouse, status=status, limit=limit)


@router.get("/pick-lists/{pick_list_id}")
def get_pick_list(ctx: CtxDep, pick_list_id: DbId) -> dict[str, Any]:
    return views.get_pick_list(ctx.uow, ctx.actor, pick_list_id)


@router.get("/shipments")
def list_shipments(ctx: CtxDep, warehouse: str | None = None, status: str | None = None,
                   ship_date: date | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    return views.list_shipments(ctx.uow, ctx.actor, warehouse=warehouse, status=status, ship_date=ship_date,
                                limit=limit, offset=offset)


@router.get("/shipments/{shipment_id}")
def get_shipment(ctx: CtxDep, shipment_id: DbId) -> dict[str, Any]:
    return views.get_shipment(ctx.uow, ctx.actor, shipment_id)


@router.post("/shipments/{shipment_id}/pick")
def confirm_picks(ctx: CtxDep, shipment_id: DbId, body: PickIn) -> dict[str, Any]:
    """Confirm picked quantities; a short pick needs a reason and the department at fault."""
    result = picking.confirm_picks(ctx.uow, ctx.clock, ctx.settings, ctx.actor, shipment_id, [
        picking.PickConfirmation(ln.line_id, ln.qty_picked, ln.reason, ln.department) for ln in body.lines])
    return {**result, "shipment": views.get_shipment(ctx.uow, ctx.actor, shipment_id)}


@router.post("/shipments/{shipment_id}/rate")
def rate_shipment(ctx: CtxDep, shipment_id: DbId) -> dict[str, Any]:
    """Rate-shop: the cheapest service that meets the due date, with every alternative (cost, days, CO2)."""
    return transport.rate_shipment(ctx.uow, ctx.actor, shipment_id)


@router.post("/warehouses/{code}/loads", status_code=201)
def plan_loads(ctx: CtxDep, code: str, body: LoadsIn) -> dict[str, Any]:
    """Build vehicle loads from picked road-freight shipments and route each load."""
    ids = transport.plan_loads(ctx.uow, ctx.clock, ctx.actor, code, body.on)
    return {"loads": [views.get_load(ctx.uow, ctx.actor, i) for i in ids]}


@router.get("/loads")
def list_loads(ctx: CtxDep, warehouse: str | None = None, on: date | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return transport_views.list_loads(ctx.uow, ctx.actor, warehouse=warehouse, on=on, limit=limit)


@router.get("/loads/{load_id}")
def get_load(ctx: CtxDep, load_id: DbId) -> dict[str, Any]:
    return views.get_load(ctx.uow, ctx.actor, load_id)


@router.post("/shipments/{shipment_id}/ship")
def ship(ctx: CtxDep, shipment_id: DbId, body: ShipIn) -> dict[str, Any]:
    """Ship what was picked (credit is checked again); lines may ship less than picked, never more."""
    shipping.ship(ctx.uow, ctx.clock, ctx.settings, ctx.actor, shipment_id,
                  [shipping.ShipQuantity(ln.line_id, ln.qty) for ln in body.lines])
    return views.get_shipment(ctx.uow, ctx.actor, shipment_id)


@router.get("/shipments/{shipment_id}/packing-slip.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def packing_slip(ctx: CtxDep, shipment_id: DbId) -> Response:
    pdf = views.packing_slip(ctx.uow, ctx.actor, shipment_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="packing-slip-{shipment_id}.pdf"'})


@router.get("/shipments/{shipment_id}/bill-of-lading.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def bill_of_lading(ctx: CtxDep, shipment_id: DbId) -> Response:
    pdf = views.bill_of_lading(ctx.uow, ctx.actor, shipment_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="bill-of-lading-{shipment_id}.pdf"'})


@router.post("/shipments/{shipment_id}/deliver")
def deliver(ctx: CtxDep, shipment_id: DbId, body: DeliverIn) -> dict[str, Any]:
    """Proof of delivery: receiver, time, and per line what was short, damaged or the wrong item."""
    shipping.deliver(ctx.uow, ctx.clock, ctx.actor, shipment_id, received_by=body.received_by,
                     delivered_at=body.delivered_at,
                     exceptions=[shipping.DeliveryException(e.line_id, e.short, e.damaged, e.wrong_item, e.note)
                                 for e in body.exceptions])
    return views.get_shipment(ctx.uow, ctx.actor, shipment_id)


@router.get("/installations")
def list_installations(ctx: CtxDep, status: Annotated[str | None, Query(pattern="^(scheduled|completed)$")] = None
                       ) -> list[dict[str, Any]]:
    return views.list_installations(ctx.uow, ctx.actor, status=status)


@router.post("/installations/{installation_id}/schedule")
def schedule_installation(ctx: CtxDep, installation_id: DbId, body: ScheduleIn) -> dict[str, str]:
    shipping.schedule_installation(ctx.uow, ctx.clock, ctx.actor, installation_id, body.scheduled_for)
    return {"status": "scheduled"}


@router.post("/installations/{installation_id}/complete")
def complete_installation(ctx: CtxDep, installation_id: DbId, body: CompleteInstallationIn) -> dict[str, str]:
    shipping.complete_installation(ctx.uow, ctx.clock, ctx.actor, installation_id, technician=body.technician,
                                   notes=body.notes)
    return {"status": "completed"}


@router.get("/carriers")
def list_carriers(ctx: CtxDep) -> list[dict[str, Any]]:
    return views.list_carriers(ctx.uow, ctx.actor)


@router.post("/carriers", status_code=201, response_model=Created)
def create_carrier(ctx: CtxDep, body: CarrierIn):
    data = transport.CarrierData(body.code, body.name, [transport.ServiceData(**s.model_dump())
                                                        for s in body.services])
    return {"id": transport.create_carrier(ctx.uow, ctx.actor, data)}


@router.get("/vehicles")
def list_vehicles(ctx: CtxDep, warehouse: str | None = None) -> list[dict[str, Any]]:
    return transport_views.list_vehicles(ctx.uow, ctx.actor, warehouse=warehouse)


@router.post("/vehicles", status_code=201, response_model=Created)
def create_vehicle(ctx: CtxDep, body: VehicleIn):
    return {"id": transport.create_vehicle(ctx.uow, ctx.actor, transport.VehicleData(**body.model_dump()))}
