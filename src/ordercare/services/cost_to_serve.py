"""Cost-to-serve per customer and period (DOMAIN §6): the activity volumes read set-based from the records
(store/costing_queries.py), priced with the activity rates (analytics/), against net sales value.

A period without orders or activity gives zeros and "n/a" (None) for the ratios, never NaN or an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from ..analytics.activity_rates import ACTIVITIES, CaseMinutes, Rate, RateBook
from ..analytics.cost_to_serve import ZERO, CustomerCost, Drivers, NetSales, price
from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..metrics.periods import ReportRequest, check_request, default_from
from ..store import costing_queries as q
from ..store.costing_tables import activity_rates, case_minutes
from ..store.db import UnitOfWork
from ..store.tables import customers


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.date_from - timedelta(days=self.days), self.date_from - timedelta(days=1))


def period_of(clock: Clock, date_from: date | None, date_to: date | None) -> Period:
    """Default: the 30 days up to today. Both ends included; checked as the service report checks its period."""
    to = date_to or clock.today()
    lo = date_from or default_from(to)
    check_request(ReportRequest(lo, to))
    return Period(lo, to)


def load_book(conn: Connection) -> RateBook:
    rates = [Rate(r.activity, r.qualifier, Decimal(r.rate)) for r in conn.execute(select(activity_rates))]
    minutes = [CaseMinutes(r.kind, r.code, Decimal(r.minutes)) for r in conn.execute(select(case_minutes))]
    return RateBook(rates, minutes)


def customer_id(conn: Connection, code: str | None) -> int | None:
    if code is None:
        return None
    cid = conn.execute(select(customers.c.id).where(customers.c.code == code)).scalar()
    if cid is None:
        raise ValidationFailed("unknown_customer", f"customer: no customer with code '{code}'", field="customer",
                               customer=code)
    return cid


def costs_in(conn: Connection, p: Period, cid: int | None = None, *, today: date | None = None
             ) -> dict[int, CustomerCost]:
    """Every customer with sales or activity in the period (or the one customer asked for, even without any).
    Days outstanding are counted up to `today` when the period has not ended yet (no future days)."""
    lo, hi = p.date_from, p.date_to
    quoted = q.quotes_by_channel(conn, lo, hi, cid)
    placed = q.orders_by_channel(conn, lo, hi, cid)
    shape = q.order_shape(conn, lo, hi, cid)
    checks = q.credit_checks(conn, lo, hi, cid)
    rushed = q.expedites(conn, lo, hi, cid)
    shipped = q.shipping(conn, lo, hi, cid)
    returned = q.returns_received(conn, lo, hi, cid)
    by_category, by_event, recovery = q.case_work(conn, lo, hi, cid)
    as_of = hi if today is None else min(hi, today)  # no days outstanding, no payments, after today
    receivable = q.receivables(conn, lo, as_of, cid) if as_of >= lo else {}
    goods = q.goods_shipped(conn, lo, hi, cid)
    back = q.restocked(conn, lo, hi, cid)
    freight = q.freight_charged(conn, lo, hi, cid)
    credited = q.credits(conn, lo, hi, cid)
    ids = set().union(quoted, placed, shape, checks, rushed, shipped, returned, by_category, recovery, receivable,
                      goods, back, freight, credited)
    if cid is not None:
        ids.add(cid)
    book = load_book(conn)
    out = {}
    for c in ids:  # one pass per customer, not per order: the volumes are already summed
        lines, skus, value = shape.get(c, (0, 0, ZERO))
        n_ship, ship_freight = shipped.get(c, (0, ZERO))
        picked, at_list, at_price, cogs = goods.get(c, (0, ZERO, ZERO, ZERO))
        drivers = Drivers(
            quotes=quoted.get(c, {}), orders=placed.get(c, {}), credit_checks=int(checks.get(c, 0)),
            expedites=int(rushed.get(c, 0)), lines_picked=picked, shipments=n_ship, freight=ship_freight,
            returns=int(returned.get(c, 0)), cases=by_category.get(c, {}), case_events=by_event.get(c, {}),
            recovery_cost=recovery.get(c, ZERO), discount_taken=receivable.get(c, (ZERO, ZERO))[1],
            money_days=receivable.get(c, (ZERO, ZERO))[0], order_lines=lines, distinct_skus=skus, order_value=value)
        sales = NetSales(gross_sales=at_list, price_discounts=at_list - at_price, freight_charged=freight.get(c, ZERO),
                         credits=credited.get(c, ZERO), cost_of_goods=cogs - back.get(c, ZERO))
        out[c] = price(drivers, sales, book)
    return out


def customer_view(row, c: CustomerCost) -> dict[str, Any]:
    d = c.drivers
    return {"customer": row.code, "name": row.name, "segment": row.segment, "package": row.service_package,
            "kind": row.kind, "net_sales": c.sales.as_dict(), "cost_to_serve": c.cost_to_serve,
            "profit": c.profit, **c.measures(),
            "activities": [{"activity": a.activity, "volume": a.volume, "rate": a.rate, "cost": a.cost,
                            "detail": list(a.detail)} for a in c.activities],
            "drivers": {"quotes": d.quotes, "orders": d.orders, "order_lines": d.order_lines,
                        "distinct_skus": d.distinct_skus, "order_value": d.order_value, "lines_picked": d.lines_picked,
                        "shipments": d.shipments, "freight": d.freight, "expedites": d.expedites,
                        "credit_checks": d.credit_checks, "returns": d.returns, "cases": d.cases,
                        "case_events": d.case_events, "recovery_cost": d.recovery_cost,
                        "discount_taken": d.discount_taken, "money_days": d.money_days}}


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sales_keys = ("gross_sales", "price_discounts", "freight_charged", "returns_and_credits", "revenue",
                  "cost_of_goods", "net_sales_value")
    by_activity = {a.activity.value: ZERO for a in ACTIVITIES}
    for r in rows:
        for a in r["activities"]:
            by_activity[a["activity"]] += a["cost"]
    return {"customers": len(rows),
            "net_sales": {k: sum((r["net_sales"][k] for r in rows), ZERO) for k in sales_keys},
            "cost_to_serve": sum((r["cost_to_serve"] for r in rows), ZERO),
            "profit": sum((r["profit"] for r in rows), ZERO), "by_activity": by_activity}


def basis() -> list[dict[str, Any]]:
    return [{"activity": a.activity.value, "name": a.name, "driver": a.driver, "rate_unit": a.unit,
             "rated_by": a.qualified_by} for a in ACTIVITIES]


def cost_to_serve_in(conn: Connection, p: Period, code: str | None = None, *, today: date | None = None
                     ) -> dict[str, Any]:
    cid = customer_id(conn, code)
    costs = costs_in(conn, p, cid, today=today)
    rows = q.customer_rows(conn, costs)
    items = sorted((customer_view(rows[c], cost) for c, cost in costs.items()),
                   key=lambda r: (r["profit"], r["customer"]))
    return {"period": {"from": p.date_from, "to": p.date_to, "days": p.days}, "customer": code,
            "activities": basis(), "total": _totals(items), "items": items}


def cost_to_serve_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, date_from: date | None = None,
                         date_to: date | None = None, customer: str | None = None) -> dict[str, Any]:
    """Per customer: net sales value, cost-to-serve by activity with its volumes, and profit; least profitable
    first. Staff with the analytics permission only (the firm's costs and margins are internal)."""
    actor.require(Permission.READ_ANALYTICS)
    p = period_of(clock, date_from, date_to)
    with uow.read() as conn:
        return cost_to_serve_in(conn, p, customer, today=clock.today())
