"""Two weeks of service history made through the services, for the KPI trend and the dashboard.

From Monday 2 March 2026 (day 0) to Monday 16 March (the clock at the end), warehouse NEAR, four customers:
PROTECT (package A, large portal orders), BUILD (package C, one small portal order a week), ENGINEER
(package B, large phone orders asked for in two days) and SMALL (package B, small rushed phone orders).

- day 0: PROTECT 20 × SKU-A, BUILD 3 × SKU-A, ENGINEER 20 × SKU-A, SMALL 5 × SKU-SHORT of which only 3 are
  in stock (back-ordered: not filled); all shipped that day, delivered on day 1.
- day 1: ENGINEER 20 × SKU-A and SMALL 1 × SKU-A; shipped that day, delivered on day 4 (late against a
  next-day promise). SMALL complains (late delivery), answered an hour later; PROTECT rates the delivery 5.
- day 4: ENGINEER complains (late delivery), never answered; SMALL rates the delivery 2, ENGINEER the invoice 3.
- day 7: PROTECT 20 × SKU-A and BUILD 3 × SKU-A, shipped and delivered on day 8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from decimal import Decimal

from sqlalchemy import func, select

from ordercare.domain.orders import Channel
from ordercare.services import cases, shipping
from ordercare.services import master_data as md
from ordercare.store.fulfilment_tables import carriers as carrier_table
from ordercare.store.tables import warehouses
from ordercare.services.csat import give_feedback
from tests.conftest import START
from tests.factories import add_customer, carriers, order, world
from tests.services.costing_helpers import ship_everything

DAY0 = START.date()
CUSTOMERS = {"PROTECT": "A", "BUILD": "C", "ENGINEER": "B", "SMALL": "B"}


@dataclass
class History:
    orders: dict[int, list[int]] = field(default_factory=dict)  # day -> order ids placed that day
    cases: list[int] = field(default_factory=list)

    @property
    def first(self) -> date:
        return DAY0

    @property
    def last(self) -> date:
        return DAY0 + timedelta(days=13)


def _to_day(env, day: int, hour: int = 9) -> None:
    env.clock.set(max(env.clock.now(), START + timedelta(days=day, hours=hour - START.hour)))


def _place(env, day: int, wanted: list[tuple[str, str, int, str, int | None]]) -> list[int]:
    """(customer, sku, qty, channel, requested in n days) placed on `day`; returns the order ids."""
    _to_day(env, day)
    ids = [order(env, [(sku, qty)], customer=c, channel=Channel(ch),
                 requested_date=None if rush is None else env.clock.today() + timedelta(days=rush))
           for c, sku, qty, ch, rush in wanted]
    return ids


def _deliver(env, shipments: list[int], day: int) -> None:
    _to_day(env, day, 14)
    for sid in shipments:
        shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="Goods-in")


def _complaint(env, customer: str) -> int:
    return cases.open_case(env.uow, env.clock, env.actor, cases.CaseRequest(
        customer=customer, subject="late again", category="late_delivery"))


def _stock_and_carriers(env) -> None:
    """Over a world of its own, or the API and browser tests' (warehouses, SKU-A, carriers perhaps): SKU-A
    plentiful at NEAR, and SKU-SHORT with 3 units at NEAR only, so 5 of them are back-ordered whatever the
    sourcing policy."""
    with env.uow.read() as conn:
        made = conn.execute(select(func.count()).select_from(warehouses)).scalar_one() > 0
        has_carriers = conn.execute(select(func.count()).select_from(carrier_table)).scalar_one() > 0
    if not made:
        world(env, customers=())
    md.create_product(env.uow, env.actor, md.ProductData("SKU-SHORT", "Product SKU-SHORT", Decimal("1.5"),
                                                          Decimal("0.01"), Decimal("10.00"), Decimal("6.00")))
    for sku, qty in (("SKU-A", 500), ("SKU-SHORT", 3)):
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku=sku, delta=qty,
                        reason="test stock", kind="initial")
    if not has_carriers:
        carriers(env)


def service_history(env) -> History:
    _stock_and_carriers(env)
    for code, package in CUSTOMERS.items():
        add_customer(env, code, package=package)
    h = History()
    h.orders[0] = _place(env, 0, [("PROTECT", "SKU-A", 20, "portal", None), ("BUILD", "SKU-A", 3, "portal", None),
                                  ("ENGINEER", "SKU-A", 20, "phone", 2), ("SMALL", "SKU-SHORT", 5, "phone", 2)])
    day0 = ship_everything(env)
    _deliver(env, day0, 1)
    h.orders[1] = _place(env, 1, [("ENGINEER", "SKU-A", 20, "phone", 2), ("SMALL", "SKU-A", 1, "phone", 1)])
    day1 = ship_everything(env)
    h.cases.append(_complaint(env, "SMALL"))
    env.clock.advance(hours=1)
    cases.acknowledge(env.uow, env.clock, env.actor, h.cases[0])
    give_feedback(env.uow, env.clock, env.actor, customer="PROTECT", touchpoint="delivery", score=5)
    _deliver(env, day1, 4)
    h.cases.append(_complaint(env, "ENGINEER"))
    give_feedback(env.uow, env.clock, env.actor, customer="SMALL", touchpoint="delivery", score=2)
    give_feedback(env.uow, env.clock, env.actor, customer="ENGINEER", touchpoint="invoice", score=3)
    h.orders[7] = _place(env, 7, [("PROTECT", "SKU-A", 20, "portal", None), ("BUILD", "SKU-A", 3, "portal", None)])
    _deliver(env, ship_everything(env), 8)
    _to_day(env, 14)
    return h
