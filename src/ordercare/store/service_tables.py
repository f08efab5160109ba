"""Post-sale service: SLA calendars and policies, cases and their history, returns and dispositions,
non-sellable stock, CSAT. Invoices and credit notes are referred to by plain id (billing is its own schema)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, \
    Numeric, String, Table, UniqueConstraint

from ..domain.business_hours import OFFICE_HOURS
from ..domain.returns import DEFAULT_POLICY
from ..domain.sla import DEFAULT_POLICIES
from .tables import TS, Id, Money, metadata

business_calendars = Table(
    "business_calendars", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),  # IANA name
    Column("hours", JSON, nullable=False),  # {"mon": ["09:00-17:00"], ...}
)

calendar_holidays = Table(
    "calendar_holidays", metadata,
    Column("calendar_code", String(40), ForeignKey("business_calendars.code"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("name", String(200), nullable=False),
)

sla_policies = Table(
    "sla_policies", metadata,
    Column("code", String(40), primary_key=True),
    Column("service_package", String(20), ForeignKey("service_packages.code"), nullable=True),  # NULL: any
    Column("priority", String(10), nullable=False),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolution_minutes", Integer, nullable=False),
    Column("calendar_code", String(40), ForeignKey("business_calendars.code"), nullable=False),
    Column("escalation", JSON, nullable=False),  # [{"level": 1, "role": "team_lead", "after_minutes": 0}, ...]
    CheckConstraint("first_response_minutes > 0 AND resolution_minutes >= first_response_minutes", name="targets"),
)

return_policies = Table(
    "return_policies", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("window_days", Integer, nullable=False),
    Column("warranty_days", Integer, nullable=False),
    Column("allowed_reasons", JSON, nullable=False),
    Column("restocking_fee_pct", Numeric(5, 2), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    CheckConstraint("window_days >= 0 AND warranty_days >= 0 AND restocking_fee_pct >= 0 "
                    "AND restocking_fee_pct <= 100", name="terms"),
)

account_reps = Table(  # the dedicated rep of a customer (DOMAIN §6, package "dedicated rep")
    "account_reps", metadata,
    Column("customer_id", Id, ForeignKey("customers.id"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("assigned_at", TS, nullable=False),
    Column("assigned_by", String(100), nullable=False),
)

returns = Table(
    "returns", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("policy_code", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("note", String(2000), nullable=True),  # the customer's words: personal data
    Column("requested_at", TS, nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("decided_at", TS, nullable=True),
    Column("decided_by", String(100), nullable=True),
    Column("decision_note", String(500), nullable=True),
    Column("policy_override", Boolean, nullable=False, default=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=True),  # where the goods come back
    Column("resolution", String(30), nullable=True),
    Column("resolved_at", TS, nullable=True),
    Column("replacement_order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("credit_note_id", BigInteger, nullable=True),  # billing's id, no foreign key
    Column("refund_id", BigInteger, nullable=True),
    Column("restocking_fee", Money, nullable=False, default=0),
    Column("anonymised_at", TS, nullable=True),
)

return_lines = Table(
    "return_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", Id, ForeignKey("returns.id"), nullable=False, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, index=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("reason", String(30), nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("fee_pct", Numeric(5, 2), nullable=False, default=0),
    Column("restocking_fee", Money, nullable=False, default=0),
    Column("qty_received", Integer, nullable=False, default=0),
    Column("qty_disposed", Integer, nullable=False, default=0),
    CheckConstraint("qty > 0 AND qty_received >= 0 AND qty_received <= qty AND qty_disposed >= 0 "
                    "AND qty_disposed <= qty_received", name="qty"),
)

return_dispositions = Table(
    "return_dispositions", metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", Id, ForeignKey("returns.id"), nullable=False, index=True),
    Column("return_line_id", Id, ForeignKey("return_lines.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("disposition", String(30), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("note", String(500), nullable=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    CheckConstraint("qty > 0", name="qty"),
)

return_events = Table(
    "return_events", metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", Id, ForeignKey("returns.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=True),
    Column("note", String(2000), nullable=True),
    Column("payload", JSON, nullable=True),
)

nonsellable_stock = Table(  # returned units that are not on the shelf: inspection, refurbish, repair, parts, …
    "nonsellable_stock", metadata,
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), primary_key=True),
    Column("bucket", String(30), primary_key=True),
    Column("qty", Integer, nullable=False, default=0),
    CheckConstraint("qty >= 0", name="qty"),
)

nonsellable_moves = Table(
    "nonsellable_moves", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("bucket", String(30), nullable=False),
    Column("qty", Integer, nullable=False),  # + in, − out
    Column("kind", String(30), nullable=False),  # return_received, disposition, restocked
    Column("ref", String(100), nullable=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
)
Index("ix_nonsellable_moves_wh_product", nonsellable_moves.c.warehouse_id, nonsellable_moves.c.product_id)

no_charge_orders = Table(  # replacement and reship orders: shipped through the normal flow, not invoiced
    "no_charge_orders", metadata,
    Column("order_id", Id, ForeignKey("orders.id"), primary_key=True),
    Column("original_order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("source", String(20), nullable=False),  # return, case
    Column("source_ref", String(40), nullable=False),  # RMA-…, CS-…
    Column("created_at", TS, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("category", String(30), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("status", String(30), nullable=False, index=True),
    Column("subject", String(200), nullable=False),
    Column("description", String(4000), nullable=True),
    Column("contact_name", String(200), nullable=True),
    Column("contact_email", String(200), nullable=True),
    Column("contact_phone", String(50), nullable=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True, index=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=True),
    Column("invoice_id", BigInteger, nullable=True),  # billing's id, no foreign key
    Column("return_id", Id, ForeignKey("returns.id"), nullable=True),
    Column("queue", String(30), nullable=False, index=True),
    Column("assigned_user_id", Id, ForeignKey("users.id"), nullable=True),
    # The SLA the case was opened under, kept as it was (a later policy change does not rewrite history).
    Column("sla_policy", String(40), nullable=True),
    Column("calendar_code", String(40), ForeignKey("business_calendars.code"), nullable=False),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolution_minutes", Integer, nullable=False),
    Column("escalation", JSON, nullable=False),
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("opened_at", TS, nullable=False),
    Column("acknowledged_at", TS, nullable=True),
    Column("resolved_at", TS, nullable=True),
    Column("closed_at", TS, nullable=True),
    Column("root_cause", String(40), nullable=True),
    Column("department", String(40), nullable=True),
    Column("root_cause_note", String(1000), nullable=True),
    Column("resolution", String(2000), nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("anonymised_at", TS, nullable=True),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("from_status", String(30), nullable=True),
    Column("to_status", String(30), nullable=True),
    Column("note", String(2000), nullable=True),
    Column("payload", JSON, nullable=True),
)
Index("ix_case_events_kind", case_events.c.kind)

case_pauses = Table(  # waiting on the customer: the SLA clocks stand still
    "case_pauses", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
)

case_escalations = Table(  # one row per clock and level: the escalation job is idempotent by this key
    "case_escalations", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("clock", String(20), nullable=False),  # first_response, resolution
    Column("level", Integer, nullable=False),
    Column("role", String(40), nullable=False),
    Column("due_at", TS, nullable=True),
    Column("at", TS, nullable=False),
    UniqueConstraint("case_id", "clock", "level", name="uq_case_escalations_case_clock_level"),
)

recovery_actions = Table(
    "recovery_actions", metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("cost", Money, nullable=False),  # what the failure cost the firm through this action
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),  # reship
    Column("return_id", Id, ForeignKey("returns.id"), nullable=True),
    Column("credit_note_id", BigInteger, nullable=True),
    Column("refund_id", BigInteger, nullable=True),
    Column("note", String(1000), nullable=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    CheckConstraint("cost >= 0", name="cost"),
)

csat_responses = Table(  # a survey sent (score NULL) or answered, about one touchpoint
    "csat_responses", metadata,
    Column("id", Id, primary_key=True),
    Column("touchpoint", String(30), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=True, index=True),
    Column("return_id", Id, ForeignKey("returns.id"), nullable=True),
    Column("score", Integer, nullable=True),
    Column("comment", String(2000), nullable=True),
    Column("requested_at", TS, nullable=True),
    Column("answered_at", TS, nullable=True),
    Column("answered_by", String(100), nullable=True),
    CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score"),
)
Index("ix_csat_touchpoint", csat_responses.c.touchpoint, csat_responses.c.answered_at)


def reference_rows() -> list[tuple[Table, list[dict]]]:
    """The defaults a new database starts with: an office-hours calendar, SLA policies, a returns policy."""
    return [
        (business_calendars, [{"code": "STANDARD", "name": "Office hours Mon-Fri 09:00-17:00",
                               "timezone": "Europe/Amsterdam", "hours": OFFICE_HOURS}]),
        (sla_policies, [{"code": p.code, "service_package": p.service_package, "priority": p.priority,
                         "first_response_minutes": p.first_response_minutes,
                         "resolution_minutes": p.resolution_minutes, "calendar_code": p.calendar,
                         "escalation": [{"level": e.level, "role": e.role, "after_minutes": e.after_minutes}
                                        for e in p.escalation]} for p in DEFAULT_POLICIES]),
        (return_policies, [{"code": DEFAULT_POLICY.code, "name": "Standard returns policy",
                            "window_days": DEFAULT_POLICY.window_days, "warranty_days": DEFAULT_POLICY.warranty_days,
                            "allowed_reasons": sorted(DEFAULT_POLICY.allowed_reasons),
                            "restocking_fee_pct": DEFAULT_POLICY.restocking_fee_pct, "is_default": True}]),
    ]
