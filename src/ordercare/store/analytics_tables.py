"""Service versus cost: inventory-policy settings, per-product lead times, stockout outcomes; lead-time offers
at quotation (the rules, and the package terms and offers of each quote line)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, Numeric, String, Table, \
    UniqueConstraint

from ..analytics.stockout_cost import DEFAULT_OUTCOMES
from ..domain.lead_time_offers import DEFAULT_RULES
from .tables import Id, Money, metadata

inventory_policy_settings = Table(  # one row (id 1): the defaults every SKU's policy starts from
    "inventory_policy_settings", metadata,
    Column("id", Integer, primary_key=True),
    Column("holding_rate", Numeric(6, 4), nullable=False),  # per year, as a fraction of unit cost
    Column("order_cost", Money, nullable=False),  # K: cost of placing one replenishment order
    Column("lead_time_days", Numeric(7, 2), nullable=False),  # when a SKU has neither history nor its own
    Column("lead_time_sd_days", Numeric(7, 2), nullable=False),
    Column("history_weeks", Integer, nullable=False),  # demand window
    Column("min_receipts", Integer, nullable=False),  # receipts needed before the history's lead time is used
    CheckConstraint("id = 1 AND holding_rate >= 0 AND order_cost >= 0 AND lead_time_days >= 0 AND "
                    "lead_time_sd_days >= 0 AND history_weeks >= 2 AND history_weeks <= 520 AND min_receipts >= 2",
                    name="values"),
)

product_lead_times = Table(  # a product's own supplier lead time, used while its receipt history is thin
    "product_lead_times", metadata,
    Column("product_id", Id, ForeignKey("products.id"), primary_key=True),
    Column("lead_time_days", Numeric(7, 2), nullable=False),
    Column("lead_time_sd_days", Numeric(7, 2), nullable=False),
    Column("order_cost", Money, nullable=True),  # NULL: the settings' order cost
    CheckConstraint("lead_time_days >= 0 AND lead_time_sd_days >= 0 AND (order_cost IS NULL OR order_cost >= 0)",
                    name="values"),
)

stockout_outcomes = Table(  # what a stockout leads to, and what each outcome costs per unit short
    "stockout_outcomes", metadata,
    Column("code", String(20), primary_key=True),  # customer_waits, back_order, lost_sale, lost_customer
    Column("probability", Numeric(5, 4), nullable=False),
    Column("cost_per_unit", Money, nullable=False),
    Column("margin_multiple", Numeric(8, 2), nullable=False),
    CheckConstraint("probability >= 0 AND probability <= 1 AND cost_per_unit >= 0 AND margin_multiple >= 0",
                    name="values"),
)

offer_rules = Table(
    "offer_rules", metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("basis", String(20), nullable=False),  # promise | package
    Column("days", Integer, nullable=False),
    Column("price_adjustment_pct", Numeric(6, 2), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    CheckConstraint("basis IN ('promise', 'package') AND price_adjustment_pct >= -90 AND "
                    "price_adjustment_pct <= 500", name="rule"),
)

quote_line_terms = Table(  # the package a quote line was quoted under
    "quote_line_terms", metadata,
    Column("quote_line_id", Id, ForeignKey("quote_lines.id"), primary_key=True),
    Column("service_package", String(20), nullable=False),
    Column("package_lead_time_days", Integer, nullable=False),
    Column("package_date", Date, nullable=False),
    Column("earliest_date", Date, nullable=True),  # ATP-based delivery before the requested-date bound
    Column("expedite", Boolean, nullable=False),  # requested earlier than the package allows
)

quote_line_offers = Table(  # the offers a quote line was made, at the prices they were made at
    "quote_line_offers", metadata,
    Column("id", Id, primary_key=True),
    Column("quote_line_id", Id, ForeignKey("quote_lines.id"), nullable=False, index=True),
    Column("code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("price_adjustment_pct", Numeric(6, 2), nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    UniqueConstraint("quote_line_id", "code", name="uq_quote_line_offers_line_code"),
)


DEFAULT_SETTINGS = {"id": 1, "holding_rate": "0.2500", "order_cost": "50.00", "lead_time_days": "14.00",
                    "lead_time_sd_days": "3.00", "history_weeks": 26, "min_receipts": 3}


def reference_rows() -> list[tuple[Table, list[dict]]]:
    """The defaults a new database starts with: policy settings, stockout outcomes, offer rules."""
    from decimal import Decimal
    settings = {k: Decimal(v) if isinstance(v, str) else v for k, v in DEFAULT_SETTINGS.items()}
    return [
        (inventory_policy_settings, [settings]),
        (stockout_outcomes, [{"code": o.code, "probability": o.probability, "cost_per_unit": o.cost_per_unit,
                              "margin_multiple": o.margin_multiple} for o in DEFAULT_OUTCOMES]),
        (offer_rules, [{"code": r.code, "name": r.name, "basis": str(r.basis), "days": r.days,
                        "price_adjustment_pct": r.price_adjustment_pct, "active": r.active} for r in DEFAULT_RULES]),
    ]
