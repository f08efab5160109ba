"""The service report and the Pareto as tables (CSV or Excel through integrations/files/tabular.py).

One row per slice value, one column per number of the report: nested names joined with dots
(`fill.order.rate`, `perfect_order.order.product_of_components`, `returns.by_reason.damaged.units`,
`csat.touchpoints.delivery.negative`), so every figure of the JSON is in the file, under the same name.
The exports are also registered in the file exporter (services/file_exports.py: GET /api/v1/exports/service_kpis
and service_pareto): those run without a clock, so they count open orders and cases as of the end of the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Connection

from ..domain.access import Actor, Permission
from ..domain.errors import Forbidden, ValidationFailed
from ..integrations.files.tabular import write_table
from ..metrics.counters import COUNTERS, SLICES
from ..metrics.kpis import kpi_block
from ..metrics.periods import ReportRequest, check_request
from ..metrics.service_kpis import cases_block, csat_block, turnover_block
from .file_exports import ExportFilter, register_exporter
from .measure_report import _no_cases, pareto_in, report_in

KEYED_LISTS = {"by_reason": "reason", "touchpoints": "touchpoint"}
PARETO_COLUMNS = ("department", "failures", "share", "cumulative_share", "not_filled", "late", "incomplete",
                  "damaged", "inaccurate", "documentation", "cases", "recovery_cost")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists of named items are keyed by their name."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and prefix.rsplit(".", 1)[-1] in KEYED_LISTS:
        name = KEYED_LISTS[prefix.rsplit(".", 1)[-1]]
        return {k: v for item in value for k, v in flatten(
            {kk: vv for kk, vv in item.items() if kk != name}, f"{prefix}.{item[name]}").items()}
    return {prefix: value}


def _template() -> list[str]:
    """Every column a row can have: a block with every part present (order level, cases, CSAT, money)."""
    zero = dict.fromkeys(COUNTERS, 0)
    block = kpi_block(zero, {}, order_level=True)
    block["volume"]["open_past_promise"] = 0
    block["cases"] = cases_block(_no_cases(), 0)
    block["csat"] = csat_block({})
    block["dso"] = {"receivables_at_end": 0, "credit_sales": 0, "days": 0, "dso": None}
    block["inventory_turnover"] = turnover_block(0, 0, 0, 1)
    return list(flatten(block))


KPI_COLUMNS = ("slice", "key", "label", *_template())


def kpi_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The total first, then the slice's rows, then the values left out by a limit added up (key empty)."""
    out = []
    others = [(report["slice"], report["others"])] if report.get("others") else []
    for slice_name, row in [("total", report["total"]), *[(report["slice"], r) for r in report["rows"]], *others]:
        flat = flatten({k: v for k, v in row.items() if k not in ("key", "label", "slice_values")})
        out.append([slice_name, row["key"], row["label"], *[flat.get(c) for c in KPI_COLUMNS[3:]]])
    return out


TREND_COLUMNS = ("period", "from", "to", *KPI_COLUMNS[3:])


def trend_rows(trend: dict[str, Any]) -> list[list[Any]]:
    """One row per bucket, the columns of the report's rows (DSO and turnover are not per bucket: empty)."""
    out = []
    for point in trend["points"]:
        flat = flatten({k: v for k, v in point.items() if k not in ("period", "from", "to")})
        out.append([point["period"], point["from"], point["to"], *[flat.get(c) for c in TREND_COLUMNS[3:]]])
    return out


def trend_table(trend: dict[str, Any], fmt: str = "csv") -> bytes:
    return write_table(list(TREND_COLUMNS), trend_rows(trend), fmt, sheet="service kpi trend")


def pareto_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[d["department"], d["failures"], d["share"], d["cumulative_share"],
             *[d["by_kind"].get(k, 0) for k in PARETO_COLUMNS[4:10]], d["cases"], d["recovery_cost"]]
            for d in report["departments"]]


def kpi_table(report: dict[str, Any], fmt: str = "csv") -> bytes:
    return write_table(list(KPI_COLUMNS), kpi_rows(report), fmt, sheet="service kpis")


def pareto_table(report: dict[str, Any], fmt: str = "csv") -> bytes:
    return write_table(list(PARETO_COLUMNS), pareto_rows(report), fmt, sheet="pareto")


# --- the file exporter's registry --------------------------------------------------------------------------------

def _period(f: ExportFilter) -> tuple[date, date, date, datetime]:
    if f.date_from is None or f.date_to is None:
        raise ValidationFailed("period_required", "date_from: give date_from and date_to (order days)",
                               field="date_from")
    end = f.date_to + timedelta(days=1)
    return f.date_from, f.date_to, end, datetime.combine(end, time(), timezone.utc)


def _export_kpis(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    """The total and every slice of the service report, one after the other."""
    lo, hi, today, now = _period(f)
    for i, slice_name in enumerate(("total", *SLICES)):
        req = check_request(ReportRequest(lo, hi, slice=slice_name, customer=f.customer))
        rows = kpi_rows(report_in(conn, actor, req, today=today, now=now))
        yield from rows if i == 0 else rows[1:]


def _export_pareto(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    if actor.is_customer:
        raise Forbidden("forbidden", "role 'customer' may not read root causes", permission="read_root_causes")
    lo, hi, _, _ = _period(f)
    return pareto_rows(pareto_in(conn, actor, check_request(ReportRequest(lo, hi, customer=f.customer))))


register_exporter("service_kpis", Permission.READ_SERVICE_REPORT, KPI_COLUMNS, _export_kpis,
                  "the service report: a row for the total and each value of every slice; dates are order days")
register_exporter("service_pareto", Permission.READ_SERVICE_REPORT, PARETO_COLUMNS, _export_pareto,
                  "failures of the period's orders by the department charged, most first")
