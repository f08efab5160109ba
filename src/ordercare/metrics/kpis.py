"""The order and line KPIs of one group (a slice value, a period bucket, or everything), from its counters.

Formulas and edge cases: docs/kpis.md. Every rate comes with its count and denominator; a rate with nothing
to divide by is None ("n/a"), never an error. Order-level blocks are None for the line-level slices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .facts import RETURN_REASONS
from .stats import rate, ratio, spread

FILL_RULES = ("first_shipment", "promised_date")
COMPONENTS = (("complete", "complete"), ("on_time", "on_time"), ("damage_free", "damage_free"),
              ("documentation_correct", "doc_ok"))


def _perfect(c: Mapping[str, int], p: str) -> dict[str, Any]:
    settled = c[f"{p}settled"]
    components = {name: rate(c[f"{p}{col}"], settled) for name, col in COMPONENTS}
    rates = [v["rate"] for v in components.values()]
    product = None if None in rates else rates[0] * rates[1] * rates[2] * rates[3]
    measured = rate(c[f"{p}perfect"], settled)
    return {"measured": measured, "components": components, "product_of_components": product,
            "measured_minus_product": None if product is None else measured["rate"] - product}


def _timing(c: Mapping[str, int], p: str) -> dict[str, Any]:
    return {"vs_requested": rate(c[f"{p}on_time_req"], c[f"{p}req_n"]),
            "vs_promised": rate(c[f"{p}on_time"], c[f"{p}settled"]),
            "otif": rate(c[f"{p}otif"], c[f"{p}settled"]),
            "otif_vs_requested": rate(c[f"{p}otif_req"], c[f"{p}req_n"])}


def _cycle(c: Mapping[str, int], hist: Mapping[str, Mapping[int, int]], p: str) -> dict[str, Any]:
    return {"unit": "days", "basis": "order" if p == "o_" else "line",
            "ordered_to_shipped": spread(hist.get("ship", {}), c[f"{p}ship_n"], c[f"{p}ship_sum"],
                                         c[f"{p}ship_sq"]),
            "ordered_to_delivered": spread(hist.get("deliver", {}), c[f"{p}settled"], c[f"{p}deliver_sum"],
                                           c[f"{p}deliver_sq"]),
            "within_lead_time": rate(c[f"{p}within_lead"], c[f"{p}settled"])}


def kpi_block(c: Mapping[str, int], hist: Mapping[str, Mapping[int, int]], *, order_level: bool,
              fill_rule: str = "first_shipment") -> dict[str, Any]:
    """Every order/line KPI of one group. `hist`: {"ship"|"deliver": {days: orders (or lines)}}."""
    by_promise = fill_rule == "promised_date"
    u, ln, o = ("u_fillp", "l_fillp", "o_fillp") if by_promise else ("u_filled", "l_filled", "o_filled")
    un, lnn, on = ("u_fillp_n", "l_fillp_n", "o_fillp_n") if by_promise else ("u_fill_n", "l_fill_n", "o_fill_n")
    returned = {r: c[f"ret_{r}"] for r in RETURN_REASONS}
    total_returned = sum(returned.values())
    block: dict[str, Any] = {
        "volume": {"orders": c["orders"] if order_level else None,
                   "cancelled_orders": c["orders_cancelled"] if order_level else None,
                   "open_orders": c["o_open"] if order_level else None,
                   "settled_orders": c["o_settled"] if order_level else None,
                   "lines": c["lines"], "open_lines": c["l_open"], "settled_lines": c["l_settled"],
                   "units": c["units"], "units_shipped": c["units_shipped"], "units_delivered": c["units_delivered"]},
        "fill": {"rule": fill_rule, "unit": rate(c[u], c[un]), "line": rate(c[ln], c[lnn]),
                 "order": rate(c[o], c[on]) if order_level else None,
                 "pending": {"units": c["units"] - c[un], "lines": c["lines"] - c[lnn],
                             "orders": c["orders"] - c[on] if order_level else None}},
        "perfect_order": {"order": _perfect(c, "o_") if order_level else None, "line": _perfect(c, "l_")},
        "on_time": {"order": _timing(c, "o_") if order_level else None, "line": _timing(c, "l_")},
        "cycle_time": _cycle(c, hist, "o_" if order_level else "l_"),
        "accuracy": {"order": rate(c["o_accurate"], c["o_settled"]) if order_level else None,
                     "line": rate(c["l_accurate"], c["l_settled"]),
                     "billing": rate(c["o_doc_ok"], c["o_settled"]) if order_level else None},
        "delivery_exceptions": {"units_damaged": c["units_damaged"], "units_wrong_item": c["units_wrong"],
                                "units_short": c["units_short"]},
        "returns": {"units_returned": total_returned, "units_delivered": c["units_delivered"],
                    "rate": ratio(total_returned, c["units_delivered"]),
                    "by_reason": [{"reason": r, "units": n, "rate": ratio(n, c["units_delivered"])}
                                  for r, n in returned.items()]},
    }
    return block
