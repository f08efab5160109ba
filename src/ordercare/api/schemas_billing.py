"""Request bodies of the billing and cash routes. Amounts are checked by the domain (sign, cents, range), so
the API and the CLI refuse bad money with the same codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from .schemas import Code, In, Sku

Money = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=20)]
Rate = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=8)]
Ref = Annotated[str, Field(min_length=1, max_length=40)]
DbId = Annotated[int, Field(strict=True, ge=1, le=2**62)]


class AllocationIn(In):
    invoice: Ref  # "INV-0000042" or "42"
    amount: Money


class PaymentIn(In):
    customer: Code
    amount: Money
    currency: Annotated[str, Field(min_length=1, max_length=3)] | None = None  # default: the settings' currency
    received_on: date
    method: Annotated[str, Field(max_length=20)] = "bank_transfer"
    reference: Annotated[str, Field(max_length=100)]
    # None: applied oldest due first (unless auto_apply is false); a list: exactly there, the rest unapplied.
    allocations: Annotated[list[AllocationIn], Field(max_length=500)] | None = None
    auto_apply: bool = True


class ApplyIn(In):
    allocations: Annotated[list[AllocationIn], Field(max_length=500)] | None = None


class ReverseIn(In):
    reason: Annotated[str, Field(max_length=300)]


class CreditLineIn(In):
    description: Annotated[str, Field(max_length=300)]
    amount: Money  # net, before tax
    qty: Annotated[int, Field(strict=True, ge=-(2**31), le=2**31)] | None = None
    order_line: Annotated[int, Field(strict=True, ge=1, le=10_000)] | None = None  # line number on the order
    tax_rate: Rate | None = None


class CreditNoteIn(In):
    customer: Code
    reason: Annotated[str, Field(max_length=500)]
    source: Annotated[str, Field(max_length=20)] = "manual"
    source_ref: Annotated[str, Field(max_length=100)] | None = None
    order: Ref | None = None  # "SO-0000042"
    invoice: Ref | None = None
    currency: Annotated[str, Field(min_length=1, max_length=3)] | None = None
    lines: Annotated[list[CreditLineIn], Field(max_length=500)]


class RefundIn(In):
    customer: Code
    amount: Money
    method: Annotated[str, Field(max_length=20)] = "bank_transfer"
    reference: Annotated[str, Field(max_length=100)]
    credit_note: Ref | None = None


class CancelInvoiceIn(In):
    reason: Annotated[str, Field(max_length=300)]
    reissue: bool = False


class DisputeIn(In):
    category: Annotated[str, Field(max_length=30)]
    description: Annotated[str, Field(max_length=1000)]
    order: Ref | None = None


class ResolveIn(In):
    outcome: Annotated[str, Field(max_length=20)]
    resolution: Annotated[str, Field(max_length=1000)]
    credit: Annotated[list[CreditLineIn], Field(max_length=100)] | None = None


class InvoiceRunIn(In):
    through: date | None = None  # default today


class BillingIn(In):
    invoicing: Annotated[str, Field(max_length=20)]
    charge_freight: bool = True
    invoice_email: Annotated[str, Field(max_length=200)] | None = None


class TaxRateIn(In):
    rate: Rate
    name: Annotated[str, Field(max_length=60)]
    customer: Code | None = None
    sku: Sku | None = None
