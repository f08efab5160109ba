"""Request bodies of the post-sale service routes: cases, returns, surveys, SLA and returns policies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from ..domain.orders import MAX_LINE_QTY
from .schemas import Amount, Code, In

DbId = Annotated[int, Field(strict=True, ge=1, le=2**62)]
Units = Annotated[int, Field(strict=True, ge=-MAX_LINE_QTY, le=MAX_LINE_QTY)]  # the domain says what is allowed
Note = Annotated[str, Field(max_length=2000)]
Word = Annotated[str, Field(max_length=40)]


class CaseIn(In):
    customer: Code
    subject: Annotated[str, Field(max_length=200)]
    category: Word
    channel: Word = "phone"
    priority: Word = "normal"
    description: Annotated[str, Field(max_length=4000)] | None = None
    contact_name: Annotated[str, Field(max_length=200)] | None = None
    contact_email: Annotated[str, Field(max_length=200)] | None = None
    contact_phone: Annotated[str, Field(max_length=50)] | None = None
    order: Annotated[str, Field(max_length=20)] | None = None  # SO-0000042 or 42
    shipment_id: DbId | None = None
    invoice_id: DbId | None = None
    return_ref: Annotated[str, Field(max_length=20)] | None = None  # RMA-0000007 or 7


class NoteIn(In):
    note: Note | None = None


class RequiredNoteIn(In):
    note: Note


class RootCauseIn(In):
    root_cause: Word
    department: Word | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None


class ResolutionIn(In):
    resolution: Note


class AssignIn(In):
    username: Annotated[str, Field(max_length=100)] | None = None
    queue: Annotated[str, Field(max_length=30)] | None = None


class ShipLine(In):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    qty: Units


class ReturnLineIn(In):
    line_no: Annotated[int, Field(strict=True, ge=1, le=100_000)]
    qty: Units
    reason: Word


class RecoveryIn(In):
    kind: Word
    note: Annotated[str, Field(max_length=1000)] | None = None
    cost: Amount | None = None
    amount: Amount | None = None
    lines: Annotated[list[ShipLine], Field(max_length=500)] = []
    return_lines: Annotated[list[ReturnLineIn], Field(max_length=500)] = []
    refund_method: Word | None = None
    refund_reference: Annotated[str, Field(max_length=100)] | None = None
    credit_note_id: DbId | None = None


class ReturnIn(In):
    order: Annotated[str, Field(min_length=1, max_length=20)]
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=500)]
    note: Note | None = None


class AuthoriseIn(In):
    override: bool = False
    note: Annotated[str, Field(max_length=500)] | None = None


class ReasonRequiredIn(In):
    reason: Annotated[str, Field(max_length=500)]


class ReceivedLineIn(In):
    line_id: DbId
    qty: Units


class ReceiveReturnIn(In):
    warehouse: Code | None = None
    lines: Annotated[list[ReceivedLineIn], Field(min_length=1, max_length=500)]


class DispositionIn(In):
    line_id: DbId
    disposition: Word
    qty: Units
    note: Annotated[str, Field(max_length=500)] | None = None


class InspectIn(In):
    dispositions: Annotated[list[DispositionIn], Field(min_length=1, max_length=500)]


class ResolveReturnIn(In):
    resolution: Word
    refund_method: Word | None = None
    refund_reference: Annotated[str, Field(max_length=100)] | None = None


class AnswerIn(In):
    score: Annotated[int, Field(strict=True, ge=-1000, le=1000)]  # 1-5 is the domain's rule (invalid_score)
    comment: Note | None = None


class FeedbackIn(AnswerIn):
    customer: Code
    touchpoint: Word
    order: Annotated[str, Field(max_length=20)] | None = None
    case: Annotated[str, Field(max_length=20)] | None = None
    return_ref: Annotated[str, Field(max_length=20)] | None = None


class HolidayIn(In):
    day: date
    name: Annotated[str, Field(min_length=1, max_length=200)]


class CalendarIn(In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    hours: Annotated[dict[Annotated[str, Field(max_length=10)], Annotated[list[Annotated[
        str, Field(max_length=20)]], Field(max_length=6)]], Field(max_length=7)]
    holidays: Annotated[list[HolidayIn], Field(max_length=400)] = []


class EscalationIn(In):
    level: Annotated[int, Field(strict=True, ge=1, le=9)]
    role: Annotated[str, Field(min_length=1, max_length=40)]
    after_minutes: Annotated[int, Field(strict=True, ge=0, le=100_000)]


class SlaPolicyIn(In):
    service_package: Annotated[str, Field(max_length=20)] | None = None
    priority: Word
    first_response_minutes: Annotated[int, Field(strict=True, ge=-1, le=1_000_000)]
    resolution_minutes: Annotated[int, Field(strict=True, ge=-1, le=1_000_000)]
    calendar: Code
    escalation: Annotated[list[EscalationIn], Field(max_length=9)] = []


class ReturnPolicyIn(In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    window_days: Annotated[int, Field(strict=True, ge=-1, le=100_000)]
    warranty_days: Annotated[int, Field(strict=True, ge=-1, le=100_000)] = 0
    allowed_reasons: Annotated[list[Word], Field(max_length=20)]
    restocking_fee_pct: Annotated[Decimal, Field(ge=-1, le=1000, max_digits=6, decimal_places=2)] = Decimal("0")
    is_default: bool = False


class AccountRepIn(In):
    username: Annotated[str, Field(min_length=1, max_length=100)]


class ErasureIn(In):
    reason: Annotated[str, Field(max_length=500)]


def as_json(obj):
    """Money as text in answers (a float would round it), as the order schemas do."""
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dict):
        return {k: as_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [as_json(v) for v in obj]
    return obj
