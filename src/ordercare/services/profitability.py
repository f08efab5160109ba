"""Profitability segments (DOMAIN §6): each customer's net sales value against its cost-to-serve, its zone, how it
moved since the previous period of the same length, and what to do; and the what-if of another ordering pattern.

Thresholds: given with the request, else configured (costing settings), else the median of the period's
customers — for the previous period its own median, so a movement means a move against that period's peers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from ..analytics.cost_to_serve import ZERO, CustomerCost, Drivers, NetSales, price
from ..analytics.profitability import ZONE_NAMES, Thresholds, Zone, movement, recommendations, thresholds_for, zone_of
from ..analytics.what_if import Scenario, what_if
from ..clock import Clock
from ..domain.access import Actor, Permission
from ..store import costing_queries as q
from ..store.db import UnitOfWork
from .cost_to_serve import Period, costs_in, customer_id, load_book, period_of
from .costing_setup import threshold_settings


def _thresholds(costs: dict[int, CustomerCost], settings: dict[str, Any], value: Decimal | None,
                cost: Decimal | None) -> Thresholds:
    v = value if value is not None else settings["value_threshold"]
    c = cost if cost is not None else settings["cost_threshold"]
    return thresholds_for([x.sales.net_sales_value for x in costs.values()], [x.cost_to_serve for x in costs.values()],
                          value=v, cost=c, value_source="given" if value is not None else "configured",
                          cost_source="given" if cost is not None else "configured")


def _th(t: Thresholds) -> dict[str, Any]:
    return {"net_sales_value": t.value, "cost_to_serve": t.cost, "value_source": t.value_source,
            "cost_source": t.cost_source, "rule": "high value: net sales value ≥ threshold; high cost: cost-to-serve "
                                                  "> threshold (ties favour the customer)"}


def _weeks(p: Period) -> int:
    return max(1, round(p.days / 7))


def profitability_in(conn: Connection, p: Period, *, value_threshold: Decimal | None = None,
                     cost_threshold: Decimal | None = None, customer: str | None = None,
                     today: date | None = None) -> dict[str, Any]:
    only = customer_id(conn, customer)
    settings = threshold_settings(conn)
    now, before = costs_in(conn, p, today=today), costs_in(conn, p.previous(), today=today)
    th_now = _thresholds(now, settings, value_threshold, cost_threshold)
    th_before = _thresholds(before, settings, value_threshold, cost_threshold)
    book = load_book(conn)
    rows = q.customer_rows(conn, set(now) | set(before) | ({only} if only else set()))
    points, moves = [], Counter()
    for cid in sorted(set(now) | ({only} if only else set()), key=lambda c: rows[c].code):
        c = now.get(cid) or price(Drivers(), NetSales(), book)
        zone = zone_of(c.sales.net_sales_value, c.cost_to_serve, th_now) if cid in now else None
        prev_cost = before.get(cid)
        prev = zone_of(prev_cost.sales.net_sales_value, prev_cost.cost_to_serve, th_before) if prev_cost else None
        moves[(prev, zone)] += 1
        if only is not None and cid != only:
            continue
        points.append({"customer": rows[cid].code, "name": rows[cid].name, "segment": rows[cid].segment,
                       "package": rows[cid].service_package, "x": c.sales.net_sales_value, "y": c.cost_to_serve,
                       "profit": c.profit, "zone": zone, "zone_name": ZONE_NAMES.get(zone),
                       "previous": None if prev_cost is None else {
                           "zone": prev, "x": prev_cost.sales.net_sales_value, "y": prev_cost.cost_to_serve,
                           "profit": prev_cost.profit},
                       "movement": movement(prev, zone),
                       "recommendations": recommendations(zone, c, book, weekly_orders=_weeks(p))})
    gone = sorted(rows[c].code for c in before if c not in now and (only is None or c == only))
    return {"period": {"from": p.date_from, "to": p.date_to, "days": p.days},
            "previous_period": {"from": p.previous().date_from, "to": p.previous().date_to},
            "customer": customer, "thresholds": _th(th_now), "previous_thresholds": _th(th_before),
            "axes": {"x": "net sales value", "y": "cost-to-serve"},
            "zones": _zone_summary(now, th_now), "movements": _movements(moves), "points": points,
            "no_activity_now": gone}


def _zone_summary(costs: dict[int, CustomerCost], th: Thresholds) -> list[dict[str, Any]]:
    out = {z: {"zone": z, "name": ZONE_NAMES[z], "customers": 0, "net_sales_value": ZERO, "cost_to_serve": ZERO,
               "profit": ZERO} for z in Zone}
    for c in costs.values():
        z = zone_of(c.sales.net_sales_value, c.cost_to_serve, th)
        if z is None:
            continue
        out[z]["customers"] += 1
        out[z]["net_sales_value"] += c.sales.net_sales_value
        out[z]["cost_to_serve"] += c.cost_to_serve
        out[z]["profit"] += c.profit
    return list(out.values())


def _movements(moves: Counter) -> list[dict[str, Any]]:
    return [{"from": a, "to": b, "customers": n, "movement": movement(a, b)}
            for (a, b), n in sorted(moves.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))]


def profitability_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, date_from: date | None = None,
                         date_to: date | None = None, value_threshold: Decimal | None = None,
                         cost_threshold: Decimal | None = None, customer: str | None = None) -> dict[str, Any]:
    """The matrix: one point per customer (x net sales value, y cost-to-serve, zone), the thresholds, each
    customer's movement since the previous period and the recommended actions."""
    actor.require(Permission.READ_ANALYTICS)
    p = period_of(clock, date_from, date_to)
    with uow.read() as conn:
        return profitability_in(conn, p, value_threshold=value_threshold, cost_threshold=cost_threshold,
                                customer=customer, today=clock.today())


def _side(c: CustomerCost, zone: Zone | None) -> dict[str, Any]:
    return {"cost_to_serve": c.cost_to_serve, "profit": c.profit, "zone": zone, "orders_by_channel": c.drivers.orders,
            "order_lines": c.drivers.order_lines, "lines_picked": c.drivers.lines_picked,
            "shipments": c.drivers.shipments, "expedites": c.drivers.expedites,
            "credit_checks": c.drivers.credit_checks,
            "activities": {a.activity: a.cost for a in c.activities}, **c.measures()}


def what_if_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, customer: str, scenario: Scenario,
                   date_from: date | None = None, date_to: date | None = None) -> dict[str, Any]:
    """The customer's cost-to-serve in the period, and what it would be under the scenario with the same rates
    and the same sales; the zone against the period's thresholds, before and after."""
    actor.require(Permission.READ_ANALYTICS)
    scenario.check()
    p = period_of(clock, date_from, date_to)
    with uow.read() as conn:
        cid = customer_id(conn, customer)
        costs = costs_in(conn, p, today=clock.today())
        th = _thresholds(costs, threshold_settings(conn), None, None)
        book = load_book(conn)
        base = costs.get(cid) or price(Drivers(), NetSales(), book)
        after = what_if(base, book, scenario, days=p.days)
    zone_before = zone_of(base.sales.net_sales_value, base.cost_to_serve, th)
    zone_after = zone_of(after.sales.net_sales_value, after.cost_to_serve, th)
    change = after.cost_to_serve - base.cost_to_serve
    return {"customer": customer, "period": {"from": p.date_from, "to": p.date_to, "days": p.days},
            "scenario": {"channel": scenario.channel, "frequency": scenario.frequency, "orders": scenario.orders,
                         "order_value": scenario.order_value, "expedites": scenario.expedites},
            "thresholds": _th(th), "net_sales_value": base.sales.net_sales_value,
            "current": _side(base, zone_before), "what_if": _side(after, zone_after), "change": change,
            "statement": f"With {_describe(scenario, after)}, cost-to-serve becomes {after.cost_to_serve} instead of "
                         f"{base.cost_to_serve} ({'+' if change >= 0 else ''}{change}); profit {after.profit}."}


def _describe(s: Scenario, after: CustomerCost) -> str:
    parts = [f"{after.drivers.order_count} orders"]
    if s.frequency:
        parts[0] += f" ({s.frequency})"
    if s.channel:
        parts.append(f"through {s.channel}")
    if not s.expedites:
        parts.append("no expedites")
    return " ".join(parts)
