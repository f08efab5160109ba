"""The OpenAPI document: served without a token, complete, internally consistent.

openapi-spec-validator is not installed in the project's venv, so the structure is checked here: every
served /api/v1 route is documented, every $ref resolves, path parameters are declared, the input limits
and the bearer scheme are in the document, and real responses carry the documented fields.
"""

from __future__ import annotations

import re

import pytest

from ordercare import __version__
from tests.api.conftest import api_routes, order_body

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def spec(sqlite_api) -> dict:
    r = sqlite_api.client.get("/openapi.json")  # no token
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def resolve(spec: dict, ref: str):
    assert ref.startswith("#/"), f"external $ref {ref!r}"
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref!r} does not resolve"
        node = node[part]
    return node


def test_document_header(spec):
    assert re.fullmatch(r"3\.[01]\.\d+", spec["openapi"])
    assert spec["info"]["title"] == "Ordercare"
    assert spec["info"]["version"] == __version__
    assert isinstance(spec["paths"], dict) and spec["paths"]


def test_every_served_route_is_documented_and_nothing_else(sqlite_api, spec):
    served = api_routes(sqlite_api.app)
    documented = {(m.upper(), p) for m, p, _ in operations(spec) if p.startswith("/api/v1")}
    assert len(served) >= 25
    assert served - documented == set(), f"served but not documented: {sorted(served - documented)}"
    assert documented - served == set(), f"documented but not served: {sorted(documented - served)}"


def test_operations_are_well_formed(spec):
    ids = []
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("operationId"), where
        ids.append(op["operationId"])
        assert op.get("responses"), where
        assert any(code.startswith("2") for code in op["responses"]), f"{where}: no success response"
        for code, resp in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d|default", code), f"{where}: response code {code!r}"
            assert isinstance(resp.get("description"), str), f"{where} {code}: description required"
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        templated = set(re.findall(r"\{([^}]+)\}", path))
        assert declared == templated, f"{where}: path parameters {declared} vs {templated}"
        for p in op.get("parameters", []):
            assert p["in"] in {"path", "query", "header", "cookie"}, where
            assert "schema" in p or "content" in p, f"{where}: parameter {p['name']} has no schema"
            if p["in"] == "path":
                assert p.get("required") is True, f"{where}: path parameter {p['name']} must be required"
        if "requestBody" in op:
            assert "application/json" in op["requestBody"]["content"], where
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_ref_resolves(spec):
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    assert refs, "expected component references"
    for ref in refs:
        resolve(spec, ref)


def test_bearer_security_is_documented_on_every_protected_route(spec):
    schemes = spec["components"]["securitySchemes"]
    bearer = [name for name, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "bearer"]
    assert bearer, schemes
    for method, path, op in operations(spec):
        if path == "/api/v1/health":
            continue
        assert any(set(req) & set(bearer) for req in op.get("security", [])), f"{method.upper()} {path}"


def test_order_input_limits_are_documented(spec):
    op = spec["paths"]["/api/v1/orders"]["post"]
    order_in = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert order_in["additionalProperties"] is False
    assert set(order_in["required"]) == {"customer", "lines"}
    lines = order_in["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, 500)
    line_in = resolve(spec, lines["items"]["$ref"])
    assert line_in["additionalProperties"] is False
    qty = line_in["properties"]["qty"]
    assert qty["type"] == "integer" and qty["exclusiveMinimum"] == 0 and qty["maximum"] == 1_000_000_000
    headers = {p["name"].lower() for p in op["parameters"] if p["in"] == "header"}
    assert "idempotency-key" in headers
    assert {"200", "201", "409", "422"} <= set(op["responses"])


def test_real_responses_carry_the_documented_fields(sqlite_api, spec):
    op = spec["paths"]["/api/v1/orders"]["post"]
    order_schema = resolve(spec, op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"])
    r = sqlite_api.post("cs_agent", "/api/v1/orders", json=order_body())
    assert r.status_code == 201
    body = r.json()
    assert set(body) == set(order_schema["properties"])
    assert set(order_schema.get("required", [])) <= set(body)
    line_schema = resolve(spec, order_schema["properties"]["lines"]["items"]["$ref"])
    assert set(body["lines"][0]) == set(line_schema["properties"])

    quote_op = spec["paths"]["/api/v1/quotes"]["post"]
    quote_schema = resolve(spec, quote_op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"])
    q = sqlite_api.post("cs_agent", "/api/v1/quotes", json=order_body())
    assert q.status_code == 201 and set(q.json()) == set(quote_schema["properties"])


def test_documented_error_body_matches_the_real_one(sqlite_api, spec):
    r = sqlite_api.get("cs_agent", "/api/v1/orders", params={"limit": 0})
    assert r.status_code == 422 and "error" in r.json()
    documented = spec["paths"]["/api/v1/orders"]["get"]["responses"]["422"]["content"]["application/json"]
    schema = resolve(spec, documented["schema"]["$ref"]) if "$ref" in documented["schema"] else documented["schema"]
    assert "error" in schema.get("properties", {}), schema
