"""What the post-sale service tests share: actors, a delivered order with a damaged line, a full snapshot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, inspect, select

from ordercare.domain.access import Actor, Role
from ordercare.domain.orders import parse_order_number
from ordercare.services import picking, release, shipment_views, shipping
from ordercare.store.service_tables import nonsellable_stock
from ordercare.store.tables import customers, metadata, products, stock, warehouses
from tests.factories import shipment_at
from tests.services.helpers import stock_of  # noqa: F401 - the service tests read stock the same way

AGENT = Actor(2, "alice", Role.CS_AGENT)
WAREHOUSE = Actor(4, "wendy", Role.WAREHOUSE)
MANAGER = Actor(5, "mona", Role.MANAGER)


def customer_actor(env, code: str = "CUST1") -> Actor:
    with env.uow.read() as c:
        cid = c.execute(select(customers.c.id).where(customers.c.code == code)).scalar_one()
    return Actor(9, f"buyer@{code.lower()}", Role.CUSTOMER, cid)


def delivered_with_damage(env, lines=(("SKU-A", 4),), damaged: int = 1, *, warehouse: str = "NEAR",
                          customer: str = "CUST1") -> tuple[int, int]:
    """(order id, shipment id): an order shipped and delivered a day later, `damaged` units of its first line
    arriving damaged."""
    sid = shipment_at(env, warehouse, list(lines), "shipped", customer=customer)
    sh = shipment_views.get_shipment(env.uow, env.actor, sid)
    env.clock.advance(days=1)
    exceptions = [shipping.DeliveryException(sh["lines"][0]["id"], damaged=damaged, note="carton crushed")] \
        if damaged else []
    shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="Goods-in", exceptions=exceptions)
    return parse_order_number(sh["lines"][0]["order"]), sid


def ship_order(env, warehouse: str) -> int:
    """Release, pick and ship whatever is due at the warehouse (one shipment); returns its id."""
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse,
                                         env.clock.today() + timedelta(days=30))
    picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    lines = shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]
    picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid,
                          [picking.PickConfirmation(ln["id"], ln["qty"]) for ln in lines])
    shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    return sid


def buckets(env, warehouse: str, sku: str) -> dict[str, int]:
    with env.uow.read() as c:
        return {b: q for b, q in c.execute(
            select(nonsellable_stock.c.bucket, nonsellable_stock.c.qty)
            .join(warehouses, warehouses.c.id == nonsellable_stock.c.warehouse_id)
            .join(products, products.c.id == nonsellable_stock.c.product_id)
            .where(warehouses.c.code == warehouse, products.c.sku == sku)) if q}


def snapshot(env) -> dict:
    """Row counts of every table and every stock position: a refused request must change none of them."""
    with env.uow.read() as c:
        present = set(inspect(c).get_table_names())
        out = {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
               if t.name in present}
        out["stock"] = sorted(tuple(r) for r in c.execute(select(stock)))
        out["nonsellable"] = sorted(tuple(r) for r in c.execute(select(nonsellable_stock)))
    return out
