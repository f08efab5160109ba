"""HTTP API fixtures: the real app over the test database, a user and token per role, a small world.

`api` runs on SQLite and PostgreSQL (through `env`); `sqlite_api` on SQLite only (for the fuzzers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ordercare.api.app import create_app
from ordercare.services.auth import create_user, issue_token
from ordercare.store.tables import (
    customers,
    metadata,
    orders,
    price_list_items,
    products,
    quotes,
    receipts,
    stock,
)
from tests.conftest import Env
from tests.factories import world

STAFF_ROLES = ("admin", "manager", "cs_agent", "warehouse", "finance")
# Who the tokens belong to: one user per staff role, and one customer user per customer account.
CUSTOMER_USERS = {"cust1": "CUST1", "cust2": "CUST2"}
STOCK = {("NEAR", "SKU-A"): 100, ("MID", "SKU-B"): 50, ("FAR", "SKU-C"): 20}
# Every table of the schema is counted, so a refused request that wrote anywhere (a new feature's table too)
# changes the snapshot.
COUNTED = {t.name: t for t in metadata.sorted_tables}


@dataclass
class Api:
    """A TestClient over create_app(...) plus who-is-who. `who` is a role name or 'cust1' / 'cust2'."""

    env: Env
    app: Any
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def request(self, who: str | None, method: str, url: str, *, headers: dict | None = None, **kw):
        h = dict(headers or {})
        if who is not None:
            h.update(self.auth(who))
        return self.client.request(method, url, headers=h, **kw)

    def get(self, who, url, **kw):
        return self.request(who, "GET", url, **kw)

    def post(self, who, url, **kw):
        return self.request(who, "POST", url, **kw)

    def patch(self, who, url, **kw):
        return self.request(who, "PATCH", url, **kw)

    def place(self, who: str = "cs_agent", customer: str = "CUST1", lines=(("SKU-A", 2),), **extra) -> dict:
        """Place an order that must succeed; returns the order body."""
        body = order_body(customer, lines, **extra)
        r = self.post(who, "/api/v1/orders", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def quote(self, who: str = "cs_agent", customer: str = "CUST1", lines=(("SKU-A", 2),)) -> dict:
        r = self.post(who, "/api/v1/quotes", json=order_body(customer, lines))
        assert r.status_code == 201, r.text
        return r.json()

    def snapshot(self) -> dict[str, Any]:
        """Row counts of what the API writes, the stock and receipt positions, and the master-data rows."""
        with self.env.uow.read() as conn:
            out: dict[str, Any] = {name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                                   for name, t in COUNTED.items()}
            out["stock"] = sorted(tuple(r) for r in conn.execute(
                select(stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved)))
            out["receipts"] = sorted(tuple(r) for r in conn.execute(
                select(receipts.c.id, receipts.c.qty_received, receipts.c.promised, receipts.c.status,
                       receipts.c.expected_date)))
            out["order_status"] = sorted(tuple(r) for r in conn.execute(
                select(orders.c.id, orders.c.status, orders.c.credit_hold)))
            out["quote_status"] = sorted(tuple(r) for r in conn.execute(select(quotes.c.id, quotes.c.status)))
            out["customer_rows"] = sorted(tuple(r) for r in conn.execute(
                select(customers.c.code, customers.c.name, customers.c.active, customers.c.credit_limit,
                       customers.c.price_list_id)))
            out["product_rows"] = sorted(tuple(r) for r in conn.execute(
                select(products.c.sku, products.c.name, products.c.list_price, products.c.unit_cost,
                       products.c.active)))
            out["price_rows"] = sorted(tuple(r) for r in conn.execute(select(price_list_items)))
        return out


def order_body(customer: str = "CUST1", lines=(("SKU-A", 2),), **extra) -> dict:
    return {"customer": customer, "lines": [{"sku": s, "qty": q} for s, q in lines], **extra}


def assert_error(r, status: int | tuple[int, ...], code: str | None = None, *, field: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message", "field"?}}; returns the error object."""
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"], err
    assert isinstance(err.get("message"), str) and err["message"], err
    if code is not None:
        assert err["code"] == code, err
    if field is not None:
        assert err.get("field") == field, err
        if r.status_code in (400, 413, 422):  # input errors say which field is wrong
            assert field in err["message"], f"the message should name the field {field!r}: {err['message']!r}"
    return err


def api_routes(app) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves under /api/v1, read from app.routes."""
    try:  # FastAPI >= 0.16x keeps included routers lazily; this yields their effective routes
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: included routes are plain APIRoutes in app.routes
        routes = list(app.routes)
    out = set()
    for r in routes:
        path, methods = getattr(r, "path", None), getattr(r, "methods", None)
        if path and methods and path.startswith("/api/v1"):
            out |= {(m, path) for m in methods if m not in ("HEAD", "OPTIONS")}
    return out


def build_api(env: Env) -> Api:
    world(env, customers=("CUST1", "CUST2"), stock=STOCK)
    app = create_app(env.settings, uow=env.uow, clock=env.clock)
    # raise_server_exceptions=False: a 500 is a response the tests assert on, not an exception in the test.
    api = Api(env, app, TestClient(app, raise_server_exceptions=False))

    def users(conn):
        for role in STAFF_ROLES:
            uid = create_user(conn, env.clock, username=f"{role}-user", role=role)
            api.user_ids[role], api.tokens[role] = uid, issue_token(conn, env.clock, uid)
        for who, customer in CUSTOMER_USERS.items():
            uid = create_user(conn, env.clock, username=f"{who}-user", role="customer", customer_code=customer)
            api.user_ids[who], api.tokens[who] = uid, issue_token(conn, env.clock, uid)

    env.uow.run(users)
    return api


@pytest.fixture
def api(env) -> Api:
    a = build_api(env)
    yield a
    a.client.close()


@pytest.fixture
def sqlite_api(sqlite_env) -> Api:
    a = build_api(sqlite_env)
    yield a
    a.client.close()
