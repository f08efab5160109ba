"""The order and line KPIs of one group (a slice value, a period bucket, or everything), from its counters.

Formulas and edge cases: docs/kpis.md. Every rate comes with its count and denominator; a rate with nothing
to divide by is None ("n/a"), never an error. Order-level blocks are None for the line-level slices.
A wide slice's report builds thousands of these blocks: the counter names of each level are spelled out once,
here, not formatted again for every block.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .facts import RETURN_REASONS
from .stats import rate, ratio, spread

FILL_RULES = ("first_shipment", "promised_date")
COMPONENTS = (("complete", "complete"), ("on_time", "on_time"), ("damage_free", "damage_free"),
              ("documentation_correct", "doc_ok"))
_RETURNED = tuple((r, f"ret_{r}") for r in RETURN_REASONS)


class _Level:
    """The counter names of one level (prefix o_ for orders, l_ for lines)."""

    def __init__(self, p: str):
        for name in ("settled", "perfect", "req_n", "on_time_req", "on_time", "otif", "otif_req", "ship_n",
                     "ship_sum", "ship_sq", "deliver_sum", "deliver_sq", "within_lead"):
            setattr(self, name, p + name)
        self.components = tuple((name, p + col) for name, col in COMPONENTS)
        self.basis = "order" if p == "o_" else "line"


_ORDER, _LINE = _Level("o_"), _Level("l_")


def _perfect(c: Mapping[str, int], n: _Level) -> dict[str, Any]:
    settled = c[n.settled]
    components = {name: rate(c[key], settled) for name, key in n.components}
    measured = rate(c[n.perfect], settled)
    if not settled:
        return {"measured": measured, "components": components, "product_of_components": None,
                "measured_minus_product": None}
    a, b, d, e = [v["rate"] for v in components.values()]
    product = a * b * d * e
    return {"measured": measured, "components": components, "product_of_components": product,
            "measured_minus_product": measured["rate"] - product}


def _timing(c: Mapping[str, int], n: _Level) -> dict[str, Any]:
    req, settled = c[n.req_n], c[n.settled]
    return {"vs_requested": rate(c[n.on_time_req], req), "vs_promised": rate(c[n.on_time], settled),
            "otif": rate(c[n.otif], settled), "otif_vs_requested": rate(c[n.otif_req], req)}


def _cycle(c: Mapping[str, int], hist: Mapping[str, Mapping[int, int]], n: _Level) -> dict[str, Any]:
    return {"unit": "days", "basis": n.basis,
            "ordered_to_shipped": spread(hist.get("ship", {}), c[n.ship_n], c[n.ship_sum], c[n.ship_sq]),
            "ordered_to_delivered": spread(hist.get("deliver", {}), c[n.settled], c[n.deliver_sum],
                                           c[n.deliver_sq]),
            "within_lead_time": rate(c[n.within_lead], c[n.settled])}


def kpi_block(c: Mapping[str, int], hist: Mapping[str, Mapping[int, int]], *, order_level: bool,
              fill_rule: str = "first_shipment") -> dict[str, Any]:
    """Every order/line KPI of one group. `hist`: {"ship"|"deliver": {days: orders (or lines)}}."""
    by_promise = fill_rule == "promised_date"
    u, ln, o = ("u_fillp", "l_fillp", "o_fillp") if by_promise else ("u_filled", "l_filled", "o_filled")
    un, lnn, on = ("u_fillp_n", "l_fillp_n", "o_fillp_n") if by_promise else ("u_fill_n", "l_fill_n", "o_fill_n")
    delivered = c["units_delivered"]
    by_reason = [{"reason": r, "units": c[key], "rate": ratio(c[key], delivered)} for r, key in _RETURNED]
    total_returned = sum([r["units"] for r in by_reason])
    o_settled = c["o_settled"]
    block: dict[str, Any] = {
        "volume": {"orders": c["orders"] if order_level else None,
                   "cancelled_orders": c["orders_cancelled"] if order_level else None,
                   "open_orders": c["o_open"] if order_level else None,
                   "settled_orders": o_settled if order_level else None,
                   "lines": c["lines"], "open_lines": c["l_open"], "settled_lines": c["l_settled"],
                   "units": c["units"], "units_shipped": c["units_shipped"], "units_delivered": delivered},
        "fill": {"rule": fill_rule, "unit": rate(c[u], c[un]), "line": rate(c[ln], c[lnn]),
                 "order": rate(c[o], c[on]) if order_level else None,
                 "pending": {"units": c["units"] - c[un], "lines": c["lines"] - c[lnn],
                             "orders": c["orders"] - c[on] if order_level else None}},
        "perfect_order": {"order": _perfect(c, _ORDER) if order_level else None, "line": _perfect(c, _LINE)},
        "on_time": {"order": _timing(c, _ORDER) if order_level else None, "line": _timing(c, _LINE)},
        "cycle_time": _cycle(c, hist, _ORDER if order_level else _LINE),
        "accuracy": {"order": rate(c["o_accurate"], o_settled) if order_level else None,
                     "line": rate(c["l_accurate"], c["l_settled"]),
                     "billing": rate(c["o_doc_ok"], o_settled) if order_level else None},
        "delivery_exceptions": {"units_damaged": c["units_damaged"], "units_wrong_item": c["units_wrong"],
                                "units_short": c["units_short"]},
        "returns": {"units_returned": total_returned, "units_delivered": delivered,
                    "rate": ratio(total_returned, delivered), "by_reason": by_reason},
    }
    return block
