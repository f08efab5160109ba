"""Credit check at placement: open receivables + open orders + this order against the limit.

Products cost 10.00 a unit, so an order of n units is worth n × 10.00.
"""

from decimal import Decimal

import pytest

from ordercare.domain.customers import CustomerKind
from ordercare.domain.errors import Conflict, Forbidden
from ordercare.services import orders as order_service
from ordercare.services.order_views import get_order
from tests.factories import add_customer, order, world
from tests.services.helpers import AGENT, FINANCE, add_receivable, assert_books_balance, day, events, stock_of


def view(env, oid):
    return get_order(env.uow, env.actor, oid)


def test_exposure_over_the_limit_puts_the_order_on_credit_hold_with_its_stock_still_promised(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("100.00"))
    add_receivable(env, "CUST1", "50.00")
    first = order(env, [("SKU-A", 3)])  # 50 + 0 + 30 = 80: within the limit
    held = order(env, [("SKU-A", 3)])  # 50 + 30 + 30 = 110 > 100
    assert view(env, first)["status"] == "allocated"
    o = view(env, held)
    assert o["status"] == "credit_hold"
    assert o["credit_hold"] is True
    # The stock is promised to the held order all the same.
    assert [(a["warehouse"], a["qty"]) for a in o["lines"][0]["allocations"]] == [("NEAR", 3)]
    assert o["promised_date"] == day(2)
    assert stock_of(env, "NEAR", "SKU-A") == (10, 6)
    hold = o["timeline"][-1]
    assert (hold["kind"], hold["from_status"], hold["to_status"], hold["reason"]) == (
        "status_changed", "new", "credit_hold", "credit limit exceeded")
    assert {k: Decimal(v) for k, v in hold["data"].items()} == {
        "exposure": Decimal(110), "limit": Decimal(100), "excess": Decimal(10)}
    assert_books_balance(env)


def test_exposure_equal_to_the_limit_is_not_held(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("60.00"))
    add_receivable(env, "CUST1", "20.00")
    assert view(env, order(env, [("SKU-A", 2)]))["status"] == "allocated"  # 20 + 0 + 20 = 40
    assert view(env, order(env, [("SKU-A", 2)]))["status"] == "allocated"  # 20 + 20 + 20 = 60
    assert view(env, order(env, [("SKU-A", 1)]))["status"] == "credit_hold"  # 20 + 40 + 10 = 70


def test_receivables_alone_can_hold_an_order(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("100.00"))
    add_receivable(env, "CUST1", "95.00", ref="INV-1")
    add_receivable(env, "CUST1", "-40.00", ref="PAY-1")  # a payment: 55 left open
    assert view(env, order(env, [("SKU-A", 4)]))["status"] == "allocated"  # 55 + 40 = 95
    add_receivable(env, "CUST1", "10.00", ref="INV-2")
    assert view(env, order(env, [("SKU-A", 1)]))["status"] == "credit_hold"  # 65 + 40 + 10 = 115


def test_cancelled_orders_no_longer_count_in_the_exposure(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("50.00"))
    first = order(env, [("SKU-A", 4)])
    order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, first, "changed mind")
    assert view(env, order(env, [("SKU-A", 4)]))["status"] == "allocated"  # 0 + 0 + 40


def test_held_orders_count_in_the_exposure_of_the_next_order(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("50.00"))
    assert view(env, order(env, [("SKU-A", 6)]))["status"] == "credit_hold"  # 60 > 50
    assert view(env, order(env, [("SKU-A", 1)]))["status"] == "credit_hold"  # 60 + 10 > 50


def test_finance_releases_a_credit_hold_and_the_order_goes_on_as_allocated(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("20.00"))
    held = order(env, [("SKU-A", 3)])
    env.clock.advance(hours=2)
    order_service.release_credit_hold(env.uow, env.clock, FINANCE, held, "customer paid in advance")
    o = view(env, held)
    assert o["status"] == "allocated"
    assert o["credit_hold"] is False
    last = o["timeline"][-1]
    assert (last["kind"], last["from_status"], last["to_status"], last["actor"], last["reason"], last["at"]) == (
        "status_changed", "credit_hold", "allocated", "fiona", "customer paid in advance", env.clock.now())
    assert stock_of(env, "NEAR", "SKU-A") == (10, 3)
    with pytest.raises(Conflict) as exc:
        order_service.release_credit_hold(env.uow, env.clock, FINANCE, held, "again")
    assert (exc.value.code, exc.value.field) == ("not_on_credit_hold", "status")


def test_a_released_hold_goes_to_the_status_its_promises_allow(env):
    world(env, stock={("NEAR", "SKU-A"): 2}, credit_limit=Decimal("0.00"))
    held = order(env, [("SKU-A", 5)])
    assert view(env, held)["status"] == "credit_hold"
    order_service.release_credit_hold(env.uow, env.clock, FINANCE, held, "ok")
    assert view(env, held)["status"] == "partially_allocated"


def test_a_held_order_still_receives_freed_supply_and_keeps_its_hold(env):
    from ordercare.services import master_data as md
    world(env, credit_limit=Decimal("0.00"))
    held = order(env, [("SKU-A", 3)])
    assert view(env, held)["status"] == "credit_hold"
    assert view(env, held)["lines"][0]["qty_backordered"] == 3
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-A", delta=5,
                    reason="delivery")
    o = view(env, held)
    assert o["status"] == "credit_hold"
    assert o["lines"][0]["qty_backordered"] == 0
    assert stock_of(env, "NEAR", "SKU-A") == (5, 3)
    order_service.release_credit_hold(env.uow, env.clock, FINANCE, held, "ok")
    assert view(env, held)["status"] == "allocated"


def test_a_cs_agent_cannot_release_a_credit_hold(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, credit_limit=Decimal("20.00"))
    held = order(env, [("SKU-A", 3)], actor=AGENT)
    events_before = len(view(env, held)["timeline"])
    with pytest.raises(Forbidden) as exc:
        order_service.release_credit_hold(env.uow, env.clock, AGENT, held, "I think it's fine")
    assert exc.value.code == "forbidden"
    o = view(env, held)
    assert o["status"] == "credit_hold"
    assert len(o["timeline"]) == events_before


def test_internal_customers_are_never_held(env):
    world(env, stock={("NEAR", "SKU-A"): 10}, customers=())
    add_customer(env, "PLANT-2", kind=CustomerKind.INTERNAL, credit_limit=Decimal("0.00"))
    add_receivable(env, "PLANT-2", "1000.00")
    o = view(env, order(env, [("SKU-A", 5)], customer="PLANT-2"))
    assert o["status"] == "allocated"
    assert o["credit_hold"] is False
    assert events(o, "status_changed")[0]["to_status"] == "allocated"


def test_customers_without_a_limit_are_never_held(env):
    world(env, stock={("NEAR", "SKU-A"): 10})  # credit_limit=None
    add_receivable(env, "CUST1", "1000000.00")
    assert view(env, order(env, [("SKU-A", 5)]))["status"] == "allocated"
