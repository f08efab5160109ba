"""Customer kinds, sourcing policies and the service packages of DOMAIN §6."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class CustomerKind(StrEnum):
    EXTERNAL = "external"
    INTERNAL = "internal"  # another department or site of the firm


class SourcingPolicy(StrEnum):
    NEAREST = "nearest"  # earliest delivery, then nearest warehouse; lines may split
    SINGLE_WAREHOUSE = "single_warehouse"  # one warehouse for the whole order if any can serve it


@dataclass(frozen=True)
class ServicePackage:
    code: str
    name: str
    fill_rate_target: Decimal
    lead_time_days: int
    delivery_window: str
    payment_terms: str
    service_channel: str
    # Lower number = served first when stock is short (back-order release order).
    allocation_priority: int


# Textbook Table 8-1, as the default packages a new database starts with.
DEFAULT_PACKAGES = (
    ServicePackage("A", "Segment A", Decimal("0.98"), 3, "within 1 hour of request", "4/10 net 30", "dedicated rep", 1),
    ServicePackage("B", "Segment B", Decimal("0.92"), 7, "on day requested", "3/10 net 30", "next available rep", 2),
    ServicePackage("C", "Segment C", Decimal("0.88"), 14, "during week requested", "2/10 net 30", "through web site", 3),
)
