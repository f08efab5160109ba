"""Issue 9 end to end: the real services drive an order from placement through a back-order, a later promise,
shipping, delivery and billing, and a case through acknowledgement and resolution; the worker, pass after pass
until idle, then delivers every moment of truth to a webhook subscriber (a real local HTTP receiver, each signed
with its own id) and to the customer's inbox (a real local SMTP server). Nothing is appended by hand. On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ordercare.domain.webhooks import verify
from ordercare.services import cases
from ordercare.services import webhook_subscriptions as subs
from ordercare.services.receipts import reschedule_receipt
from ordercare.store.tables import customers
from ordercare.worker import Worker
from tests.factories import carriers, order, purchase, shipment_at, world
from tests.receivers import SmtpSink, WebhookReceiver
from tests.services.service_helpers import AGENT

BUYER = "buyer@cust1.example"


@pytest.fixture
def sinks():
    receiver, smtp = WebhookReceiver(), SmtpSink()
    yield receiver, smtp
    receiver.close()
    smtp.close()


def test_every_moment_of_truth_reaches_the_subscriber_and_the_inbox(env, sinks):
    receiver, smtp = sinks
    world(env, stock={("NEAR", "SKU-A"): 100})
    carriers(env)
    env.uow.run(lambda c: c.execute(update(customers).where(customers.c.code == "CUST1").values(email=BUYER)))
    sub = subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url, event_types=["*"])

    purchase(env, "PO-1", "NEAR", [("SKU-B", 10)], days_out=5)
    waiting = order(env, [("SKU-B", 4)])  # promised on the receipt
    order(env, [("SKU-C", 1)])  # nothing anywhere: back-ordered
    reschedule_receipt(env.uow, env.clock, env.actor, 1, env.clock.today() + timedelta(days=12), "supplier late")
    shipment_at(env, "NEAR", [("SKU-A", 2)], "delivered")  # shipped, delivered, invoiced per shipment
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(
        "CUST1", "Where is the rest?", "late_delivery", order_id=waiting, contact_email=BUYER))
    cases.acknowledge(env.uow, env.clock, AGENT, case_id, note="The supplier ships on the 16th.")
    cases.investigate(env.uow, env.clock, AGENT, case_id)
    cases.resolve(env.uow, env.clock, AGENT, case_id, "new date confirmed with the supplier")

    worker = Worker(env.uow, env.clock, env.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "orders@acme.example"}), jobs=[])
    passes = 0
    while worker.run_once():  # a batch per pass, as the worker process loops
        passes += 1
        assert passes < 20

    types = [r.json["type"] for r in receiver.received]
    for wanted in ("order.placed", "order.confirmed", "order.backordered", "order.promised_date_changed",
                   "order.shipped", "order.delivered", "order.invoiced", "case.opened", "case.updated",
                   "case.acknowledged", "case.resolved"):
        assert wanted in types, (wanted, sorted(set(types)), len(types))
    now = int(env.clock.now().timestamp())
    assert all(verify(sub["secret"], r.headers["Ordercare-Signature"], r.body, now) for r in receiver.received)
    assert len({r.event_id for r in receiver.received}) == len(receiver.received)

    subjects = [m["Subject"] for rcpt, m in smtp.messages if rcpt == [BUYER]]
    for words in ("confirmed", "new delivery date", "has shipped", "delivered", "Invoice INV-", "we are on it",
                  "is resolved"):
        assert any(words in s for s in subjects), (words, subjects)
