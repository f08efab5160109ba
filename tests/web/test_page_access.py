"""Every page, walked like tests/api/test_authorization.py walks the API: sign-in required, the declared
permission per role, CSRF on every POST, and a customer user never reaching another account's records."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ordercare.domain.access import GRANTS, SYSTEM, Actor, Role
from ordercare.services import jobs
from ordercare.store.tables import users
from ordercare.web.errors import WebRoute
from tests.api.access import FOREIGN
from tests.api.conftest import STAFF_ROLES
from tests.factories import carriers, installable_product, shipment_at
from tests.web.conftest import Web

WHO = [*STAFF_ROLES, "cust1"]


def page_routes(app) -> list[tuple[str, str, list]]:
    """(method, path, declared page dependencies) of every page route (read from the app, like api_routes)."""
    try:  # FastAPI >= 0.16x keeps included routers lazily; this yields their effective routes
        from fastapi.routing import iter_route_contexts
        routes = [(rc.original_route, rc) for rc in iter_route_contexts(app.routes)]
    except ImportError:
        routes = [(r, r) for r in app.routes]
    out = []
    for original, r in routes:
        if not isinstance(original, WebRoute):
            continue
        deps = [d.call for d in original.dependant.dependencies]
        deps += [d.call for dep in original.dependant.dependencies for d in dep.dependencies]
        declared = [d for d in deps if hasattr(d, "permission")]
        out += [(m, r.path, declared) for m in r.methods - {"HEAD"}]
    return sorted(out, key=lambda t: (t[1], t[0]))


def test_every_page_declares_who_may_see_it(sqlite_web: Web):
    routes = page_routes(sqlite_web.api.app)
    assert len(routes) > 30
    undeclared = [(m, p) for m, p, d in routes if not d]
    assert not undeclared, f"page routes without needs(...) or public_page: {undeclared}"
    public = {(m, p) for m, p, d in routes if getattr(d[0], "public", False)}
    assert public == {("GET", "/sign-in"), ("POST", "/sign-in")}


def _scene(web: Web) -> dict:
    env = web.env
    carriers(env)
    installable_product(env, warehouse="NEAR")
    sid = shipment_at(env, "NEAR", [("SKU-A", 1)], "shipped", customer="CUST2")
    shipment_at(env, "NEAR", [("RACK", 1)], "delivered", customer="CUST2")
    own = web.api.place("cust1", customer="CUST1", lines=[("SKU-A", 1)])
    other = web.api.place("cs_agent", customer="CUST2", lines=[("SKU-A", 2)])
    own_quote, other_quote = web.api.quote("cust1", customer="CUST1"), web.api.quote("cs_agent", customer="CUST2")
    with env.uow.read() as conn:
        ids = dict(conn.execute(select(users.c.username, users.c.id)).all())
    cust1 = Actor(ids["cust1-user"], "cust1-user", Role.CUSTOMER)
    admin = Actor(ids["admin-user"], "admin-user", Role.ADMIN)
    done = lambda progress: {}
    s = {"own_order": own["number"], "other_order": other["number"], "own_quote": own_quote["number"],
         "other_quote": other_quote["number"], "shipment": sid,
         "own_job": jobs.start_job(env.uow, env.clock, cust1, kind="test", title="mine", work=done),
         "other_job": jobs.start_job(env.uow, env.clock, admin, kind="test", title="admin's", work=done)}
    from ordercare.services.shipment_views import get_shipment, list_installations
    from ordercare.services.transport_views import list_pick_lists
    s["pick_list"] = list_pick_lists(env.uow, SYSTEM)[0]["id"]
    s["installation"] = list_installations(env.uow, SYSTEM)[0]["id"]
    from ordercare.services.catalog import list_receipts
    from tests.factories import purchase
    purchase(env, "PO-W", "FAR", [("SKU-B", 5)])
    s["receipt"] = list_receipts(env.uow, SYSTEM)["items"][0]["id"]
    assert get_shipment(env.uow, SYSTEM, sid)["customer"] == "CUST2"
    from tests.api.access_service import isolation_scene
    s.update(isolation_scene(web.api))  # cases, returns and surveys of both accounts
    from tests.web.billing_world import billing_scene
    s.update(billing_scene(web))  # invoices, payments, credit notes and disputes of both accounts
    from tests.api.access_integrations import role_scene
    s.update(role_scene(env))  # a trading partner and an interchange received (with its 997)
    from ordercare.services.webhook_subscriptions import create_subscription, send_ping
    sub = create_subscription(env.uow, env.clock, env.settings, SYSTEM, url="https://hooks.example.com/in",
                              event_types=["*"])
    s.update(subscription=sub["id"], delivery=send_ping(env.uow, env.clock, SYSTEM, sub["id"]))
    return s


def _url(path: str, s: dict, *, other: bool = False) -> str:
    fill = {
        "/orders/{ref}": s["other_order"] if other else s["own_order"],
        "/quotes/{ref}": s["other_quote"] if other else s["own_quote"],
        "/customers/{code}": "CUST2" if other else "CUST1",
        "/jobs/{job_id}": s["other_job"] if other else s["own_job"],
        "/cases/{ref}": f"CS-{s['svc_other_case' if other else 'svc_own_case']:07d}",
        "/returns/{ref}": f"RMA-{s['svc_other_return' if other else 'svc_own_return']:07d}",
        "/surveys/{survey_id}": s["svc_other_survey"] if other else s["svc_own_survey"],
        "/invoices/{ref}": s["other_invoice"] if other else s["own_invoice"],
        "/payments/{ref}": s["other_payment"] if other else s["own_payment"],
        "/credit-notes/{ref}": s["other_credit_note"] if other else s["own_credit_note"],
    }
    for prefix, value in fill.items():
        stem = prefix.split("{")[0]
        if path.startswith(stem) and "{" in path:
            path = re.sub(r"\{[^}]+\}", str(value), path, count=1)
    return path.format(code="NEAR", sku="SKU-A", shipment_id=s["shipment"], pick_list_id=s["pick_list"],
                       load_id=1, installation_id=s["installation"], receipt_id=s["receipt"],
                       dispute_id=s["own_dispute"], document_id=s["edi_doc"], subscription_id=s["subscription"],
                       delivery_id=s["delivery"], export="orders")


# Pages with an id in the URL that a customer user may open: its own records (isolation checked with another
# account's id) or the shared catalogue.
ACCOUNT_SCOPED = ("/orders/", "/quotes/", "/customers/", "/jobs/", "/cases/", "/returns/", "/invoices/", "/payments/",
                  "/credit-notes/")
CATALOGUE = {"/products/{sku}"}


def _allowed(declared, who: str) -> bool:
    role = Role.CUSTOMER if who.startswith("cust") else Role(who)
    return all((d.permission is None or d.permission in GRANTS[role])
               and not (getattr(d, "staff_only", False) and role is Role.CUSTOMER) for d in declared)


def test_pages_answer_each_role_as_declared_and_customers_see_only_their_own(web: Web):
    s = _scene(web)
    failures = []
    anonymous = web.anonymous()
    for method, path, declared in page_routes(web.api.app):
        if method != "GET" or getattr(declared[0], "public", False):
            continue
        url = _url(path, s)
        r = anonymous.get(url)
        if not (r.status_code == 303 and r.headers["location"].startswith("/sign-in")):
            failures.append(f"anonymous GET {url}: {r.status_code}")
        for who in WHO:
            r = web.get(who, url)
            if path == "/loads/{load_id}" and r.status_code == 404:
                continue  # no load in this scene: the page answered "not found", not an error
            if path.startswith("/jobs/") and who != "cust1":
                if r.status_code != 404:  # a job is its owner's (cust1's here): everyone else is told "not found"
                    failures.append(f"{who} GET {url} (cust1's job): {r.status_code}")
                continue
            ok = r.status_code in (200, 303) if _allowed(declared, who) else r.status_code == 403
            if not ok or "Traceback" in r.text:
                failures.append(f"{who} GET {url}: {r.status_code}")
            if who == "cust1":
                leaked = [t for t in FOREIGN if t in r.text]
                if leaked:
                    failures.append(f"cust1 GET {url}: leaked {leaked}")
        if "{" in path and _allowed(declared, "cust1") and path not in CATALOGUE:
            if not any(path.startswith(stem) for stem in ACCOUNT_SCOPED):
                failures.append(f"{path}: a customer may open it; add it to ACCOUNT_SCOPED (with the other "
                                "account's record in _url) or to CATALOGUE")
                continue
            # A customer guessing another account's URL: not found, and nothing of that account in the page.
            url = _url(path, s, other=True)
            r = web.get("cust1", url)
            if r.status_code != 404 or any(t in r.text for t in FOREIGN) or "CUST2" in r.text:
                failures.append(f"cust1 GET {url} (another account's): {r.status_code}")
    assert not failures, "\n".join(failures)


def _counts(web: Web) -> dict:
    from ordercare.store.tables import metadata
    with web.env.uow.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables if t.name not in ("web_sessions", "sign_in_attempts")}


def test_every_form_needs_the_csrf_token_and_the_role(web: Web):
    s = _scene(web)
    failures = []
    for who in WHO:
        web.as_(who)  # signed in before any snapshot: a sign-in writes a session row
    for method, path, declared in page_routes(web.api.app):
        if method != "POST" or getattr(declared[0], "public", False):
            continue
        url = _url(path, s)
        before = web.api.snapshot()
        r = web.as_("admin").post(url, data={"reason": "x"})  # no csrf_token
        if r.status_code != 403 or "form has expired" not in r.text or web.api.snapshot() != before:
            failures.append(f"POST {url} without a CSRF token: {r.status_code}")
        r = web.as_("admin").post(url, data={"reason": "x", "csrf_token": "forged"})
        if r.status_code != 403:
            failures.append(f"POST {url} with a forged CSRF token: {r.status_code}")
        for who in WHO:
            if _allowed(declared, who) or path == "/sign-out":
                continue
            before = web.api.snapshot()
            r = web.post(who, url, {"reason": "x"})
            if r.status_code != 403 or web.api.snapshot() != before:
                failures.append(f"{who} POST {url}: {r.status_code}, changed={web.api.snapshot() != before}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url", ["/orders/SO-x", "/orders/99999999", "/shipments/abc", "/shipments/0",
                                 "/shipments/99999999999999999999", "/pick-lists/-1", "/nowhere"])
def test_malformed_or_unknown_urls_get_a_not_found_page(sqlite_web: Web, url):
    r = sqlite_web.get("admin", url)
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text and "Traceback" not in r.text
