"""The transactional outbox and what it feeds: webhook subscriptions and deliveries, e-mails, contact
preferences, and the bookkeeping of scheduled jobs.

Work rows (deliveries, e-mails) move by state, never by an id cursor: on PostgreSQL ids commit out of
order, so "everything after id N" can miss a row that commits late. pending -> sending (claimed by one
worker until lease_until) -> delivered/sent, or back to pending with a later next_attempt_at, or failed.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from .tables import TS, Id, metadata

outbox_messages = Table(  # written in the same transaction as the change it reports
    "outbox_messages", metadata,
    Column("id", Id, primary_key=True),
    Column("event_type", String(60), nullable=False),  # order.shipped, case.escalated, … (domain/outbox.py)
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),  # NULL: the order's, found at dispatch
    Column("occurred_at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("data", JSON, nullable=True),
    Column("state", String(20), nullable=False),  # pending, dispatched
    Column("message_id", String(40), nullable=True, unique=True),  # given at dispatch; receivers dedupe by it
    Column("dispatched_at", TS, nullable=True),
    Column("body", Text, nullable=True),  # the JSON document sent, fixed at dispatch: every retry sends the same
)
Index("ix_outbox_messages_state", outbox_messages.c.state, outbox_messages.c.id)
Index("ix_outbox_messages_order", outbox_messages.c.order_id)

webhook_subscriptions = Table(
    "webhook_subscriptions", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True, index=True),  # NULL: global (staff)
    Column("url", String(500), nullable=False),
    Column("event_types", JSON, nullable=False),  # list of types, or ["*"]
    # Kept readable: the worker signs with it. Shown once at creation and on rotation.
    Column("secret", String(100), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)

webhook_deliveries = Table(  # one message to one subscription
    "webhook_deliveries", metadata,
    Column("id", Id, primary_key=True),
    Column("outbox_message_id", Id, ForeignKey("outbox_messages.id"), nullable=False),
    Column("subscription_id", Id, ForeignKey("webhook_subscriptions.id"), nullable=False, index=True),
    Column("state", String(20), nullable=False),  # pending, sending, delivered, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_until", TS, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("delivered_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("outbox_message_id", "subscription_id", name="uq_webhook_deliveries_message_subscription"),
)
Index("ix_webhook_deliveries_due", webhook_deliveries.c.state, webhook_deliveries.c.next_attempt_at)

webhook_attempts = Table(  # the delivery history: every try, its answer or error
    "webhook_attempts", metadata,
    Column("id", Id, primary_key=True),
    Column("delivery_id", Id, ForeignKey("webhook_deliveries.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("worker", String(100), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(500), nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("response_excerpt", String(500), nullable=True),
)

email_messages = Table(
    "email_messages", metadata,
    Column("id", Id, primary_key=True),
    Column("outbox_message_id", Id, ForeignKey("outbox_messages.id"), nullable=True),
    Column("touchpoint", String(40), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True, index=True),  # NULL: to staff
    Column("to_address", String(200), nullable=True),
    Column("subject", String(300), nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=True),
    Column("state", String(20), nullable=False),  # pending, sending, sent, failed, skipped
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_until", TS, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("sent_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("outbox_message_id", "touchpoint", name="uq_email_messages_message_touchpoint"),
)
Index("ix_email_messages_due", email_messages.c.state, email_messages.c.next_attempt_at)

contact_preferences = Table(  # absent row: the touchpoint is on, to customers.email
    "contact_preferences", metadata,
    Column("customer_id", Id, ForeignKey("customers.id"), primary_key=True),
    Column("touchpoint", String(40), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("address", String(200), nullable=True),  # NULL: customers.email
)

scheduled_jobs = Table(  # one row per registered job: when it runs next, who holds it, how it went
    "scheduled_jobs", metadata,
    Column("name", String(100), primary_key=True),
    Column("next_run_at", TS, nullable=False),
    Column("lease_until", TS, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("last_started_at", TS, nullable=True),
    Column("last_finished_at", TS, nullable=True),
    Column("last_status", String(20), nullable=True),  # ok, failed
    Column("last_error", String(500), nullable=True),
    Column("runs", Integer, nullable=False, default=0),
)
