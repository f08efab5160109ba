"""E-mail at each moment of truth, sent to a real local SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import NotFound, ValidationFailed
from ordercare.services import contact_preferences as prefs
from ordercare.services import outbox_views
from ordercare.services.receipts import reschedule_receipt
from ordercare.store.events import append_event
from ordercare.store.tables import customers
from ordercare.worker import Worker
from tests.factories import order, purchase, shipment_at, world
from tests.receivers import SmtpSink

BUYER = "buyer@cust1.example"


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def shop(env):
    world(env, stock={("NEAR", "SKU-A"): 100, ("FAR", "SKU-C"): 20}, customers=("CUST1", "CUST2"))
    env.uow.run(lambda c: c.execute(update(customers).where(customers.c.code == "CUST1").values(email=BUYER)))
    return env


def send(env, smtp, **extra) -> Worker:
    settings = env.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                               "smtp_from": "Orders <orders@acme.example>",
                                               "company_name": "ACME Distribution", **extra})
    w = Worker(env.uow, env.clock, settings, jobs=[])
    w.run_once()
    return w


def by_subject(smtp, word: str):
    found = [(rcpt, m) for rcpt, m in smtp.messages if word in m["Subject"]]
    assert len(found) == 1, [m["Subject"] for _, m in smtp.messages]
    return found[0]


def test_order_confirmation_with_promised_dates_per_line(shop, smtp):
    env = shop
    oid = order(env, [("SKU-A", 3), ("SKU-B", 2)])  # SKU-B has no stock: back-ordered
    order(env, [("SKU-A", 1)], customer="CUST2")  # CUST2 has no address: nothing is sent to it
    send(env, smtp)
    rcpt, msg = by_subject(smtp, "confirmed")
    assert rcpt == [BUYER] and msg["To"] == BUYER and msg["From"] == "Orders <orders@acme.example>"
    assert msg["Subject"] == f"Order SO-{oid:07d} confirmed"
    text = msg.get_body(("plain",)).get_content()
    assert "3 × SKU-A Product SKU-A: delivery by 2026-03-04" in text  # NEAR: 1 day handling + 1 day transit
    assert "2 × SKU-B Product SKU-B: back-ordered" in text
    assert "Total: 50.00 EUR" in text and "ACME Distribution" in text
    html = msg.get_body(("html",)).get_content()
    assert f"<b>SO-{oid:07d}</b>" in html and "2026-03-04" in html
    assert msg["Message-ID"].endswith(".order_confirmation@ordercare>")
    assert len(smtp.messages) == 1
    skipped = outbox_views.list_emails(env.uow, env.actor, customer="CUST2")["items"]
    assert [(e["state"], e["last_error"]) for e in skipped] == [
        ("skipped", "no e-mail address for this customer and touchpoint")]
    sent = outbox_views.list_emails(env.uow, env.actor, customer="CUST1")["items"]
    assert [(e["touchpoint"], e["state"], e["to"]) for e in sent] == [("order_confirmation", "sent", BUYER)]
    send(env, smtp)
    assert len(smtp.messages) == 1  # sent once


def test_a_later_promise_is_a_delay_notice_and_an_earlier_one_is_not(shop, smtp):
    env = shop
    purchase(env, "PO-1", "NEAR", [("SKU-B", 10)], days_out=5)
    oid = order(env, [("SKU-B", 4)])
    send(env, smtp)
    assert len(smtp.messages) == 1  # the confirmation
    receipt_id = 1
    reschedule_receipt(env.uow, env.clock, env.actor, receipt_id, env.clock.today() + timedelta(days=12),
                       "supplier late")
    send(env, smtp)
    rcpt, msg = by_subject(smtp, "new delivery date")
    text = msg.get_body(("plain",)).get_content()
    assert rcpt == [BUYER] and f"SO-{oid:07d}" in msg["Subject"]
    assert "Promised until now: 2026-03-09" in text and "New date: 2026-03-16" in text
    assert "Why: supplier late" in text
    reschedule_receipt(env.uow, env.clock, env.actor, receipt_id, env.clock.today() + timedelta(days=8), "better")
    send(env, smtp)
    assert len(smtp.messages) == 2  # good news is on the timeline and the webhooks, not a delay notice


def test_shipped_with_tracking_and_delivered(shop, smtp):
    env = shop
    from tests.factories import carriers
    carriers(env)
    shipment_at(env, "FAR", [("SKU-C", 2)], "delivered")
    send(env, smtp)
    _, shipped = by_subject(smtp, "has shipped")
    text = shipped.get_body(("plain",)).get_content()
    tracking = shipped["Subject"].rsplit(" ", 1)[1]
    assert tracking.endswith("000000001") and f"Tracking number: {tracking}" in text
    assert "Carrier:" in text and "2 unit(s)" in text
    _, delivered = by_subject(smtp, "delivered")
    assert "signed for by Goods-in" in delivered.get_body(("plain",)).get_content()
    assert {rcpt[0] for rcpt, _ in smtp.messages} == {BUYER}


def test_contact_preferences_choose_touchpoints_and_addresses(shop, smtp):
    env = shop
    prefs.set_preference(env.uow, env.actor, "CUST1", "order_confirmation", address="orders@cust1.example")
    view = prefs.set_preference(env.uow, env.actor, "CUST1", "shipped", enabled=False)
    by_tp = {t["touchpoint"]: t for t in view["touchpoints"]}
    assert by_tp["shipped"]["sends_to"] is None and by_tp["delivered"]["sends_to"] == BUYER
    assert by_tp["order_confirmation"]["sends_to"] == "orders@cust1.example"
    from tests.factories import carriers
    carriers(env)
    shipment_at(env, "FAR", [("SKU-C", 1)], "delivered")
    send(env, smtp)
    sent = {e["touchpoint"]: e["to"] for e in outbox_views.list_emails(env.uow, env.actor, state="sent")["items"]}
    assert sent["order_confirmation"] == "orders@cust1.example" and sent["delivered"] == BUYER
    assert "shipped" not in sent
    assert sorted(rcpt[0] for rcpt, _ in smtp.messages) == sorted(sent.values())
    # Back to the defaults: the row goes; bad input changes nothing.
    prefs.set_preference(env.uow, env.actor, "CUST1", "order_confirmation", address="")
    for kwargs, code in [({"touchpoint": "fax", "enabled": True}, "unknown_touchpoint"),
                         ({"touchpoint": "shipped", "address": "not-an-address"}, "invalid_email")]:
        with pytest.raises(ValidationFailed) as e:
            prefs.set_preference(env.uow, env.actor, "CUST1", **kwargs)
        assert e.value.code == code
    view = prefs.get_preferences(env.uow, env.actor, "CUST1")
    assert [t["touchpoint"] for t in view["touchpoints"] if t["sends_to"] != BUYER] == ["shipped"]
    # A customer user sees and changes its own preferences only.
    portal = Actor(9, "portal", Role.CUSTOMER, customer_id=2)
    with pytest.raises(NotFound):
        prefs.get_preferences(env.uow, portal, "CUST1")
    assert prefs.set_preference(env.uow, portal, "CUST2", "survey_invitation", enabled=False)["customer"] == "CUST2"


@pytest.mark.parametrize("kind,payload,touchpoint,words", [
    ("invoiced", {"invoice": "INV-2026-00042", "amount": "1234.50", "currency": "EUR", "due_on": "2026-04-01",
                  "terms": "2/10 net 30", "discount_until": "2026-03-12", "discount_amount": "24.69"},
     "invoice", ["Invoice INV-2026-00042", "Amount: 1234.50 EUR", "Due: 2026-04-01",
                 "(24.69 discount if paid by 2026-03-12)"]),
    ("case_opened", {"case": "CS-000017", "category": "damage", "subject": "Two racks arrived bent",
                     "respond_by": "2026-03-03 17:00"},
     "case_acknowledged", ["We received your case CS-000017", "Two racks arrived bent", "by 2026-03-03 17:00"]),
    ("case_resolved", {"case": "CS-000017", "resolution": "replacement shipped, credit note for freight"},
     "case_resolved", ["case CS-000017 is resolved", "Resolution: replacement shipped"]),
    ("survey_sent", {"url": "https://acme.example/survey/abc123"},
     "survey_invitation", ["How did we do", "https://acme.example/survey/abc123"]),
])
def test_touchpoints_of_billing_and_post_sale_from_synthetic_events(shop, smtp, kind, payload, touchpoint, words):
    env = shop
    oid = order(env, [("SKU-A", 1)])
    env.uow.run(lambda c: append_event(c, oid, kind, at=env.clock.now(), actor="someone", payload=payload))
    send(env, smtp)
    [mail] = [m for m in outbox_views.list_emails(env.uow, env.actor)["items"] if m["touchpoint"] == touchpoint]
    assert mail["state"] == "sent" and mail["to"] == BUYER
    rcpt, msg = next((r, m) for r, m in smtp.messages if m["Subject"] == mail["subject"])
    both = msg["Subject"] + "\n" + msg.get_body(("plain",)).get_content()
    for w in words:
        assert w in both, (w, both)
    assert rcpt == [BUYER]


def test_escalations_go_to_staff(shop, smtp):
    env = shop
    oid = order(env, [("SKU-A", 1)])
    env.uow.run(lambda c: append_event(c, oid, "escalated", at=env.clock.now(), actor="sla-clock", reason="response SLA breached",
                                       payload={"case": "CS-000018", "level": 2, "due": "2026-03-02 13:00"}))
    send(env, smtp, staff_email="service-managers@acme.example")
    rcpt, msg = by_subject(smtp, "[Escalation]")
    text = msg.get_body(("plain",)).get_content()
    assert rcpt == ["service-managers@acme.example"]
    assert "CS-000018" in msg["Subject"] and "Customer CUST1" in msg["Subject"]
    assert "Why: response SLA breached" in text and "Level: 2" in text and "by sla-clock" in text
    assert msg.get_body(("html",)) is None or msg.get_body(("html",)).get_content_type() == "text/plain"


def test_smtp_refusals_retry_when_temporary_and_fail_when_permanent(shop):
    env = shop
    sink = SmtpSink(refuse=451)
    try:
        order(env, [("SKU-A", 1)])
        send(env, sink)
        [e] = outbox_views.list_emails(env.uow, env.actor)["items"]
        assert (e["state"], e["attempts"]) == ("pending", 1) and "451" in e["last_error"]
        sink.refuse = None
        env.clock.advance(minutes=5)
        send(env, sink)
        assert outbox_views.list_emails(env.uow, env.actor)["items"][0]["state"] == "sent"
        assert len(sink.messages) == 1
        sink.refuse = 550
        order(env, [("SKU-A", 1)])
        send(env, sink)
        failed = outbox_views.list_emails(env.uow, env.actor, state="failed")["items"]
        assert len(failed) == 1 and "550" in failed[0]["last_error"]
        sink.refuse = None
        outbox_views.resend_email(env.uow, env.clock, env.actor, failed[0]["id"], to="other@cust1.example")
        send(env, sink)
        assert sink.messages[-1][0] == ["other@cust1.example"]
    finally:
        sink.close()


def test_without_an_smtp_server_e_mails_wait(shop):
    env = shop
    order(env, [("SKU-A", 1)])
    Worker(env.uow, env.clock, env.settings, jobs=[]).run_once()  # smtp_host is empty
    [e] = outbox_views.list_emails(env.uow, env.actor)["items"]
    assert (e["state"], e["attempts"]) == ("pending", 0)
