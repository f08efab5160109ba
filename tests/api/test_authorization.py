"""Who may do what over HTTP.

A customer user (CUST1's) must not read or change CUST2's data through any route. The routes are read from
the app itself: a new /api/v1 route without an entry in CUSTOMER_CHECKS fails the completeness test.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from ordercare.store.tables import api_tokens, users
from tests.api import access_analytics, access_billing
from tests.api import access_fulfilment, access_integrations, access_outbox
from tests.api import access_service  # post-sale service: cases, returns, surveys
from tests.api import access_measures  # service reports
from tests.api import access_costing  # cost-to-serve, profitability, service gaps
from tests.api.access import (
    ALL,
    MASTER,
    SELLERS,
    STAFF,
    STOCK_KEEPERS,
    V1,
    Action,
    denied,
    fill,
    no_leak,
    same_as_missing,
)
from tests.api.conftest import STAFF_ROLES, api_routes, assert_error, order_body
from tests.factories import add_customer

# Each feature's routes are checked by its own module (see tests/api/access.py for what one provides).
FEATURES = [access_fulfilment, access_outbox, access_integrations, access_analytics]
FEATURES.append(access_billing)  # billing and cash (invoices, credit notes, payments, receivables)
FEATURES.append(access_service)
FEATURES.append(access_measures)
FEATURES.append(access_costing)


@dataclass
class Scene:
    own_order: int  # CUST1's, placed by its own user
    other_order: int  # CUST2's, on credit hold (so cancel and release-credit both could act on it)
    own_quote: int
    other_quote: int
    receipt: int
    missing_order: int
    missing_quote: int
    extra: dict = field(default_factory=dict)  # the features' own records (their isolation_scene)


@pytest.fixture
def scene(api) -> Scene:
    # CUST2 has a negotiated price (7.77) and a credit limit its order exceeds.
    assert api.post("admin", f"{V1}/price-lists/NET-CUST2/prices",
                    json={"sku": "SKU-A", "price": "7.77"}).status_code == 201
    r = api.patch("admin", f"{V1}/customers/CUST2", json={"price_list": "NET-CUST2", "credit_limit": "1.00"})
    assert r.status_code == 200, r.text
    other = api.place("cs_agent", customer="CUST2", lines=[("SKU-A", 1), ("SKU-B", 1)])
    assert other["status"] == "credit_hold"
    own = api.place("cust1", customer="CUST1", lines=[("SKU-A", 1)])
    own_quote = api.quote("cust1", customer="CUST1")
    other_quote = api.quote("cs_agent", customer="CUST2")
    po = api.post("warehouse", f"{V1}/purchase-orders", json={
        "number": "PO-1", "supplier": "Acme", "warehouse": "FAR",
        "lines": [{"sku": "SKU-B", "qty": 10, "expected_date": "2026-03-20"}]})
    assert po.status_code == 201, po.text
    receipts = api.get("warehouse", f"{V1}/receipts").json()["items"]
    s = Scene(own["id"], other["id"], own_quote["id"], other_quote["id"], receipts[0]["id"],
              other["id"] + 100, other_quote["id"] + 100)
    for feature in FEATURES:
        if hasattr(feature, "isolation_scene"):
            s.extra.update(feature.isolation_scene(api))
    return s


# --- one check per route: CUST1's user against CUST2's data -----------------------------------------------------

def c_place_order(api, s):
    before = api.snapshot()
    r = api.post("cust1", f"{V1}/orders", json=order_body("CUST2"))
    missing = api.post("cust1", f"{V1}/orders", json=order_body("CUST9"))
    err = assert_error(r, 422, "unknown_customer", field="customer")
    assert err["message"].replace("CUST2", "X") == missing.json()["error"]["message"].replace("CUST9", "X")
    assert api.snapshot() == before
    # Ordering for its own account works.
    assert api.post("cust1", f"{V1}/orders", json=order_body("CUST1")).status_code == 201


def c_list_orders(api, s):
    page = api.get("cust1", f"{V1}/orders").json()
    assert s.own_order in [i["id"] for i in page["items"]]
    assert page == api.get("cs_agent", f"{V1}/orders", params={"customer": "CUST1"}).json()
    for params in ({"customer": "CUST2"}, {"status": "credit_hold"}, {"sku": "SKU-B"}):
        r = api.get("cust1", f"{V1}/orders", params=params)
        assert r.status_code == 200 and r.json() == {"total": 0, "items": []}, (params, r.text)
    # The same filters do find CUST2's order for staff: the empty answers above are scoping, not typos.
    assert api.get("cs_agent", f"{V1}/orders", params={"customer": "CUST2"}).json()["total"] >= 1


def c_get_order(api, s):
    missing = api.get("cust1", f"{V1}/orders/{s.missing_order}")
    for ref in (str(s.other_order), f"SO-{s.other_order:07d}"):
        r = api.get("cust1", f"{V1}/orders/{ref}")
        assert_error(r, 404, "order_not_found")
        no_leak(r)
    same_as_missing(api.get("cust1", f"{V1}/orders/{s.other_order}"), missing, s.other_order, s.missing_order)
    assert api.get("cust1", f"{V1}/orders/{s.own_order}").status_code == 200


def c_cancel(api, s):
    denied(api, "POST", f"{V1}/orders/{s.other_order}/cancel", {"reason": "x"}, 404, "order_not_found")
    assert api.get("cs_agent", f"{V1}/orders/{s.other_order}").json()["status"] == "credit_hold"
    # Its own order it may cancel.
    assert api.post("cust1", f"{V1}/orders/{s.own_order}/cancel", json={}).json()["status"] == "cancelled"


def c_release_credit(api, s):
    before = api.snapshot()
    r = api.post("cust1", f"{V1}/orders/{s.other_order}/release-credit", json={"reason": "x"})
    assert_error(r, (403, 404))
    no_leak(r)
    assert api.snapshot() == before


def c_create_quote(api, s):
    before = api.snapshot()
    assert_error(api.post("cust1", f"{V1}/quotes", json=order_body("CUST2")), 422, "unknown_customer",
                 field="customer")
    assert api.snapshot() == before


def c_get_quote(api, s):
    missing = api.get("cust1", f"{V1}/quotes/{s.missing_quote}")
    for ref in (str(s.other_quote), f"QT-{s.other_quote:07d}"):
        r = api.get("cust1", f"{V1}/quotes/{ref}")
        assert_error(r, 404, "quote_not_found")
        no_leak(r)
    same_as_missing(api.get("cust1", f"{V1}/quotes/{s.other_quote}"), missing, s.other_quote, s.missing_quote)
    assert api.get("cust1", f"{V1}/quotes/{s.own_quote}").status_code == 200


def c_convert_quote(api, s):
    denied(api, "POST", f"{V1}/quotes/{s.other_quote}/convert", {}, 404, "quote_not_found")
    assert api.get("cs_agent", f"{V1}/quotes/{s.other_quote}").json()["status"] == "open"


def c_list_customers(api, s):
    for params in ({}, {"q": "CUST"}, {"q": "CUST2"}, {"limit": 500}):
        r = api.get("cust1", f"{V1}/customers", params=params)
        assert r.status_code == 200
        assert {c["code"] for c in r.json()["items"]} <= {"CUST1"}, (params, r.text)
        assert r.json()["total"] == len(r.json()["items"])
        no_leak(r)
    assert [c["code"] for c in api.get("cust1", f"{V1}/customers").json()["items"]] == ["CUST1"]


def c_get_customer(api, s):
    r = api.get("cust1", f"{V1}/customers/CUST2")
    missing = api.get("cust1", f"{V1}/customers/CUST9")
    assert_error(r, 404, "customer_not_found")
    assert r.json()["error"]["message"].replace("CUST2", "X") == missing.json()["error"]["message"].replace(
        "CUST9", "X")
    assert "Customer CUST2" not in r.text and "NET-CUST2" not in r.text
    own = api.get("cust1", f"{V1}/customers/CUST1")
    assert own.status_code == 200 and own.json()["code"] == "CUST1"


def c_create_customer(api, s):
    denied(api, "POST", f"{V1}/customers", {"code": "CUST9", "name": "Mine"})


def c_patch_customer(api, s):
    denied(api, "PATCH", f"{V1}/customers/CUST2", {"credit_limit": "1000000.00"})
    denied(api, "PATCH", f"{V1}/customers/CUST1", {"credit_limit": "1000000.00"})  # not even its own


def c_add_ship_to(api, s):
    denied(api, "POST", f"{V1}/customers/CUST2/ship-tos",
           {"code": "DROP", "name": "Drop", "city": "X", "country": "BE", "lat": 50, "lon": 4, "is_default": True})


def c_list_products(api, s):
    r = api.get("cust1", f"{V1}/products")
    assert r.status_code == 200 and {p["sku"] for p in r.json()["items"]} == {"SKU-A", "SKU-B", "SKU-C"}
    no_leak(r)


def c_get_product(api, s):
    r = api.get("cust1", f"{V1}/products/SKU-A")
    assert r.status_code == 200 and r.json()["sku"] == "SKU-A"
    assert "prices" not in r.json() and "unit_cost" not in r.json()
    no_leak(r)


def c_create_product(api, s):
    denied(api, "POST", f"{V1}/products", {"sku": "P-9", "name": "n", "weight_kg": "1", "volume_m3": "0.1",
                                            "list_price": "1", "unit_cost": "1"})


def c_patch_product(api, s):
    denied(api, "PATCH", f"{V1}/products/SKU-A", {"list_price": "0.01"})


def c_reference_data(api, s):
    r = api.get("cust1", f"{V1}/reference-data")
    assert r.status_code == 200
    assert {"service_packages", "payment_terms"} <= set(r.json())
    assert "7.77" not in r.text  # negotiated prices are not reference data


def c_set_price(api, s):
    denied(api, "POST", f"{V1}/price-lists/NET-CUST2/prices", {"sku": "SKU-A", "price": "0.01"})


def c_list_warehouses(api, s):
    r = api.get("cust1", f"{V1}/warehouses")
    assert r.status_code == 200 and {w["code"] for w in r.json()} == {"NEAR", "MID", "FAR"}


def c_create_warehouse(api, s):
    denied(api, "POST", f"{V1}/warehouses", {"code": "W9", "name": "n", "region": "r", "city": "c", "lat": 1,
                                              "lon": 1})


def c_create_user(api, s):
    denied(api, "POST", f"{V1}/users", {"username": "spy", "role": "customer", "customer": "CUST2"})
    denied(api, "POST", f"{V1}/users", {"username": "boss", "role": "admin"})


def c_me(api, s):
    r = api.get("cust1", f"{V1}/me")
    assert r.json() == {"username": "cust1-user", "role": "customer",
                        "customer_id": api.get("admin", f"{V1}/customers/CUST1").json()["id"]}


def c_list_stock(api, s):
    denied(api, "GET", f"{V1}/stock")


def c_adjust_stock(api, s):
    denied(api, "POST", f"{V1}/stock/adjustments", {"warehouse": "NEAR", "sku": "SKU-A", "delta": 5, "reason": "x"})


def c_availability(api, s):
    for extra in ({}, {"ship_to": "MAIN"}):
        r = api.get("cust1", f"{V1}/availability/SKU-A", params={"customer": "CUST2", **extra})
        missing = api.get("cust1", f"{V1}/availability/SKU-A", params={"customer": "CUST9", **extra})
        assert_error(r, 422, "unknown_customer", field="customer")
        assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")  # as if CUST2 did not exist
    own = api.get("cust1", f"{V1}/availability/SKU-A", params={"customer": "CUST1"})
    assert own.status_code == 200 and all("delivery_date" in w for w in own.json()["warehouses"]
                                          if w["earliest_date_for_qty"])


def c_create_po(api, s):
    denied(api, "POST", f"{V1}/purchase-orders", {"number": "PO-9", "supplier": "s", "warehouse": "FAR",
                                                   "lines": [{"sku": "SKU-B", "qty": 1,
                                                              "expected_date": "2026-04-01"}]})


def c_list_receipts(api, s):
    denied(api, "GET", f"{V1}/receipts")


def c_receive(api, s):
    denied(api, "POST", f"{V1}/receipts/{s.receipt}/receive", {"qty": 10, "close": True})


def c_reschedule(api, s):
    denied(api, "POST", f"{V1}/receipts/{s.receipt}/reschedule", {"expected_date": "2026-06-01", "reason": "x"})


def c_health(api, s):
    assert api.get("cust1", f"{V1}/health").json()["status"] == "ok"


CUSTOMER_CHECKS = {
    **{route: check for feature in FEATURES for route, check in feature.CHECKS.items()},
    ("POST", f"{V1}/orders"): c_place_order,
    ("GET", f"{V1}/orders"): c_list_orders,
    ("GET", f"{V1}/orders/{{order_ref}}"): c_get_order,
    ("POST", f"{V1}/orders/{{order_ref}}/cancel"): c_cancel,
    ("POST", f"{V1}/orders/{{order_ref}}/release-credit"): c_release_credit,
    ("POST", f"{V1}/quotes"): c_create_quote,
    ("GET", f"{V1}/quotes/{{quote_ref}}"): c_get_quote,
    ("POST", f"{V1}/quotes/{{quote_ref}}/convert"): c_convert_quote,
    ("GET", f"{V1}/customers"): c_list_customers,
    ("GET", f"{V1}/customers/{{code}}"): c_get_customer,
    ("POST", f"{V1}/customers"): c_create_customer,
    ("PATCH", f"{V1}/customers/{{code}}"): c_patch_customer,
    ("POST", f"{V1}/customers/{{code}}/ship-tos"): c_add_ship_to,
    ("GET", f"{V1}/products"): c_list_products,
    ("GET", f"{V1}/products/{{sku}}"): c_get_product,
    ("POST", f"{V1}/products"): c_create_product,
    ("PATCH", f"{V1}/products/{{sku}}"): c_patch_product,
    ("GET", f"{V1}/reference-data"): c_reference_data,
    ("POST", f"{V1}/price-lists/{{code}}/prices"): c_set_price,
    ("GET", f"{V1}/warehouses"): c_list_warehouses,
    ("POST", f"{V1}/warehouses"): c_create_warehouse,
    ("POST", f"{V1}/users"): c_create_user,
    ("GET", f"{V1}/me"): c_me,
    ("GET", f"{V1}/stock"): c_list_stock,
    ("POST", f"{V1}/stock/adjustments"): c_adjust_stock,
    ("GET", f"{V1}/availability/{{sku}}"): c_availability,
    ("POST", f"{V1}/purchase-orders"): c_create_po,
    ("GET", f"{V1}/receipts"): c_list_receipts,
    ("POST", f"{V1}/receipts/{{receipt_id}}/receive"): c_receive,
    ("POST", f"{V1}/receipts/{{receipt_id}}/reschedule"): c_reschedule,
    ("GET", f"{V1}/health"): c_health,
}


def test_every_api_route_has_a_customer_isolation_check(sqlite_api):
    served = api_routes(sqlite_api.app)
    missing = sorted(served - set(CUSTOMER_CHECKS))
    stale = sorted(set(CUSTOMER_CHECKS) - served)
    assert not missing, f"routes without an entry in CUSTOMER_CHECKS (add one): {missing}"
    assert not stale, f"CUSTOMER_CHECKS entries for routes that no longer exist: {stale}"


def test_customer_cannot_reach_another_customers_data(api, scene):
    """Every route in turn (one world per database, to stay fast); all failures are reported together."""
    failures = []
    for (method, path), check in sorted(CUSTOMER_CHECKS.items()):
        try:
            check(api, scene)
        except AssertionError as exc:
            failures.append(f"{method} {path}: {exc}")
    assert not failures, "\n".join(failures)


def test_customer_product_list_hides_the_unit_cost(api):
    r = api.get("cust1", f"{V1}/products")
    assert r.status_code == 200
    assert all("unit_cost" not in p for p in r.json()["items"]), r.json()["items"][0]


def test_a_customer_cannot_see_another_customers_order_by_replaying_its_idempotency_key(api):
    """Keys are per user: CUST1 reusing the key CUST2's user used gets its own order, not CUST2's."""
    theirs = api.post("cust2", f"{V1}/orders", json=order_body("CUST2"), headers={"Idempotency-Key": "same"})
    mine = api.post("cust1", f"{V1}/orders", json=order_body("CUST1"), headers={"Idempotency-Key": "same"})
    assert (theirs.status_code, mine.status_code) == (201, 201)
    assert mine.json()["customer"] == "CUST1" and mine.json()["id"] != theirs.json()["id"]


# --- staff roles ---------------------------------------------------------------------------------------------------

def actions() -> list[Action]:
    po_line = {"sku": "SKU-B", "qty": 5, "expected_date": "2026-04-01"}
    return [
        Action("place order", SELLERS, "POST", "/orders", order_body("CUST1")),
        Action("create quote", SELLERS, "POST", "/quotes", order_body("CUST1")),
        Action("convert quote", SELLERS, "POST", "/quotes/{quote}/convert", {}),
        Action("cancel order", frozenset({"admin", "manager", "cs_agent", "finance", "cust1"}), "POST",
               "/orders/{order}/cancel", {"reason": "test"}),
        Action("release credit", frozenset({"admin", "finance"}), "POST", "/orders/{held}/release-credit", {}),
        Action("read orders", ALL, "GET", "/orders"),
        Action("read an order", ALL, "GET", "/orders/{order}"),
        Action("read customers", ALL, "GET", "/customers"),
        Action("read a customer", ALL, "GET", "/customers/CUST1"),
        Action("create customer", MASTER, "POST", "/customers", {"code": "C-{who}", "name": "New"}),
        Action("update customer", MASTER, "PATCH", "/customers/CUST1", {"phone": "{who}"}),
        Action("add ship-to", MASTER, "POST", "/customers/CUST1/ship-tos",
               {"code": "S-{who}", "name": "n", "city": "c", "country": "BE", "lat": 50, "lon": 4}),
        Action("read products", ALL, "GET", "/products"),
        Action("create product", MASTER, "POST", "/products",
               {"sku": "P-{who}", "name": "n", "weight_kg": "1", "volume_m3": "0.1", "list_price": "2",
                "unit_cost": "1"}),
        Action("update product", MASTER, "PATCH", "/products/SKU-C", {"name": "Renamed by {who}"}),
        Action("set price", MASTER, "POST", "/price-lists/PL-{who}/prices", {"sku": "SKU-A", "price": "9.00"}),
        Action("reference data", ALL, "GET", "/reference-data"),
        Action("read warehouses", ALL, "GET", "/warehouses"),
        Action("create warehouse", MASTER, "POST", "/warehouses",
               {"code": "W-{who}", "name": "n", "region": "r", "city": "c", "lat": 1, "lon": 1}),
        Action("create user", frozenset({"admin"}), "POST", "/users", {"username": "u-{who}", "role": "cs_agent"}),
        Action("read stock", STAFF, "GET", "/stock"),
        Action("adjust stock", STOCK_KEEPERS, "POST", "/stock/adjustments",
               {"warehouse": "NEAR", "sku": "SKU-A", "delta": 1, "reason": "count"}),
        Action("availability", ALL, "GET", "/availability/SKU-A?qty=2"),
        Action("create purchase order", STOCK_KEEPERS, "POST", "/purchase-orders",
               {"number": "PO-{who}", "supplier": "s", "warehouse": "FAR", "lines": [po_line]}),
        Action("read receipts", STAFF, "GET", "/receipts"),
        Action("receive", STOCK_KEEPERS, "POST", "/receipts/{receipt}/receive", {"qty": 1}),
        Action("reschedule receipt", STOCK_KEEPERS, "POST", "/receipts/{receipt}/reschedule",
               {"expected_date": "2026-04-02", "reason": "late"}),
    ]


def all_actions() -> list[Action]:
    return actions() + [a for feature in FEATURES for a in feature.actions()]


@pytest.mark.parametrize("who", [*STAFF_ROLES, "cust1"])
def test_role_matrix(api, env, who):
    """Each role does each action once: allowed ones succeed (2xx), the others are 403 and change nothing."""
    add_customer(env, "CUST3", credit_limit=Decimal("1.00"))
    ids = {
        "who": who,
        "order": api.place("cust1", lines=[("SKU-A", 1)])["id"],
        "held": api.place("cs_agent", customer="CUST3", lines=[("SKU-A", 1)])["id"],
        "quote": api.quote("cust1")["id"],
    }
    assert api.post("warehouse", f"{V1}/purchase-orders", json={
        "number": "PO-0", "supplier": "s", "warehouse": "FAR",
        "lines": [{"sku": "SKU-B", "qty": 10, "expected_date": "2026-04-01"}]}).status_code == 201
    ids["receipt"] = api.get("warehouse", f"{V1}/receipts").json()["items"][0]["id"]
    for feature in FEATURES:
        ids.update(feature.role_scene(env))
    failures = []
    for a in all_actions():
        before = api.snapshot()
        r = api.request(who, a.method, V1 + fill(a.url, ids), json=fill(a.body, ids))
        try:
            if who in a.allowed:
                assert 200 <= r.status_code < 300, (r.status_code, r.text)
            else:
                err = assert_error(r, 403, "forbidden")
                assert f"role '{'customer' if who == 'cust1' else who}'" in err["message"]
                assert api.snapshot() == before, "a refused request changed the database"
        except AssertionError as exc:
            failures.append(f"{who} / {a.name}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_role_matrix_covers_every_write_route(sqlite_api):
    """Every /api/v1 route that is not a GET is exercised by some action of the role matrix."""
    ids = defaultdict(lambda: 1, who="x")
    routes = api_routes(sqlite_api.app)
    hit = set()
    for a in all_actions():
        path = V1 + fill(a.url, ids).split("?")[0]
        hit |= {(m, t) for m, t in routes
                if m == a.method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path)}
    writes = {(m, t) for m, t in routes if m != "GET"}
    assert not writes - hit, f"write routes missing from actions(): {sorted(writes - hit)}"


# --- tokens --------------------------------------------------------------------------------------------------------

def test_tokens_are_stored_hashed(api):
    created = api.post("admin", f"{V1}/users", json={"username": "new-agent", "role": "cs_agent"})
    assert created.status_code == 201, created.text
    new_token = created.json()["token"]
    assert new_token.startswith("oc_") and len(new_token) > 30
    assert api.client.get(f"{V1}/me", headers={"Authorization": f"Bearer {new_token}"}).json()["username"] == \
        "new-agent"

    with api.env.uow.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(api_tokens))]
    dump = json.dumps(rows, default=str)
    all_tokens = [*api.tokens.values(), new_token]
    assert len(rows) == len(all_tokens)
    for token in all_tokens:
        assert token not in dump
        assert token.removeprefix("oc_") not in dump
    assert {r["token_hash"] for r in rows} == {hashlib.sha256(t.encode()).hexdigest() for t in all_tokens}
    # The stored digest is not itself a credential.
    digest = rows[0]["token_hash"]
    assert_error(api.client.get(f"{V1}/me", headers={"Authorization": f"Bearer {digest}"}), 401, "invalid_token")


def test_revoked_token_and_inactive_user_are_401(api):
    uid = api.user_ids["cs_agent"]
    api.env.uow.run(lambda c: c.execute(update(api_tokens).where(api_tokens.c.user_id == uid)
                                        .values(revoked_at=api.env.clock.now() - timedelta(seconds=1))))
    assert_error(api.get("cs_agent", f"{V1}/orders"), 401, "invalid_token")

    api.env.uow.run(lambda c: c.execute(update(users).where(users.c.id == api.user_ids["finance"])
                                        .values(active=False)))
    assert_error(api.get("finance", f"{V1}/orders"), 401, "invalid_token")
    assert api.get("manager", f"{V1}/orders").status_code == 200


def test_created_user_gets_the_role_asked_for_and_no_more(api):
    r = api.post("admin", f"{V1}/users", json={"username": "portal-2", "role": "customer", "customer": "CUST2"})
    assert r.status_code == 201, r.text
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert api.client.get(f"{V1}/me", headers=h).json()["role"] == "customer"
    assert_error(api.client.get(f"{V1}/orders/1", headers=h), 404)  # nothing of CUST1's
    assert_error(api.client.post(f"{V1}/users", json={"username": "x", "role": "admin"}, headers=h), 403,
                 "forbidden")
    assert_error(api.post("admin", f"{V1}/users", json={"username": "bad", "role": "root"}), 422, "unknown_role",
                 field="role")
    assert_error(api.post("admin", f"{V1}/users", json={"username": "portal-2", "role": "cs_agent"}), 409,
                 "duplicate_username")
