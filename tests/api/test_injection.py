"""SQL injection attempts on every string parameter of every API operation: path, query and JSON body.

Read from the app's OpenAPI document, so a new route is attacked the day it is added. Each string parameter in
turn carries each payload while the rest of the request stays plausible (real codes and ids of a populated
database). As a customer user and as admin: never a 5xx; the customer never sees another account's data; a read
changes nothing; no write removes rows or touches another account's records. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from ordercare.store.tables import customers, metadata, orders, stock, users
from tests.api.access import FOREIGN
from tests.api.security_scene import known_values, populate

PAYLOADS = ["' OR '1'='1", "CUST2' --", "1; DROP TABLE orders; --", "%' UNION SELECT code, name FROM customers --"]
# Per parameter one payload, in turn, so every kind is tried across the API (each parameter gets all four with
# ORDERCARE_INJECTION_ALL=1: the long version).
ALL_PAYLOADS = os.environ.get("ORDERCARE_INJECTION_ALL") == "1"
V1 = "/api/v1"


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:  # Optional[X]: the non-null branch
        branches = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(spec, branches[0]) if branches else schema
    return schema


def _plausible(name: str, schema: dict, known: dict[str, list]) -> Any:
    """A value that passes validation, so the attacked parameter is the only odd one."""
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    t = schema.get("type")
    if name in known:
        v = known[name][0]
        return v if t != "string" else str(v)
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(t, "x")


def _is_free_string(schema: dict) -> bool:
    return schema.get("type") == "string" and "enum" not in schema and "format" not in schema


def attacks(spec: dict, known: dict[str, list]):
    """(method, url, query, body, what) for each string parameter of each operation and each payload."""
    for path, ops in spec["paths"].items():
        if not path.startswith(V1):
            continue
        for method, op in ops.items():
            params = op.get("parameters", [])
            path_vals = {p["name"]: _plausible(p["name"], _resolve(spec, p["schema"]), known)
                         for p in params if p["in"] == "path"}
            body_schema = _resolve(spec, op.get("requestBody", {}).get("content", {})
                                   .get("application/json", {}).get("schema", {}))
            props = {k: _resolve(spec, v) for k, v in body_schema.get("properties", {}).items()}
            base_body = {k: _plausible(k, props[k], known) for k in body_schema.get("required", [])}
            targets = [("path", p["name"]) for p in params if p["in"] == "path"
                       and _is_free_string(_resolve(spec, p["schema"]))]
            targets += [("query", p["name"]) for p in params if p["in"] == "query"
                        and _is_free_string(_resolve(spec, p["schema"]))]
            targets += [("body", k) for k, s in props.items() if _is_free_string(s)]
            for i, (where, name) in enumerate(targets):
                for payload in PAYLOADS if ALL_PAYLOADS else (PAYLOADS[i % len(PAYLOADS)],):
                    values = {**path_vals, name: payload} if where == "path" else path_vals
                    url = path.format(**{k: str(v).replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
                                         for k, v in values.items()})
                    query = {name: payload} if where == "query" else {}
                    body = {**base_body, name: payload} if where == "body" else (
                        base_body if "requestBody" in op else None)
                    yield method.upper(), url, query, body, f"{method.upper()} {path} {where}.{name}={payload!r}"


def _fingerprint(conn) -> tuple:
    """Row counts of every table (one statement) and the rows an injection would aim at."""
    counts = conn.execute(select(*[select(func.count()).select_from(t).scalar_subquery()
                                   for t in metadata.sorted_tables])).one()
    return (tuple(counts), *(tuple(sorted(tuple(r) for r in conn.execute(select(*cols)))) for cols in (
        (customers.c.code, customers.c.name, customers.c.active, customers.c.credit_limit),
        (orders.c.id, orders.c.customer_id, orders.c.status, orders.c.total_amount),
        (stock.c.warehouse_id, stock.c.product_id, stock.c.on_hand, stock.c.reserved),
        (users.c.username, users.c.role, users.c.active))))


@contextmanager
def committed_writes(engine):
    """Counts the transactions that wrote (INSERT/UPDATE/DELETE) and committed: the cheap proof that a request
    changed nothing (the fingerprint is taken only when this moved)."""
    count = {"n": 0}

    def before(conn, cursor, statement, *_):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            conn.info["oc_wrote"] = True

    def commit(conn):
        count["n"] += bool(conn.info.pop("oc_wrote", False))

    def rollback(conn):
        conn.info.pop("oc_wrote", None)

    hooks = [("before_cursor_execute", before), ("commit", commit), ("rollback", rollback)]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    try:
        yield count
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)


def test_injection_attempts_are_harmless(api):
    populate(api)
    spec = api.app.openapi()
    known = known_values(api)
    failures, tried = [], 0
    with api.env.uow.read() as conn:
        state = _fingerprint(conn)
    with committed_writes(api.env.uow.engine) as writes:
        for method, url, query, body, what in attacks(spec, known):
            payload = what.rsplit("=", 1)[1][1:-1]
            for who in ("cust1", "admin"):
                seen = writes["n"]
                kw = {"params": query} | ({"json": body} if body is not None else {})
                r = api.request(who, method, url, **kw)
                tried += 1
                if r.status_code >= 500:
                    failures.append(f"{who} {what}: {r.status_code} {r.text[:200]}")
                echoed = r.text.replace(payload, "")  # an error message may quote the value sent: that is no leak
                if who == "cust1" and (leaked := [t for t in FOREIGN if t in echoed]):
                    failures.append(f"{who} {what}: another account's data in the answer: {leaked}")
                if writes["n"] == seen:
                    continue  # nothing was committed
                with api.env.uow.read() as conn:
                    after = _fingerprint(conn)
                # A read or a refused write changes nothing. An accepted write stores the payload as plain data
                # (a reason, a note): its effects are the feature's own and tested there.
                if (method == "GET" or r.status_code >= 400) and after != state:
                    failures.append(f"{who} {what}: answered {r.status_code}, yet the database changed")
                state = after
    assert tried > 500
    assert not failures, f"{len(failures)} of {tried} attempts:\n" + "\n".join(failures[:60])


def test_the_write_counter_sees_committed_writes_only(sqlite_api):
    """The negative control of the shortcut above: a committed write counts; a rolled-back one and a read do not."""
    uow = sqlite_api.env.uow
    with committed_writes(uow.engine) as writes:
        sqlite_api.get("cust1", f"{V1}/orders")
        assert writes["n"] == 0
        sqlite_api.place("cust1", customer="CUST1")
        assert writes["n"] >= 1
        seen = writes["n"]
        r = sqlite_api.post("cust1", f"{V1}/orders", json={"customer": "CUST1", "lines": [{"sku": "NOPE", "qty": 1}]})
        assert r.status_code == 422 and writes["n"] == seen
