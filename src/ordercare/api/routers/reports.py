"""Service measurement: the KPI report and the root-cause Pareto, as JSON, CSV or Excel (docs/kpis.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...metrics.periods import ReportRequest, default_from
from ...services import measure_exports as exports
from ...services.file_exports import MEDIA_TYPES
from ...services.kpi_trend import kpi_trend
from ...services.measure_report import kpi_report, pareto_report
from ..deps import CtxDep
from ..json_body import ReportJSON
from ..schemas import ERROR_RESPONSES

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
Code = Annotated[str | None, Query(max_length=40)]
Format = Annotated[str, Query(pattern="^(json|csv|xlsx)$", description="json (default), csv or xlsx")]
FILES = {200: {"content": {"application/json": {}, "text/csv": {}, MEDIA_TYPES["xlsx"]: {}}}}


def _request(ctx, date_from: date | None, date_to: date | None, slice_: str, fill_rule: str = "first_shipment",
             trend: str | None = None, customer: str | None = None, limit: int | None = None,
             sort: str | None = None) -> ReportRequest:
    """The period defaults to the 30 order days up to today."""
    to = date_to or ctx.clock.today()
    return ReportRequest(date_from or default_from(to), to, slice=slice_, fill_rule=fill_rule, trend=trend,
                         customer=customer, limit=limit, sort=sort)


def _file(data: bytes, fmt: str, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/reports/kpis", responses=FILES)
def kpis(ctx: CtxDep, date_from: Annotated[date | None, Query(alias="from")] = None,
         date_to: Annotated[date | None, Query(alias="to")] = None,
         slice: Annotated[str, Query(max_length=20, description="total, customer, segment, package, product, "
                                     "warehouse, carrier, channel or customer_kind")] = "total",
         fill_rule: Annotated[str, Query(max_length=20, description="first_shipment or promised_date")] =
         "first_shipment",
         trend: Annotated[str | None, Query(max_length=10, description="week or month: a series for charts")] = None,
         customer: Code = None, format: Format = "json",
         limit: Annotated[int | None, Query(description="at most this many slice values (chosen by sort); the "
                                           "rest added up in `others`. Default: every value")] = None,
         sort: Annotated[str | None, Query(max_length=20, description="label (default), volume (most orders or "
                                           "lines first; the default with a limit), or worst first: order_fill, "
                                           "line_fill, otif, perfect_order")] = None) -> Any:
    """Every service KPI of the orders placed in the period (order days, UTC), sliced; a customer user gets its
    own account's report whatever it asks. Money (cost of service failures, receivables, stock values) is a string
    with its exact digits, as everywhere in the API."""
    report = kpi_report(ctx.uow, ctx.clock, ctx.actor,
                        _request(ctx, date_from, date_to, slice, fill_rule, trend, customer, limit, sort))
    if format == "json":
        return ReportJSON(report)
    return _file(exports.kpi_table(report, format), format, f"service-kpis-{report['period']['from']}")


@router.get("/reports/kpi-trend", responses=FILES)
def kpi_trend_report(ctx: CtxDep, date_from: Annotated[date | None, Query(alias="from")] = None,
                     date_to: Annotated[date | None, Query(alias="to")] = None,
                     slice: Annotated[str, Query(max_length=20, description="total (default), customer, segment, "
                                                 "package, product, warehouse, carrier, channel or customer_kind")]
                     = "total",
                     key: Annotated[str | None, Query(max_length=64, description="the slice value: a customer code, "
                                                      "segment, package, SKU, warehouse or carrier code, channel, "
                                                      "internal or external")] = None,
                     trend: Annotated[str | None, Query(max_length=10, description="the bucket: day, week or month "
                                                        "(default: by the period's length)")] = None,
                     fill_rule: Annotated[str, Query(max_length=20)] = "first_shipment",
                     format: Format = "json") -> Any:
    """The service KPIs per day, week or month of the period, for everything or one slice value: fill rates,
    perfect order, on time and OTIF, cycle time and its spread, cases and SLA attainment, CSAT by touchpoint."""
    trend = kpi_trend(ctx.uow, ctx.clock, ctx.actor, _request(ctx, date_from, date_to, slice, fill_rule, trend),
                      key=key)
    if format == "json":
        return ReportJSON(trend)
    return _file(exports.trend_table(trend, format), format, f"service-kpi-trend-{trend['period']['from']}")


@router.get("/reports/pareto", responses=FILES)
def pareto(ctx: CtxDep, date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           slice: Annotated[str, Query(max_length=20)] = "total", key: Code = None, customer: Code = None,
           format: Format = "json") -> Any:
    """Failed components of the period's orders by the department charged, most first (staff only)."""
    report = pareto_report(ctx.uow, ctx.clock, ctx.actor, _request(ctx, date_from, date_to, slice,
                                                                    customer=customer), key=key)
    if format == "json":
        return ReportJSON(report)
    return _file(exports.pareto_table(report, format), format, f"service-pareto-{report['period']['from']}")
