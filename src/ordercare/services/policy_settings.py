"""The data behind service versus cost: policy settings, a product's own lead time, the stockout outcomes, and
the lead-time offer rules of quotation. Every change is validated whole before anything is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..analytics.stockout_cost import StockoutOutcome, check_outcomes
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.lead_time_offers import OfferBasis, OfferRule, check_rule
from ..store.analytics_tables import inventory_policy_settings, offer_rules, product_lead_times, stockout_outcomes
from ..store.db import UnitOfWork
from ..store.tables import products
from .policy_inputs import MAX_WEEKS, load_outcomes, load_settings

SETTING_LIMITS = {  # field: (lowest, highest)
    "holding_rate": (Decimal(0), Decimal(5)),
    "order_cost": (Decimal(0), Decimal("1000000")),
    "lead_time_days": (Decimal(0), Decimal(3650)),
    "lead_time_sd_days": (Decimal(0), Decimal(3650)),
    "history_weeks": (2, MAX_WEEKS),
    "min_receipts": (2, 1000),
}


def _in_range(field: str, value, lo, hi) -> None:
    if value is None or not lo <= value <= hi:
        code = "negative_rate" if value is not None and value < 0 else "out_of_range"
        raise ValidationFailed(code, f"{field}: must be between {lo} and {hi}", field=field, value=str(value))


def get_policy_settings(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    actor.require(Permission.READ_ANALYTICS)
    with uow.read() as conn:
        s = load_settings(conn)
    s.pop("id")
    return s


def update_policy_settings(uow: UnitOfWork, actor: Actor, changes: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.MANAGE_POLICY)
    for field, value in changes.items():
        if field not in SETTING_LIMITS:
            raise ValidationFailed("unknown_field", f"{field}: not a policy setting", field=field)
        _in_range(field, value, *SETTING_LIMITS[field])
    if changes:
        uow.run(lambda conn: conn.execute(update(inventory_policy_settings).values(**changes)))
    return get_policy_settings(uow, actor)


def _product_id(conn: Connection, sku: str) -> int:
    pid = conn.execute(select(products.c.id).where(products.c.sku == sku)).scalar()
    if pid is None:
        raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku", sku=sku)
    return pid


def set_product_lead_time(uow: UnitOfWork, actor: Actor, sku: str, *, lead_time_days: Decimal,
                          lead_time_sd_days: Decimal, order_cost: Decimal | None = None) -> dict[str, Any]:
    """A product's own supplier lead time (used while its receipt history is thin) and order cost."""
    actor.require(Permission.MANAGE_POLICY)
    _in_range("lead_time_days", lead_time_days, *SETTING_LIMITS["lead_time_days"])
    _in_range("lead_time_sd_days", lead_time_sd_days, *SETTING_LIMITS["lead_time_sd_days"])
    if order_cost is not None:
        _in_range("order_cost", order_cost, *SETTING_LIMITS["order_cost"])
    values = {"lead_time_days": lead_time_days, "lead_time_sd_days": lead_time_sd_days, "order_cost": order_cost}

    def work(conn: Connection) -> None:
        pid = _product_id(conn, sku)
        conn.execute(delete(product_lead_times).where(product_lead_times.c.product_id == pid))
        conn.execute(insert(product_lead_times).values(product_id=pid, **values))

    uow.run(work)
    return {"sku": sku, **values}


def _outcome_dicts(outcomes: list[StockoutOutcome]) -> list[dict[str, Any]]:
    return [{"code": o.code, "probability": o.probability, "cost_per_unit": o.cost_per_unit,
             "margin_multiple": o.margin_multiple} for o in outcomes]


def get_stockout_outcomes(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_ANALYTICS)
    with uow.read() as conn:
        return _outcome_dicts(load_outcomes(conn))


def set_stockout_outcomes(uow: UnitOfWork, actor: Actor, outcomes: list[StockoutOutcome]) -> list[dict[str, Any]]:
    """Replace the four outcomes at once (their probabilities must add up to 1)."""
    actor.require(Permission.MANAGE_POLICY)
    check_outcomes(outcomes)

    def work(conn: Connection) -> None:
        conn.execute(delete(stockout_outcomes))
        conn.execute(insert(stockout_outcomes), _outcome_dicts(outcomes))

    uow.run(work)
    return get_stockout_outcomes(uow, actor)


def load_offer_rules(conn: Connection) -> list[OfferRule]:
    return [OfferRule(r.code, r.name, OfferBasis(r.basis), r.days, Decimal(r.price_adjustment_pct), r.active)
            for r in conn.execute(select(offer_rules).order_by(offer_rules.c.code))]


def _rule_dict(r: OfferRule) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "basis": str(r.basis), "days": r.days,
            "price_adjustment_pct": r.price_adjustment_pct, "active": r.active}


def list_offer_rules(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Whoever may quote may read the rules (they are the firm's published lead-time pricing)."""
    actor.require(Permission.QUOTE)
    with uow.read() as conn:
        return [_rule_dict(r) for r in load_offer_rules(conn)]


def put_offer_rule(uow: UnitOfWork, actor: Actor, rule: OfferRule) -> dict[str, Any]:
    """Create or replace one rule (set active=False to withdraw it; quotes already made keep their offers)."""
    actor.require(Permission.MANAGE_POLICY)
    check_rule(rule, "offer_rule")
    row = _rule_dict(rule)

    def work(conn: Connection) -> None:
        conn.execute(delete(offer_rules).where(offer_rules.c.code == rule.code))
        conn.execute(insert(offer_rules).values(**row))

    uow.run(work)
    return row
