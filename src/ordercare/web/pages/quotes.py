"""Quotes: list, view with dates per line, convert into an order. New quotes come from the order form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError, NotFound
from ...domain.orders import order_number
from ...services import quotes
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Quoter = Annotated[Page, Depends(needs(P.QUOTE))]
Seller = Annotated[Page, Depends(needs(P.PLACE_ORDER))]
NAV = [NavEntry("Quotes", "/quotes", P.QUOTE, 12, "Quotes with price and dates per line; convert one into an "
                "order.")]
PAGE_SIZE = 50


def quote_id_of(ref: str) -> int:
    text = ref.upper().removeprefix("QT-")
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise NotFound("quote_not_found", f"quote {ref}: no such quote", field="quote_id")
    return int(text)


@router.get("/quotes")
def quote_list(p: Quoter, customer: str = "", offset: int = 0):
    offset = max(0, min(offset, 10_000_000))
    page = quotes.list_quotes(p.uow, p.clock, p.actor, customer=customer.strip() or None, limit=PAGE_SIZE,
                              offset=offset)
    return p.html("quotes/list.html", page=page, values={"customer": customer}, limit=PAGE_SIZE, offset=offset,
                  base=f"/quotes?customer={customer}")


def _quote_page(p: Page, quote_id: int, *, errors: FieldErrors | None = None, status: int = 200):
    quote = quotes.get_quote(p.uow, p.clock, p.actor, quote_id)
    return p.html("quotes/show.html", quote=quote, errors=errors or FieldErrors(), status=status,
                  can_convert=p.allowed(P.PLACE_ORDER) and quote["status"] == "open")


@router.get("/quotes/{ref}")
def quote_page(p: Quoter, ref: str):
    return _quote_page(p, quote_id_of(ref))


@router.post("/quotes/{ref}/convert")
def convert(p: Seller, ref: str):
    quote_id = quote_id_of(ref)
    try:
        order_id = quotes.convert_quote(p.uow, p.clock, p.settings, p.actor, quote_id,
                                        customer_po=p.form.get("customer_po")[:60] or None)
    except DomainError as exc:
        return _quote_page(p, quote_id, errors=FieldErrors().take_unless_missing(exc), status=409 if exc.kind == "conflict" else 422)
    return p.redirect(f"/orders/{order_number(order_id)}", flash=f"Quote converted into {order_number(order_id)}")
