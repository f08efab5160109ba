"""Stock, availability (ATP/ATD), purchase orders and receipts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ...services import availability, catalog, master_data as md, receipts
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES, Created, PurchaseOrderIn, ReceiveIn, RescheduleIn, StockAdjustmentIn

router = APIRouter(tags=["inventory"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
ReceiptId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/stock")
def list_stock(ctx: CtxDep, sku: str | None = None, warehouse: str | None = None, limit: Limit = 200,
               offset: Offset = 0) -> dict[str, Any]:
    return catalog.list_stock(ctx.uow, ctx.actor, sku=sku, warehouse=warehouse, limit=limit, offset=offset)


@router.post("/stock/adjustments", status_code=201)
def adjust_stock(ctx: CtxDep, body: StockAdjustmentIn) -> dict[str, Any]:
    return md.adjust_stock(ctx.uow, ctx.clock, ctx.settings, ctx.actor, warehouse=body.warehouse, sku=body.sku,
                           delta=body.delta, reason=body.reason)


@router.get("/availability/{sku}")
def get_availability(ctx: CtxDep, sku: str, qty: Annotated[int, Query(ge=1, le=1_000_000_000)] = 1,
                     customer: str | None = None, ship_to: str | None = None) -> dict[str, Any]:
    """ATP per warehouse by date; with a customer, the ship and delivery date (ATD) from each warehouse."""
    return availability.availability(ctx.uow, ctx.clock, ctx.settings, ctx.actor, sku, qty=qty, customer=customer,
                                      ship_to=ship_to)


@router.post("/purchase-orders", status_code=201, response_model=Created)
def create_purchase_order(ctx: CtxDep, body: PurchaseOrderIn):
    po_id = receipts.create_purchase_order(
        ctx.uow, ctx.clock, ctx.settings, ctx.actor, number=body.number, supplier=body.supplier,
        warehouse=body.warehouse, lines=[receipts.ReceiptLine(ln.sku, ln.qty, ln.expected_date) for ln in body.lines])
    return {"id": po_id}


@router.get("/receipts")
def list_receipts(ctx: CtxDep, sku: str | None = None,
                  status: Annotated[str | None, Query(pattern="^(open|closed)$")] = "open", limit: Limit = 200,
                  offset: Offset = 0) -> dict[str, Any]:
    return catalog.list_receipts(ctx.uow, ctx.actor, sku=sku, status=status, limit=limit, offset=offset)


@router.post("/receipts/{receipt_id}/receive")
def receive(ctx: CtxDep, receipt_id: ReceiptId, body: ReceiveIn) -> dict[str, Any]:
    return receipts.receive(ctx.uow, ctx.clock, ctx.settings, ctx.actor, receipt_id, body.qty, close=body.close)


@router.post("/receipts/{receipt_id}/reschedule")
def reschedule(ctx: CtxDep, receipt_id: ReceiptId, body: RescheduleIn) -> dict[str, Any]:
    return receipts.reschedule_receipt(ctx.uow, ctx.clock, ctx.actor, receipt_id, body.expected_date, body.reason)
