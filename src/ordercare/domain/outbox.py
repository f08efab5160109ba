"""Which timeline events the outside world hears about, and how.

Two tables, one line per rule:

- ROUTES: an event kind of a timeline — the order's (store/events.py) or a case's (store/service_events.py)
  — becomes a webhook event type in the domain's words, optionally only when a test on the event holds
  (a status change *to* cancelled is `order.cancelled`). One event may give several types. Kinds without
  a route are not written to the outbox at all.
- TOUCHPOINTS: a moment of truth (DOMAIN §8) is an e-mail sent when a message of some type is
  dispatched, to the customer (respecting its contact preferences) or to staff.

A new event kind is one Route line here; a new e-mail is one Touchpoint line plus a template
`notifications/templates/<name>.j2`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Event = dict[str, Any]  # an order_events row as store/events.event_row builds it


def always(_: Event) -> bool:
    return True


def _to(*statuses: str) -> Callable[[Event], bool]:
    return lambda e: e.get("to_status") in statuses


def _confirmed(e: Event) -> bool:
    """Accepted on placement (not held for credit), or released from a credit hold."""
    frm, to = e.get("from_status"), e.get("to_status")
    return to not in ("credit_hold", "cancelled") and frm in ("new", "credit_hold")


@dataclass(frozen=True)
class Route:
    kind: str  # event kind on the timeline
    event_type: str  # webhook event type
    when: Callable[[Event], bool] = always
    timeline: str = "order"  # "order" (order_events) or "case" (case_events)


def _case(kind: str, event_type: str, when: Callable[[Event], bool] = always) -> Route:
    return Route(kind, event_type, when, timeline="case")


ROUTES: tuple[Route, ...] = (
    Route("placed", "order.placed"),
    Route("status_changed", "order.status_changed"),
    Route("status_changed", "order.confirmed", _confirmed),
    Route("status_changed", "order.credit_hold", _to("credit_hold")),
    Route("status_changed", "order.cancelled", _to("cancelled")),
    Route("promise_changed", "order.promised_date_changed"),
    Route("backordered", "order.backordered"),
    Route("backorder_allocated", "order.backorder_allocated"),
    Route("released", "order.released_to_warehouse"),
    Route("short_pick", "order.short_picked"),
    Route("shipped", "order.shipped"),
    Route("delivered", "order.delivered"),
    Route("installed", "order.installed"),
    Route("replacement_ordered", "order.replacement_ordered"),
    # Billing writes these on the timeline of each order an invoice bills.
    Route("invoiced", "order.invoiced"),
    Route("invoice_cancelled", "order.invoice_cancelled"),
    Route("invoice_disputed", "order.invoice_disputed"),
    Route("invoice_dispute_resolved", "order.invoice_dispute_resolved"),
    Route("payment_applied", "order.payment_applied"),
    Route("payment_reversed", "order.payment_reversed"),
    Route("credit_applied", "order.credit_applied"),
    Route("payment_reminder", "order.payment_reminder"),
    Route("credit_note", "order.credit_note"),
    Route("refund", "order.refunded"),
    # Returns always belong to an order: its timeline has every step ("return.*" is "return updated").
    Route("return_requested", "return.requested"),
    Route("return_authorised", "return.authorised"),
    Route("return_refused", "return.refused"),
    Route("return_received", "return.received"),
    Route("return_inspected", "return.inspected"),
    Route("return_resolved", "return.resolved"),
    # Cases may have no order: they publish from their own timeline (the order timeline's case_opened,
    # case_escalated and case_closed copies are not routed, or each would be published twice).
    _case("logged", "case.opened"),
    _case("status_changed", "case.updated"),
    _case("status_changed", "case.acknowledged", _to("acknowledged")),
    _case("status_changed", "case.resolved", _to("resolved")),
    _case("status_changed", "case.closed", _to("closed")),
    _case("escalated", "case.escalated"),
    _case("survey_sent", "survey.sent"),
)

_BY_KIND: dict[tuple[str, str], tuple[Route, ...]] = {}
for _r in ROUTES:
    _BY_KIND[_r.timeline, _r.kind] = (*_BY_KIND.get((_r.timeline, _r.kind), ()), _r)

# Types published with store/outbox.publish rather than from a timeline: a subscriber's test message.
PING = "ping"
OTHER_TYPES: tuple[str, ...] = (PING,)
EVENT_TYPES: tuple[str, ...] = tuple(sorted({r.event_type for r in ROUTES} | set(OTHER_TYPES)))


def event_types_for(event: Event, timeline: str = "order") -> list[str]:
    """The webhook types one timeline event is published as (none: it stays internal)."""
    routes = _BY_KIND.get((timeline, event["kind"]))
    if not routes:
        return []
    return [r.event_type for r in routes if r.when(event)]


class Audience(StrEnum):
    CUSTOMER = "customer"  # to the customer's address, per its contact preferences
    STAFF = "staff"  # to the staff address in the settings (ORDERCARE_STAFF_EMAIL)


def _later_promise(data: dict[str, Any]) -> bool:
    """A delay: the promised date moves later, or is lost (back-ordered). Earlier dates are not news."""
    old, new = data.get("old"), data.get("new")
    return old is not None and (new is None or new > old)  # ISO dates compare as text


def _always_data(_: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Touchpoint:
    name: str  # also the template's file name
    event_type: str
    audience: Audience
    description: str
    when: Callable[[dict[str, Any]], bool] = _always_data  # a test on the message data


TOUCHPOINTS: tuple[Touchpoint, ...] = (
    Touchpoint("order_confirmation", "order.confirmed", Audience.CUSTOMER, "order confirmation with promised dates"),
    Touchpoint("delay_notice", "order.promised_date_changed", Audience.CUSTOMER,
               "proactive notice when a promised date moves later", _later_promise),
    Touchpoint("shipped", "order.shipped", Audience.CUSTOMER, "shipped, with carrier and tracking number"),
    Touchpoint("delivered", "order.delivered", Audience.CUSTOMER, "delivered, with any exceptions recorded"),
    Touchpoint("invoice", "order.invoiced", Audience.CUSTOMER, "invoice issued, amount and due date"),
    Touchpoint("case_acknowledged", "case.acknowledged", Audience.CUSTOMER, "complaint or case acknowledged"),
    Touchpoint("case_resolved", "case.resolved", Audience.CUSTOMER, "case resolved, with the resolution"),
    Touchpoint("survey_invitation", "survey.sent", Audience.CUSTOMER, "invitation to rate the service"),
    Touchpoint("case_escalated", "case.escalated", Audience.STAFF, "a case breached its SLA (to staff)"),
)
TOUCHPOINT_NAMES: tuple[str, ...] = tuple(t.name for t in TOUCHPOINTS)
CUSTOMER_TOUCHPOINTS: tuple[str, ...] = tuple(t.name for t in TOUCHPOINTS if t.audience is Audience.CUSTOMER)


def touchpoints_for(event_type: str, data: dict[str, Any] | None) -> list[Touchpoint]:
    return [t for t in TOUCHPOINTS if t.event_type == event_type and t.when(data or {})]


def subscribed(event_types: list[str], event_type: str) -> bool:
    """Does a subscription to these types take this type? "*" takes all; "order.*" a family."""
    for t in event_types:
        if t == "*" or t == event_type or (t.endswith(".*") and event_type.startswith(t[:-1])):
            return True
    return False
