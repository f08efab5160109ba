"""Post-sale and financial KPIs of a group: cases and their SLAs, CSAT by touchpoint, DSO, inventory turnover,
the gap between a service package's targets and the service delivered, and the root-cause Pareto."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..domain.receivables import dso  # noqa: F401 - billing's formula, over the report's period
from ..domain.satisfaction import Touchpoint
from .attribution import FAILURE_KINDS
from .stats import rate, ratio

# Scores 1-5: 4-5 positive, 3 neutral, 1-2 negative (DOMAIN §8: count all three).
POSITIVE, NEUTRAL = 4, 3
TOUCHPOINTS = tuple(t.value for t in Touchpoint)
_KIND_ORDER = {k: i for i, k in enumerate(FAILURE_KINDS)}


def cases_block(c: Mapping[str, Any], orders: int | None) -> dict[str, Any]:
    """c: cases, fr_met, fr_known, fr_overdue, res_met, res_known, res_overdue, resolved, resolve_minutes, cost."""
    return {
        "cases": c["cases"],
        "per_100_orders": None if not orders else c["cases"] * 100 / orders,
        "first_response_sla": rate(c["fr_met"], c["fr_known"] + c["fr_overdue"]),
        "resolution_sla": rate(c["res_met"], c["res_known"] + c["res_overdue"]),
        "open_past_due": {"first_response": c["fr_overdue"], "resolution": c["res_overdue"]},
        "mean_hours_to_resolve": None if not c["resolved"] else c["resolve_minutes"] / c["resolved"] / 60,
        "resolved": c["resolved"],
        "cost_of_service_failures": c["cost"],
    }


def csat_block(by_touchpoint: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """by_touchpoint: {touchpoint: {positive, neutral, negative, answers, score_sum}}; every touchpoint listed."""
    rows, total = [], {"positive": 0, "neutral": 0, "negative": 0, "answers": 0, "score_sum": 0}
    for t in TOUCHPOINTS:
        c = by_touchpoint.get(t) or dict.fromkeys(total, 0)
        for k in total:
            total[k] += c[k]
        rows.append(_csat_row(t, c))
    return {"scale": "1-5; positive 4-5, neutral 3, negative 1-2", "touchpoints": rows,
            "all": _csat_row(None, total)}


def _csat_row(touchpoint: str | None, c: Mapping[str, int]) -> dict[str, Any]:
    return {"touchpoint": touchpoint, "answers": c["answers"], "positive": c["positive"], "neutral": c["neutral"],
            "negative": c["negative"], "mean_score": ratio(c["score_sum"], c["answers"]),
            "csat": ratio(c["positive"], c["answers"])}


def turnover_block(cogs: Decimal, value_start: Decimal, value_end: Decimal, days: int) -> dict[str, Any]:
    """Inventory turnover = cost of goods shipped ÷ average inventory value ((start + end) / 2)."""
    average = (value_start + value_end) / 2
    turns = None if average <= 0 else cogs / average
    return {"cost_of_goods_shipped": cogs, "inventory_value_start": value_start, "inventory_value_end": value_end,
            "average_inventory_value": average, "turns": None if turns is None else float(turns),
            "turns_per_year": None if turns is None else float(turns) * 365 / days}


def target_gap(package: Mapping[str, Any], block: Mapping[str, Any]) -> dict[str, Any]:
    """A service package's standard next to the performance of its orders (DOMAIN §6, §8 performance gap)."""
    fill = block["fill"]["order"]["rate"]
    cycle = block["cycle_time"]
    target = float(package["fill_rate_target"])
    return {"package": package["code"], "name": package["name"],
            "order_fill_rate": {"target": target, "measured": fill, "gap": None if fill is None else fill - target,
                                "rule": block["fill"]["rule"]},
            "lead_time_days": {"target": package["lead_time_days"],
                               "measured_mean": cycle["ordered_to_delivered"]["mean"],
                               "measured_p95": cycle["ordered_to_delivered"]["p95"],
                               "within_target": cycle["within_lead_time"]}}


def pareto(failures: Mapping[str, Mapping[str, int]], cases: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Departments by failures charged to them, most first, with each one's share and the cumulative share.

    failures: {department: {kind: n}}; cases: {department: {"cases": n, "cost": Decimal}} (cases whose
    investigation charged that department). Ties are broken by case cost, then by name.
    """
    departments = set(failures) | set(cases)
    total = sum(sum(k.values()) for k in failures.values())
    rows = []
    for d in departments:
        counted = failures.get(d, {})  # kinds in a fixed order, not the order the query's plan gave them
        kinds = {k: counted[k] for k in sorted(counted, key=lambda k: (_KIND_ORDER.get(k, len(_KIND_ORDER)), k))}
        c = cases.get(d, {"cases": 0, "cost": Decimal("0.00")})
        rows.append({"department": d, "failures": sum(kinds.values()), "by_kind": kinds, "cases": c["cases"],
                     "recovery_cost": c["cost"]})
    rows.sort(key=lambda r: (-r["failures"], -r["recovery_cost"], r["department"]))
    running = 0
    for r in rows:
        running += r["failures"]
        r["share"] = ratio(r["failures"], total)
        r["cumulative_share"] = ratio(running, total)
    return rows
