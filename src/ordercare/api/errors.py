"""The one place that maps errors to HTTP: {"error": {"code", "message", "field", "data"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import DomainError

log = logging.getLogger("ordercare.api")

STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403, "unauthorized": 401}


def error_body(code: str, message: str, *, field: str | None = None, **extra) -> dict:
    err = {"code": code, "message": message}
    if field:
        err["field"] = field
    err.update(extra)
    return {"error": err}


def _field_path(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.kind == "unauthorized" else None
        return JSONResponse({"error": exc.as_dict()}, status_code=STATUS[exc.kind], headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        problems = [{"field": "body" if e.get("type") == "json_invalid" else _field_path(e.get("loc", ())),
                     "code": e.get("type", "invalid"), "message": e.get("msg", "invalid")} for e in exc.errors()]
        first = problems[0] if problems else {"field": "body", "message": "invalid request"}
        return JSONResponse(error_body("invalid_request", f"{first['field']}: {first['message']}",
                                       field=first["field"], problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        code = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large"}.get(exc.status_code, "http_error")
        field = "body" if exc.status_code in (400, 413) else None
        message = f"body: {exc.detail}" if field else str(exc.detail)
        return JSONResponse(error_body(code, message, field=field), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError):
        # The database went away (restart, failover, network) or stayed locked past the busy timeout: not a
        # fault of the request nor a bug, and the client should send it again (orders: with their Idempotency-Key).
        # SQLite raises OperationalError for bugs too (a syntax error): those stay internal errors.
        if not _unavailable(exc):
            return _internal_error(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__)
        return JSONResponse(error_body("database_unavailable", "the database is not available right now; retry "
                                       "shortly"), status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return _internal_error(request, exc)


def _unavailable(exc: OperationalError) -> bool:
    if exc.connection_invalidated:
        return True
    if type(exc.orig).__module__.startswith("psycopg"):  # psycopg's OperationalError: the connection, not the SQL
        return True
    return any(s in str(exc.orig) for s in ("database is locked", "unable to open database", "disk I/O error"))


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    # Logged with its trace for operators; the caller gets no internals.
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "something went wrong on our side; it was logged"),
                        status_code=500)
