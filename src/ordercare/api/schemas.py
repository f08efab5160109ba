"""Request and response bodies. Inputs forbid unknown fields and bound every size."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..domain.customers import CustomerKind, SourcingPolicy
from ..domain.orders import MAX_LINE_QTY, Channel

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")]
Sku = Annotated[str, Field(min_length=1, max_length=64)]
Qty = Annotated[int, Field(strict=True, gt=0, le=MAX_LINE_QTY)]
Text = Annotated[str, Field(max_length=500)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        # NUL cannot be stored by PostgreSQL, and no field of ours has a use for control characters.
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    data: dict[str, Any] | None = None
    problems: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer has this shape."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in [
        (400, "the body could not be read (not UTF-8 or not JSON)"),
        (401, "missing, unknown or revoked API token"), (403, "the role may not do this"),
        (404, "no such object (or not visible to this user)"), (409, "conflicts with the current state"),
        (413, "body too large"), (422, "invalid request: the field and the problem are named"),
        (503, "the database is not available right now: send the request again shortly (Retry-After)")]
}


class LineIn(In):
    sku: Sku
    qty: Qty
    requested_date: date | None = None


class OrderIn(In):
    customer: Code
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    channel: Channel = Channel.API
    ship_to: Code | None = None
    requested_date: date | None = None
    customer_po: Annotated[str, Field(max_length=60)] | None = None


class ReasonIn(In):
    reason: Text = ""


class OfferChoiceIn(In):
    line_no: Annotated[int, Field(ge=1, le=100_000)]
    offer: Annotated[str, Field(min_length=1, max_length=20)]


class ConvertIn(In):
    customer_po: Annotated[str, Field(max_length=60)] | None = None
    offers: Annotated[list[OfferChoiceIn], Field(max_length=500)] = []  # lines converted with a lead-time offer


class Allocation(BaseModel):
    warehouse: str
    qty: int
    source: str
    receipt_id: int | None
    available_date: date
    ship_date: date
    delivery_date: date


class OrderLine(BaseModel):
    line_no: int
    sku: str
    product_name: str
    qty: int
    unit_price: Decimal
    amount: Decimal
    requested_date: date | None
    qty_promised: int
    qty_backordered: int
    qty_shipped: int
    qty_delivered: int
    promised_ship_date: date | None
    promised_date: date | None
    merged_from: list[int] | None
    allocations: list[Allocation]


class Event(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, Any] | None


class Order(BaseModel):
    id: int
    number: str
    customer: str
    customer_name: str
    ship_to: str
    channel: str
    status: str
    credit_hold: bool
    ship_complete: bool
    requested_date: date | None
    promised_date: date | None
    customer_po: str | None
    currency: str
    total_amount: Decimal
    quote_id: int | None
    created_at: datetime
    created_by: str
    lines: list[OrderLine]
    timeline: list[Event]


class OrderSummary(BaseModel):
    id: int
    number: str
    customer: str
    status: str
    channel: str
    created_at: datetime
    promised_date: date | None
    total_amount: Decimal


class OrderPage(BaseModel):
    total: int
    items: list[OrderSummary]


class QuoteOffer(BaseModel):
    code: str
    name: str
    delivery_date: date
    price_adjustment_pct: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteLine(BaseModel):
    line_no: int
    sku: str
    qty: int
    unit_price: Decimal
    amount: Decimal
    requested_date: date | None
    atp_date: date | None
    ship_date: date | None
    delivery_date: date | None
    sources: list[dict[str, Any]] | None
    service_package: str | None = None
    package_lead_time_days: int | None = None  # the lead time the customer's package promises
    package_date: date | None = None  # quote date + that lead time
    expedite: bool = False  # the requested date is earlier than the package allows
    offers: list[QuoteOffer] = []


class Quote(BaseModel):
    id: int
    number: str
    customer: str
    ship_to: str
    channel: str
    status: str
    valid_until: date
    requested_date: date | None
    currency: str
    total_amount: Decimal
    order_id: int | None
    created_at: datetime
    lines: list[QuoteLine]


class ShipToIn(In):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    city: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(min_length=2, max_length=2)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    street: Annotated[str, Field(max_length=200)] = ""
    postal_code: Annotated[str, Field(max_length=20)] = ""
    is_default: bool = False


class CustomerIn(In):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: CustomerKind = CustomerKind.EXTERNAL
    active: bool = True
    credit_limit: Amount | None = None
    payment_terms: Annotated[str, Field(max_length=40)] | None = None
    segment: Annotated[str, Field(min_length=1, max_length=20)] = "C"
    service_package: Annotated[str, Field(min_length=1, max_length=20)] = "C"
    price_list: Code | None = None
    sourcing_policy: SourcingPolicy = SourcingPolicy.NEAREST
    ship_complete: bool = False
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    ship_tos: Annotated[list[ShipToIn], Field(max_length=100)] = []


class CustomerPatch(In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    active: bool | None = None
    credit_limit: Amount | None = None
    payment_terms: Annotated[str, Field(max_length=40)] | None = None
    segment: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    service_package: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    price_list: Code | None = None
    sourcing_policy: SourcingPolicy | None = None
    ship_complete: bool | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None


class ProductIn(In):
    sku: Sku
    name: Annotated[str, Field(min_length=1, max_length=200)]
    weight_kg: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
    volume_m3: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=5)]
    list_price: Amount
    unit_cost: Amount
    unit: Annotated[str, Field(min_length=1, max_length=20)] = "ea"
    category: Annotated[str, Field(max_length=100)] = ""
    needs_installation: bool = False
    active: bool = True


class ProductPatch(In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    weight_kg: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)] | None = None
    volume_m3: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=5)] | None = None
    list_price: Amount | None = None
    unit_cost: Amount | None = None
    unit: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    category: Annotated[str, Field(max_length=100)] | None = None
    needs_installation: bool | None = None
    active: bool | None = None


class PriceIn(In):
    sku: Sku
    price: Amount
    min_qty: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE_QTY)] = 1


class WarehouseIn(In):
    code: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    region: Annotated[str, Field(min_length=1, max_length=100)]
    city: Annotated[str, Field(min_length=1, max_length=100)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    handling_days: Annotated[int, Field(strict=True, ge=0, le=60)] = 1
    active: bool = True


class StockAdjustmentIn(In):
    warehouse: Code
    sku: Sku
    delta: Annotated[int, Field(strict=True, ge=-MAX_LINE_QTY, le=MAX_LINE_QTY)]
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class ReceiptLineIn(In):
    sku: Sku
    qty: Qty
    expected_date: date


class PurchaseOrderIn(In):
    number: Code
    supplier: Annotated[str, Field(min_length=1, max_length=200)]
    warehouse: Code
    lines: Annotated[list[ReceiptLineIn], Field(min_length=1, max_length=500)]


class ReceiveIn(In):
    qty: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)]
    close: bool = False


class RescheduleIn(In):
    expected_date: date
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class UserIn(In):
    username: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@\-]+$")]
    role: Annotated[str, Field(max_length=20)]
    customer: Code | None = None


class Created(BaseModel):
    id: int


class ReleaseIn(In):
    through: date | None = None  # ship dates up to this day; default today


class PickLineIn(In):
    line_id: Annotated[int, Field(strict=True, ge=1, le=2**62)]
    qty_picked: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)]
    reason: Annotated[str, Field(max_length=300)] | None = None
    department: Annotated[str, Field(max_length=40)] | None = None


class PickIn(In):
    lines: Annotated[list[PickLineIn], Field(min_length=1, max_length=1000)]


class ShipLineIn(In):
    line_id: Annotated[int, Field(strict=True, ge=1, le=2**62)]
    qty: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)]


class ShipIn(In):
    lines: Annotated[list[ShipLineIn], Field(max_length=1000)] = []


class DeliveryExceptionIn(In):
    line_id: Annotated[int, Field(strict=True, ge=1, le=2**62)]
    short: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)] = 0
    damaged: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)] = 0
    wrong_item: Annotated[int, Field(strict=True, ge=0, le=MAX_LINE_QTY)] = 0
    note: Annotated[str, Field(max_length=300)] | None = None


class DeliverIn(In):
    received_by: Annotated[str, Field(min_length=1, max_length=200)]
    delivered_at: datetime | None = None
    exceptions: Annotated[list[DeliveryExceptionIn], Field(max_length=1000)] = []


class LoadsIn(In):
    on: date | None = None


class ServiceIn(In):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    mode: Annotated[str, Field(max_length=10)]
    rate_table: dict[str, Any]
    km_per_day: Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=2)]
    min_transit_days: Annotated[int, Field(strict=True, ge=0, le=365)] = 1
    co2_g_per_tkm: Annotated[Decimal, Field(ge=0, le=100_000, max_digits=10, decimal_places=2)]
    max_weight_kg: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)] | None = None
    max_volume_m3: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4)] | None = None


class CarrierIn(In):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    services: Annotated[list[ServiceIn], Field(max_length=50)] = []


class VehicleIn(In):
    code: Code
    warehouse: Code
    max_weight_kg: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
    max_volume_m3: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4)]
    fixed_cost: Amount = Decimal("0")


class ScheduleIn(In):
    scheduled_for: date


class CompleteInstallationIn(In):
    technician: Annotated[str, Field(min_length=1, max_length=100)]
    notes: Annotated[str, Field(max_length=500)] | None = None
