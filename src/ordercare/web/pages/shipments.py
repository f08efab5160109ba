"""Shipments: list, and the page of one shipment with what its stage allows (pick with short picks, rate-shop,
ship, proof of delivery), its documents and its load."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...domain.fulfilment import Department
from ...services import picking, shipment_views, shipping, transport
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, calendar_date, renumber, text, whole_number

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_SHIPMENTS))]
Fulfiller = Annotated[Page, Depends(needs(P.FULFIL))]
Deliverer = Annotated[Page, Depends(needs(P.RECORD_DELIVERY))]
PAGE_SIZE = 100


@router.get("/shipments")
def shipment_list(p: Reader, warehouse: str = "", status: str = "", ship_date: str = "", offset: int = 0):
    from ..forms import Form
    filters = Form([("warehouse", warehouse), ("status", status), ("ship_date", ship_date)])
    errors = FieldErrors()
    day = calendar_date(filters, "ship_date", errors)
    offset = max(0, min(offset, 10_000_000))
    page = {"total": 0, "items": []}
    if not errors:
        try:
            page = shipment_views.list_shipments(p.uow, p.actor, warehouse=warehouse.strip() or None,
                                                 status=status or None, ship_date=day, limit=PAGE_SIZE, offset=offset)
        except DomainError as exc:
            errors.take(exc)
    query = "&".join(f"{k}={v}" for k, v in filters.values.items() if v)
    return p.html("warehouse/shipments.html", page=page, values=filters.values, errors=errors, limit=PAGE_SIZE,
                  offset=offset, base=f"/shipments?{query}", statuses=list(shipment_views.SHIPMENT_STATUSES))


def _shipment_page(p: Page, shipment_id: int, *, errors: FieldErrors | None = None, status: int = 200):
    sh = shipment_views.get_shipment(p.uow, p.actor, shipment_id)
    return p.html("warehouse/shipment.html", sh=sh, errors=errors or FieldErrors(), status=status,
                  can_fulfil=p.allowed(P.FULFIL), can_deliver=p.allowed(P.RECORD_DELIVERY),
                  departments=[d.value for d in Department])


@router.get("/shipments/{shipment_id}")
def shipment_page(p: Reader, shipment_id: DbId):
    return _shipment_page(p, shipment_id)


def _failed(p: Page, shipment_id: int, errors: FieldErrors, exc: DomainError | None = None):
    return _shipment_page(p, shipment_id, errors=errors, status=409 if exc and exc.kind == "conflict" else 422)


@router.post("/shipments/{shipment_id}/pick")
def confirm_picks(p: Fulfiller, shipment_id: DbId):
    """Rows are the lines still to confirm; a row left empty is confirmed later."""
    errors, picks, rows = FieldErrors(), [], []
    for i, line_id in enumerate(p.form.getlist("line_id")[:1000]):
        if not p.form.get(f"lines[{i}].qty_picked"):
            continue
        qty = whole_number(p.form, f"lines[{i}].qty_picked", errors, minimum=0, maximum=10**9)
        if qty is None or not line_id.isdigit() or len(line_id) > 18:
            continue
        picks.append(picking.PickConfirmation(int(line_id), qty, p.form.get(f"lines[{i}].reason")[:300] or None,
                                              p.form.get(f"lines[{i}].department")[:40] or None))
        rows.append(i)
    if not picks and not errors:
        errors.add("lines[0].qty_picked", "enter the quantity picked")
    if not errors:
        try:
            result = picking.confirm_picks(p.uow, p.clock, p.settings, p.actor, shipment_id, picks)
            shorts = len(result["short_picks"])
            return p.redirect(f"/shipments/{shipment_id}", flash=f"Picks confirmed ({shorts} short)" if shorts
                              else "Picks confirmed")
        except DomainError as exc:
            return _failed(p, shipment_id, renumber(errors.take_unless_missing(exc), "lines", rows), exc)
    return _failed(p, shipment_id, errors)


@router.post("/shipments/{shipment_id}/rate")
def rate(p: Fulfiller, shipment_id: DbId):
    try:
        result = transport.rate_shipment(p.uow, p.actor, shipment_id)
    except DomainError as exc:
        return _failed(p, shipment_id, FieldErrors().take_unless_missing(exc), exc)
    chosen = result["chosen"]
    return p.redirect(f"/shipments/{shipment_id}", flash=f"Rated: {chosen['carrier']} {chosen['service']}, "
                      f"{chosen['cost']} ({len(result['alternatives'])} alternatives)")


@router.post("/shipments/{shipment_id}/ship")
def ship(p: Fulfiller, shipment_id: DbId):
    errors, quantities, rows = FieldErrors(), [], []
    for i, line_id in enumerate(p.form.getlist("line_id")[:1000]):
        qty = whole_number(p.form, f"lines[{i}].qty", errors, minimum=0, maximum=10**9)
        if qty is not None and line_id.isdigit() and len(line_id) <= 18:
            quantities.append(shipping.ShipQuantity(int(line_id), qty))
            rows.append(i)
    if not errors:
        try:
            result = shipping.ship(p.uow, p.clock, p.settings, p.actor, shipment_id, quantities)
            return p.redirect(f"/shipments/{shipment_id}", flash=f"Shipped {result['units']} unit(s), tracking "
                              f"{result['tracking_number']}")
        except DomainError as exc:
            return _failed(p, shipment_id, renumber(errors.take_unless_missing(exc), "lines", rows), exc)
    return _failed(p, shipment_id, errors)


@router.post("/shipments/{shipment_id}/deliver")
def deliver(p: Deliverer, shipment_id: DbId):
    errors, exceptions, rows = FieldErrors(), [], []
    received_by = text(p.form, "received_by", errors, required=True, max_length=200)
    for i, line_id in enumerate(p.form.getlist("line_id")[:1000]):
        counts = {k: whole_number(p.form, f"exceptions[{i}].{k}", errors, required=False) or 0
                  for k in ("short", "damaged", "wrong_item")}
        note = p.form.get(f"exceptions[{i}].note")[:300] or None
        if (any(counts.values()) or note) and line_id.isdigit() and len(line_id) <= 18:
            exceptions.append(shipping.DeliveryException(int(line_id), note=note, **counts))
            rows.append(i)
    if not errors:
        try:
            shipping.deliver(p.uow, p.clock, p.actor, shipment_id, received_by=received_by, exceptions=exceptions)
            return p.redirect(f"/shipments/{shipment_id}", flash="Proof of delivery recorded"
                              + (f" with {len(exceptions)} exception(s)" if exceptions else ""))
        except DomainError as exc:
            return _failed(p, shipment_id, renumber(errors.take_unless_missing(exc), "exceptions", rows), exc)
    return _failed(p, shipment_id, errors)


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/shipments/{shipment_id}/packing-slip.pdf")
def packing_slip(p: Reader, shipment_id: DbId):
    return _pdf(shipment_views.packing_slip(p.uow, p.actor, shipment_id), f"packing-slip-{shipment_id}.pdf")


@router.get("/shipments/{shipment_id}/bill-of-lading.pdf")
def bill_of_lading(p: Reader, shipment_id: DbId):
    return _pdf(shipment_views.bill_of_lading(p.uow, p.actor, shipment_id), f"bill-of-lading-{shipment_id}.pdf")
