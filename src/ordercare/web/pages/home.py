"""Sign in, sign out, and the start page of each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ...domain.errors import DomainError
from ...domain.sign_in import SignInThrottled
from ...services.sign_in import sign_in, sign_out
from ..context import SESSION_COOKIE, Page, needs, public_page
from ..errors import WebRoute, domain_error_page
from ..forms import FieldErrors

router = APIRouter(route_class=WebRoute)
AnyUser = Annotated[Page, Depends(needs(None))]
Anyone = Annotated[Page, Depends(public_page)]


def _safe_next(target: str) -> str:
    """Only a path of this site (no scheme, no host, no '//' trick) is a place to go back to."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
def home(p: AnyUser):
    return p.html("home.html")


@router.get("/sign-in")
def sign_in_form(p: Anyone, next: str = "/"):
    return p.html("sign_in.html", next=_safe_next(next), errors=FieldErrors())


@router.post("/sign-in")
def sign_in_submit(p: Anyone, request: Request):
    username, password = p.form.get("username"), p.form.values.get("password", "")
    target = _safe_next(p.form.get("next") or "/")
    errors = FieldErrors()
    if not username:
        errors.add("username", "required")
    if not password:
        errors.add("password", "required")
    if not errors:
        try:
            session = sign_in(p.uow, p.clock, username=username, password=password,
                              client=request.client.host if request.client else "unknown")
        except SignInThrottled as exc:
            return domain_error_page(request, exc)
        except DomainError as exc:
            errors.take(exc)
        else:
            p.cookies_to_set.append((SESSION_COOKIE, session.token, None))
            return p.redirect(target)
    # The password is never sent back into the form.
    return p.html("sign_in.html", status=401 if "password" in errors and len(errors) == 1 else 422, next=target,
                  errors=errors, values={"username": username})


@router.post("/sign-out")
def sign_out_submit(p: AnyUser):
    sign_out(p.uow, p.clock, p.request.cookies.get(SESSION_COOKIE, ""))
    response = p.redirect("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
