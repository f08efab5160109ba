"""The access tests really cover every route, and what they left out: anonymous form posts, a customer posting to
another account's records, oversized bodies on page forms and file/EDI uploads.

Every route of the app is an /api/v1 route (token test and per-route isolation checks in tests/api), a page
(tests/web/test_page_access.py), or on the short public list below.
"""

from __future__ import annotations

import pytest

from ordercare.api.guards import MAX_BODY_BYTES
from ordercare.web.errors import WebRoute
from tests.api.conftest import api_routes, assert_error
from tests.api.test_authorization import CUSTOMER_CHECKS
from tests.web.conftest import Web, csrf_of
from tests.web.test_page_access import ACCOUNT_SCOPED, _allowed, _scene, _url, page_routes

# Served to anyone, on purpose: the OpenAPI document, the CSS/JS, the health check, the sign-in page.
PUBLIC = {("GET", "/openapi.json"), ("GET", "/static"), ("GET", "/api/v1/health"), ("GET", "/sign-in"),
          ("POST", "/sign-in")}


def _all_routes(app) -> set[tuple[str, str, bool]]:
    try:  # FastAPI >= 0.16x keeps included routers lazily; this yields their effective routes
        from fastapi.routing import iter_route_contexts
        routes = [(rc.original_route, rc) for rc in iter_route_contexts(app.routes)]
    except ImportError:
        routes = [(r, r) for r in app.routes]
    out = set()
    for original, r in routes:
        methods = getattr(r, "methods", None) or {"GET"}  # a mount (static files) has none
        out |= {(m, r.path, isinstance(original, WebRoute)) for m in methods if m not in ("HEAD", "OPTIONS")}
    return out


def test_every_route_is_an_api_route_a_page_or_public_on_purpose(sqlite_web: Web):
    app = sqlite_web.api.app
    api = api_routes(app)
    assert api <= set(CUSTOMER_CHECKS)  # and the token test walks api_routes itself
    stray = sorted((m, p) for m, p, page in _all_routes(app)
                   if not page and (m, p) not in api and (m, p) not in PUBLIC)
    assert not stray, f"routes no access test covers (make them pages or /api/v1 routes): {stray}"


def test_anonymous_form_posts_are_refused_and_change_nothing(sqlite_web: Web):
    web = sqlite_web  # who may post is decided before any query: one database is enough
    s = _scene(web)
    anonymous = web.anonymous()
    csrf = csrf_of(anonymous.get("/sign-in").text)  # an anonymous visitor's own valid CSRF token
    failures = []
    for method, path, declared in page_routes(web.api.app):
        if method != "POST" or getattr(declared[0], "public", False) or path == "/sign-out":
            continue
        url = _url(path, s)
        before = web.api.snapshot()
        for data in ({"reason": "x"}, {"reason": "x", "csrf_token": csrf}):
            r = anonymous.post(url, data=data)
            refused = r.status_code == 403 or (r.status_code == 303 and r.headers["location"].startswith("/sign-in"))
            if not refused or web.api.snapshot() != before:
                failures.append(f"anonymous POST {url} {sorted(data)}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_a_customer_cannot_post_to_another_accounts_records(web: Web):
    """Every form a customer may use on its own records answers 404 for another account's, changing nothing
    (on both databases: the account scoping is in the queries)."""
    s = _scene(web)
    failures, tried = [], 0
    web.as_("cust1")
    for method, path, declared in page_routes(web.api.app):
        scoped = "{" in path and path.startswith(ACCOUNT_SCOPED)
        if method != "POST" or not scoped or not _allowed(declared, "cust1"):
            continue  # (the other pages with an id are staff-only or the shared catalogue: test_page_access)
        url = _url(path, s, other=True)
        before = web.api.snapshot()
        r = web.post("cust1", url, {"reason": "x", "qty": "1", "note": "x", "score": "5"})
        tried += 1
        if r.status_code != 404 or web.api.snapshot() != before or "CUST2" in r.text:
            failures.append(f"cust1 POST {url} (another account's): {r.status_code}")
    assert tried >= 1
    assert not failures, "\n".join(failures)


def _too_big() -> bytes:
    return b"x" * (MAX_BODY_BYTES + 1)


@pytest.mark.parametrize("url, content_type", [
    ("/api/v1/edi/interchanges", "application/edi-x12"),
    ("/api/v1/imports/orders?filename=orders.csv", "text/csv"),
    ("/sign-in", "application/x-www-form-urlencoded"),
])
def test_oversized_uploads_and_page_forms_are_413_and_change_nothing(sqlite_web: Web, url, content_type):
    web = sqlite_web
    before = web.api.snapshot()
    r = web.api.post("admin", url, content=_too_big(), headers={"Content-Type": content_type})
    assert_error(r, 413, "payload_too_large", field="body")
    assert web.api.snapshot() == before


def test_an_oversized_form_of_a_signed_in_user_is_413(sqlite_web: Web):
    web = sqlite_web
    client = web.as_("admin")
    before = web.api.snapshot()
    body = f"csrf_token={web.tokens['admin']}&reason=".encode() + _too_big()
    r = client.post("/orders/SO-0000001/cancel", content=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert web.api.snapshot() == before
