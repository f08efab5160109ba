"""Customer satisfaction (DOMAIN §8): a score from 1 to 5 linked to the moment of truth it is about."""

from __future__ import annotations

from enum import StrEnum

from .errors import ValidationFailed


class Touchpoint(StrEnum):
    """Moments of truth: every place the customer forms a view."""

    QUOTE = "quote"
    ORDER_CONFIRMATION = "order_confirmation"
    PROMISED_DATE = "promised_date"
    DELAY_NOTICE = "delay_notice"
    DELIVERY = "delivery"
    INVOICE = "invoice"
    CASE = "case"
    RETURN = "return"


MIN_SCORE, MAX_SCORE = 1, 5


def check_score(score: int, field: str = "score") -> int:
    # bool is an int in Python; a "true" score is not a score.
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise ValidationFailed("invalid_score", f"{field}: a whole number from {MIN_SCORE} to {MAX_SCORE}",
                               field=field, score=score if isinstance(score, int) else None)
    return score


def check_touchpoint(value: str, field: str = "touchpoint") -> Touchpoint:
    if value not in {t.value for t in Touchpoint}:
        raise ValidationFailed("unknown_touchpoint", f"{field}: one of {[t.value for t in Touchpoint]}", field=field)
    return Touchpoint(value)
