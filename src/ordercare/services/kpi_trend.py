"""The service KPIs as a trend: one point per day, week or month of a period, for the whole business, one
customer or one value of a slice (a segment, a product, a warehouse, a carrier, a channel, internal/external).

The same numbers as the service report (services/measure_report.py, docs/kpis.md), per bucket: the order and
line KPIs of the orders placed in the bucket (summed from the daily summaries, or from the facts for one
customer), the cases opened in it with their SLA attainment, and the CSAT answers given in it, by touchpoint.
Line-level slices (product, warehouse, carrier) have no order-level rates, cases or CSAT, as in the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.orders import Channel
from ..metrics.counters import LINE_DIMENSIONS
from ..metrics.kpis import kpi_block
from ..metrics.periods import ReportRequest, bucket_start, buckets, check_request, counters_by_bucket, \
    histograms_by_bucket, trend_for
from ..metrics.service_kpis import cases_block, csat_block
from ..store import measure_queries as q, measure_sums as sums
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import carriers
from ..store.tables import customers, products, service_packages, warehouses
from .measure_report import ZERO, _customer_scope, _no_cases

# What a user types for a slice value, and where it is looked up: (table, column typed) for records keyed by id.
_BY_CODE = {"product": (products, products.c.sku), "warehouse": (warehouses, warehouses.c.code),
            "carrier": (carriers, carriers.c.code)}
KINDS = ("external", "internal")


def _slice_key(conn: Connection, dimension: str, key: str) -> str:
    """The summaries' key of a typed slice value (a SKU, a code, a segment letter …); unknown ones are refused."""
    if dimension in _BY_CODE:
        table, column = _BY_CODE[dimension]
        found = conn.execute(select(table.c.id).where(column == key)).scalar()
        value = None if found is None else str(found)
    elif dimension == "segment":
        found = conn.execute(select(customers.c.segment).where(customers.c.segment == key).limit(1)).scalar()
        value = found
    elif dimension == "package":
        value = conn.execute(select(service_packages.c.code).where(service_packages.c.code == key)).scalar()
    elif dimension == "channel":
        value = key if key in {c.value for c in Channel} else None
    else:  # customer_kind
        value = key if key in KINDS else None
    if value is None:
        raise ValidationFailed("unknown_key", f"key: no {dimension.replace('_', ' ')} '{key}'", field="key",
                               slice=dimension, key=key)
    return value


def _scope(conn: Connection, actor: Actor, req: ReportRequest, key: str | None) -> tuple[str, str | None, int | None,
                                                                                         str | None]:
    """(dimension, slice key, customer id, customer code): one customer's trend is the whole of its orders."""
    if req.slice == "customer":
        if key is None:
            raise ValidationFailed("key_required", "key: name the customer whose trend to draw", field="key")
        try:
            cid, code = _customer_scope(conn, actor, key)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.code, exc.message.replace("customer: ", "key: ", 1), field="key",
                                   key=key) from None
        return "total", None, cid, code
    cid, code = _customer_scope(conn, actor, req.customer)
    if req.slice == "total":
        if key is not None:
            raise ValidationFailed("key_without_slice", "key: name a slice first", field="key")
        return "total", None, cid, code
    if key is None:
        raise ValidationFailed("key_required", f"key: name the {req.slice.replace('_', ' ')} whose trend to draw",
                               field="key")
    return req.slice, _slice_key(conn, req.slice, key), cid, code


def kpi_trend(uow: UnitOfWork, clock: Clock, actor: Actor, req: ReportRequest,
              key: str | None = None) -> dict[str, Any]:
    """The KPIs per bucket of the period (`req.trend`; None: days up to a month, weeks up to half a year, then
    months) for everything, one customer (`slice=customer`, `key` its code) or one slice value (`key`)."""
    actor.require(Permission.READ_SERVICE_REPORT)
    if req.trend is None and req.date_from <= req.date_to:
        req = ReportRequest(req.date_from, req.date_to, req.slice, req.fill_rule, trend_for(req.date_from, req.date_to),
                            req.customer)
    check_request(req)
    with uow.read() as conn:
        return trend_in(conn, actor, req, key, now=clock.now())


def trend_in(conn: Connection, actor: Actor, req: ReportRequest, key: str | None, *, now: datetime
             ) -> dict[str, Any]:
    dim, slice_key, cid, code = _scope(conn, actor, req, key)
    lo, hi, trend = req.date_from, req.date_to, req.trend
    spans = buckets(lo, hi, trend)
    starts = [bucket_start(a, trend) for a, _ in spans]
    counters, hist = sums.summed(conn, dim, lo, hi, by_day=True, customer_id=cid, key=slice_key)
    per_bucket, per_hist = counters_by_bucket(counters, trend), histograms_by_bucket(hist, trend)
    customer_level = dim in q.CUSTOMER_SLICES
    cases = q.case_sums(conn, dim, lo, hi, now, customer_id=cid, key=slice_key, starts=starts) \
        if customer_level else None
    csat = q.csat_sums(conn, dim, lo, hi, customer_id=cid, key=slice_key, starts=starts) if customer_level else None
    points = []
    for (first, last), start in zip(spans, starts, strict=True):
        c = per_bucket.get(start, ZERO)
        block = kpi_block(c, per_hist.get(start, {}), order_level=dim not in LINE_DIMENSIONS,
                          fill_rule=req.fill_rule)
        block["cases"] = None if cases is None else cases_block(cases.get(start) or _no_cases(), c["orders"])
        block["csat"] = None if csat is None else csat_block(csat.get(start, {}))
        points.append({"period": start, "from": first, "to": last, **block})
    return {"period": {"from": lo, "to": hi, "days": (hi - lo).days + 1, "cohort": "order day (UTC)"},
            "bucket": trend, "slice": req.slice, "key": key if req.slice != "customer" else code,
            "customer": code, "fill_rule": req.fill_rule, "order_level": dim not in LINE_DIMENSIONS,
            "points": points}

