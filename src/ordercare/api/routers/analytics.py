"""Service versus cost: inventory policy per SKU, the fill-rate curve, the cost of a stockout, and their data;
the lead-time offer rules of quotation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ...analytics.stockout_cost import StockoutOutcome
from ...domain.lead_time_offers import OfferBasis, OfferRule
from ...services import inventory_policy as policy
from ...services import policy_settings as ps
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_analytics import LeadTimeIn, OfferRuleIn, OutcomesIn, PolicySettingsIn

router = APIRouter(tags=["analytics"], responses=ERROR_RESPONSES)
Rate = Annotated[float | None, Query(description="strictly between 0 and 1")]
Weeks = Annotated[int | None, Query(description="demand window in whole weeks (default: the policy settings)")]
Skus = Annotated[list[str] | None, Query(max_length=500, description="one or more SKUs (default: every active one)")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/analytics/inventory-policy")
def inventory_policy(ctx: CtxDep, target_fill_rate: Rate = None, target_csl: Rate = None, sku: Skus = None,
                     weeks: Weeks = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Per SKU: demand and lead time (mean, spread), EOQ, safety stock and reorder point for a target fill rate
    or cycle service level (neither: the profit-maximising level), investment and yearly costs."""
    return policy.policy_report(ctx.uow, ctx.clock, ctx.actor, target=policy.target_from(target_fill_rate, target_csl),
                                weeks=weeks, skus=sku, limit=limit, offset=offset)


@router.get("/analytics/fill-rate-curve")
def fill_rate_curve(ctx: CtxDep, sku: str | None = None, from_rate: Rate = None, to_rate: Rate = None,
                    points: Annotated[int | None, Query(ge=2, le=50)] = None, weeks: Weeks = None) -> dict[str, Any]:
    """Fill rate against inventory investment, for one SKU or the whole range."""
    return policy.fill_rate_curve_report(ctx.uow, ctx.clock, ctx.actor, sku=sku, from_rate=from_rate,
                                         to_rate=to_rate, points=points, weeks=weeks)


@router.get("/analytics/stockout-cost")
def stockout_cost(ctx: CtxDep, sku: Skus = None, weeks: Weeks = None, limit: Limit = 100,
                  offset: Offset = 0) -> dict[str, Any]:
    """The expected cost of a unit short per SKU, by outcome, and the service level that maximises profit."""
    return policy.stockout_cost_report(ctx.uow, ctx.clock, ctx.actor, skus=sku, weeks=weeks, limit=limit,
                                       offset=offset)


@router.get("/analytics/policy-settings")
def get_policy_settings(ctx: CtxDep) -> dict[str, Any]:
    return ps.get_policy_settings(ctx.uow, ctx.actor)


@router.patch("/analytics/policy-settings")
def update_policy_settings(ctx: CtxDep, body: PolicySettingsIn) -> dict[str, Any]:
    return ps.update_policy_settings(ctx.uow, ctx.actor, body.model_dump(exclude_unset=True))


@router.put("/analytics/lead-times/{sku}")
def set_lead_time(ctx: CtxDep, sku: Annotated[str, Path(max_length=64)], body: LeadTimeIn) -> dict[str, Any]:
    """A product's own supplier lead time, used while its receipt history is thin."""
    return ps.set_product_lead_time(ctx.uow, ctx.actor, sku, lead_time_days=body.lead_time_days,
                                    lead_time_sd_days=body.lead_time_sd_days, order_cost=body.order_cost)


@router.get("/analytics/stockout-outcomes")
def get_stockout_outcomes(ctx: CtxDep) -> list[dict[str, Any]]:
    return ps.get_stockout_outcomes(ctx.uow, ctx.actor)


@router.put("/analytics/stockout-outcomes")
def set_stockout_outcomes(ctx: CtxDep, body: OutcomesIn) -> list[dict[str, Any]]:
    """Replace the four outcomes (customer waits, back-order, lost sale, lost customer) at once."""
    return ps.set_stockout_outcomes(ctx.uow, ctx.actor, [
        StockoutOutcome(o.code, o.probability, o.cost_per_unit, o.margin_multiple) for o in body.outcomes])


@router.get("/offer-rules", tags=["quotes"])
def list_offer_rules(ctx: CtxDep) -> list[dict[str, Any]]:
    """The lead-time offers quotes make: days from the standard promise or the package lead time, price %."""
    return ps.list_offer_rules(ctx.uow, ctx.actor)


@router.put("/offer-rules/{code}", tags=["quotes"])
def put_offer_rule(ctx: CtxDep, code: Annotated[str, Path(max_length=20)], body: OfferRuleIn) -> dict[str, Any]:
    return ps.put_offer_rule(ctx.uow, ctx.actor, OfferRule(code, body.name, OfferBasis(body.basis), body.days,
                                                           body.price_adjustment_pct, body.active))
