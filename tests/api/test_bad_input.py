"""Invalid requests: a 4xx in the one error shape, naming the field, and nothing written.

Fixed cases run on both databases; the hypothesis fuzzers run on SQLite only, to stay fast.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.conftest import api_routes, assert_error, order_body
from tests.factories import add_customer

ORDERS = "/api/v1/orders"
QUOTES = "/api/v1/quotes"


def line(sku="SKU-A", qty=1, **extra) -> dict:
    return {"sku": sku, "qty": qty, **extra}


def body(**over) -> dict:
    b = {"customer": "CUST1", "lines": [line()]}
    b.update(over)
    return b


# (name, request body, status, code, field). Each must be refused and change nothing.
INVALID_BODIES = [
    ("unknown customer", body(customer="NOPE"), 422, "unknown_customer", "customer"),
    ("inactive customer", body(customer="GONE"), 422, "inactive_customer", "customer"),
    ("customer code with spaces", body(customer="CU ST1"), 422, "invalid_request", "customer"),
    ("customer missing", {"lines": [line()]}, 422, "invalid_request", "customer"),
    ("customer not a string", body(customer=42), 422, "invalid_request", "customer"),
    ("unknown sku", body(lines=[line("NOPE")]), 422, "unknown_sku", "lines[0].sku"),
    ("unknown sku on line 2", body(lines=[line(), line("NOPE")]), 422, "unknown_sku", "lines[1].sku"),
    ("empty sku", body(lines=[line("")]), 422, "invalid_request", "lines[0].sku"),
    ("qty 0", body(lines=[line(qty=0)]), 422, "invalid_request", "lines[0].qty"),
    ("qty -1", body(lines=[line(qty=-1)]), 422, "invalid_request", "lines[0].qty"),
    ("qty 2.5", body(lines=[line(qty=2.5)]), 422, "invalid_request", "lines[0].qty"),
    ("qty 2.0", body(lines=[line(qty=2.0)]), 422, "invalid_request", "lines[0].qty"),
    ("qty 'abc'", body(lines=[line(qty="abc")]), 422, "invalid_request", "lines[0].qty"),
    ("qty '3'", body(lines=[line(qty="3")]), 422, "invalid_request", "lines[0].qty"),
    ("qty true", body(lines=[line(qty=True)]), 422, "invalid_request", "lines[0].qty"),
    ("qty null", body(lines=[line(qty=None)]), 422, "invalid_request", "lines[0].qty"),
    ("qty 10**12", body(lines=[line(qty=10**12)]), 422, "invalid_request", "lines[0].qty"),
    ("qty 2**64", body(lines=[line(qty=2**64)]), 422, "invalid_request", "lines[0].qty"),
    ("merged qty over the maximum", body(lines=[line(qty=600_000_000), line(qty=600_000_000)]), 422,
     "invalid_quantity", "lines[0].qty"),
    ("qty missing", body(lines=[{"sku": "SKU-A"}]), 422, "invalid_request", "lines[0].qty"),
    ("unknown ship_to", body(ship_to="NOWHERE"), 422, "unknown_ship_to", "ship_to"),
    ("requested_date in the past", body(requested_date="2026-03-01"), 422, "requested_date_in_past",
     "requested_date"),
    ("line requested_date in the past", body(lines=[line(requested_date="2025-12-31")]), 422,
     "requested_date_in_past", "lines[0].requested_date"),
    ("bad date 2026-13-45", body(requested_date="2026-13-45"), 422, "invalid_request", "requested_date"),
    ("bad date 2026-02-30", body(requested_date="2026-02-30"), 422, "invalid_request", "requested_date"),
    ("bad line date", body(lines=[line(requested_date="2026-13-45")]), 422, "invalid_request",
     "lines[0].requested_date"),
    ("date as words", body(requested_date="next week"), 422, "invalid_request", "requested_date"),
    ("unknown top-level field", body(discount=50), 422, "invalid_request", "discount"),
    ("unknown line field (a price)", body(lines=[line(unit_price="0.01")]), 422, "invalid_request",
     "lines[0].unit_price"),
    ("empty lines", body(lines=[]), 422, "invalid_request", "lines"),
    ("lines missing", {"customer": "CUST1"}, 422, "invalid_request", "lines"),
    ("lines not a list", body(lines={"sku": "SKU-A", "qty": 1}), 422, "invalid_request", "lines"),
    ("501 lines", body(lines=[line() for _ in range(501)]), 422, "invalid_request", "lines"),
    ("unknown channel", body(channel="fax"), 422, "invalid_request", "channel"),
    ("customer_po too long", body(customer_po="P" * 61), 422, "invalid_request", "customer_po"),
    ("body is a list", [body()], 422, "invalid_request", "body"),
    ("body is null", None, 422, "invalid_request", "body"),
    ("body is a string", "CUST1", 422, "invalid_request", "body"),
]


@pytest.mark.parametrize("url", [ORDERS, QUOTES])
def test_invalid_bodies_are_refused_and_change_nothing(api, env, url):
    add_customer(env, "GONE", active=False)
    api.place()  # something to leave untouched
    before = api.snapshot()
    failures = []
    for name, payload, status, code, field in INVALID_BODIES:
        r = api.post("cs_agent", url, content=json.dumps(payload), headers={"Content-Type": "application/json"})
        try:
            assert_error(r, status, code, field=field)
            assert api.snapshot() == before, "the database changed"
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_501_line_limit_is_exact(api):
    ok = api.post("cs_agent", QUOTES, json=body(lines=[line() for _ in range(500)]))
    assert ok.status_code == 201, ok.text
    assert ok.json()["lines"][0]["qty"] == 500  # merged into one line


def test_malformed_json_is_422_and_changes_nothing(api):
    before = api.snapshot()
    for raw in (b'{"customer": "CUST1", "lines": [', b"{customer: CUST1}", b"", b"\xff\xfe", b'{"a": NaN}'):
        r = api.post("cs_agent", ORDERS, content=raw, headers={"Content-Type": "application/json"})
        assert_error(r, 422, "invalid_request")
        assert api.snapshot() == before


@pytest.mark.parametrize("raw", [b'{"customer": "CUST1", "lines": [', b"\xff"], ids=["truncated", "not-utf8"])
def test_a_body_that_is_not_json_names_the_body_as_the_field(api, raw):
    r = api.post("cs_agent", ORDERS, content=raw, headers={"Content-Type": "application/json"})
    assert_error(r, (400, 422), field="body")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_refused(api, content_type):
    before = api.snapshot()
    r = api.post("cs_agent", ORDERS, content=json.dumps(order_body()), headers={"Content-Type": content_type})
    err = assert_error(r, (415, 422))
    assert err.get("field") == "body" and "body" in err["message"]
    assert api.snapshot() == before


def test_oversized_body_is_413_and_changes_nothing(api):
    before = api.snapshot()
    big = json.dumps(body(customer_po="x", padding="x" * 1_100_000)).encode()

    r = api.post("cs_agent", ORDERS, content=big, headers={"Content-Type": "application/json"})

    err = assert_error(r, 413, "payload_too_large")
    assert "body" in err["message"]
    assert api.snapshot() == before


def test_oversized_body_error_names_the_field(api):
    big = b"{" + b" " * 1_100_000 + b"}"
    r = api.post("cs_agent", ORDERS, content=big, headers={"Content-Type": "application/json"})
    assert_error(r, 413, "payload_too_large", field="body")


def test_oversized_chunked_body_is_413(api):
    before = api.snapshot()
    valid = json.dumps(order_body()).encode()

    def chunks():
        yield valid[:-1]
        for _ in range(11):
            yield b" " * 100_000
        yield b"}"

    r = api.post("cs_agent", ORDERS, content=chunks(), headers={"Content-Type": "application/json"})

    assert api.snapshot() == before
    assert_error(r, 413, "payload_too_large")


@pytest.mark.parametrize("params, field", [
    ({"status": "bogus"}, "status"),
    ({"status": "ALLOCATED"}, "status"),
    ({"placed_from": "2026-13-45"}, "placed_from"),
    ({"placed_to": "yesterday"}, "placed_to"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"),
])
def test_bad_list_filters_are_422(api, params, field):
    assert_error(api.get("cs_agent", ORDERS, params=params), 422, field=field)


def test_unknown_status_filter_lists_the_allowed_ones(api):
    err = assert_error(api.get("cs_agent", ORDERS, params={"status": "bogus"}), 422, "unknown_status",
                       field="status")
    assert "allocated" in err["data"]["allowed"]


def test_huge_offset_is_not_a_server_error(api):
    r = api.get("cs_agent", ORDERS, params={"offset": 10**20})
    assert r.status_code in (200, 422), r.text


BAD_REFS = ["abc", "SO-x", "SO-", "SO--1", "-1", "1.5", "0x10", "1e3", "+1", "x" * 300, "9" * 300, "SO-" + "9" * 40,
            "SO-0000001x", "%20", "null",
            "²", "SO-²", "QT-²", "١", "SO-١"]  # non-ASCII digits: int() rejects or misreads them


@pytest.mark.parametrize("who, method, template", [
    ("cs_agent", "GET", "/api/v1/orders/{}"),
    ("cs_agent", "POST", "/api/v1/orders/{}/cancel"),
    ("finance", "POST", "/api/v1/orders/{}/release-credit"),
    ("cs_agent", "GET", "/api/v1/quotes/{}"),
    ("cs_agent", "POST", "/api/v1/quotes/{}/convert"),
])
def test_non_numeric_refs_are_404(api, who, method, template):
    api.place()
    api.quote()
    before = api.snapshot()
    what = "order" if "orders" in template else "quote"
    for ref in BAD_REFS:
        r = api.request(who, method, template.format(ref), json={} if method == "POST" else None)
        err = assert_error(r, 404, f"{what}_not_found")
        assert err["field"] == f"{what}_id"
    assert api.snapshot() == before


@pytest.mark.parametrize("action, payload", [("receive", {"qty": 1}),
                                             ("reschedule", {"expected_date": "2026-04-01", "reason": "late"})])
def test_huge_receipt_id_is_refused_naming_the_field(sqlite_api, action, payload):
    r = sqlite_api.post("warehouse", f"/api/v1/receipts/{2**64}/{action}", json=payload)
    assert_error(r, 422, "invalid_request")
    assert r.json()["error"]["field"] == "receipt_id"


def test_unknown_receipt_is_404(api):
    assert_error(api.post("warehouse", "/api/v1/receipts/999/receive", json={"qty": 1}), 404, "receipt_not_found")


# Requests a client may send that the schema accepts: the answer must never be a 500.
# PostgreSQL-only failures are marked per database below.
NUL = "\x00"


@pytest.mark.parametrize("method, url, payload, expected", [
    ("POST", ORDERS, body(lines=[line(f"SKU{NUL}A")]), 422),
    ("POST", QUOTES, body(lines=[line(f"SKU{NUL}A")]), 422),
    ("POST", ORDERS, body(customer_po=f"PO{NUL}1"), (201, 422)),
    ("GET", f"{ORDERS}?customer=%00", None, (200, 422)),
    ("GET", "/api/v1/customers/%00", None, 422),
    ("GET", "/api/v1/products/%00", None, 422),
    ("GET", "/api/v1/availability/%00", None, 422),
])
def test_nul_characters_are_not_a_server_error(api, env, request, method, url, payload, expected):
    before = api.snapshot()
    r = api.request("cs_agent", method, url, json=payload)
    assert r.status_code in ((expected,) if isinstance(expected, int) else expected), r.text
    if r.status_code >= 400:
        assert_error(r, r.status_code)
        assert api.snapshot() == before


def test_an_order_total_beyond_the_money_column_is_not_a_server_error(api, env, request):
    r = api.post("admin", "/api/v1/products", json={"sku": "BIG", "name": "Big", "weight_kg": "1", "volume_m3": "1",
                                                     "list_price": "999999999999.99", "unit_cost": "1"})
    assert r.status_code == 201, r.text
    assert api.post("admin", "/api/v1/stock/adjustments",
                    json={"warehouse": "NEAR", "sku": "BIG", "delta": 5, "reason": "in"}).status_code == 201
    before = api.snapshot()
    for url in (ORDERS, QUOTES):
        r = api.post("cs_agent", url, json=body(lines=[line("BIG", 2)]))
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert_error(r, 422)
            assert api.snapshot() == before


def test_stock_beyond_the_integer_column_is_not_a_server_error(api, env, request):
    adjust = {"warehouse": "MID", "sku": "SKU-A", "delta": 1_000_000_000, "reason": "count"}
    statuses = [api.post("manager", "/api/v1/stock/adjustments", json=adjust).status_code for _ in range(3)]
    assert statuses[:2] == [201, 201]
    assert statuses[2] < 500


def test_a_warehouse_code_the_schema_accepts_is_not_a_server_error(api, env, request):
    r = api.post("admin", "/api/v1/warehouses", json={"code": "W" * 30, "name": "Wide", "region": "EU",
                                                       "city": "X", "lat": 1, "lon": 1})
    assert r.status_code in (201, 422), r.text


@pytest.mark.parametrize("headers, code", [
    ({}, "missing_token"),
    ({"Authorization": "Bearer "}, "missing_token"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "missing_token"),
    ({"Authorization": "Bearer oc_not-a-real-token"}, "invalid_token"),
    ({"Authorization": "oc_not-a-real-token"}, "missing_token"),
])
def test_missing_or_invalid_token_is_401(api, headers, code):
    before = api.snapshot()
    r = api.client.post(ORDERS, json=order_body(), headers=headers)
    assert_error(r, 401, code)
    assert r.headers["www-authenticate"] == "Bearer"
    assert api.snapshot() == before


def test_a_valid_token_with_a_suffix_is_401(api):
    r = api.client.get(ORDERS, headers={"Authorization": f"Bearer {api.tokens['admin']}x"})
    assert_error(r, 401, "invalid_token")


def test_every_route_needs_a_token(api):
    """Every /api/v1 route except the health check answers 401 without a token, whatever the body."""
    routes = api_routes(api.app) - {("GET", "/api/v1/health")}
    assert len(routes) >= 25
    for method, path in sorted(routes):
        url = re.sub(r"\{[^}]+\}", "1", path)
        for headers in ({}, {"Authorization": "Bearer oc_wrong"}):
            r = api.client.request(method, url, headers=headers, json={})
            assert_error(r, 401)
            assert r.headers.get("www-authenticate") == "Bearer", (method, url)


def test_health_needs_no_token(api):
    r = api.client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


# ---------------------------------------------------------------------------------------------------------------
# Fuzz: random JSON thrown at POST /orders and POST /quotes. Never a 500; every 4xx in the error shape, naming its
# field, and leaving the database as it was.

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(max_size=12), kids, max_size=4), max_leaves=12)
dates = (st.dates().map(str) | st.sampled_from(["2026-13-45", "2026-02-30", "", "2026-03-02T10:00:00Z",
                                                  "0000-01-01", "20260310", "2026-3-9"]) | json_scalars)
qtys = (st.integers(min_value=-3, max_value=40) | st.sampled_from([10**9, 10**9 + 1, 10**12, 2**63, 2**64, -2**63])
        | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4) | st.booleans()
        | st.none())
skus = st.sampled_from(["SKU-A", "SKU-B", "SKU-C", "NOPE", "", "sku-a"]) | st.text(max_size=70)
codes = st.sampled_from(["CUST1", "CUST2", "NOPE", "", "MAIN"]) | st.text(max_size=45)
lines = st.fixed_dictionaries({"sku": skus, "qty": qtys}, optional={"requested_date": dates, "note": json_scalars})
order_like = st.fixed_dictionaries(
    {"customer": codes, "lines": st.lists(lines, max_size=5) | json_values},
    optional={"ship_to": codes | json_scalars, "requested_date": dates, "customer_po": st.text(max_size=70)
              | json_scalars, "channel": st.sampled_from(["api", "web", "edi", "fax", ""]) | json_scalars,
              "extra": json_values})
# Mostly right, so the fuzz also reaches the business checks (dates, ship-tos, stock) and real placements.
near_valid = st.fixed_dictionaries(
    {"customer": st.sampled_from(["CUST1", "CUST1", "CUST2"]),
     "lines": st.lists(st.fixed_dictionaries({"sku": st.sampled_from(["SKU-A", "SKU-B", "SKU-C", "NOPE"]),
                                              "qty": st.integers(min_value=1, max_value=60) | st.just(0)},
                                             optional={"requested_date": st.dates().map(str)}),
                       min_size=0, max_size=4)},
    optional={"ship_to": st.sampled_from(["MAIN", "main", "OTHER"]), "requested_date": st.dates().map(str),
              "channel": st.sampled_from(["api", "web", "portal", "edi"]), "customer_po": st.text(max_size=61)})
payloads = (near_valid.map(lambda b: ("json", b)) | order_like.map(lambda b: ("json", b))
            | json_values.map(lambda b: ("json", b)) | st.binary(max_size=200).map(lambda b: ("raw", b)))
FUZZ = {"deadline": None, "database": None,
        "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


def _check_fuzzed(api, url, who, kind, payload):
    before = api.snapshot()
    content = json.dumps(payload).encode() if kind == "json" else payload
    r = api.post(who, url, content=content, headers={"Content-Type": "application/json"})
    event(f"{r.status_code} {r.json()['error']['code'] if r.status_code >= 400 else 'ok'}")
    assert r.status_code < 500, (payload, r.status_code, r.text)
    if r.status_code >= 400:
        assert 400 <= r.status_code < 500
        err = assert_error(r, r.status_code)
        if r.status_code == 422:
            assert isinstance(err.get("field"), str) and err["field"], err
            assert err["field"] in err["message"], err
        assert api.snapshot() == before, (payload, r.text)
    else:
        assert r.status_code == 201, r.text
        assert api.snapshot() != before


@settings(max_examples=300, **FUZZ)
@given(who=st.sampled_from(["cs_agent", "cust1"]), payload=payloads)
def test_fuzz_post_orders_never_500(sqlite_api, who, payload):
    _check_fuzzed(sqlite_api, ORDERS, who, *payload)


@settings(max_examples=200, **FUZZ)
@given(who=st.sampled_from(["cs_agent", "cust1"]), payload=payloads)
def test_fuzz_post_quotes_never_500(sqlite_api, who, payload):
    _check_fuzzed(sqlite_api, QUOTES, who, *payload)

