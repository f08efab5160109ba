"""Domain errors carry a stable code, the field at fault and the facts.

One place (api/errors.py for HTTP, cli.py for the terminal) maps the kind to
a status; the code and data are the contract callers rely on.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    kind = "invalid"  # invalid | not_found | conflict | forbidden | unauthorized

    def __init__(self, code: str, message: str, *, field: str | None = None, **data: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.data = data

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.data:
            body["data"] = self.data
        return body


class ValidationFailed(DomainError):
    """The request is well formed but breaks a business rule (HTTP 422)."""

    kind = "invalid"


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (HTTP 409)."""

    kind = "conflict"


class Forbidden(DomainError):
    kind = "forbidden"


class Unauthorized(DomainError):
    kind = "unauthorized"


class InvalidTransition(Conflict):
    def __init__(self, entity: str, current: str, target: str):
        super().__init__(
            "invalid_transition",
            f"{entity} cannot go from '{current}' to '{target}'",
            field="status",
            current=current,
            target=target,
        )
