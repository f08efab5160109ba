"""Small, explicit test worlds built through the service functions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ordercare.domain.customers import CustomerKind, SourcingPolicy
from ordercare.domain.orders import Channel, RequestedLine
from ordercare.services import master_data as md
from ordercare.services import orders, receipts
from ordercare.services.intake import OrderRequest

# Three warehouses on a line: NEAR is next to the customer, MID 300 km away, FAR 900 km away.
# Transit days = one per 500 km started: NEAR 1, MID 1, FAR 2. Handling: 1 day each.
WAREHOUSES = [("NEAR", 50.0, 4.0), ("MID", 50.0, 8.2), ("FAR", 50.0, 16.6)]
CUSTOMER_AT = (50.0, 4.01)


def world(env, *, skus=("SKU-A", "SKU-B", "SKU-C"), stock: dict | None = None, credit_limit=None,
          policy=SourcingPolicy.NEAREST, ship_complete=False, customers=("CUST1",)) -> None:
    """Warehouses, products at 10.00 each, customers with one ship-to, and stock {(wh, sku): qty}."""
    for code, lat, lon in WAREHOUSES:
        md.create_warehouse(env.uow, env.actor, md.WarehouseData(code, f"{code} DC", "EU", code, lat, lon, 1))
    for sku in skus:
        md.create_product(env.uow, env.actor, md.ProductData(sku, f"Product {sku}", Decimal("1.5"), Decimal("0.01"),
                                                              Decimal("10.00"), Decimal("6.00")))
    for code in customers:
        add_customer(env, code, credit_limit=credit_limit, policy=policy, ship_complete=ship_complete)
    for (wh, sku), qty in (stock or {}).items():
        md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse=wh, sku=sku, delta=qty,
                        reason="test stock", kind="initial")


def add_customer(env, code, *, credit_limit=None, policy=SourcingPolicy.NEAREST, ship_complete=False,
                 package="B", kind=CustomerKind.EXTERNAL, active=True) -> int:
    return md.create_customer(env.uow, env.clock, env.actor, md.CustomerData(
        code=code, name=f"Customer {code}", kind=kind, credit_limit=credit_limit, service_package=package,
        segment=package, sourcing_policy=policy, ship_complete=ship_complete, active=active,
        ship_tos=[md.ShipToData("MAIN", "Main", "Town", "BE", *CUSTOMER_AT, is_default=True)]))


def order(env, lines, *, customer="CUST1", requested_date: date | None = None, actor=None, channel=Channel.API,
          ship_to=None) -> int:
    """Place an order; lines are (sku, qty) pairs."""
    req = OrderRequest(customer=customer, channel=channel, ship_to=ship_to, requested_date=requested_date,
                       lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])
    order_id, _ = orders.place_order(env.uow, env.clock, env.settings, actor or env.actor, req)
    return order_id


def purchase(env, number, warehouse, lines, *, days_out=10) -> int:
    """A purchase order whose lines ((sku, qty)) are expected `days_out` days from the clock's today."""
    when = env.clock.today() + timedelta(days=days_out)
    return receipts.create_purchase_order(env.uow, env.clock, env.settings, env.actor, number=number,
                                          supplier="Supplier", warehouse=warehouse,
                                          lines=[receipts.ReceiptLine(s, q, when) for s, q in lines])
