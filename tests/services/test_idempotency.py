"""Idempotent order placement: a retried request returns the first order instead of placing a second."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import Conflict, ValidationFailed
from ordercare.domain.orders import RequestedLine
from ordercare.services import master_data as md
from ordercare.services import orders as order_service
from ordercare.services.intake import OrderRequest
from ordercare.store.tables import idempotency_keys
from tests.factories import world
from tests.services.helpers import AGENT, count, snapshot, stock_of


def req(lines=(("SKU-A", 2),)):
    return OrderRequest(customer="CUST1", lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])


def place(env, key, fingerprint, request=None, actor=AGENT):
    return order_service.place_order(env.uow, env.clock, env.settings, actor, request or req(),
                                     idempotency_key=key, fingerprint=fingerprint)


def keys(env):
    with env.uow.read() as conn:
        return [tuple(r) for r in conn.execute(select(idempotency_keys.c.user_key, idempotency_keys.c.key,
                                                      idempotency_keys.c.state, idempotency_keys.c.order_id)
                                               .order_by(idempotency_keys.c.user_key, idempotency_keys.c.key))]


def in_progress(env, key, fingerprint, age_s, user_key="2"):
    """Simulate another request with this key that started age_s seconds ago and is still running."""
    env.uow.run(lambda conn: conn.execute(insert(idempotency_keys).values(
        user_key=user_key, key=key, request_hash=fingerprint, state="in_progress",
        created_at=env.clock.now() - timedelta(seconds=age_s))))


def test_a_retry_with_the_same_key_returns_the_first_order(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    oid, replayed = place(env, "k-1", "fp-1")
    assert replayed is False
    env.clock.advance(minutes=5)
    again, replayed = place(env, "k-1", "fp-1")
    assert (again, replayed) == (oid, True)
    assert snapshot(env)["orders"] == 1
    assert stock_of(env, "NEAR", "SKU-A") == (10, 2)  # reserved once
    assert keys(env) == [("2", "k-1", "done", oid)]


def test_the_same_key_with_another_request_is_refused(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    oid, _ = place(env, "k-1", "fp-1")
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        place(env, "k-1", "fp-2", req([("SKU-A", 5)]))
    assert (exc.value.code, exc.value.field) == ("idempotency_key_reused", "Idempotency-Key")
    assert snapshot(env) == before
    assert keys(env) == [("2", "k-1", "done", oid)]


def test_keys_belong_to_their_user(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    bob = Actor(5, "bob", Role.CS_AGENT)
    first, _ = place(env, "k-1", "fp-1")
    second, replayed = place(env, "k-1", "fp-1", actor=bob)
    assert replayed is False
    assert first != second
    assert snapshot(env)["orders"] == 2
    assert stock_of(env, "NEAR", "SKU-A") == (10, 4)


def test_a_key_still_in_progress_is_refused(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    in_progress(env, "k-1", "fp-1", age_s=10)
    before = snapshot(env)
    with pytest.raises(Conflict) as exc:
        place(env, "k-1", "fp-1")
    assert (exc.value.code, exc.value.field) == ("request_in_progress", "Idempotency-Key")
    assert snapshot(env) == before
    # The other request's claim is left alone.
    assert keys(env) == [("2", "k-1", "in_progress", None)]


def test_a_key_in_progress_just_under_the_stale_limit_is_still_refused(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    in_progress(env, "k-1", "fp-1", age_s=env.settings.idempotency_stale_seconds - 1)
    with pytest.raises(Conflict) as exc:
        place(env, "k-1", "fp-1")
    assert exc.value.code == "request_in_progress"
    assert snapshot(env)["orders"] == 0


def test_a_stale_key_in_progress_is_taken_over(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    in_progress(env, "k-1", "fp-1", age_s=env.settings.idempotency_stale_seconds + 1)
    oid, replayed = place(env, "k-1", "fp-1")
    assert replayed is False
    assert keys(env) == [("2", "k-1", "done", oid)]
    assert snapshot(env)["orders"] == 1
    assert stock_of(env, "NEAR", "SKU-A") == (10, 2)
    assert place(env, "k-1", "fp-1") == (oid, True)


def test_a_stale_key_is_not_taken_over_by_a_different_request(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    in_progress(env, "k-1", "fp-1", age_s=3600)
    with pytest.raises(ValidationFailed) as exc:
        place(env, "k-1", "fp-2")
    assert exc.value.code == "idempotency_key_reused"
    assert snapshot(env)["orders"] == 0


def test_a_failed_placement_frees_the_key(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        place(env, "k-1", "fp-bad", req([("SKU-A", 2), ("SKU-NOPE", 1)]))
    assert (exc.value.code, exc.value.field) == ("unknown_sku", "lines[1].sku")
    assert snapshot(env) == before
    assert keys(env) == []
    # The client fixes the request and retries with the same key.
    oid, replayed = place(env, "k-1", "fp-good")
    assert replayed is False
    assert keys(env) == [("2", "k-1", "done", oid)]
    assert stock_of(env, "NEAR", "SKU-A") == (10, 2)


def test_a_failed_placement_can_be_retried_with_the_same_body(env):
    world(env)  # no stock of anything...
    with pytest.raises(ValidationFailed):
        place(env, "k-1", "fp-1", req([("SKU-NEW", 1)]))
    md.create_product(env.uow, env.actor, md.ProductData("SKU-NEW", "New", Decimal(1), Decimal("0.01"),
                                                         Decimal("10.00"), Decimal("5.00")))
    oid, replayed = place(env, "k-1", "fp-1", req([("SKU-NEW", 1)]))  # ...the product exists now
    assert replayed is False
    assert keys(env) == [("2", "k-1", "done", oid)]
    assert count(env, idempotency_keys) == 1


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_an_invalid_key_is_refused_before_anything_is_written(env, key):
    world(env, stock={("NEAR", "SKU-A"): 10})
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        place(env, key, "fp-1")
    assert (exc.value.code, exc.value.field) == ("invalid_idempotency_key", "Idempotency-Key")
    assert snapshot(env) == before


def test_a_key_of_the_maximum_length_is_accepted(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    oid, _ = place(env, "x" * 200, "fp-1")
    assert place(env, "x" * 200, "fp-1") == (oid, True)


class _SlowBetweenClaimAndOrder:
    """The unit of work of a request that is slow (not dead) after claiming its key: `meanwhile` runs between
    the claim transaction and the one that writes the order."""

    def __init__(self, uow, meanwhile):
        self.uow, self.meanwhile, self.calls = uow, meanwhile, 0

    def run(self, work, **kw):
        self.calls += 1
        if self.calls == 2:
            self.meanwhile()
        return self.uow.run(work, **kw)

    def __getattr__(self, name):
        return getattr(self.uow, name)


def test_a_slow_request_taken_over_by_its_retry_does_not_place_a_second_order(env):
    """The first request outlives the stale limit; its retry takes the key over and places the order. When the
    first one finally writes, its claim is gone: it must roll back instead of committing a second order."""
    world(env, stock={("NEAR", "SKU-A"): 10})
    retried = {}

    def retry_after_the_stale_limit():
        env.clock.advance(seconds=env.settings.idempotency_stale_seconds + 1)
        retried["id"], retried["replayed"] = place(env, "k-1", "fp-1")

    slow = _SlowBetweenClaimAndOrder(env.uow, retry_after_the_stale_limit)
    with pytest.raises(Conflict) as exc:
        order_service.place_order(slow, env.clock, env.settings, AGENT, req(), idempotency_key="k-1",
                                  fingerprint="fp-1")
    assert exc.value.code == "request_in_progress"
    assert retried["replayed"] is False
    assert snapshot(env)["orders"] == 1 and keys(env) == [("2", "k-1", "done", retried["id"])]
    assert stock_of(env, "NEAR", "SKU-A") == (10, 2)
    assert place(env, "k-1", "fp-1") == (retried["id"], True)
