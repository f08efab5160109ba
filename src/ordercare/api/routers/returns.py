"""Returns (RMA) and reverse logistics: request, authorise or refuse, receive, inspect, resolve."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...domain.cases import parse_ref
from ...domain.errors import NotFound
from ...services import return_handling as rh
from ...services import return_resolution, return_views, returns
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_service import AuthoriseIn, InspectIn, ReasonRequiredIn, ReceiveReturnIn, ResolveReturnIn, ReturnIn, \
    as_json
from .cases import linked_id

router = APIRouter(tags=["returns"], responses=ERROR_RESPONSES)


def return_id(ref: str) -> int:
    found = parse_ref(ref, "RMA")
    if found is None:
        raise NotFound("return_not_found", f"return {ref}: no such return", field="return_id")
    return found


def _view(ctx, rid: int) -> dict[str, Any]:
    return as_json(return_views.get_return(ctx.uow, ctx.actor, rid))


@router.post("/returns", status_code=201)
def request_return(ctx: CtxDep, body: ReturnIn) -> dict[str, Any]:
    """Ask to send delivered units back (a customer: of its own orders), with a reason per line."""
    order_id = linked_id(body.order, "SO", "order")
    rid = returns.request_return(ctx.uow, ctx.clock, ctx.actor, order_id, [
        returns.ReturnLineRequest(ln.line_no, ln.qty, ln.reason) for ln in body.lines], note=body.note)
    return _view(ctx, rid)


@router.get("/returns")
def list_returns(ctx: CtxDep, status: str | None = None, customer: str | None = None, reason: str | None = None,
                 warehouse: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    """Returns, newest first; `reason`: with a line of that reason, `warehouse`: coming back to it."""
    return as_json(return_views.list_returns(ctx.uow, ctx.actor, status=status, customer=customer, reason=reason,
                                             warehouse=warehouse, limit=limit, offset=offset))


@router.get("/returns/{return_ref}")
def get_return(ctx: CtxDep, return_ref: str) -> dict[str, Any]:
    return _view(ctx, return_id(return_ref))


@router.post("/returns/{return_ref}/authorise")
def authorise(ctx: CtxDep, return_ref: str, body: AuthoriseIn) -> dict[str, Any]:
    """Authorise under the returns policy; outside it only with override and a note."""
    returns.authorise_return(ctx.uow, ctx.clock, ctx.actor, return_id(return_ref), override=body.override,
                             note=body.note)
    return _view(ctx, return_id(return_ref))


@router.post("/returns/{return_ref}/refuse")
def refuse(ctx: CtxDep, return_ref: str, body: ReasonRequiredIn) -> dict[str, Any]:
    returns.refuse_return(ctx.uow, ctx.clock, ctx.actor, return_id(return_ref), body.reason)
    return _view(ctx, return_id(return_ref))


@router.post("/returns/{return_ref}/receive")
def receive(ctx: CtxDep, return_ref: str, body: ReceiveReturnIn) -> dict[str, Any]:
    """Goods in at the warehouse; the units wait for inspection (not sellable yet)."""
    rh.receive_return(ctx.uow, ctx.clock, ctx.actor, return_id(return_ref),
                      [rh.ReceivedLine(ln.line_id, ln.qty) for ln in body.lines], warehouse=body.warehouse)
    return _view(ctx, return_id(return_ref))


@router.post("/returns/{return_ref}/inspect")
def inspect(ctx: CtxDep, return_ref: str, body: InspectIn) -> dict[str, Any]:
    """A disposition per received unit: restock (sellable again), refurbish, repair, parts, scrap, return to
    supplier."""
    rh.inspect_return(ctx.uow, ctx.clock, ctx.settings, ctx.actor, return_id(return_ref), [
        rh.DispositionLine(d.line_id, d.disposition, d.qty, d.note) for d in body.dispositions])
    return _view(ctx, return_id(return_ref))


@router.post("/returns/{return_ref}/resolve")
def resolve(ctx: CtxDep, return_ref: str, body: ResolveReturnIn) -> dict[str, Any]:
    """Credit note, refund, replacement order or repair and send back."""
    return_resolution.resolve_return(ctx.uow, ctx.clock, ctx.settings, ctx.actor, return_id(return_ref),
                                     body.resolution, refund_method=body.refund_method,
                                     refund_reference=body.refund_reference)
    return _view(ctx, return_id(return_ref))


@router.get("/nonsellable-stock")
def nonsellable_stock(ctx: CtxDep, warehouse: str | None = None) -> list[dict[str, Any]]:
    """Returned units off the shelf, per warehouse, SKU and bucket (inspection, refurbish, repair, …)."""
    return return_views.nonsellable(ctx.uow, ctx.actor, warehouse=warehouse)
