"""What static/dashboard-charts.js draws, shaped from the services' answers: plain numbers (floats, None for
"n/a"), one list per series. The same dicts fill the tables beside the charts, so a chart and its table cannot
disagree. No measure is computed here: each value is read from the service's answer."""

from __future__ import annotations

from datetime import datetime, time, timezone
from decimal import Decimal
from typing import Any

from ..metrics.service_kpis import TOUCHPOINTS

RATE, DAYS = "rate", "days"


def _num(v: Any) -> float | None:
    return None if v is None else float(v) if isinstance(v, (Decimal, int, float)) else None


def _rate(block: dict | None) -> float | None:
    return None if block is None else block["rate"]


def _at(path: tuple[str, ...]):
    def read(point: dict) -> Any:
        v: Any = point
        for part in path:
            v = None if v is None else v[part]
        return v
    return read


def _series(points: list[dict], spec: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"label": label, "values": [read(p) for p in points]} for label, read in spec]


def _chart(key: str, title: str, unit: str, points: list[dict], spec, note: str = "") -> dict[str, Any]:
    return {"id": f"chart-{key}", "key": key, "title": title, "unit": unit,
            "x": [int(datetime.combine(p["period"], time(), timezone.utc).timestamp()) for p in points],
            "labels": [p["period"].isoformat() if p["from"] == p["to"] else f"{p['from']:%d %b} – {p['to']:%d %b}"
                       for p in points],
            "series": _series(points, spec), "note": note}


def trend_charts(trend: dict[str, Any]) -> list[dict[str, Any]]:
    """Fill rates, perfect order and OTIF, cycle time and its spread, SLA attainment, CSAT by touchpoint: one
    chart each, one point per bucket. Line-level slices read the line rates (an order spans products)."""
    pts, level = trend["points"], "order" if trend["order_level"] else "line"
    fill = [("Unit fill rate", lambda p: _rate(p["fill"]["unit"])),
            ("Line fill rate", lambda p: _rate(p["fill"]["line"]))]
    if trend["order_level"]:
        fill.append(("Order fill rate", lambda p: _rate(p["fill"]["order"])))
    perfect = [(f"Perfect {level}s", lambda p: _rate(p["perfect_order"][level]["measured"])),
               ("OTIF", lambda p: _rate(p["on_time"][level]["otif"])),
               ("On time (promised)", lambda p: _rate(p["on_time"][level]["vs_promised"]))]
    cycle_of = ("cycle_time", "ordered_to_delivered")
    cycle = [(name, _at((*cycle_of, part))) for name, part in
             (("Mean", "mean"), ("Std deviation", "std"), ("Median (p50)", "median"), ("p95", "p95"))]
    charts = [_chart("fill", "Fill rates", RATE, pts, fill),
              _chart("perfect", f"Perfect {level} and OTIF", RATE, pts, perfect),
              _chart("cycle", f"Cycle time ordered → delivered ({level}s, days)", DAYS, pts, cycle)]
    customer_level = pts and pts[0]["cases"] is not None
    no_cases = "" if customer_level else "Cases and satisfaction belong to customers: not measured for this slice."
    sla = [("First response", lambda p: _rate(p["cases"]["first_response_sla"])),
           ("Resolution", lambda p: _rate(p["cases"]["resolution_sla"]))] if customer_level else []
    charts.append(_chart("sla", "SLA attainment (cases by the day opened)", RATE, pts, sla, no_cases))
    csat: list[tuple[str, Any]] = []
    if customer_level:
        answered = {t["touchpoint"] for p in pts for t in p["csat"]["touchpoints"] if t["answers"]}
        csat = [("All touchpoints", lambda p: p["csat"]["all"]["csat"])]
        for i, tp in enumerate(TOUCHPOINTS):
            if tp in answered:
                csat.append((tp.replace("_", " ").capitalize(), lambda p, i=i: p["csat"]["touchpoints"][i]["csat"]))
    charts.append(_chart("csat", "CSAT by touchpoint (share of 4–5 answers, by the day answered)", RATE, pts, csat,
                         no_cases))
    return charts


def zone_chart(report: dict[str, Any]) -> dict[str, Any]:
    """The customers as points (x net sales value, y cost-to-serve) by zone, and the two thresholds."""
    th = report["thresholds"]
    return {"id": "zone-chart", "title": "Profitability matrix: net sales value × cost-to-serve",
            "x_label": "Net sales value", "y_label": "Cost-to-serve",
            "thresholds": {"x": _num(th["net_sales_value"]), "y": _num(th["cost_to_serve"])},
            "zones": [{"zone": z["zone"], "name": z["name"], "customers": z["customers"]} for z in report["zones"]],
            "points": [{"customer": p["customer"], "x": _num(p["x"]), "y": _num(p["y"]), "zone": p["zone"]}
                       for p in report["points"]]}


def curve_chart(curve: dict[str, Any]) -> dict[str, Any]:
    """Inventory investment (x) against the fill rate it buys across the range (y), one point per target."""
    pts = curve["points"]
    return {"id": "curve-chart", "title": f"Fill rate against inventory investment ({curve['scope']})",
            "x": [_num(p["inventory_investment"]) for p in pts], "y": [p["achieved_fill_rate"] for p in pts],
            "targets": [p["fill_rate"] for p in pts]}


def targets_rows(gaps: dict[str, Any]) -> list[dict[str, Any]]:
    """Per segment: its packages' order-fill target and lead time against what its orders got."""
    rows = []
    for row in gaps["rows"]:
        g = {x["name"]: x for x in row["gaps"]}
        perf, knowledge = g["performance"], g["knowledge"]
        rows.append({"segment": row["key"], "label": row["label"], "orders": row["orders"],
                     "fill_target": perf["a"]["value"], "fill_measured": perf["b"]["value"], "fill_gap": perf["gap"],
                     "lead_time_days": knowledge["detail"]["package_lead_time_days"],
                     "within_lead_time": perf["detail"]["within_lead_time"],
                     "within_window": perf["detail"]["share_within_window"]})
    return rows
