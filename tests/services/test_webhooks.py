"""Webhooks through the outbox, against a real local HTTP receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import ValidationFailed
from ordercare.domain.webhooks import verify
from ordercare.services import webhook_subscriptions as subs
from ordercare.services import webhook_views as views
from ordercare.store.events import append_event
from ordercare.store.outbox_tables import outbox_messages, webhook_deliveries
from ordercare.worker import Worker
from tests.factories import add_customer, order, world
from tests.receivers import WebhookReceiver

STOCK = {("NEAR", "SKU-A"): 100}


@pytest.fixture
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def shop(env):
    world(env, stock=STOCK, customers=("CUST1", "CUST2"))
    return env


def run(env, **settings) -> Worker:
    w = Worker(env.uow, env.clock, env.settings.model_copy(update=settings), jobs=[])
    w.run_once()
    return w


def test_events_reach_a_global_subscriber_signed_with_a_unique_id(shop, receiver):
    env = shop
    sub = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url,
                                   event_types=["order.placed", "order.confirmed"], description="ERP")
    assert sub["scope"] == "global" and sub["secret"].startswith("whsec_")
    order_id = order(env, [("SKU-A", 3)], customer="CUST2")
    run(env)
    assert [r.json["type"] for r in receiver.received] == ["order.placed", "order.confirmed"]
    for r in receiver.received:
        now = int(env.clock.now().timestamp())
        assert verify(sub["secret"], r.headers["Ordercare-Signature"], r.body, now)
        assert not verify(sub["secret"], r.headers["Ordercare-Signature"], r.body + b" ", now)  # body is signed
        assert not verify("whsec_other", r.headers["Ordercare-Signature"], r.body, now)
        assert r.event_id == r.json["id"] and r.headers["Ordercare-Event-Type"] == r.json["type"]
        assert r.json["order"]["id"] == order_id and r.json["customer"]["code"] == "CUST2"
    assert len({r.event_id for r in receiver.received}) == 2
    page = views.list_deliveries(env.uow, env.actor, subscription_id=sub["id"])
    assert page["total"] == 2 and {d["state"] for d in page["items"]} == {"delivered"}
    one = views.get_delivery(env.uow, env.actor, page["items"][0]["id"])
    assert [(h["status_code"], h["error"]) for h in one["history"]] == [(200, None)]
    # Nothing left to do: a second pass sends nothing again.
    run(env)
    assert len(receiver.received) == 2


def test_a_customer_subscription_receives_only_its_own_account_events(shop, receiver):
    env = shop
    cust1 = Actor(10, "portal", Role.CUSTOMER, customer_id=1)
    mine = subs.create_subscription(env.uow, env.clock, env.settings.model_copy(
        update={"webhook_allow_private_urls": True}), cust1, url=receiver.url, event_types=["order.*"])
    assert mine["customer"] == "CUST1"
    order(env, [("SKU-A", 1)], customer="CUST2")
    run(env)
    assert receiver.received == []
    order(env, [("SKU-A", 1)], customer="CUST1")
    run(env)
    assert {r.json["customer"]["code"] for r in receiver.received} == {"CUST1"}
    assert {r.json["type"] for r in receiver.received} == {"order.placed", "order.status_changed", "order.confirmed"}
    # A customer may not point its webhook into our network unless the installation allows it.
    with pytest.raises(ValidationFailed) as e:
        subs.create_subscription(env.uow, env.clock, env.settings, cust1, url=receiver.url, event_types=["*"])
    assert e.value.code == "private_url"
    # Nor subscribe for another account.
    with pytest.raises(ValidationFailed) as e:
        subs.create_subscription(env.uow, env.clock, env.settings.model_copy(
            update={"webhook_allow_private_urls": True}), cust1, url=receiver.url, event_types=["*"],
            customer="CUST2")
    assert e.value.code == "unknown_customer"


def test_failures_are_retried_with_backoff_then_dead_lettered_and_redelivered_by_hand(shop, receiver):
    env = shop
    receiver.script = [500, 503, 502]
    sub = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url,
                                   event_types=["order.placed"])
    order(env, [("SKU-A", 1)])
    settings = {"webhook_max_attempts": 3, "webhook_backoff_base_seconds": 60}
    run(env, **settings)
    [d] = views.list_deliveries(env.uow, env.actor)["items"]
    assert (d["state"], d["attempts"], d["last_status"]) == ("pending", 1, 500)
    wait = d["next_attempt_at"] - env.clock.now()
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # 60 s step, half of it jittered
    run(env, **settings)  # not due yet (the clock has not moved): nothing is sent
    assert len(receiver.received) == 1
    env.clock.advance(seconds=61)
    run(env, **settings)
    d = views.list_deliveries(env.uow, env.actor)["items"][0]
    assert (d["state"], d["attempts"], d["last_status"]) == ("pending", 2, 503)
    assert timedelta(seconds=60) <= d["next_attempt_at"] - env.clock.now() <= timedelta(seconds=120)
    env.clock.advance(seconds=121)
    run(env, **settings)
    d = views.list_deliveries(env.uow, env.actor, state="failed")["items"][0]
    assert (d["attempts"], d["last_error"]) == (3, "HTTP 502")
    env.clock.advance(days=1)
    run(env, **settings)
    assert len(receiver.received) == 3  # a dead letter stays put
    subs.redeliver(env.uow, env.clock, env.actor, d["id"])
    run(env, **settings)
    one = views.get_delivery(env.uow, env.actor, d["id"])
    assert one["state"] == "delivered"
    assert [h["status_code"] for h in one["history"]] == [500, 503, 502, 200]
    assert len({r.event_id for r in receiver.received}) == 1  # the same message every time
    assert {r.body for r in receiver.received} == {receiver.received[0].body}
    assert sub["id"] == one["subscription_id"]


def test_an_unreachable_receiver_is_an_attempt_with_its_error(shop):
    env = shop
    closed = WebhookReceiver()
    url = closed.url
    closed.close()
    subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=url, event_types=["order.placed"])
    order(env, [("SKU-A", 1)])
    run(env)
    [d] = views.list_deliveries(env.uow, env.actor)["items"]
    assert d["state"] == "pending" and d["last_status"] is None
    assert "ConnectionRefused" in d["last_error"]


def test_the_outbox_is_written_in_the_transaction_of_the_change(shop):
    env = shop
    oid = order(env, [("SKU-A", 1)])
    before = _count(env)
    assert before == 3  # placed, status changed, confirmed

    def work(conn):
        append_event(conn, oid, "shipped", at=env.clock.now(), actor="x", payload={"tracking_number": "T"})
        assert conn.execute(select(func.count()).select_from(outbox_messages)).scalar_one() == before + 1
        raise RuntimeError("the change fails after its event was written")

    with pytest.raises(RuntimeError):
        env.uow.run(work)
    assert _count(env) == before  # rolled back together
    env.uow.run(lambda conn: append_event(conn, oid, "installation_scheduled", at=env.clock.now(), actor="x"))
    assert _count(env) == before  # a kind no route publishes stays internal


def test_inactive_subscriptions_hold_their_deliveries_and_ping_reaches_one_subscription(shop, receiver):
    env = shop
    a = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url, event_types=["*"])
    other = WebhookReceiver()
    try:
        subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=other.url, event_types=["*"])
        subs.update_subscription(env.uow, env.settings, env.actor, a["id"], active=False)
        order(env, [("SKU-A", 1)])
        run(env)
        assert receiver.received == [] and len(other.received) == 3
        subs.update_subscription(env.uow, env.settings, env.actor, a["id"], active=True)
        run(env)
        assert len(receiver.received) == 0  # deactivated at dispatch time: it was not a recipient
        subs.send_ping(env.uow, env.clock, env.actor, a["id"])
        run(env)
        assert [r.json["type"] for r in receiver.received] == ["ping"] and len(other.received) == 3
        rotated = subs.rotate_secret(env.uow, env.actor, a["id"])
        assert rotated["secret"] != a["secret"]
    finally:
        other.close()


def test_deliveries_of_a_deactivated_subscription_wait_until_it_is_active_again(shop, receiver):
    env = shop
    a = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url,
                                 event_types=["order.placed"])
    order(env, [("SKU-A", 1)])
    Worker(env.uow, env.clock, env.settings, jobs=[])  # nothing run yet
    from ordercare.services.outbox_dispatch import dispatch_pending
    dispatch_pending(env.uow, env.clock, env.settings)
    subs.update_subscription(env.uow, env.settings, env.actor, a["id"], active=False)
    run(env)
    assert receiver.received == []
    subs.update_subscription(env.uow, env.settings, env.actor, a["id"], active=True)
    run(env)
    assert len(receiver.received) == 1


def _count(env) -> int:
    with env.uow.read() as conn:
        return conn.execute(select(func.count()).select_from(outbox_messages)).scalar_one()


def test_unknown_event_types_and_bad_urls_are_refused_and_nothing_is_written(shop):
    env = shop
    add_customer(env, "CUST3")
    for url, types, code, field in [
        ("ftp://x.example/h", ["*"], "invalid_url", "url"),
        ("https://user:pw@x.example/h", ["*"], "invalid_url", "url"),
        ("https://x.example/h", [], "event_types_required", "event_types"),
        ("https://x.example/h", ["order.placed", "order.teleported"], "unknown_event_type", "event_types[1]"),
    ]:
        with pytest.raises(ValidationFailed) as e:
            subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=url, event_types=types)
        assert (e.value.code, e.value.field) == (code, field)
    assert views.list_subscriptions(env.uow, env.actor) == []
    with env.uow.read() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one() == 0
