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


def test_invoice_from_billings_timeline_event(shop, smtp):
    """Billing writes "invoiced" on each order an invoice bills (services/ledger.invoice_events); this is its shape."""
    env = shop
    oid = order(env, [("SKU-A", 1)])
    env.uow.run(lambda c: append_event(c, oid, "invoiced", at=env.clock.now(), actor="billing", payload={
        "invoice": "INV-0000042", "total": "1234.50", "due_on": "2026-04-01", "terms": "2/10 net 30",
        "discount_until": "2026-03-12"}))
    send(env, smtp)
    rcpt, msg = by_subject(smtp, "Invoice INV-0000042")
    text = msg.get_body(("plain",)).get_content()
    assert rcpt == [BUYER] and f"for order SO-{oid:07d}" in msg["Subject"]
    for words in ("Amount: 1234.50 EUR", "Due: 2026-04-01", "Terms: 2/10 net 30 (discount if paid by 2026-03-12)"):
        assert words in text, text


def test_a_case_from_acknowledgement_to_survey_and_its_escalation_to_staff(shop, smtp):
    """The post-sale services' own steps: acknowledged and resolved go to the contact named on the case,
    the follow-up's survey invitation too; an SLA escalation goes to the staff address."""
    from ordercare.services import cases, sla_escalation
    from tests.services.service_helpers import AGENT, MANAGER
    env = shop
    oid = order(env, [("SKU-A", 1)])
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(
        "CUST1", "Two racks arrived bent", "damaged_goods", order_id=oid, contact_email="claims@cust1.example"))
    send(env, smtp)
    assert len(smtp.messages) == 1  # the order confirmation; logging a case is not yet an acknowledgement
    env.clock.set(env.clock.now().replace(day=5, hour=9))  # past the first-response target: escalated
    sla_escalation.run_sla_escalations(env.uow, env.clock, MANAGER)
    cases.acknowledge(env.uow, env.clock, AGENT, case_id, note="We are sending a technician on Friday.")
    cases.investigate(env.uow, env.clock, AGENT, case_id)
    cases.resolve(env.uow, env.clock, AGENT, case_id, "two new racks delivered and installed")
    cases.follow_up(env.uow, env.clock, AGENT, case_id)
    send(env, smtp, staff_email="service-managers@acme.example", public_url="https://portal.acme.example")
    number = f"CS-{case_id:07d}"
    rcpt, ack = by_subject(smtp, "we are on it")
    text = ack.get_body(("plain",)).get_content()
    assert rcpt == ["claims@cust1.example"] and number in ack["Subject"]
    assert '"Two racks arrived bent" (damaged_goods)' in text and "technician on Friday" in text
    rcpt, done = by_subject(smtp, "is resolved")
    assert rcpt == ["claims@cust1.example"]
    assert "What we did: two new racks delivered and installed" in done.get_body(("plain",)).get_content()
    rcpt, survey = by_subject(smtp, "How did we do")
    assert rcpt == ["claims@cust1.example"]
    assert "https://portal.acme.example" in survey.get_body(("plain",)).get_content()
    rcpt, esc = by_subject(smtp, "[Escalation L1]")
    text = esc.get_body(("plain",)).get_content()
    assert rcpt == ["service-managers@acme.example"] and number in esc["Subject"]
    assert "Overdue: the first response clock" in text and "team_lead" in text


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
