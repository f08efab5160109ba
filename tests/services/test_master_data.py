"""Master data through the services: customers and ship-tos, products and prices, warehouses, stock."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from ordercare.services import master_data as md
from ordercare.services.order_views import get_order
from ordercare.store.tables import customers, products, ship_tos, stock_moves, warehouses
from tests.factories import CUSTOMER_AT, add_customer, order, world
from tests.services.helpers import count, day, snapshot, stock_of


def customer_row(env, code):
    with env.uow.read() as conn:
        return conn.execute(select(customers).where(customers.c.code == code)).first()


def sites(env, code):
    with env.uow.read() as conn:
        return [(r.code, r.is_default) for r in conn.execute(
            select(ship_tos).join(customers).where(customers.c.code == code).order_by(ship_tos.c.id))]


def test_create_customer_writes_the_customer_and_its_ship_tos(env):
    world(env, customers=())
    md.create_customer(env.uow, env.clock, env.actor, md.CustomerData(
        code="ACME", name="Acme", credit_limit=Decimal("500.00"), service_package="A", payment_terms="2/10 net 30",
        ship_tos=[md.ShipToData("HQ", "Head office", "Town", "BE", *CUSTOMER_AT),
                  md.ShipToData("DEPOT", "Depot", "Town", "BE", 50.0, 16.6)]))
    c = customer_row(env, "ACME")
    assert (c.name, c.kind, c.active, c.credit_limit, c.service_package, c.sourcing_policy, c.created_at) == (
        "Acme", "external", True, Decimal("500.00"), "A", "nearest", env.clock.now())
    assert sites(env, "ACME") == [("HQ", True), ("DEPOT", False)]  # the first becomes the default


@pytest.mark.parametrize("data, code, field", [
    ({"service_package": "Z"}, "unknown_service_package", "service_package"),
    ({"payment_terms": "net 999"}, "unknown_payment_terms", "payment_terms"),
    ({"price_list": "NOPE"}, "unknown_price_list", "price_list"),
    ({"credit_limit": Decimal(-1)}, "invalid_credit_limit", "credit_limit"),
    ({"ship_tos": [md.ShipToData("X", "X", "T", "BE", 50, 4), md.ShipToData("X", "Y", "T", "BE", 50, 4)]},
     "duplicate_ship_to", "ship_tos"),
])
def test_an_invalid_customer_is_refused_and_not_written(env, data, code, field):
    world(env, customers=())
    with pytest.raises(ValidationFailed) as exc:
        md.create_customer(env.uow, env.clock, env.actor, md.CustomerData(code="BAD", name="Bad", **data))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert count(env, customers) == 0
    assert count(env, ship_tos) == 0


def test_a_customer_code_is_unique(env):
    world(env)
    with pytest.raises(Conflict) as exc:
        add_customer(env, "CUST1")
    assert (exc.value.code, exc.value.field) == ("duplicate_customer", "code")
    assert count(env, customers) == 1


def test_update_customer_changes_what_the_next_order_sees(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    md.update_customer(env.uow, env.actor, "CUST1", {"credit_limit": Decimal("5.00"), "service_package": "A",
                                                     "ship_complete": True})
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 1)]))
    assert (o["status"], o["ship_complete"]) == ("credit_hold", True)
    md.update_customer(env.uow, env.actor, "CUST1", {"credit_limit": None})
    assert get_order(env.uow, env.actor, order(env, [("SKU-A", 1)]))["status"] == "allocated"


def test_update_customer_refuses_unknown_fields_and_customers(env):
    world(env)
    with pytest.raises(ValidationFailed) as exc:
        md.update_customer(env.uow, env.actor, "CUST1", {"created_at": None})
    assert (exc.value.code, exc.value.field) == ("unknown_field", "created_at")
    with pytest.raises(NotFound) as exc:
        md.update_customer(env.uow, env.actor, "NOBODY", {"name": "X"})
    assert (exc.value.code, exc.value.field) == ("customer_not_found", "code")
    with pytest.raises(ValidationFailed) as exc:
        md.update_customer(env.uow, env.actor, "CUST1", {"service_package": "Z"})
    assert exc.value.code == "unknown_service_package"
    assert customer_row(env, "CUST1").service_package == "B"


def test_a_new_default_ship_to_takes_over_and_orders_are_sourced_for_it(env):
    world(env, stock={("NEAR", "SKU-A"): 10, ("FAR", "SKU-A"): 10})
    md.add_ship_to(env.uow, env.actor, "CUST1", md.ShipToData("EAST", "East plant", "City", "PL", 50.0, 16.6,
                                                              is_default=True))
    assert sites(env, "CUST1") == [("MAIN", False), ("EAST", True)]
    east = get_order(env.uow, env.actor, order(env, [("SKU-A", 2)]))
    assert east["ship_to"] == "EAST"
    # FAR is next door to EAST: one day of transit; NEAR is now ~900 km away.
    assert [(a["warehouse"], a["delivery_date"]) for a in east["lines"][0]["allocations"]] == [("FAR", day(2))]
    main = get_order(env.uow, env.actor, order(env, [("SKU-A", 2)], ship_to="MAIN"))
    assert [(a["warehouse"], a["delivery_date"]) for a in main["lines"][0]["allocations"]] == [("NEAR", day(2))]
    with pytest.raises(Conflict) as exc:
        md.add_ship_to(env.uow, env.actor, "CUST1", md.ShipToData("EAST", "Again", "City", "PL", 50.0, 16.6))
    assert exc.value.code == "duplicate_ship_to"
    with pytest.raises(NotFound):
        md.add_ship_to(env.uow, env.actor, "NOBODY", md.ShipToData("X", "X", "City", "PL", 50.0, 16.6))


def test_products_are_unique_by_sku(env):
    world(env)
    with pytest.raises(Conflict) as exc:
        md.create_product(env.uow, env.actor, md.ProductData("SKU-A", "Again", Decimal(1), Decimal("0.01"),
                                                             Decimal("1.00"), Decimal("1.00")))
    assert (exc.value.code, exc.value.field) == ("duplicate_sku", "sku")
    with env.uow.read() as conn:
        assert conn.execute(select(products.c.name).where(products.c.sku == "SKU-A")).scalar_one() == "Product SKU-A"


def test_set_price_creates_the_list_and_replaces_a_break(env):
    world(env, stock={("NEAR", "SKU-A"): 100})
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("9.50"))
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("9.00"))  # same break: replaced, not added
    md.set_price(env.uow, env.actor, "PL1", "SKU-A", Decimal("7.25"), min_qty=50)
    md.update_customer(env.uow, env.actor, "CUST1", {"price_list": "PL1"})
    prices = [get_order(env.uow, env.actor, order(env, [("SKU-A", q)]))["lines"][0]["unit_price"]
              for q in (1, 49, 50)]
    assert prices == [Decimal("9.00"), Decimal("9.00"), Decimal("7.25")]
    # Another customer without the list pays the list price.
    add_customer(env, "CUST2")
    assert get_order(env.uow, env.actor, order(env, [("SKU-A", 1)], customer="CUST2"))["lines"][0]["unit_price"] \
        == Decimal("10.00")
    # A list price that is not on the price list stays the list price.
    assert get_order(env.uow, env.actor, order(env, [("SKU-B", 1)]))["lines"][0]["unit_price"] == Decimal("10.00")


@pytest.mark.parametrize("sku, price, min_qty, code", [
    ("SKU-A", Decimal("-0.01"), 1, "invalid_price"),
    ("SKU-A", Decimal("1.00"), 0, "invalid_price"),
    ("SKU-NOPE", Decimal("1.00"), 1, "unknown_sku"),
])
def test_set_price_refuses_bad_prices(env, sku, price, min_qty, code):
    world(env)
    with pytest.raises(ValidationFailed) as exc:
        md.set_price(env.uow, env.actor, "PL1", sku, price, min_qty)
    assert exc.value.code == code


def test_warehouses_are_unique_and_on_the_globe(env):
    world(env)
    with pytest.raises(Conflict) as exc:
        md.create_warehouse(env.uow, env.actor, md.WarehouseData("NEAR", "Again", "EU", "X", 1.0, 1.0))
    assert exc.value.code == "duplicate_warehouse"
    with pytest.raises(ValidationFailed) as exc:
        md.create_warehouse(env.uow, env.actor, md.WarehouseData("MOON", "Moon", "EU", "X", 91.0, 1.0))
    assert (exc.value.code, exc.value.field) == ("invalid_location", "lat")
    assert count(env, warehouses) == 3


def test_stock_in_an_inactive_warehouse_is_not_promised(env):
    world(env)
    md.create_warehouse(env.uow, env.actor, md.WarehouseData("OLD", "Old DC", "EU", "X", *CUSTOMER_AT, active=False))
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="OLD", sku="SKU-A", delta=10,
                    reason="leftovers")
    o = get_order(env.uow, env.actor, order(env, [("SKU-A", 2)]))
    assert o["status"] == "backordered"
    assert stock_of(env, "OLD", "SKU-A") == (10, 0)


def test_adjust_stock_records_a_move_with_its_reason(env):
    world(env)
    assert md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="MID", sku="SKU-B", delta=7,
                           reason="initial count", kind="initial") == {"on_hand": 7, "reserved": 0}
    env.clock.advance(days=1)
    assert md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse="MID", sku="SKU-B", delta=-2,
                           reason="damaged") == {"on_hand": 5, "reserved": 0}
    with env.uow.read() as conn:
        moves = [(m.qty, m.kind, m.reason, m.at, m.actor) for m in conn.execute(
            select(stock_moves).order_by(stock_moves.c.id))]
    start = env.clock.now().replace(day=2)
    assert moves == [(7, "initial", "initial count", start, "system"),
                     (-2, "adjustment", "damaged", env.clock.now(), "system")]


@pytest.mark.parametrize("kwargs, code, field", [
    ({"warehouse": "NEAR", "sku": "SKU-A", "delta": 0, "reason": "x"}, "invalid_quantity", "delta"),
    ({"warehouse": "NEAR", "sku": "SKU-A", "delta": 1, "reason": "  "}, "reason_required", "reason"),
    ({"warehouse": "NOWHERE", "sku": "SKU-A", "delta": 1, "reason": "x"}, "unknown_warehouse", "warehouse"),
    ({"warehouse": "NEAR", "sku": "SKU-NOPE", "delta": 1, "reason": "x"}, "unknown_sku", "sku"),
    ({"warehouse": "NEAR", "sku": "SKU-A", "delta": -4, "reason": "x"}, "negative_stock", "delta"),
    ({"warehouse": "NEAR", "sku": "SKU-A", "delta": -2, "reason": "x"}, "stock_reserved", "delta"),
    ({"warehouse": "MID", "sku": "SKU-A", "delta": -1, "reason": "x"}, "negative_stock", "delta"),  # no stock row yet
])
def test_a_refused_stock_adjustment_changes_nothing(env, kwargs, code, field):
    world(env, stock={("NEAR", "SKU-A"): 3})
    order(env, [("SKU-A", 2)])
    before = snapshot(env)
    with pytest.raises(DomainError) as exc:
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, **kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert snapshot(env) == before
    assert stock_of(env, "NEAR", "SKU-A") == (3, 2)


def test_an_inactive_product_is_no_longer_sold_but_open_orders_keep_it(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    oid = order(env, [("SKU-A", 2)])
    md.update_product(env.uow, env.actor, "SKU-A", {"active": False, "list_price": Decimal("12.00")})
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        order(env, [("SKU-A", 1)])
    assert (exc.value.code, exc.value.field) == ("inactive_product", "lines[0].sku")
    assert snapshot(env) == before
    o = get_order(env.uow, env.actor, oid)
    assert (o["status"], o["lines"][0]["unit_price"]) == ("allocated", Decimal("10.00"))
    md.update_product(env.uow, env.actor, "SKU-A", {"active": True})
    assert get_order(env.uow, env.actor, order(env, [("SKU-A", 1)]))["lines"][0]["unit_price"] == Decimal("12.00")


@pytest.mark.parametrize("sku, changes, error, code, field", [
    ("SKU-A", {"sku": "SKU-Z"}, ValidationFailed, "unknown_field", "sku"),
    ("SKU-A", {"list_price": Decimal(-1)}, ValidationFailed, "invalid_value", "list_price"),
    ("SKU-NOPE", {"name": "X"}, NotFound, "product_not_found", "sku"),
])
def test_update_product_refuses_bad_changes(env, sku, changes, error, code, field):
    world(env)
    with pytest.raises(error) as exc:
        md.update_product(env.uow, env.actor, sku, changes)
    assert (exc.value.code, exc.value.field) == (code, field)
    with env.uow.read() as conn:
        assert conn.execute(select(products.c.list_price).where(products.c.sku == "SKU-A")).scalar_one() \
            == Decimal("10.00")
