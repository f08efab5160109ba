"""Order desk and portal: search orders, enter an order with live promised dates, the order page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError, NotFound
from ...domain.orders import Channel, OrderStatus, RequestedLine, cancellable, order_number, parse_order_number
from ...services import catalog, order_views, orders, quotes
from ...services.idempotency import request_fingerprint
from ...services.intake import OrderRequest
from ...services.promising import line_promise, preview_order
from ...services.shipment_views import order_shipments
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, calendar_date
from ..order_form import STAFF_CHANNELS, read_order_form, request_fields, row_count
from ..registry import NavEntry, OrderPanel

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_ORDERS))]
Seller = Annotated[Page, Depends(needs(P.PLACE_ORDER))]
Canceller = Annotated[Page, Depends(needs(P.CANCEL_ORDER))]
CreditReleaser = Annotated[Page, Depends(needs(P.RELEASE_CREDIT))]

NAV = [
    NavEntry("Orders", "/orders", P.READ_ORDERS, 10, "Search orders by customer, status, date and SKU; open an "
             "order's timeline."),
    NavEntry("New order", "/orders/new", P.PLACE_ORDER, 11, "Enter an order: the promised date appears as you "
             "type the quantity, with the alternatives."),
]
ORDER_PANELS = [
    OrderPanel("shipments", "Shipments", "orders/_panel_shipments.html",
               lambda conn, actor, order_id: order_shipments(conn, order_id) or None, P.READ_ORDERS, 10),
]
PAGE_SIZE = 50


def order_id_of(ref: str) -> int:
    order_id = parse_order_number(ref)
    if order_id is None:
        raise NotFound("order_not_found", f"order {ref}: no such order", field="order_id")
    return order_id


def own_customer(p: Page) -> str | None:
    """A customer user's own account code (the portal fixes the customer field to it)."""
    if not p.actor.is_customer:
        return None
    return catalog.list_customers(p.uow, p.actor, limit=1)["items"][0]["code"]


@router.get("/orders")
def order_list(p: Reader, customer: str = "", status: str = "", sku: str = "", placed_from: str = "",
               placed_to: str = "", offset: int = 0):
    filters = Form([("customer", customer), ("status", status), ("sku", sku), ("placed_from", placed_from),
                    ("placed_to", placed_to)])
    errors = FieldErrors()
    start, end = calendar_date(filters, "placed_from", errors), calendar_date(filters, "placed_to", errors)
    page = {"total": 0, "items": []}
    if not errors:
        try:
            page = order_views.list_orders(p.uow, p.actor, customer=customer.strip() or None, status=status or None,
                                           sku=sku.strip() or None, placed_from=start, placed_to=end,
                                           limit=PAGE_SIZE, offset=max(0, min(offset, 10_000_000)))
        except DomainError as exc:
            errors.take(exc)
    query = "&".join(f"{k}={v}" for k, v in filters.values.items() if v)
    return p.html("orders/list.html", page=page, values=filters.values, errors=errors, limit=PAGE_SIZE,
                  offset=offset, base=f"/orders?{query}", statuses=[s.value for s in OrderStatus])


def _form_page(p: Page, *, rows: int, errors: FieldErrors | None = None, preview=None, status: int = 200,
               values=None):
    values = dict(values if values is not None else p.form.values)
    values.setdefault("idempotency_key", secrets.token_urlsafe(16))
    customers = [] if p.actor.is_customer else catalog.list_customers(p.uow, p.actor, limit=500)["items"]
    return p.html("orders/new.html", rows=rows, errors=errors or FieldErrors(), preview=preview, status=status,
                  values=values, customers=customers, channels=[c.value for c in STAFF_CHANNELS],
                  own_customer=own_customer(p), can_quote=p.allowed(P.QUOTE))


@router.get("/orders/new")
def new_order(p: Seller, customer: str = ""):
    return _form_page(p, rows=row_count({}), values={"customer": customer} if customer else {})


@router.post("/orders/new")
def submit_order(p: Seller):
    action = p.form.get("action")
    if action == "add_line":
        return _form_page(p, rows=row_count(p.form.values, add=1))
    fixed = own_customer(p)
    parsed = read_order_form(p.form, customer=fixed, channel=Channel.PORTAL if fixed else None)
    if parsed.request is None:
        return _form_page(p, rows=parsed.rows, errors=parsed.errors, status=422)
    req = parsed.request
    try:
        if action == "quote":
            quote_id = quotes.create_quote(p.uow, p.clock, p.settings, p.actor, req)
            return p.redirect(f"/quotes/{quote_id}", flash=f"Quote QT-{quote_id:07d} saved")
        if action == "place":
            key = p.form.get("idempotency_key")[:200] or None
            order_id, _ = orders.place_order(p.uow, p.clock, p.settings, p.actor, req, idempotency_key=key,
                                             fingerprint=request_fingerprint(request_fields(req)))
            return p.redirect(f"/orders/{order_number(order_id)}", flash=f"Order {order_number(order_id)} placed")
        preview = preview_order(p.uow, p.clock, p.settings, p.actor, req)
        return _form_page(p, rows=parsed.rows, preview=preview)
    except DomainError as exc:
        return _form_page(p, rows=parsed.rows, errors=FieldErrors().take(exc), status=422)


@router.get("/orders/line-promise")
def line_promise_fragment(p: Seller, row: int = 0):
    """The htmx fragment beside a line: promised date and alternatives as the quantity is typed."""
    q = p.request.query_params
    i = max(0, min(row, 1000))
    fixed = own_customer(p)
    form = Form(list(q.items()))
    parsed = read_order_form(Form([("customer", form.get("customer")), ("ship_to", form.get("ship_to")),
                                   ("requested_date", form.get("requested_date")),
                                   ("rows", str(i + 1)),
                                   *[(f"lines[{i}].{k}", form.get(f"lines[{i}].{k}"))
                                     for k in ("sku", "qty", "requested_date")]]),
                             customer=fixed, channel=Channel.PORTAL if fixed else Channel.PHONE)
    result, errors = None, parsed.errors
    if parsed.request is not None:
        [line] = parsed.request.lines
        req = OrderRequest(parsed.request.customer, [RequestedLine(line.sku, line.qty, line.requested_date, i)],
                           ship_to=parsed.request.ship_to, requested_date=parsed.request.requested_date)
        try:
            result = line_promise(p.uow, p.clock, p.settings, p.actor, req)
        except DomainError as exc:
            errors = FieldErrors().take(exc)
    return p.html("orders/_line_promise.html", row=i, result=result, errors=errors)


@router.get("/orders/{ref}")
def order_page(p: Reader, ref: str):
    return _order_page(p, order_id_of(ref))


def _order_page(p: Page, order_id: int, *, errors: FieldErrors | None = None, status: int = 200):
    from ..registry import order_panels
    with p.uow.read() as conn:
        order = order_views.order_view(conn, p.actor, order_id)
        panels = order_panels(conn, p.actor, order_id, clock=p.clock)
    return p.html("orders/show.html", order=order, panels=panels, errors=errors or FieldErrors(), status=status,
                  can_cancel=p.allowed(P.CANCEL_ORDER), cancellable=cancellable(order["status"], sum(ln["qty_shipped"] for ln in order["lines"])), can_release=p.allowed(P.RELEASE_CREDIT),
                  can_see_shipments=p.allowed(P.READ_SHIPMENTS))


@router.post("/orders/{ref}/cancel")
def cancel(p: Canceller, ref: str):
    order_id = order_id_of(ref)
    try:
        orders.cancel_order(p.uow, p.clock, p.settings, p.actor, order_id, p.form.get("reason")[:500] or "cancelled")
    except DomainError as exc:
        return _order_page(p, order_id, errors=FieldErrors().take_unless_missing(exc), status=409)
    return p.redirect(f"/orders/{order_number(order_id)}", flash="Order cancelled")


@router.post("/orders/{ref}/release-credit")
def release_credit(p: CreditReleaser, ref: str):
    order_id = order_id_of(ref)
    try:
        orders.release_credit_hold(p.uow, p.clock, p.actor, order_id, p.form.get("reason")[:500])
    except DomainError as exc:
        return _order_page(p, order_id, errors=FieldErrors().take_unless_missing(exc), status=409)
    return p.redirect(f"/orders/{order_number(order_id)}", flash="Credit hold released")
