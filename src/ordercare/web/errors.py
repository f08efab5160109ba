"""Errors on pages: a friendly page with the right status, never a stack trace.

`WebRoute` is the route class of every page router. It catches what a handler lets through: no session ->
to the sign-in page; a domain error -> its status and message (404 pages say only "not found"); invalid
path or query values -> 404 / 422; anything else -> logged with its trace, answered with a plain 500 page.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import DomainError
from ..domain.sign_in import SignInThrottled
from .render import render

log = logging.getLogger("ordercare.web")

STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403, "unauthorized": 401}
TITLES = {400: "Bad request", 401: "Please sign in", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
          409: "Conflict", 413: "Too large", 422: "Invalid request", 429: "Too many attempts",
          500: "Something went wrong"}
# Pages and fragments carry no third-party content: scripts and styles come from /static only.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    from .context import SESSION_COOKIE
    body = render("error.html", status=status, title=TITLES.get(status, "Error"), message=message,
                  signed_in=bool(request.cookies.get(SESSION_COOKIE)), nav=[], actor=None, flash="",
                  path=request.url.path)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def domain_error_page(request: Request, exc: DomainError) -> HTMLResponse:
    if isinstance(exc, SignInThrottled):
        response = error_page(request, 429, exc.message)
        response.headers["Retry-After"] = str(exc.data.get("retry_after_seconds", 60))
        return response
    status = STATUS.get(exc.kind, 400)
    # A missing object and another account's object read the same: "not found", nothing more.
    message = "There is no such page or record, or it is not yours to see." if status == 404 else exc.message
    return error_page(request, status, message)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/sign-in?next=" + quote(target if request.method == "GET" else "/", safe="")
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class WebRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            from .context import SignInRequired
            try:
                response = await handler(request)
            except SignInRequired:
                return sign_in_redirect(request)
            except DomainError as exc:
                return domain_error_page(request, exc)
            except RequestValidationError:
                # Only path and query values are validated by FastAPI here: a malformed id is "not found".
                return error_page(request, 404, "There is no such page or record, or it is not yours to see.")
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                return error_page(request, 500, "Something went wrong on our side. It was logged; please try "
                                  "again, or tell us what you were doing.")
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return page_handler
