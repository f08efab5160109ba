"""The service dashboard for managers: the service KPIs as trend charts with period and slice filters, each
segment's package targets against its results, the profitability matrix and the fill-rate-versus-inventory
curve. Thin over the services the API serves (kpi_trend, service_gaps, profitability, inventory_policy); the
charts are drawn by static/dashboard-charts.js from JSON the page carries, next to tables of the same numbers.
A recomputation of the measures runs as a background job with its progress on /jobs/{id}."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...metrics.counters import SLICES
from ...metrics.periods import TRENDS, ReportRequest, default_from
from ...services import costing_exports, jobs, measure_exports
from ...services.file_exports import MEDIA_TYPES
from ...services.inventory_policy import fill_rate_curve_report
from ...services.kpi_trend import kpi_trend
from ...services.measure_rebuild import rebuild_measures
from ...services.profitability import profitability_report
from ...services.service_gaps import gap_report
from ..context import Page, needs
from ..dashboard_charts import curve_chart, targets_rows, trend_charts, zone_chart
from ..errors import WebRoute
from ..forms import FieldErrors, Form, calendar_date
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Manager = Annotated[Page, Depends(needs(P.READ_ANALYTICS))]
Rebuilder = Annotated[Page, Depends(needs(P.REBUILD_MEASURES))]
NAV = [NavEntry("Dashboard", "/dashboard", P.READ_ANALYTICS, 5, "The service at a glance: fill rates, perfect "
                "order, OTIF, cycle time, SLAs and CSAT over time; targets per segment; the profitability matrix; "
                "fill rate against inventory.")]

SLICE_NAMES = {"total": "Everything", "customer": "Customer (code)", "segment": "Segment", "package": "Service package",
               "product": "Product (SKU)", "warehouse": "Warehouse (code)", "carrier": "Carrier (code)",
               "channel": "Channel", "customer_kind": "Internal / external"}
FILTERS = ("from", "to", "slice", "key", "trend")


def _filters(p: Page, query: dict[str, str]) -> tuple[dict[str, str], FieldErrors, ReportRequest | None, str | None]:
    """What was typed (kept as typed, cut to a sane length), its parse errors, and the request it makes."""
    values = {k: (query.get(k) or "").strip()[:64] for k in FILTERS}
    errors = FieldErrors()
    form = Form(list(values.items()))
    to = calendar_date(form, "to", errors) or (None if "to" in errors else p.clock.today())
    lo = calendar_date(form, "from", errors) or (None if "from" in errors or to is None else default_from(to))
    slice_ = values["slice"] or "total"
    if slice_ not in SLICE_NAMES:
        errors.add("slice", f"one of {', '.join(SLICES)}")
    trend = values["trend"] or None
    if trend is not None and trend not in TRENDS:
        errors.add("trend", f"one of {', '.join(TRENDS)}")
    if errors:
        return values, errors, None, None
    return values, errors, ReportRequest(lo, to, slice=slice_, trend=trend), values["key"] or None


def _guarded(errors: FieldErrors, call) -> Any:
    """A service refusal lands on the filter it names (period, slice, key, bucket); nothing is drawn for it."""
    try:
        return call()
    except DomainError as exc:
        errors.take_unless_missing(exc)
        return None


@router.get("/dashboard")
def dashboard(p: Manager):
    values, errors, req, key = _filters(p, dict(p.request.query_params))
    trend = zones = gaps = None
    if req is not None:
        trend = _guarded(errors, lambda: kpi_trend(p.uow, p.clock, p.actor, req, key))
        period = {"date_from": req.date_from, "date_to": req.date_to}
        zones = _guarded(errors, lambda: profitability_report(p.uow, p.clock, p.actor, **period))
        gaps = _guarded(errors, lambda: gap_report(p.uow, p.clock, p.actor, **period, slice="segment"))
    query = urlencode({k: values[k] for k in FILTERS if values[k]})
    return p.html("dashboard/show.html", status=422 if errors else 200, values=values, errors=errors,
                  trend=trend, charts=trend_charts(trend) if trend else [], zones=zones,
                  zone_chart=zone_chart(zones) if zones else None, targets=targets_rows(gaps) if gaps else [],
                  slices=list(SLICE_NAMES.items()), trends=[("", "by the period"), *[(t, t) for t in TRENDS]],
                  query=query, can_rebuild=p.allowed(P.REBUILD_MEASURES))


def _csv(data: bytes, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES["csv"],
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/dashboard/trend.csv")
def trend_csv(p: Manager):
    """The trend charts' numbers, one row per bucket (the API's kpi-trend as CSV); bad filters: the page."""
    values, errors, req, key = _filters(p, dict(p.request.query_params))
    trend = None if req is None else _guarded(errors, lambda: kpi_trend(p.uow, p.clock, p.actor, req, key))
    if trend is None:
        return dashboard(p)
    return _csv(measure_exports.trend_table(trend), f"service-kpi-trend-{trend['period']['from']}")


@router.get("/dashboard/profitability.csv")
def profitability_csv(p: Manager):
    values, errors, req, _ = _filters(p, dict(p.request.query_params))
    zones = None if req is None else _guarded(errors, lambda: profitability_report(
        p.uow, p.clock, p.actor, date_from=req.date_from, date_to=req.date_to))
    if zones is None:
        return dashboard(p)
    return _csv(costing_exports.zone_table(zones), f"profitability-{zones['period']['from']}")


@router.get("/dashboard/fill-rate-curve")
def fill_rate_curve(p: Manager):
    """The network's fill rate against inventory investment (every SKU at each target): read after the page by
    htmx, as it plans every SKU's stock."""
    curve = fill_rate_curve_report(p.uow, p.clock, p.actor)
    template = "dashboard/_curve.html" if p.is_htmx else "dashboard/curve.html"
    return p.html(template, curve=curve, chart=curve_chart(curve))


@router.post("/dashboard/rebuild")
def rebuild(p: Rebuilder):
    """Recompute every measure's facts and summaries from the records, in the background with its progress."""
    uow, actor = p.uow, p.actor

    def work(progress) -> dict[str, Any]:
        return rebuild_measures(uow, actor, lambda step, done, total: progress(done, total, f"{step}: {done} of "
                                                                                            f"{total}"))

    job_id = jobs.start_job(uow, p.clock, actor, kind="rebuild_measures", title="Recompute the service measures",
                            work=work)
    return p.redirect(f"/jobs/{job_id}")

