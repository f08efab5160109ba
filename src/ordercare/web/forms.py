"""Reading urlencoded forms, and turning errors into per-field messages that the form shows next to its inputs.

Form inputs are named by the same path the services put in an error's `field` ("customer",
"lines[2].qty"), so a domain error lands next to the input it is about, whatever page shows it.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl

from ..domain.errors import DomainError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_FIELDS = 5000


class Form:
    """The submitted fields (last value wins for `get`; `getlist` keeps them all). Control characters are
    dropped on the way in (no field has a use for them, and PostgreSQL cannot store NUL)."""

    def __init__(self, pairs: list[tuple[str, str]], files: dict | None = None):
        self.pairs = [(k, _CONTROL.sub("", v)) for k, v in pairs[:MAX_FIELDS]]
        self.values = dict(self.pairs)
        self.files = files or {}  # input name -> uploads.Upload (multipart forms only)

    @classmethod
    def parse(cls, body: bytes, content_type: str) -> Form:
        if content_type.startswith("multipart/form-data"):
            from .uploads import parse_multipart
            return cls(*parse_multipart(body, content_type))
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return cls([])
        return cls(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS))

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default).strip()

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def __contains__(self, name: str) -> bool:
        return name in self.values


class FieldErrors(dict):
    """{field path: message}. `add` keeps the first problem of a field; `general` holds errors with no field."""

    def add(self, field: str | None, message: str) -> None:
        self.setdefault(field or "_general", message)

    def take(self, exc: DomainError) -> FieldErrors:
        """Show a domain error next to its field; the message loses its 'field: ' prefix there."""
        message = exc.message
        if exc.field and message.startswith(f"{exc.field}: "):
            message = message[len(exc.field) + 2:]
        self.add(exc.field, message)
        return self

    def take_unless_missing(self, exc: DomainError) -> FieldErrors:
        """A refusal is shown on the form; a missing record (or another account's) is the 404 page instead."""
        if exc.kind == "not_found":
            raise exc
        return self.take(exc)

    def message_of(self, exc: DomainError) -> str:
        """The message of a refusal without its field prefix (for a form that shows it on another input)."""
        return FieldErrors().take_unless_missing(exc).popitem()[1]

    @property
    def general(self) -> list[str]:
        return [self["_general"]] if "_general" in self else []


def whole_number(form: Form, name: str, errors: FieldErrors, *, minimum: int = 0, maximum: int = 10**12,
                 required: bool = True) -> int | None:
    text = form.get(name)
    if not text:
        if required:
            errors.add(name, "required")
        return None
    if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()) or len(text) > 15:
        errors.add(name, "must be a whole number")
        return None
    value = int(text)
    if value < minimum or value > maximum:
        errors.add(name, f"must be between {minimum} and {maximum}")
        return None
    return value


def calendar_date(form: Form, name: str, errors: FieldErrors, *, required: bool = False) -> date | None:
    text = form.get(name)
    if not text:
        if required:
            errors.add(name, "required")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(name, "must be a date (YYYY-MM-DD)")
        return None


def text(form: Form, name: str, errors: FieldErrors, *, required: bool = False, max_length: int = 500) -> str:
    value = form.get(name)
    if required and not value:
        errors.add(name, "required")
    if len(value) > max_length:
        errors.add(name, f"at most {max_length} characters")
    return value


def renumber(errors: FieldErrors, prefix: str, rows: list[int]) -> FieldErrors:
    """A service numbers list items as sent (`lines[k]`); the form shows them as row `rows[k]`."""
    out = FieldErrors()
    for name, message in errors.items():
        m = re.match(rf"^{re.escape(prefix)}\[(\d+)\](.*)$", name)
        if m and int(m.group(1)) < len(rows):
            name = f"{prefix}[{rows[int(m.group(1))]}]{m.group(2)}"
        out.add(name, message)
    return out


def number(form: Form, name: str, errors: FieldErrors, *, required: bool = False):
    """A decimal number as typed (sign and places left to the caller or the service to judge), or None when left
    empty or not a number."""
    from decimal import Decimal, InvalidOperation
    raw = form.get(name).replace(",", "")
    if not raw:
        if required:
            errors.add(name, "required")
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or len(raw) > 30:
        errors.add(name, "must be a number")
        return None
    return value


def amount(form: Form, name: str, errors: FieldErrors, *, required: bool = False, places: int = 2):
    """A non-negative decimal with at most `places` decimals (money: 2), or None when left empty."""
    from decimal import Decimal
    value = number(form, name, errors, required=required)
    if value is None:
        return None
    if value < 0 or value > Decimal(999999999999) or -value.as_tuple().exponent > places:
        errors.add(name, f"must be a number ≥ 0 with at most {places} decimals")
        return None
    return value
