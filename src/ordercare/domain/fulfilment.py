"""Fulfilment rules: root-cause departments and the checks on pick and delivery quantities."""

from __future__ import annotations

from enum import StrEnum

from .errors import Conflict, ValidationFailed


class Department(StrEnum):
    """Internal customers a failure is charged to (DOMAIN §4: the root cause, not the messenger)."""

    REPLENISHMENT = "replenishment"
    PICKING = "picking"
    RECEIVING = "receiving"
    INVENTORY_CONTROL = "inventory_control"
    PACKING = "packing"
    TRANSPORT = "transport"
    SUPPLIER = "supplier"
    BILLING = "billing"
    CUSTOMER_SERVICE = "customer_service"
    ORDER_ENTRY = "order_entry"
    INSTALLATION = "installation"
    SALES = "sales"
    OTHER = "other"


def check_pick(*, field: str, released: int, picked: int, reason: str | None, department: str | None) -> None:
    """A short pick must say why and whose failure it is."""
    if picked < 0 or picked > released:
        raise ValidationFailed("invalid_pick_quantity",
                               f"{field}.qty_picked: must be between 0 and the {released} released",
                               field=f"{field}.qty_picked", released=released)
    if picked < released:
        if not (reason or "").strip():
            raise ValidationFailed("short_pick_reason_required",
                                   f"{field}.reason: a short pick needs a reason", field=f"{field}.reason")
        if department not in {d.value for d in Department}:
            raise ValidationFailed("unknown_department",
                                   f"{field}.department: one of {[d.value for d in Department]}",
                                   field=f"{field}.department")


def check_delivery(*, field: str, shipped: int, short: int, damaged: int, wrong_item: int) -> int:
    """Units received (damaged ones included); short and wrong-item units were not received."""
    for name, value in (("short", short), ("damaged", damaged), ("wrong_item", wrong_item)):
        if value < 0:
            raise ValidationFailed("invalid_delivery_quantity", f"{field}.{name}: must not be negative",
                                   field=f"{field}.{name}")
    received = shipped - short - wrong_item
    if received < 0:
        raise ValidationFailed("invalid_delivery_quantity",
                               f"{field}: short + wrong_item exceed the {shipped} shipped", field=field,
                               shipped=shipped)
    if damaged > received:
        raise ValidationFailed("invalid_delivery_quantity",
                               f"{field}.damaged: more than the {received} received", field=f"{field}.damaged")
    return received


def refuse_empty(shipment) -> None:
    """A shipment picked to nothing (every unit short) is `empty`: it has nothing to carry, so it is neither rated,
    loaded nor shipped (its units went back to back-order and leave on a later release)."""
    if shipment.status == "empty":
        raise Conflict("shipment_empty", f"shipment {shipment.id} is empty: nothing was picked, nothing to carry",
                       field="shipment_id", status=shipment.status)
