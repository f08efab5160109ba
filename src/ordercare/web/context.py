"""What every page handler gets: the signed-in actor, the CSRF token, the submitted form, and render/redirect.

`needs(permission)` is the dependency a page declares: it loads the session from the cookie (or sends the
browser to sign in), refuses a POST whose CSRF token does not match the session's, and checks the permission.
The services check permissions again; the declaration lets the role tests walk every page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import DomainError, Forbidden, Unauthorized
from ..services.sign_in import session_for
from ..store.db import UnitOfWork
from .forms import FieldErrors, Form
from .registry import nav_for
from .render import render

SESSION_COOKIE = "oc_session"
SIGN_IN_CSRF_COOKIE = "oc_signin_csrf"
FLASH_COOKIE = "oc_flash"
SAFE_METHODS = {"GET", "HEAD"}


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page (and back here afterwards)."""


class CsrfRefused(Forbidden):
    def __init__(self) -> None:
        super().__init__("csrf_refused", "the form has expired or did not come from this site; reload the page "
                         "and send it again")


def secure_cookies(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or settings.secure_cookies


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=secure_cookies(request))


async def read_form(request: Request) -> Form:
    if request.method in SAFE_METHODS:
        return Form([])
    return Form.parse(await request.body(), request.headers.get("content-type", ""))


def check_csrf(request: Request, form: Form, expected: str) -> None:
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token", "")
    if not (sent and expected and secrets.compare_digest(sent.encode(), expected.encode())):
        raise CsrfRefused()


@dataclass
class Page:
    request: Request
    uow: UnitOfWork
    clock: Clock
    settings: Settings
    actor: Actor | None
    csrf_token: str
    form: Form
    cookies_to_set: list[tuple[str, str, int | None]] = field(default_factory=list)

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def html(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        flash = self.request.cookies.get(FLASH_COOKIE, "")
        ctx = {"page": self, "actor": self.actor, "csrf": self.csrf_token, "errors": FieldErrors(),
               "values": self.form.values, "flash": flash[:300],
               "nav": nav_for(self.actor) if self.actor else [], "path": self.request.url.path,
               "may": self.allowed, **context}
        response = HTMLResponse(render(template, **ctx), status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        self._apply_cookies(response)
        return response

    def redirect(self, url: str, *, flash: str | None = None) -> Response:
        """After a successful POST: 303 to the result (htmx follows HX-Redirect)."""
        if self.is_htmx:
            response: Response = Response(status_code=204, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        if flash:
            set_cookie(response, self.request, FLASH_COOKIE, quote(flash[:300], safe=" .,:;()-'/"), max_age=60)
        self._apply_cookies(response)
        return response

    def _apply_cookies(self, response: Response) -> None:
        for name, value, max_age in self.cookies_to_set:
            set_cookie(response, self.request, name, value, max_age=max_age)

    def allowed(self, permission: Permission) -> bool:
        if self.actor is None:
            return False
        try:
            self.actor.require(permission)
        except DomainError:
            return False
        return True


def _state(request: Request) -> tuple[UnitOfWork, Clock, Settings]:
    s = request.app.state
    return s.uow, s.clock, s.settings


def needs(permission: Permission | None, *, staff_only: bool = False):
    """The dependency of a signed-in page; `permission=None` means any signed-in user. `staff_only`: a customer
    user is refused even when its role holds the permission (back-office pages over account-wide tools)."""

    async def signed_in_page(request: Request) -> Page:
        uow, clock, settings = _state(request)
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise SignInRequired()
        try:
            session = session_for(uow, clock, token)
        except Unauthorized:
            raise SignInRequired() from None
        form = await read_form(request)
        if request.method not in SAFE_METHODS:
            check_csrf(request, form, session.csrf_token)
        if permission is not None:
            session.actor.require(permission)
        if staff_only and session.actor.is_customer:
            raise Forbidden("forbidden", "this page is for staff only", permission=str(permission))
        return Page(request, uow, clock, settings, session.actor, session.csrf_token, form)

    signed_in_page.permission = permission  # read by the tests that walk every page
    signed_in_page.staff_only = staff_only
    return signed_in_page


async def public_page(request: Request) -> Page:
    """Pages for anyone (sign-in): CSRF by double submit, a random token in a cookie and in the form."""
    uow, clock, settings = _state(request)
    form = await read_form(request)
    cookie = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    if request.method not in SAFE_METHODS:
        check_csrf(request, form, cookie)
    page = Page(request, uow, clock, settings, None, cookie or secrets.token_urlsafe(32), form)
    if not cookie:
        page.cookies_to_set.append((SIGN_IN_CSRF_COOKIE, page.csrf_token, None))
    return page


public_page.permission = None
public_page.public = True


# A database id in a URL: anything else (text, zero, too big for BIGINT) is answered "not found".
DbId = Annotated[int, Path(ge=1, le=2**62)]
