"""Stock levels and adjustments; scheduled receipts (purchase-order lines): receive and reschedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...services import catalog, receipts
from ...services import master_data as md
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, calendar_date, text, whole_number
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
StockReader = Annotated[Page, Depends(needs(P.READ_STOCK))]
Adjuster = Annotated[Page, Depends(needs(P.ADJUST_STOCK))]
Receiver = Annotated[Page, Depends(needs(P.MANAGE_RECEIPTS))]
NAV = [
    NavEntry("Stock", "/stock", P.READ_STOCK, 25, "On hand, reserved and free stock per warehouse; count "
             "corrections."),
    NavEntry("Receipts", "/receipts", P.READ_STOCK, 26, "Expected purchase receipts: receive goods, move dates."),
    NavEntry("Warehouse list", "/warehouses", P.READ_STOCK, 27, "Warehouses and their handling days."),
]


def _stock(p: Page, sku: str = "", warehouse: str = "", offset: int = 0, *, errors: FieldErrors | None = None,
           status: int = 200):
    offset = max(0, min(offset, 10_000_000))
    page = catalog.list_stock(p.uow, p.actor, sku=sku.strip() or None, warehouse=warehouse.strip() or None,
                              limit=200, offset=offset)
    filters = {"sku": sku, "warehouse": warehouse}
    return p.html("inventory/stock.html", page=page, filters=filters, limit=200, offset=offset, status=status,
                  base=f"/stock?sku={sku}&warehouse={warehouse}", errors=errors or FieldErrors(),
                  can_adjust=p.allowed(P.ADJUST_STOCK), warehouses=catalog.list_warehouses(p.uow, p.actor))


@router.get("/stock")
def stock(p: StockReader, sku: str = "", warehouse: str = "", offset: int = 0):
    return _stock(p, sku[:64], warehouse[:20], offset)


@router.post("/stock/adjust")
def adjust(p: Adjuster):
    errors = FieldErrors()
    warehouse = text(p.form, "warehouse", errors, required=True, max_length=20)
    sku = text(p.form, "sku", errors, required=True, max_length=64)
    delta = whole_number(p.form, "delta", errors, minimum=-10**9, maximum=10**9)
    reason = text(p.form, "reason", errors, required=True, max_length=300)
    if not errors:
        try:
            r = md.adjust_stock(p.uow, p.clock, p.settings, p.actor, warehouse=warehouse, sku=sku, delta=delta,
                                reason=reason)
            return p.redirect(f"/stock?sku={sku}", flash=f"{sku} in {warehouse}: on hand {r['on_hand']}, "
                              f"reserved {r['reserved']}")
        except DomainError as exc:
            errors.take(exc)
    return _stock(p, sku, errors=errors, status=422)


def _receipts(p: Page, sku: str = "", state: str = "open", offset: int = 0, *, errors: FieldErrors | None = None,
              status: int = 200):
    offset = max(0, min(offset, 10_000_000))
    page = catalog.list_receipts(p.uow, p.actor, sku=sku.strip() or None,
                                 status=state if state in ("open", "closed") else None, limit=200, offset=offset)
    return p.html("inventory/receipts.html", page=page, filters={"sku": sku, "status": state}, limit=200,
                  offset=offset, base=f"/receipts?sku={sku}&status={state}", status=status,
                  errors=errors or FieldErrors(), can_manage=p.allowed(P.MANAGE_RECEIPTS))


@router.get("/receipts")
def receipt_list(p: StockReader, sku: str = "", status: str = "open", offset: int = 0):
    return _receipts(p, sku[:64], status, offset)


@router.post("/receipts/{receipt_id}/receive")
def receive(p: Receiver, receipt_id: DbId):
    errors = FieldErrors()
    name = f"receipts[{receipt_id}].qty"
    qty = whole_number(p.form, name, errors, minimum=0, maximum=10**9)
    if not errors:
        try:
            r = receipts.receive(p.uow, p.clock, p.settings, p.actor, receipt_id, qty,
                                 close=f"receipts[{receipt_id}].close" in p.form)
            return p.redirect("/receipts", flash=f"Receipt {receipt_id}: {r['received']} received, "
                              f"{r['promises_kept']} promised units kept, {r['backorders_released']} back-order "
                              "line(s) served")
        except DomainError as exc:
            errors.add(name, errors.message_of(exc))
    return _receipts(p, errors=errors, status=422)


@router.post("/receipts/{receipt_id}/reschedule")
def reschedule(p: Receiver, receipt_id: DbId):
    errors = FieldErrors()
    name = f"receipts[{receipt_id}].expected_date"
    when = calendar_date(p.form, name, errors, required=True)
    reason = text(p.form, f"receipts[{receipt_id}].reason", errors, required=True, max_length=300)
    if not errors:
        try:
            r = receipts.reschedule_receipt(p.uow, p.clock, p.actor, receipt_id, when, reason)
            return p.redirect("/receipts", flash=f"Receipt {receipt_id} now expected {when}; "
                              f"{len(r['orders_repromised'])} order(s) re-promised")
        except DomainError as exc:
            errors.add(name, errors.message_of(exc))
    return _receipts(p, errors=errors, status=422)
