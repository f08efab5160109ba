"""The order form (order desk and portal; also saves quotes): rows of SKU, quantity and date, parsed into the
services' OrderRequest. Row i is request line position i, so an error on `lines[i].qty` lands on row i."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.orders import MAX_LINE_QTY, Channel, RequestedLine
from ..services.intake import OrderRequest
from .forms import FieldErrors, Form, calendar_date, text, whole_number

MIN_ROWS = 3
MAX_ROWS = 200
STAFF_CHANNELS = [Channel.PHONE, Channel.DESK, Channel.WEB, Channel.FILE]


@dataclass
class OrderForm:
    rows: int
    request: OrderRequest | None  # None when a field is wrong (see errors)
    errors: FieldErrors


def row_count(values: dict[str, Any], *, add: int = 0) -> int:
    submitted = whole_number(Form([("n", values.get("rows", ""))]), "n", FieldErrors(), minimum=0,
                             maximum=MAX_ROWS, required=False) or 0
    return max(MIN_ROWS, min(MAX_ROWS, submitted + add))


def read_order_form(form: Form, *, customer: str | None = None, channel: Channel | None = None) -> OrderForm:
    """`customer` and `channel` are fixed for a customer user (its own account, the portal)."""
    errors = FieldErrors()
    rows = row_count(form.values)
    cust = customer or text(form, "customer", errors, required=True, max_length=40)
    ship_to = text(form, "ship_to", errors, max_length=40) or None
    requested = calendar_date(form, "requested_date", errors)
    po = text(form, "customer_po", errors, max_length=60) or None
    if channel is None:
        try:
            channel = Channel(form.get("channel") or Channel.PHONE)
        except ValueError:
            errors.add("channel", "not a channel")
            channel = Channel.PHONE
    lines = []
    for i in range(rows):
        sku = text(form, f"lines[{i}].sku", errors, max_length=64)
        if not sku and not form.get(f"lines[{i}].qty"):
            continue  # an empty row
        if not sku:
            errors.add(f"lines[{i}].sku", "required")
        qty = whole_number(form, f"lines[{i}].qty", errors, minimum=1, maximum=MAX_LINE_QTY)
        when = calendar_date(form, f"lines[{i}].requested_date", errors)
        if sku and qty:
            lines.append(RequestedLine(sku, qty, when, i))
    if not lines and not errors:
        errors.add("lines[0].sku", "an order needs at least one line")
    if errors:
        return OrderForm(rows, None, errors)
    return OrderForm(rows, OrderRequest(customer=cust, lines=lines, channel=channel, ship_to=ship_to,
                                        requested_date=requested, customer_po=po), errors)


def request_fields(req: OrderRequest) -> dict[str, Any]:
    """The request as plain data (the idempotency fingerprint of a placed form)."""
    return {"customer": req.customer, "ship_to": req.ship_to, "channel": str(req.channel),
            "requested_date": str(req.requested_date), "customer_po": req.customer_po,
            "lines": [[ln.sku, ln.qty, str(ln.requested_date), ln.position] for ln in req.lines]}
