"""Invoice disputes: a customer or a rep says an invoice is wrong. A dispute is a documentation error of the
orders on that invoice (the perfect-order measure counts it), whatever its outcome until it is rejected."""

from __future__ import annotations

from enum import StrEnum

from .errors import ValidationFailed


class DisputeCategory(StrEnum):
    WRONG_PRICE = "wrong_price"
    WRONG_QUANTITY = "wrong_quantity"
    WRONG_CUSTOMER_DATA = "wrong_customer_data"  # name, address, VAT number, PO reference
    WRONG_TAX = "wrong_tax"
    WRONG_TERMS = "wrong_terms"
    NOT_RECEIVED = "not_received"  # billed for goods that never arrived
    DUPLICATE = "duplicate"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the invoice was wrong (corrected by a credit note or by cancelling it)
    REJECTED = "rejected"  # the invoice was right


# Disputes that make an order's documentation incorrect: the open ones and the upheld ones.
COUNTS_AS_ERROR = frozenset({DisputeStatus.OPEN, DisputeStatus.UPHELD})


def check_dispute(category: str, description: str) -> DisputeCategory:
    if category not in {c.value for c in DisputeCategory}:
        raise ValidationFailed("unknown_category", f"category: '{category}' is not one of "
                               f"{[c.value for c in DisputeCategory]}", field="category")
    if not description or not description.strip():
        raise ValidationFailed("description_required", "description: say what is wrong", field="description")
    if len(description) > 1000:
        raise ValidationFailed("description_too_long", "description: at most 1000 characters", field="description")
    return DisputeCategory(category)


def check_outcome(outcome: str, resolution: str) -> DisputeStatus:
    if outcome not in (DisputeStatus.UPHELD, DisputeStatus.REJECTED):
        raise ValidationFailed("unknown_outcome", "outcome: 'upheld' or 'rejected'", field="outcome")
    if not resolution or not resolution.strip():
        raise ValidationFailed("resolution_required", "resolution: say what was decided", field="resolution")
    if len(resolution) > 1000:
        raise ValidationFailed("resolution_too_long", "resolution: at most 1000 characters", field="resolution")
    return DisputeStatus(outcome)
