"""Warehouse: release to the floor, pick lists, dispatch planning (a background job), loads, installations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...services import catalog, jobs, picking, release, shipment_views, shipping, transport_views
from ...services.dispatch import plan_dispatch
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, calendar_date, text
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_SHIPMENTS))]
Fulfiller = Annotated[Page, Depends(needs(P.FULFIL))]
Deliverer = Annotated[Page, Depends(needs(P.RECORD_DELIVERY))]

NAV = [
    NavEntry("Warehouse", "/warehouse", P.READ_SHIPMENTS, 30, "Release due orders, pick lists, plan loads and "
             "routes, ship."),
    NavEntry("Shipments", "/shipments", P.READ_SHIPMENTS, 31, "Shipments by status: pick, rate-shop, ship, proof "
             "of delivery, documents."),
    NavEntry("Installations", "/installations", P.READ_SHIPMENTS, 32, "Installation tasks after delivery."),
]


def _overview(p: Page, code: str, *, errors: FieldErrors | None = None, status: int = 200):
    warehouses = catalog.list_warehouses(p.uow, p.actor)
    code = code or (warehouses[0]["code"] if warehouses else "")
    counts = {s: shipment_views.list_shipments(p.uow, p.actor, warehouse=code, status=s, limit=1)["total"]
              for s in shipment_views.SHIPMENT_STATUSES} if code else {}
    return p.html("warehouse/overview.html", warehouses=warehouses, code=code, counts=counts, status=status,
                  pick_lists=transport_views.list_pick_lists(p.uow, p.actor, warehouse=code, limit=20) if code else [],
                  loads=transport_views.list_loads(p.uow, p.actor, warehouse=code, limit=20) if code else [],
                  errors=errors or FieldErrors(), can_fulfil=p.allowed(P.FULFIL), today=p.clock.today())


@router.get("/warehouse")
def overview(p: Reader, warehouse: str = ""):
    return _overview(p, warehouse.strip()[:20])


@router.post("/warehouse/{code}/release")
def release_due(p: Fulfiller, code: str):
    errors = FieldErrors()
    through = calendar_date(p.form, "through", errors)
    if not errors:
        try:
            ids = release.release_to_warehouse(p.uow, p.clock, p.actor, code, through)
            return p.redirect(f"/warehouse?warehouse={code}",
                              flash=f"{len(ids)} shipment(s) released or extended" if ids else "Nothing was due")
        except DomainError as exc:
            errors.take(exc)
    return _overview(p, code, errors=errors, status=422)


@router.post("/warehouse/{code}/pick-lists")
def new_pick_list(p: Fulfiller, code: str):
    try:
        pick_id = picking.create_pick_list(p.uow, p.clock, p.actor, code)
    except DomainError as exc:
        return _overview(p, code, errors=FieldErrors().take(exc), status=409)
    return p.redirect(f"/pick-lists/{pick_id}", flash=f"Pick list {pick_id} created")


@router.post("/warehouse/{code}/dispatch")
def dispatch(p: Fulfiller, code: str):
    """Rate-shop the picked shipments and build loads and routes, as a background job with progress."""
    errors = FieldErrors()
    on = calendar_date(p.form, "on", errors)
    if errors:
        return _overview(p, code, errors=errors, status=422)
    actor, uow, clock = p.actor, p.uow, p.clock
    job_id = jobs.start_job(uow, clock, actor, kind="plan_dispatch", title=f"Plan loads and routes for {code}",
                            work=lambda progress: plan_dispatch(uow, clock, actor, code, on, progress))
    return p.redirect(f"/jobs/{job_id}")


@router.get("/pick-lists/{pick_list_id}")
def pick_list(p: Reader, pick_list_id: DbId):
    return p.html("warehouse/pick_list.html", pick=shipment_views.get_pick_list(p.uow, p.actor, pick_list_id))


@router.get("/loads/{load_id}")
def load(p: Reader, load_id: DbId):
    return p.html("warehouse/load.html", load=shipment_views.get_load(p.uow, p.actor, load_id))


def _installations(p: Page, *, errors: FieldErrors | None = None, status: int = 200, state: str = ""):
    return p.html("warehouse/installations.html", status=status, errors=errors or FieldErrors(), state=state,
                  tasks=shipment_views.list_installations(p.uow, p.actor, status=state or None),
                  can_record=p.allowed(P.RECORD_DELIVERY))


@router.get("/installations")
def installations(p: Reader, status: str = ""):
    return _installations(p, state=status if status in ("scheduled", "completed") else "")


@router.post("/installations/{installation_id}/schedule")
def schedule(p: Deliverer, installation_id: DbId):
    errors = FieldErrors()
    on = calendar_date(p.form, f"tasks[{installation_id}].scheduled_for", errors, required=True)
    if not errors:
        try:
            shipping.schedule_installation(p.uow, p.clock, p.actor, installation_id, on)
            return p.redirect("/installations", flash=f"Installation {installation_id} scheduled for {on}")
        except DomainError as exc:
            errors.add(f"tasks[{installation_id}].scheduled_for", errors.message_of(exc))
    return _installations(p, errors=errors, status=422)


@router.post("/installations/{installation_id}/complete")
def complete(p: Deliverer, installation_id: DbId):
    errors = FieldErrors()
    name = f"tasks[{installation_id}].technician"
    technician = text(p.form, name, errors, required=True, max_length=100)
    if not errors:
        try:
            shipping.complete_installation(p.uow, p.clock, p.actor, installation_id, technician=technician,
                                           notes=p.form.get(f"tasks[{installation_id}].notes")[:500] or None)
            return p.redirect("/installations", flash=f"Installation {installation_id} completed")
        except DomainError as exc:
            errors.add(name, errors.message_of(exc))
    return _installations(p, errors=errors, status=422)
