"""Cost-to-serve and the profitability matrix as tables (CSV or Excel through integrations/files/tabular.py): one
row per customer, one column per figure of the JSON. Also registered in the file exporter
(GET /api/v1/exports/cost_to_serve and /exports/profitability, dates from/to of the period, one customer)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from ..analytics.activity_rates import ACTIVITIES
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..integrations.files.tabular import write_table
from .cost_to_serve import Period, cost_to_serve_in
from .file_exports import ExportFilter, register_exporter
from .profitability import profitability_in

SALES = ("gross_sales", "price_discounts", "freight_charged", "returns_and_credits", "revenue", "cost_of_goods",
         "net_sales_value")
MEASURES = ("orders", "cost_per_order", "average_order_value", "cost_to_serve_pct_of_revenue", "profit_pct_of_revenue")
COST_COLUMNS = ("customer", "name", "segment", "package", "kind", *SALES,
                *[f"{a.activity.value}_{part}" for a in ACTIVITIES for part in ("volume", "cost")],
                "cost_to_serve", "profit", *MEASURES)
ZONE_COLUMNS = ("customer", "name", "segment", "package", "net_sales_value", "cost_to_serve", "profit", "zone",
                "previous_zone", "previous_net_sales_value", "previous_cost_to_serve", "movement", "value_threshold",
                "cost_threshold", "recommendations", "estimated_savings")


def cost_rows(report: dict[str, Any]) -> list[list[Any]]:
    out = []
    for r in report["items"]:
        acts = {a["activity"]: a for a in r["activities"]}
        out.append([r["customer"], r["name"], r["segment"], r["package"], r["kind"],
                    *[r["net_sales"][k] for k in SALES],
                    *[acts[a.activity.value][part] for a in ACTIVITIES for part in ("volume", "cost")],
                    r["cost_to_serve"], r["profit"], *[r[k] for k in MEASURES]])
    return out


def zone_rows(report: dict[str, Any]) -> list[list[Any]]:
    th = report["thresholds"]
    out = []
    for p in report["points"]:
        prev = p["previous"] or {}
        recs = p["recommendations"]
        out.append([p["customer"], p["name"], p["segment"], p["package"], p["x"], p["y"], p["profit"], p["zone"],
                    prev.get("zone"), prev.get("x"), prev.get("y"), p["movement"], th["net_sales_value"],
                    th["cost_to_serve"], "; ".join(x["code"] for x in recs),
                    sum(x["estimate"] for x in recs if x["estimate"] is not None) if len(recs) > 1 else None])
    return out


def cost_table(report: dict[str, Any], fmt: str = "csv") -> bytes:
    return write_table(list(COST_COLUMNS), cost_rows(report), fmt, sheet="cost to serve")


def zone_table(report: dict[str, Any], fmt: str = "csv") -> bytes:
    return write_table(list(ZONE_COLUMNS), zone_rows(report), fmt, sheet="profitability")


def _period(f: ExportFilter) -> Period:
    if f.date_from is None or f.date_to is None:
        raise ValidationFailed("period_required", "date_from: give date_from and date_to", field="date_from")
    if f.date_from > f.date_to:
        raise ValidationFailed("invalid_period", f"date_from: {f.date_from} is after date_to ({f.date_to})",
                               field="date_from")
    if f.date_to - f.date_from > timedelta(days=3700):
        raise ValidationFailed("period_too_long", "date_to: a period of at most 3700 days", field="date_to")
    return Period(f.date_from, f.date_to)


def _export_costs(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    return cost_rows(cost_to_serve_in(conn, _period(f), f.customer))


def _export_zones(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    return zone_rows(profitability_in(conn, _period(f), customer=f.customer))


register_exporter("cost_to_serve", Permission.READ_ANALYTICS, COST_COLUMNS, _export_costs,
                  "net sales value, cost-to-serve by activity (volume and cost) and profit per customer")
register_exporter("profitability", Permission.READ_ANALYTICS, ZONE_COLUMNS, _export_zones,
                  "each customer's zone, its movement since the previous period and the recommended actions")
