"""Webhooks, outbox, e-mails and contact preferences: a customer user manages its own subscriptions and
preferences only; the outbox and e-mail views are for staff."""

from __future__ import annotations

from sqlalchemy import update

from ordercare.services import webhook_subscriptions as subs
from ordercare.services.outbox_dispatch import dispatch_pending
from ordercare.services.outbox_views import list_emails
from ordercare.store.tables import customers
from tests.api.access import MASTER, V1, Action, denied, no_leak, same_as_missing, staff_only
from tests.api.conftest import assert_error

WEBHOOKERS = frozenset({"admin", "manager", "cust1"})
OUTBOX_READERS = frozenset({"admin", "manager", "cs_agent"})
PREFERENCES = frozenset({"admin", "manager", "cs_agent", "cust1"})
MISSING = 10_000


def isolation_scene(api) -> dict:
    """A subscription of each customer (made by its own user), a global one, and their deliveries."""
    ids = {}
    for who in ("cust1", "cust2"):
        r = api.post(who, f"{V1}/webhooks/subscriptions",
                     json={"url": f"https://hooks.{who}.example/in", "event_types": ["order.*"]})
        assert r.status_code == 201, r.text
        ids[f"{who}_sub"] = r.json()["id"]
    r = api.post("admin", f"{V1}/webhooks/subscriptions", json={"url": "https://erp.example/in", "event_types": ["*"]})
    ids["global_sub"] = r.json()["id"]
    dispatch_pending(api.env.uow, api.env.clock, api.env.settings)
    for who in ("cust1", "cust2"):
        page = api.get(who, f"{V1}/webhooks/deliveries").json()
        assert page["total"] > 0, who
        ids[f"{who}_delivery"] = page["items"][0]["id"]
    return ids


def _same_404(api, url: str, real: int, missing: int = MISSING) -> None:
    r = api.get("cust1", url.format(real))
    assert_error(r, 404)
    no_leak(r)
    same_as_missing(r, api.get("cust1", url.format(missing)), real, missing)


def c_event_types(api, s):
    r = api.get("cust1", f"{V1}/webhooks/event-types")
    assert r.status_code == 200 and "order.shipped" in {t["type"] for t in r.json()}


def c_create_subscription(api, s):
    before = api.snapshot()
    body = {"url": "https://hooks.cust1.example/x", "event_types": ["*"]}
    r = api.post("cust1", f"{V1}/webhooks/subscriptions", json={**body, "customer": "CUST2"})
    missing = api.post("cust1", f"{V1}/webhooks/subscriptions", json={**body, "customer": "CUST9"})
    assert_error(r, 422, "unknown_customer", field="customer")
    assert r.json()["error"]["message"].replace("CUST2", "X") == missing.json()["error"]["message"].replace(
        "CUST9", "X")
    assert api.snapshot() == before
    own = api.post("cust1", f"{V1}/webhooks/subscriptions", json=body)
    assert own.status_code == 201 and own.json()["customer"] == "CUST1"  # no customer named: its own account


def c_list_subscriptions(api, s):
    mine = api.get("cust1", f"{V1}/webhooks/subscriptions").json()
    assert mine and {x["customer"] for x in mine} == {"CUST1"}
    assert s.extra["global_sub"] not in {x["id"] for x in mine}
    assert api.get("cust1", f"{V1}/webhooks/subscriptions", params={"customer": "CUST2"}).json() == []
    assert len(api.get("admin", f"{V1}/webhooks/subscriptions", params={"customer": "CUST2"}).json()) == 1


def c_get_subscription(api, s):
    for other in (s.extra["cust2_sub"], s.extra["global_sub"]):
        _same_404(api, f"{V1}/webhooks/subscriptions/{{}}", other)
    assert api.get("cust1", f"{V1}/webhooks/subscriptions/{s.extra['cust1_sub']}").status_code == 200


def c_patch_subscription(api, s):
    denied(api, "PATCH", f"{V1}/webhooks/subscriptions/{s.extra['cust2_sub']}", {"active": False}, 404,
           "subscription_not_found")
    assert api.get("cust2", f"{V1}/webhooks/subscriptions/{s.extra['cust2_sub']}").json()["active"] is True


def c_rotate_secret(api, s):
    denied(api, "POST", f"{V1}/webhooks/subscriptions/{s.extra['cust2_sub']}/rotate-secret", None, 404,
           "subscription_not_found")


def c_ping(api, s):
    denied(api, "POST", f"{V1}/webhooks/subscriptions/{s.extra['global_sub']}/ping", None, 404,
           "subscription_not_found")


def c_list_deliveries(api, s):
    page = api.get("cust1", f"{V1}/webhooks/deliveries", params={"limit": 500}).json()
    assert page["total"] > 0 and {d["subscription_id"] for d in page["items"]} == {s.extra["cust1_sub"]}
    no_leak(api.get("cust1", f"{V1}/webhooks/deliveries"))
    for sub in (s.extra["cust2_sub"], s.extra["global_sub"]):
        assert api.get("cust1", f"{V1}/webhooks/deliveries", params={"subscription": sub}).json()["total"] == 0


def c_get_delivery(api, s):
    _same_404(api, f"{V1}/webhooks/deliveries/{{}}", s.extra["cust2_delivery"], MISSING * 10)
    assert api.get("cust1", f"{V1}/webhooks/deliveries/{s.extra['cust1_delivery']}").status_code == 200


def c_redeliver(api, s):
    denied(api, "POST", f"{V1}/webhooks/deliveries/{s.extra['cust2_delivery']}/redeliver", None, 404,
           "delivery_not_found")


def c_get_preferences(api, s):
    r = api.get("cust1", f"{V1}/customers/CUST2/contact-preferences")
    missing = api.get("cust1", f"{V1}/customers/CUST9/contact-preferences")
    assert_error(r, 404, "customer_not_found")
    assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
    assert api.get("cust1", f"{V1}/customers/CUST1/contact-preferences").json()["customer"] == "CUST1"


def c_set_preference(api, s):
    before = api.snapshot()
    url = f"{V1}/customers/{{}}/contact-preferences/shipped"
    r = api.request("cust1", "PUT", url.format("CUST2"), json={"enabled": False})
    missing = api.request("cust1", "PUT", url.format("CUST9"), json={"enabled": False})
    assert_error(r, 404, "customer_not_found")
    assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")  # the code it was given, no more
    assert api.snapshot() == before
    assert api.get("cust2", f"{V1}/customers/CUST2/contact-preferences").json()["touchpoints"][2]["enabled"]
    r = api.request("cust1", "PUT", f"{V1}/customers/CUST1/contact-preferences/shipped", json={"enabled": False})
    assert r.status_code == 200 and r.json()["customer"] == "CUST1"


CHECKS = {
    ("GET", f"{V1}/webhooks/event-types"): c_event_types,
    ("POST", f"{V1}/webhooks/subscriptions"): c_create_subscription,
    ("GET", f"{V1}/webhooks/subscriptions"): c_list_subscriptions,
    ("GET", f"{V1}/webhooks/subscriptions/{{subscription_id}}"): c_get_subscription,
    ("PATCH", f"{V1}/webhooks/subscriptions/{{subscription_id}}"): c_patch_subscription,
    ("POST", f"{V1}/webhooks/subscriptions/{{subscription_id}}/rotate-secret"): c_rotate_secret,
    ("POST", f"{V1}/webhooks/subscriptions/{{subscription_id}}/ping"): c_ping,
    ("GET", f"{V1}/webhooks/deliveries"): c_list_deliveries,
    ("GET", f"{V1}/webhooks/deliveries/{{delivery_id}}"): c_get_delivery,
    ("POST", f"{V1}/webhooks/deliveries/{{delivery_id}}/redeliver"): c_redeliver,
    ("GET", f"{V1}/outbox/messages"): staff_only("GET", "/outbox/messages"),
    ("GET", f"{V1}/outbox/status"): staff_only("GET", "/outbox/status"),
    ("GET", f"{V1}/outbox/emails"): staff_only("GET", "/outbox/emails"),
    ("GET", f"{V1}/outbox/emails/{{email_id}}"): staff_only("GET", "/outbox/emails/1"),
    ("POST", f"{V1}/outbox/emails/{{email_id}}/resend"): staff_only("POST", "/outbox/emails/1/resend", {}),
    ("GET", f"{V1}/scheduled-jobs"): staff_only("GET", "/scheduled-jobs"),
    ("GET", f"{V1}/customers/{{code}}/contact-preferences"): c_get_preferences,
    ("PUT", f"{V1}/customers/{{code}}/contact-preferences/{{touchpoint}}"): c_set_preference,
}


def actions() -> list[Action]:
    return [
        Action("webhook event types", WEBHOOKERS, "GET", "/webhooks/event-types"),
        Action("create subscription", WEBHOOKERS, "POST", "/webhooks/subscriptions",
               {"url": "https://hooks.example/{who}", "event_types": ["order.shipped"]}),
        Action("list subscriptions", WEBHOOKERS, "GET", "/webhooks/subscriptions"),
        Action("read subscription", WEBHOOKERS, "GET", "/webhooks/subscriptions/{sub}"),
        Action("update subscription", WEBHOOKERS, "PATCH", "/webhooks/subscriptions/{sub}",
               {"description": "by {who}"}),
        Action("rotate secret", WEBHOOKERS, "POST", "/webhooks/subscriptions/{sub}/rotate-secret"),
        Action("ping", WEBHOOKERS, "POST", "/webhooks/subscriptions/{sub}/ping"),
        Action("list deliveries", WEBHOOKERS, "GET", "/webhooks/deliveries"),
        Action("read delivery", WEBHOOKERS, "GET", "/webhooks/deliveries/{delivery}"),
        Action("redeliver", WEBHOOKERS, "POST", "/webhooks/deliveries/{delivery}/redeliver"),
        Action("outbox messages", OUTBOX_READERS, "GET", "/outbox/messages"),
        Action("outbox status", OUTBOX_READERS, "GET", "/outbox/status"),
        Action("e-mails", OUTBOX_READERS, "GET", "/outbox/emails"),
        Action("an e-mail", OUTBOX_READERS, "GET", "/outbox/emails/{email}"),
        Action("resend e-mail", MASTER, "POST", "/outbox/emails/{email}/resend", {"to": "desk@cust1.example"}),
        Action("scheduled jobs", OUTBOX_READERS, "GET", "/scheduled-jobs"),
        Action("read contact preferences", PREFERENCES, "GET", "/customers/CUST1/contact-preferences"),
        Action("set contact preference", PREFERENCES, "PUT", "/customers/CUST1/contact-preferences/delivered",
               {"address": "{who}@cust1.example"}),
    ]


def role_scene(env) -> dict[str, int]:
    """A subscription of CUST1 with a delivery, and an e-mail (the orders placed so far, dispatched)."""
    env.uow.run(lambda c: c.execute(update(customers).where(customers.c.code == "CUST1")
                                    .values(email="buyer@cust1.example")))
    dispatch_pending(env.uow, env.clock, env.settings)
    sub = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url="https://hooks.example/in",
                                   event_types=["*"], customer="CUST1")
    return {"sub": sub["id"], "delivery": subs.send_ping(env.uow, env.clock, env.actor, sub["id"]),
            "email": list_emails(env.uow, env.actor)["items"][0]["id"]}

