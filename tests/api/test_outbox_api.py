"""Webhooks, outbox and contact preferences over HTTP, with a real receiver and the real worker."""

from __future__ import annotations

import pytest

from ordercare.domain.webhooks import verify
from ordercare.worker import Worker
from tests.api.access import V1
from tests.api.conftest import assert_error
from tests.receivers import WebhookReceiver


@pytest.fixture
def receiver():
    r = WebhookReceiver(script=[500])
    yield r
    r.close()


def work(api):
    Worker(api.env.uow, api.env.clock, api.env.settings, jobs=[]).run_once()


def test_subscribe_receive_and_read_the_delivery_history(api, receiver):
    r = api.post("manager", f"{V1}/webhooks/subscriptions",
                 json={"url": receiver.url, "event_types": ["order.confirmed"], "description": "ERP bridge"})
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["scope"] == "global" and sub["secret"].startswith("whsec_")
    shown = api.get("manager", f"{V1}/webhooks/subscriptions/{sub['id']}").json()
    assert "secret" not in shown and shown["secret_hint"] == "…" + sub["secret"][-4:]
    order = api.place("cs_agent")
    work(api)  # the receiver answers 500 the first time
    [d] = api.get("manager", f"{V1}/webhooks/deliveries", params={"state": "pending"}).json()["items"]
    assert (d["event_type"], d["order_id"], d["last_status"], d["attempts"]) == ("order.confirmed", order["id"], 500, 1)
    api.env.clock.advance(hours=1)
    work(api)
    one = api.get("manager", f"{V1}/webhooks/deliveries/{d['id']}").json()
    assert one["state"] == "delivered" and [h["status_code"] for h in one["history"]] == [500, 200]
    last = receiver.received[-1]
    assert last.body.decode() == one["body"]
    assert verify(sub["secret"], last.headers["Ordercare-Signature"], last.body, int(api.env.clock.now().timestamp()))
    r = api.post("manager", f"{V1}/webhooks/deliveries/{d['id']}/redeliver")
    assert r.status_code == 202 and r.json()["state"] == "pending"
    work(api)
    assert [x.event_id for x in receiver.received] == [one["event_id"]] * 3
    status = api.get("admin", f"{V1}/outbox/status").json()
    assert status["messages"] == {"dispatched": 3} and status["oldest_pending_seconds"] is None
    msgs = api.get("cs_agent", f"{V1}/outbox/messages", params={"order_id": order["id"]}).json()
    assert {m["event_type"] for m in msgs["items"]} == {"order.placed", "order.status_changed", "order.confirmed"}


def test_ping_and_rotate_secret(api, receiver):
    receiver.script = []
    sub = api.post("cust1", f"{V1}/webhooks/subscriptions", json={"url": "https://hooks.cust1.example/in",
                                                                "event_types": ["order.*"]}).json()
    rotated = api.post("cust1", f"{V1}/webhooks/subscriptions/{sub['id']}/rotate-secret").json()
    assert rotated["secret"] != sub["secret"]
    r = api.patch("cust1", f"{V1}/webhooks/subscriptions/{sub['id']}", json={"url": receiver.url})
    assert_error(r, 422, "private_url", field="url")  # a customer's endpoint may not be on our network
    assert api.get("cust1", f"{V1}/webhooks/subscriptions/{sub['id']}").json()["url"] == \
        "https://hooks.cust1.example/in"
    admin_sub = api.post("admin", f"{V1}/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["ping"]})
    r = api.post("admin", f"{V1}/webhooks/subscriptions/{admin_sub.json()['id']}/ping")
    assert r.status_code == 202
    work(api)
    assert [x.json["type"] for x in receiver.received] == ["ping"]


@pytest.mark.parametrize("body,code,field", [
    ({"url": "gopher://x.example", "event_types": ["*"]}, "invalid_url", "url"),
    ({"url": "https://x.example", "event_types": ["order.nope"]}, "unknown_event_type", "event_types[0]"),
    ({"url": "https://x.example", "event_types": []}, "event_types_required", "event_types"),
    ({"url": "https://x.example", "event_types": ["*"], "customer": "NOPE"}, "unknown_customer", "customer"),
    ({"url": "https://x.example", "event_types": ["*"], "secret": "mine"}, None, "secret"),
    ({"url": "https://x.example\x00", "event_types": ["*"]}, None, "url"),
])
def test_bad_subscriptions_are_refused_with_the_field_and_change_nothing(sqlite_api, body, code, field):
    before = sqlite_api.snapshot()
    r = sqlite_api.post("admin", f"{V1}/webhooks/subscriptions", json=body)
    assert r.status_code == 422, r.text
    if code:
        assert_error(r, 422, code, field=field)
    else:
        assert field in r.text
    assert sqlite_api.snapshot() == before


def test_unknown_ids_and_states_are_clear_errors(sqlite_api):
    a = sqlite_api
    assert_error(a.get("admin", f"{V1}/webhooks/subscriptions/99"), 404, "subscription_not_found")
    assert_error(a.post("admin", f"{V1}/webhooks/deliveries/99/redeliver"), 404, "delivery_not_found")
    assert_error(a.get("admin", f"{V1}/webhooks/deliveries", params={"state": "lost"}), 422, "unknown_state",
                 field="state")
    assert_error(a.get("admin", f"{V1}/outbox/emails/99"), 404, "email_not_found")
    assert_error(a.request("admin", "PUT", f"{V1}/customers/CUST1/contact-preferences/fax", json={}), 422,
                 "unknown_touchpoint", field="touchpoint")
    types = {t["type"]: t["emails"] for t in a.get("admin", f"{V1}/webhooks/event-types").json()}
    assert types["order.shipped"] == ["shipped"] and types["order.placed"] == []


def test_contact_preferences_over_http_and_the_e_mails_they_produce(api):
    r = api.request("cust1", "PUT", f"{V1}/customers/CUST1/contact-preferences/order_confirmation",
                    json={"address": "purchasing@cust1.example"})
    assert r.status_code == 200, r.text
    conf = next(t for t in r.json()["touchpoints"] if t["touchpoint"] == "order_confirmation")
    assert conf["sends_to"] == "purchasing@cust1.example"
    api.place("cust1")
    work(api)
    [mail] = api.get("cs_agent", f"{V1}/outbox/emails", params={"customer": "CUST1"}).json()["items"]
    assert (mail["touchpoint"], mail["to"], mail["state"]) == ("order_confirmation", "purchasing@cust1.example",
                                                               "pending")  # no SMTP server configured here
    full = api.get("cs_agent", f"{V1}/outbox/emails/{mail['id']}").json()
    assert "Dear Customer CUST1" in full["body_text"] and "<b>" in full["body_html"]
    jobs = api.get("manager", f"{V1}/scheduled-jobs").json()
    assert "outbox_housekeeping" in {j["name"] for j in jobs}
