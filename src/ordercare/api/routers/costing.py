"""Cost-to-serve, profitability segments and the what-if; their data (rates, case minutes, thresholds, the
packages' delivery windows); and the service gap report (docs/cost-to-serve.md). Managers and admin only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ...analytics.what_if import Scenario
from ...services import costing_exports as exports
from ...services import costing_setup as setup
from ...services.cost_to_serve import cost_to_serve_report
from ...services.file_exports import MEDIA_TYPES
from ...services.profitability import profitability_report, what_if_report
from ...services.service_gaps import gap_report
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_costing import CaseMinutesIn, DeliveryWindowIn, RatesIn, ThresholdsIn

router = APIRouter(tags=["analytics"], responses=ERROR_RESPONSES)
From = Annotated[date | None, Query(alias="from", description="first day (default: 30 days up to `to`)")]
To = Annotated[date | None, Query(alias="to", description="last day, included (default: today)")]
Code = Annotated[str | None, Query(max_length=40)]
Format = Annotated[str, Query(pattern="^(json|csv|xlsx)$", description="json (default), csv or xlsx")]
Amount = Annotated[Decimal | None, Query(max_digits=14, decimal_places=2)]
FILES = {200: {"content": {"application/json": {}, "text/csv": {}, MEDIA_TYPES["xlsx"]: {}}}}


def _file(data: bytes, fmt: str, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/analytics/cost-to-serve", responses=FILES)
def cost_to_serve(ctx: CtxDep, date_from: From = None, date_to: To = None, customer: Code = None,
                  format: Format = "json") -> Any:
    """Per customer: net sales value, cost-to-serve by activity (volume, rate, cost) and profit, least profitable
    first."""
    report = cost_to_serve_report(ctx.uow, ctx.clock, ctx.actor, date_from=date_from, date_to=date_to,
                                  customer=customer)
    if format == "json":
        return report
    return _file(exports.cost_table(report, format), format, f"cost-to-serve-{report['period']['from']}")


@router.get("/analytics/cost-to-serve/what-if")
def what_if(ctx: CtxDep, customer: Annotated[str, Query(max_length=40)], date_from: From = None, date_to: To = None,
            channel: Annotated[str | None, Query(max_length=20)] = None,
            frequency: Annotated[str | None, Query(max_length=20, description="daily, weekly, biweekly, monthly")]
            = None, orders: Annotated[int | None, Query(ge=1, le=100_000)] = None,
            order_value: Amount = None, expedites: bool = True) -> dict[str, Any]:
    """"If this customer ordered monthly through the portal, cost-to-serve becomes X": its activities recomputed
    under another channel, frequency, number of orders or average order value, with the same rates."""
    return what_if_report(ctx.uow, ctx.clock, ctx.actor, customer=customer, date_from=date_from, date_to=date_to,
                          scenario=Scenario(channel, frequency, orders, order_value, expedites))


@router.get("/analytics/profitability", responses=FILES)
def profitability(ctx: CtxDep, date_from: From = None, date_to: To = None, customer: Code = None,
                  value_threshold: Amount = None, cost_threshold: Amount = None, format: Format = "json") -> Any:
    """The matrix of net sales value (x) × cost-to-serve (y): each customer's zone, its movement since the
    previous period of the same length, the thresholds (default: the period's medians) and recommended actions."""
    report = profitability_report(ctx.uow, ctx.clock, ctx.actor, date_from=date_from, date_to=date_to,
                                  value_threshold=value_threshold, cost_threshold=cost_threshold, customer=customer)
    if format == "json":
        return report
    return _file(exports.zone_table(report, format), format, f"profitability-{report['period']['from']}")


@router.get("/analytics/service-gaps")
def service_gaps(ctx: CtxDep, date_from: From = None, date_to: To = None,
                 slice: Annotated[str, Query(max_length=20, description="segment (default) or package")] = "segment"
                 ) -> dict[str, Any]:
    """The gaps of DOMAIN §8 (knowledge, standards, performance, communication, perception, satisfaction) per
    segment or package, each with the two measures it lies between."""
    return gap_report(ctx.uow, ctx.clock, ctx.actor, date_from=date_from, date_to=date_to, slice=slice)


@router.get("/analytics/costing")
def costing_data(ctx: CtxDep) -> dict[str, Any]:
    """Activity rates (with the cost pool and driver volume they came from), minutes per case category and
    event, the zone thresholds (null: the period's median) and the packages' delivery windows."""
    return setup.costing_data(ctx.uow, ctx.actor)


@router.put("/analytics/costing/rates/{activity}")
def put_rates(ctx: CtxDep, activity: Annotated[str, Path(max_length=30)], body: RatesIn) -> list[dict[str, Any]]:
    """Create or replace rates of one activity, one per qualifier (channel; '' the default)."""
    return setup.set_rates(ctx.uow, ctx.clock, ctx.actor, activity, [
        setup.RateIn(r.qualifier, r.rate, r.pool_cost, r.driver_volume) for r in body.rates])


@router.put("/analytics/costing/case-minutes")
def put_case_minutes(ctx: CtxDep, body: CaseMinutesIn) -> list[dict[str, Any]]:
    return setup.set_case_minutes(ctx.uow, ctx.actor, [(m.kind, m.code, m.minutes) for m in body.minutes])


@router.patch("/analytics/costing/settings")
def patch_settings(ctx: CtxDep, body: ThresholdsIn) -> dict[str, Any]:
    return setup.set_thresholds(ctx.uow, ctx.actor, body.model_dump(exclude_unset=True))


@router.put("/service-packages/{code}/delivery-window", tags=["master data"])
def put_delivery_window(ctx: CtxDep, code: Annotated[str, Path(max_length=20)], body: DeliveryWindowIn
                        ) -> dict[str, Any]:
    """When, around the requested date, a delivery of this package is in its window (Table 8-1 "delivery")."""
    return setup.set_delivery_window(ctx.uow, ctx.actor, code, basis=body.basis, days_before=body.days_before,
                                     days_after=body.days_after)
