"""A refused order says what is wrong (stable code and field) and changes nothing in the database."""

from decimal import Decimal

import pytest

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import DomainError, ValidationFailed
from ordercare.domain.orders import RequestedLine
from ordercare.services import master_data as md
from ordercare.services import orders as order_service
from ordercare.services import quotes
from ordercare.services.intake import OrderRequest
from ordercare.store.tables import customers
from ordercare.store.tables import quotes as quotes_table
from tests.factories import add_customer, order, purchase, world
from tests.services.helpers import count, day, ids, snapshot, stock_of


def setup(env):
    """Stock and a receipt that a valid order would draw on, one order already placed, an inactive customer
    and an inactive product."""
    world(env, stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 10})
    purchase(env, "PO-1", "MID", [("SKU-A", 10)], days_out=5)
    add_customer(env, "GONE", active=False)
    md.create_product(env.uow, env.actor, md.ProductData("SKU-OLD", "Discontinued", Decimal(1), Decimal("0.01"),
                                                         Decimal("10.00"), Decimal("5.00"), active=False))
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="NEAR", sku="SKU-OLD", delta=10,
                    reason="last lot")
    order(env, [("SKU-A", 1)])


def lines(*items):
    return [RequestedLine(item[0], item[1], item[2] if len(item) > 2 else None, i) for i, item in enumerate(items)]


CASES = {
    "unknown customer": ({"customer": "NOBODY", "lines": lines(("SKU-A", 1))}, "unknown_customer", "customer"),
    "inactive customer": ({"customer": "GONE", "lines": lines(("SKU-A", 1))}, "inactive_customer", "customer"),
    "unknown sku": ({"customer": "CUST1", "lines": lines(("SKU-A", 2), ("SKU-B", 1), ("SKU-NOPE", 1))},
                    "unknown_sku", "lines[2].sku"),
    "unknown sku repeated": ({"customer": "CUST1", "lines": lines(("SKU-A", 2), ("SKU-X", 1), ("SKU-X", 1))},
                             "unknown_sku", "lines[1].sku"),
    "inactive product": ({"customer": "CUST1", "lines": lines(("SKU-A", 2), ("SKU-OLD", 1))},
                         "inactive_product", "lines[1].sku"),
    "zero quantity": ({"customer": "CUST1", "lines": lines(("SKU-A", 2), ("SKU-B", 0))},
                      "invalid_quantity", "lines[1].qty"),
    "negative quantity": ({"customer": "CUST1", "lines": lines(("SKU-A", 2), ("SKU-A", -1))},
                          "invalid_quantity", "lines[1].qty"),
    "quantity too large": ({"customer": "CUST1", "lines": lines(("SKU-A", 1_000_000_001))},
                           "invalid_quantity", "lines[0].qty"),
    "no lines": ({"customer": "CUST1", "lines": []}, "no_lines", "lines"),
    "unknown ship-to": ({"customer": "CUST1", "ship_to": "ELSEWHERE", "lines": lines(("SKU-A", 1))},
                        "unknown_ship_to", "ship_to"),
    "requested date in the past": ({"customer": "CUST1", "requested_date": day(-1), "lines": lines(("SKU-A", 1))},
                                   "requested_date_in_past", "requested_date"),
    "line requested date in the past": ({"customer": "CUST1", "lines": lines(("SKU-A", 1), ("SKU-B", 1, day(-3)))},
                                        "requested_date_in_past", "lines[1].requested_date"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_order_names_the_rule_and_field_and_changes_nothing(env, case):
    setup(env)
    kwargs, code, field = CASES[case]
    before = snapshot(env)
    assert before["orders"] == 1 and before["allocations"] == 1 and before["order_events"] >= 2
    with pytest.raises(ValidationFailed) as exc:
        order_service.place_order(env.uow, env.clock, env.settings, env.actor, OrderRequest(**kwargs))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert snapshot(env) == before
    assert stock_of(env, "NEAR", "SKU-A") == (10, 1)


@pytest.mark.parametrize("case", ["unknown sku", "inactive customer", "requested date in the past"])
def test_a_refused_order_with_an_idempotency_key_changes_nothing_either(env, case):
    setup(env)
    kwargs, code, field = CASES[case]
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        order_service.place_order(env.uow, env.clock, env.settings, env.actor, OrderRequest(**kwargs),
                                  idempotency_key="k-1", fingerprint="fp")
    assert (exc.value.code, exc.value.field) == (code, field)
    assert snapshot(env) == before


@pytest.mark.parametrize("case", ["unknown customer", "inactive product", "zero quantity", "unknown ship-to"])
def test_a_refused_quote_names_the_rule_and_writes_nothing(env, case):
    setup(env)
    kwargs, code, field = CASES[case]
    before = snapshot(env), count(env, quotes_table)
    with pytest.raises(ValidationFailed) as exc:
        quotes.create_quote(env.uow, env.clock, env.settings, env.actor, OrderRequest(**kwargs))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert (snapshot(env), count(env, quotes_table)) == before


def test_the_error_carries_the_facts(env):
    setup(env)
    with pytest.raises(ValidationFailed) as exc:
        order_service.place_order(env.uow, env.clock, env.settings, env.actor, OrderRequest(**CASES["unknown sku"][0]))
    assert exc.value.data == {"sku": "SKU-NOPE"}
    assert exc.value.as_dict() == {"code": "unknown_sku", "message": "lines[2].sku: no product with SKU 'SKU-NOPE'",
                                   "field": "lines[2].sku", "data": {"sku": "SKU-NOPE"}}


def test_a_requested_date_of_today_is_accepted(env):
    setup(env)
    oid, _ = order_service.place_order(env.uow, env.clock, env.settings, env.actor,
                                       OrderRequest(customer="CUST1", requested_date=day(0), lines=lines(("SKU-A", 1))))
    assert oid > 0


def test_a_customer_user_cannot_order_for_another_account(env):
    setup(env)
    add_customer(env, "OTHER")
    other_id = ids(env, customers, customers.c.code)["OTHER"]
    portal_user = Actor(9, "other-buyer", Role.CUSTOMER, customer_id=other_id)
    before = snapshot(env)
    with pytest.raises(DomainError) as exc:
        order_service.place_order(env.uow, env.clock, env.settings, portal_user,
                                  OrderRequest(customer="CUST1", lines=lines(("SKU-A", 1))))
    # Told the same as for a customer that does not exist: no leak of other accounts.
    assert (exc.value.code, exc.value.field) == ("unknown_customer", "customer")
    assert snapshot(env) == before
    oid, _ = order_service.place_order(env.uow, env.clock, env.settings, portal_user,
                                       OrderRequest(customer="OTHER", lines=lines(("SKU-A", 1))))
    assert oid > 0


def test_a_role_without_the_permission_cannot_place_orders(env):
    setup(env)
    before = snapshot(env)
    with pytest.raises(DomainError) as exc:
        order_service.place_order(env.uow, env.clock, env.settings, Actor(8, "wh", Role.WAREHOUSE),
                                  OrderRequest(customer="CUST1", lines=lines(("SKU-A", 1))))
    assert (exc.value.kind, exc.value.code) == ("forbidden", "forbidden")
    assert snapshot(env) == before
