"""Complaint and service cases (DOMAIN §7): log, acknowledge, investigate, resolve, follow up, close.

One transitions table; the SLA clock pauses in waiting_on_customer. A case is closed only when its root
cause and the department that caused the failure are known, so the failure is charged where it arose.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from .errors import InvalidTransition, ValidationFailed
from .fulfilment import Department


class CaseChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    PORTAL = "portal"
    IN_PERSON = "in_person"
    INTERNAL = "internal"


class CaseCategory(StrEnum):
    LATE_DELIVERY = "late_delivery"
    DAMAGED_GOODS = "damaged_goods"
    WRONG_ITEM = "wrong_item"
    SHORT_SHIPMENT = "short_shipment"
    BILLING_ERROR = "billing_error"
    PRODUCT_QUESTION = "product_question"
    TECHNICAL_SUPPORT = "technical_support"
    INSTALLATION = "installation"
    RETURN_REQUEST = "return_request"
    OTHER = "other"


class CaseStatus(StrEnum):
    LOGGED = "logged"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    WAITING_ON_CUSTOMER = "waiting_on_customer"  # the SLA clocks pause
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


C = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    C.LOGGED: frozenset({C.ACKNOWLEDGED}),
    C.ACKNOWLEDGED: frozenset({C.INVESTIGATING, C.WAITING_ON_CUSTOMER, C.RESOLVED}),
    C.INVESTIGATING: frozenset({C.WAITING_ON_CUSTOMER, C.RESOLVED}),
    # The customer answered: back to work (where it was is in the case's history).
    C.WAITING_ON_CUSTOMER: frozenset({C.ACKNOWLEDGED, C.INVESTIGATING}),
    # A fix that did not hold reopens the investigation.
    C.RESOLVED: frozenset({C.FOLLOW_UP, C.INVESTIGATING}),
    C.FOLLOW_UP: frozenset({C.CLOSED, C.INVESTIGATING}),
    C.CLOSED: frozenset(),
}
OPEN = frozenset({C.LOGGED, C.ACKNOWLEDGED, C.INVESTIGATING, C.WAITING_ON_CUSTOMER})
# Statuses in which recovery actions may be taken.
WORKABLE = frozenset({C.ACKNOWLEDGED, C.INVESTIGATING, C.WAITING_ON_CUSTOMER, C.RESOLVED})


# The procedure as the desk works it: the steps offered from each status and the status each one leads to
# (resume goes back to where the case was before it waited; reopen goes back to investigation).
STEPS: dict[str, CaseStatus | None] = {
    "acknowledge": C.ACKNOWLEDGED, "investigate": C.INVESTIGATING, "wait_on_customer": C.WAITING_ON_CUSTOMER,
    "resume": None, "resolve": C.RESOLVED, "follow_up": C.FOLLOW_UP, "close": C.CLOSED, "reopen": C.INVESTIGATING,
}
_STEPS_FROM: dict[CaseStatus, tuple[str, ...]] = {
    C.LOGGED: ("acknowledge",),
    C.ACKNOWLEDGED: ("investigate", "wait_on_customer", "resolve"),
    C.INVESTIGATING: ("wait_on_customer", "resolve"),
    C.WAITING_ON_CUSTOMER: ("resume",),
    C.RESOLVED: ("follow_up", "reopen"),
    C.FOLLOW_UP: ("close", "reopen"),
    C.CLOSED: (),
}


def desk_actions(status: str) -> tuple[str, ...]:
    """What may be done to a case in this status: its next steps, then the actions that do not move it (a note,
    the root cause once acknowledged, recovery while it is worked, assignment until it is closed)."""
    st = CaseStatus(status)
    extra = []
    if st is not C.CLOSED:
        extra += ["note", "assign"]
    if st not in (C.LOGGED, C.CLOSED):
        extra.append("root_cause")
    if st in WORKABLE:
        extra.append("recovery")
    return (*_STEPS_FROM[st], *extra)


def check_transition(current: str, target: CaseStatus) -> None:
    if target not in TRANSITIONS.get(CaseStatus(current), frozenset()):
        raise InvalidTransition("case", str(current), str(target))


class RootCause(StrEnum):
    CARRIER_DAMAGE = "carrier_damage"
    CARRIER_DELAY = "carrier_delay"
    PACKING_DAMAGE = "packing_damage"
    PICKING_ERROR = "picking_error"
    REPLENISHMENT_ERROR = "replenishment_error"
    STOCK_RECORD_ERROR = "stock_record_error"
    RECEIVING_ERROR = "receiving_error"
    ORDER_ENTRY_ERROR = "order_entry_error"
    BILLING_ERROR = "billing_error"
    SUPPLIER_DEFECT = "supplier_defect"
    INSTALLATION_ERROR = "installation_error"
    PRODUCT_INFORMATION = "product_information"
    CUSTOMER_ERROR = "customer_error"
    NO_FAULT = "no_fault"
    OTHER = "other"


# The department a root cause is usually charged to (a suggestion; the investigator names the department).
USUAL_DEPARTMENT: dict[RootCause, Department] = {
    RootCause.CARRIER_DAMAGE: Department.TRANSPORT, RootCause.CARRIER_DELAY: Department.TRANSPORT,
    RootCause.PACKING_DAMAGE: Department.PACKING, RootCause.PICKING_ERROR: Department.PICKING,
    RootCause.REPLENISHMENT_ERROR: Department.REPLENISHMENT,
    RootCause.STOCK_RECORD_ERROR: Department.INVENTORY_CONTROL, RootCause.RECEIVING_ERROR: Department.RECEIVING,
    RootCause.ORDER_ENTRY_ERROR: Department.ORDER_ENTRY, RootCause.BILLING_ERROR: Department.BILLING,
    RootCause.SUPPLIER_DEFECT: Department.SUPPLIER, RootCause.INSTALLATION_ERROR: Department.INSTALLATION,
    RootCause.PRODUCT_INFORMATION: Department.SALES, RootCause.CUSTOMER_ERROR: Department.CUSTOMER_SERVICE,
    RootCause.NO_FAULT: Department.OTHER, RootCause.OTHER: Department.OTHER,
}


def check_root_cause(root_cause: str, department: str | None) -> tuple[RootCause, Department]:
    if root_cause not in {r.value for r in RootCause}:
        raise ValidationFailed("unknown_root_cause", f"root_cause: one of {[r.value for r in RootCause]}",
                               field="root_cause")
    cause = RootCause(root_cause)
    if department is None:
        return cause, USUAL_DEPARTMENT[cause]
    if department not in {d.value for d in Department}:
        raise ValidationFailed("unknown_department", f"department: one of {[d.value for d in Department]}",
                               field="department")
    return cause, Department(department)


def check_close(root_cause: str | None, department: str | None) -> None:
    if not root_cause or not department:
        raise ValidationFailed("root_cause_required", "root_cause: a case is closed only once its root cause and "
                               "responsible department are recorded", field="root_cause")


class RecoveryKind(StrEnum):
    RESHIP = "reship"  # a new order through the normal flow
    CREDIT_NOTE = "credit_note"
    REFUND = "refund"
    RETURN_AUTHORISATION = "return_authorisation"
    GOODWILL = "goodwill"  # a gesture with its cost (voucher, discount, gift)
    APOLOGY = "apology"


def check_cost(cost: Decimal, field: str = "cost") -> Decimal:
    if cost < 0 or cost != cost.quantize(Decimal("0.01")):
        raise ValidationFailed("invalid_cost", f"{field}: a non-negative amount with at most two decimals",
                               field=field)
    return cost


def check_text(value: str | None, field: str, *, required: bool = False, max_len: int = 2000) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{field.split('.')[-1]}_required", f"{field}: must not be empty", field=field)
    if len(text) > max_len:
        raise ValidationFailed("text_too_long", f"{field}: at most {max_len} characters", field=field)
    return text or None


def case_number(case_id: int) -> str:
    return f"CS-{case_id:07d}"


def parse_ref(ref: str, prefix: str) -> int | None:
    """'CS-0000042', 'cs-42' or '42' -> 42 (prefix 'CS'); None when it is neither."""
    text = ref.strip().upper()
    if text.startswith(prefix + "-"):
        text = text[len(prefix) + 1:]
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


# Where a case goes (DOMAIN §6 service packages: dedicated rep / next available rep / through web site).
QUEUE_GENERAL = "general"
QUEUE_PORTAL = "portal"
QUEUE_KEY_ACCOUNTS = "key_accounts"  # a dedicated-rep customer whose rep is not assigned yet


def route(service_channel: str, account_rep: int | None) -> tuple[str, int | None]:
    """(queue, assigned user) for a new case of a customer with this package's service channel."""
    channel = service_channel.lower()
    if "dedicated" in channel:
        return QUEUE_KEY_ACCOUNTS, account_rep
    if "web" in channel or "portal" in channel or "self" in channel:
        return QUEUE_PORTAL, None
    return QUEUE_GENERAL, None
