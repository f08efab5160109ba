"""Returns (RMA) and reverse logistics: policy, quantities, dispositions and where each unit goes.

A return is requested for delivered units, authorised or refused under a returns policy (time window,
reasons, restocking fee), received at a warehouse, inspected, and each unit gets a disposition. Only
"restock" puts a unit back into sellable stock; every other disposition keeps it in a non-sellable
bucket of the warehouse (or records it as scrapped / sent back to the supplier), so no unit is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .errors import InvalidTransition, ValidationFailed


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    DEFECTIVE = "defective"
    NOT_AS_DESCRIBED = "not_as_described"
    NOT_NEEDED = "not_needed"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    WARRANTY = "warranty"
    OTHER = "other"


# The firm's failures: never a restocking fee, and facts for damage-free and order accuracy.
FIRM_FAULT = frozenset({ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.DEFECTIVE,
                        ReturnReason.NOT_AS_DESCRIBED, ReturnReason.WARRANTY})


class Disposition(StrEnum):
    RESTOCK = "restock"  # back on the shelf: sellable, ATP rises
    REFURBISH = "refurbish"
    REPAIR = "repair"
    PARTS = "parts"  # used for spare parts
    SCRAP = "scrap"
    RETURN_TO_SUPPLIER = "return_to_supplier"


SELLABLE = frozenset({Disposition.RESTOCK})
# Non-sellable buckets of a warehouse: units received and not yet inspected wait in "inspection".
INSPECTION = "inspection"
BUCKETS = (INSPECTION, *(d.value for d in Disposition if d not in SELLABLE))


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    AUTHORISED = "authorised"
    REFUSED = "refused"
    RECEIVED = "received"  # some or all units are in
    INSPECTED = "inspected"  # every received unit has a disposition
    RESOLVED = "resolved"  # credited, refunded, replaced or repaired and sent back
    CANCELLED = "cancelled"


R = ReturnStatus
TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.AUTHORISED, R.REFUSED, R.CANCELLED}),
    R.AUTHORISED: frozenset({R.RECEIVED, R.CANCELLED, R.RESOLVED}),
    R.RECEIVED: frozenset({R.INSPECTED}),
    R.INSPECTED: frozenset({R.RECEIVED, R.RESOLVED}),  # more units arrived after the first inspection
    R.REFUSED: frozenset(),
    R.RESOLVED: frozenset(),
    R.CANCELLED: frozenset(),
}


def check_transition(current: str, target: ReturnStatus) -> None:
    if target not in TRANSITIONS.get(ReturnStatus(current), frozenset()):
        raise InvalidTransition("return", str(current), str(target))


class Resolution(StrEnum):
    CREDIT_NOTE = "credit_note"
    REFUND = "refund"
    REPLACEMENT = "replacement"  # a new order through the normal flow, no charge
    REPAIR_AND_RETURN = "repair_and_return"


@dataclass(frozen=True)
class ReturnPolicy:
    code: str
    window_days: int  # days after delivery a return may be asked for
    warranty_days: int  # for reason "warranty"
    allowed_reasons: frozenset[str]
    restocking_fee_pct: Decimal  # on customer-caused returns only


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    problems: tuple[str, ...]
    fee_pct: Decimal


def evaluate(policy: ReturnPolicy, reason: str, delivered_on: date, today: date) -> PolicyDecision:
    """Whether the policy lets this line come back, and the restocking fee that applies."""
    problems = []
    if reason not in policy.allowed_reasons:
        problems.append(f"reason '{reason}' is not accepted by policy {policy.code}")
    days = (today - delivered_on).days
    window = policy.warranty_days if reason == ReturnReason.WARRANTY else policy.window_days
    if days > window:
        problems.append(f"delivered {days} days ago, the window is {window} days")
    fee = Decimal("0") if reason in FIRM_FAULT else policy.restocking_fee_pct
    return PolicyDecision(not problems, tuple(problems), fee)


def return_window(policy: ReturnPolicy, delivered_on: date) -> tuple[date, date]:
    """The last day a delivered line may be asked back: for any reason, and for warranty (as `evaluate` counts)."""
    return delivered_on + timedelta(days=policy.window_days), delivered_on + timedelta(days=policy.warranty_days)


def restocking_fee(unit_price: Decimal, qty: int, fee_pct: Decimal) -> Decimal:
    return (unit_price * qty * fee_pct / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_policy(p: ReturnPolicy) -> None:
    if p.window_days < 0 or p.warranty_days < 0:
        raise ValidationFailed("invalid_window", "window_days: must not be negative", field="window_days")
    if not Decimal(0) <= p.restocking_fee_pct <= Decimal(100):
        raise ValidationFailed("invalid_fee", "restocking_fee_pct: between 0 and 100", field="restocking_fee_pct")
    unknown = sorted(set(p.allowed_reasons) - {r.value for r in ReturnReason})
    if unknown:
        raise ValidationFailed("unknown_reason", f"allowed_reasons: unknown reason '{unknown[0]}'",
                               field="allowed_reasons")


def check_reason(reason: str, field: str) -> ReturnReason:
    if reason not in {r.value for r in ReturnReason}:
        raise ValidationFailed("unknown_return_reason", f"{field}: one of {[r.value for r in ReturnReason]}",
                               field=field)
    return ReturnReason(reason)


def check_return_qty(field: str, *, qty: int, delivered: int, already: int) -> None:
    """Units returned never exceed the units delivered (less those already on another return)."""
    if qty <= 0:
        raise ValidationFailed("invalid_quantity", f"{field}: must be a positive whole number", field=field)
    if qty > delivered - already:
        raise ValidationFailed("return_more_than_delivered",
                               f"{field}: {qty} is more than the {delivered - already} delivered units not yet "
                               "returned", field=field, delivered=delivered, already_returned=already)


def check_receipt_qty(field: str, *, qty: int, authorised: int, received: int) -> None:
    if qty <= 0:
        raise ValidationFailed("invalid_quantity", f"{field}: must be a positive whole number", field=field)
    if qty > authorised - received:
        raise ValidationFailed("receive_more_than_authorised",
                               f"{field}: {qty} is more than the {authorised - received} authorised units still "
                               "expected", field=field, authorised=authorised, received=received)


def check_disposition(field: str, *, disposition: str, qty: int, received: int, disposed: int) -> Disposition:
    if disposition not in {d.value for d in Disposition}:
        raise ValidationFailed("unknown_disposition", f"{field}.disposition: one of {[d.value for d in Disposition]}",
                               field=f"{field}.disposition")
    if qty <= 0:
        raise ValidationFailed("invalid_quantity", f"{field}.qty: must be a positive whole number",
                               field=f"{field}.qty")
    if qty > received - disposed:
        raise ValidationFailed("unit_not_received",
                               f"{field}.qty: {qty} units but only {received - disposed} received and not yet "
                               "inspected", field=f"{field}.qty", received=received, disposed=disposed)
    return Disposition(disposition)


def rma_number(return_id: int) -> str:
    return f"RMA-{return_id:07d}"


ALL_REASONS = frozenset(r.value for r in ReturnReason)
DEFAULT_POLICY = ReturnPolicy("STANDARD", 30, 365, ALL_REASONS, Decimal("15"))
