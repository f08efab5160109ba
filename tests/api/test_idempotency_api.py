"""Idempotency-Key on POST /orders: a retry never places a second order."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, insert, select

from ordercare.api.schemas import OrderIn
from ordercare.services.idempotency import request_fingerprint
from ordercare.store.tables import idempotency_keys, orders
from tests.api.conftest import assert_error, order_body
from tests.conftest import START

ORDERS = "/api/v1/orders"


def key(k: str) -> dict:
    return {"Idempotency-Key": k}


def order_count(api) -> int:
    with api.env.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar_one()


def keys(api) -> list[tuple]:
    with api.env.uow.read() as conn:
        return [tuple(r) for r in conn.execute(select(idempotency_keys.c.user_key, idempotency_keys.c.key,
                                                      idempotency_keys.c.state, idempotency_keys.c.order_id))]


def fingerprint(body: dict) -> str:
    """What the API stores for a body: the hash of the validated request."""
    return request_fingerprint(OrderIn.model_validate(body).model_dump(mode="json"))


def test_same_key_and_body_replays_the_same_order(api):
    body = order_body(lines=[("SKU-A", 3)])

    first = api.post("cs_agent", ORDERS, json=body, headers=key("k-1"))
    again = api.post("cs_agent", ORDERS, json=body, headers=key("k-1"))

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert order_count(api) == 1
    assert keys(api) == [(str(api.user_ids["cs_agent"]), "k-1", "done", first.json()["id"])]
    # The stock was reserved once.
    stock = api.get("warehouse", "/api/v1/stock", params={"sku": "SKU-A", "warehouse": "NEAR"}).json()["items"][0]
    assert stock["reserved"] == 3


def test_same_key_with_a_different_body_is_422(api):
    first = api.post("cs_agent", ORDERS, json=order_body(lines=[("SKU-A", 3)]), headers=key("k-2"))
    assert first.status_code == 201
    before = api.snapshot()

    r = api.post("cs_agent", ORDERS, json=order_body(lines=[("SKU-A", 4)]), headers=key("k-2"))

    err = assert_error(r, 422, "idempotency_key_reused", field="Idempotency-Key")
    assert "different request body" in err["message"]
    assert api.snapshot() == before


def test_in_progress_key_gives_409_and_places_nothing(api):
    body = order_body(lines=[("SKU-A", 3)])
    api.env.uow.run(lambda conn: conn.execute(insert(idempotency_keys).values(
        user_key=str(api.user_ids["cs_agent"]), key="k-3", request_hash=fingerprint(body), state="in_progress",
        created_at=START)))
    before = api.snapshot()

    r = api.post("cs_agent", ORDERS, json=body, headers=key("k-3"))

    assert_error(r, 409, "request_in_progress", field="Idempotency-Key")
    assert api.snapshot() == before
    # The other request still owns the key.
    assert keys(api) == [(str(api.user_ids["cs_agent"]), "k-3", "in_progress", None)]


def test_a_stale_in_progress_key_is_taken_over(api):
    body = order_body(lines=[("SKU-A", 3)])
    stale = START - timedelta(seconds=api.env.settings.idempotency_stale_seconds + 1)
    api.env.uow.run(lambda conn: conn.execute(insert(idempotency_keys).values(
        user_key=str(api.user_ids["cs_agent"]), key="k-4", request_hash=fingerprint(body), state="in_progress",
        created_at=stale)))

    r = api.post("cs_agent", ORDERS, json=body, headers=key("k-4"))

    assert r.status_code == 201, r.text
    assert keys(api) == [(str(api.user_ids["cs_agent"]), "k-4", "done", r.json()["id"])]


def test_keys_belong_to_one_user(api):
    body = order_body(lines=[("SKU-A", 1)])

    mine = api.post("cs_agent", ORDERS, json=body, headers=key("shared"))
    theirs = api.post("cust1", ORDERS, json=body, headers=key("shared"))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["created_by"] == "cust1-user"
    assert order_count(api) == 2


def test_a_failed_request_frees_its_key(api):
    bad = api.post("cs_agent", ORDERS, json=order_body(lines=[("NOPE", 1)]), headers=key("k-5"))
    assert_error(bad, 422, "unknown_sku")
    assert keys(api) == []

    fixed = api.post("cs_agent", ORDERS, json=order_body(lines=[("SKU-A", 1)]), headers=key("k-5"))

    assert fixed.status_code == 201, fixed.text
    assert order_count(api) == 1


def test_empty_or_overlong_key_is_refused(api):
    before = api.snapshot()
    assert_error(api.post("cs_agent", ORDERS, json=order_body(), headers=key("")), 422, "invalid_idempotency_key",
                 field="Idempotency-Key")
    assert_error(api.post("cs_agent", ORDERS, json=order_body(), headers=key("k" * 201)), 422,
                 field="idempotency-key")
    assert api.snapshot() == before


def test_concurrent_retries_place_exactly_one_order(api):
    """Eight copies of one request with one key, released at the same moment."""
    body = order_body(lines=[("SKU-A", 2), ("SKU-B", 1)])
    n = 8
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def fire(i: int) -> None:
        barrier.wait()
        try:
            results[i] = api.post("cs_agent", ORDERS, json=body, headers=key("race-1"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert all(not isinstance(r, BaseException) and r is not None for r in results), results
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {200, 201, 409}, [(r.status_code, r.text) for r in results]
    assert statuses.count(201) == 1, statuses
    assert order_count(api) == 1
    (order_id,) = {r.json()["id"] for r in results if r.status_code in (200, 201)}
    for r in results:
        if r.status_code == 409:
            assert_error(r, 409, "request_in_progress")
    stock = api.get("warehouse", "/api/v1/stock", params={"sku": "SKU-A", "warehouse": "NEAR"}).json()["items"][0]
    assert stock["reserved"] == 2
    # Once it is done, a late retry is a replay of that order.
    late = api.post("cs_agent", ORDERS, json=body, headers=key("race-1"))
    assert (late.status_code, late.json()["id"]) == (200, order_id)
    with api.env.uow.read() as conn:
        assert conn.execute(select(idempotency_keys.c.state)).scalars().all() == ["done"]


def test_concurrent_requests_without_a_key_place_one_order_each(api):
    """The control for the test above: without a key, every request is a new order."""
    n = 4
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def fire(i: int) -> None:
        barrier.wait()
        results[i] = api.post("cs_agent", ORDERS, json=order_body(lines=[("SKU-A", 1)]))

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert [r.status_code for r in results] == [201] * n
    assert len({r.json()["id"] for r in results}) == n
    assert order_count(api) == n


def test_replay_after_the_order_changed_returns_its_current_state(api):
    body = order_body(lines=[("SKU-A", 1)])
    first = api.post("cs_agent", ORDERS, json=body, headers=key("k-6")).json()
    assert api.post("cs_agent", f"{ORDERS}/{first['id']}/cancel", json={}).status_code == 200

    again = api.post("cs_agent", ORDERS, json=body, headers=key("k-6"))

    assert again.status_code == 200
    assert (again.json()["id"], again.json()["status"]) == (first["id"], "cancelled")
    assert order_count(api) == 1

