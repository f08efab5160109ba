"""Orders and quotes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from ...domain.errors import NotFound
from ...domain.orders import RequestedLine, parse_order_number
from ...services import order_views, orders, quotes
from ...services.idempotency import request_fingerprint
from ...services.intake import OrderRequest
from ...services.quote_offers import OfferChoice
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES, ConvertIn, ErrorBody, Order, OrderIn, OrderPage, Quote, ReasonIn

router = APIRouter(tags=["orders"], responses=ERROR_RESPONSES)


def _order_id(ref: str) -> int:
    order_id = parse_order_number(ref)
    if order_id is None:
        raise NotFound("order_not_found", f"order {ref}: no such order", field="order_id")
    return order_id


def _request(body: OrderIn) -> OrderRequest:
    return OrderRequest(customer=body.customer, ship_to=body.ship_to, channel=body.channel,
                        requested_date=body.requested_date, customer_po=body.customer_po,
                        lines=[RequestedLine(ln.sku, ln.qty, ln.requested_date, i) for i, ln in enumerate(body.lines)])


@router.post("/orders", response_model=Order, status_code=201,
             responses={200: {"description": "replay of an earlier request with the same Idempotency-Key",
                              "model": Order},
                        409: {"description": "a request with this Idempotency-Key is in progress",
                              "model": ErrorBody},
                        422: {"description": "invalid order, or Idempotency-Key reused with another body",
                              "model": ErrorBody}})
def place_order(ctx: CtxDep, body: OrderIn, response: Response,
                idempotency_key: Annotated[str | None, Header(max_length=200)] = None):
    order_id, replayed = orders.place_order(
        ctx.uow, ctx.clock, ctx.settings, ctx.actor, _request(body), idempotency_key=idempotency_key,
        fingerprint=request_fingerprint(body.model_dump(mode="json")) if idempotency_key else None)
    if replayed:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/orders/{order_id}"
    return order_views.get_order(ctx.uow, ctx.actor, order_id)


@router.get("/orders", response_model=OrderPage)
def list_orders(ctx: CtxDep, customer: str | None = None, status: str | None = None, sku: str | None = None,
                placed_from: date | None = None, placed_to: date | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    return order_views.list_orders(ctx.uow, ctx.actor, customer=customer, status=status, sku=sku,
                                   placed_from=placed_from, placed_to=placed_to, limit=limit, offset=offset)


@router.get("/orders/{order_ref}", response_model=Order)
def get_order(ctx: CtxDep, order_ref: str):
    return order_views.get_order(ctx.uow, ctx.actor, _order_id(order_ref))


@router.post("/orders/{order_ref}/cancel", response_model=Order)
def cancel_order(ctx: CtxDep, order_ref: str, body: ReasonIn):
    order_id = _order_id(order_ref)
    orders.cancel_order(ctx.uow, ctx.clock, ctx.settings, ctx.actor, order_id, body.reason or "cancelled")
    return order_views.get_order(ctx.uow, ctx.actor, order_id)


@router.post("/orders/{order_ref}/release-credit", response_model=Order)
def release_credit(ctx: CtxDep, order_ref: str, body: ReasonIn):
    order_id = _order_id(order_ref)
    orders.release_credit_hold(ctx.uow, ctx.clock, ctx.actor, order_id, body.reason)
    return order_views.get_order(ctx.uow, ctx.actor, order_id)


@router.post("/quotes", response_model=Quote, status_code=201, tags=["quotes"])
def create_quote(ctx: CtxDep, body: OrderIn):
    quote_id = quotes.create_quote(ctx.uow, ctx.clock, ctx.settings, ctx.actor, _request(body))
    return quotes.get_quote(ctx.uow, ctx.clock, ctx.actor, quote_id)


def _quote_id(ref: str) -> int:
    text = ref.upper().removeprefix("QT-")
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise NotFound("quote_not_found", f"quote {ref}: no such quote", field="quote_id")
    return int(text)


@router.get("/quotes/{quote_ref}", response_model=Quote, tags=["quotes"])
def get_quote(ctx: CtxDep, quote_ref: str):
    return quotes.get_quote(ctx.uow, ctx.clock, ctx.actor, _quote_id(quote_ref))


@router.post("/quotes/{quote_ref}/convert", response_model=Order, status_code=201, tags=["quotes"])
def convert_quote(ctx: CtxDep, quote_ref: str, body: ConvertIn):
    order_id = quotes.convert_quote(ctx.uow, ctx.clock, ctx.settings, ctx.actor, _quote_id(quote_ref),
                                    customer_po=body.customer_po,
                                    offers=[OfferChoice(c.line_no, c.offer) for c in body.offers])
    return order_views.get_order(ctx.uow, ctx.actor, order_id)
