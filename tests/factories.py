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


# Rate tables in the shapes of domain.freight (docs/freight.md).
PARCEL = {"zones": [{"zone": "1", "max_km": 200}, {"zone": "2", "max_km": 800}, {"zone": "3", "max_km": 2500}],
          "bands": [{"max_kg": 5, "prices": {"1": "7.50", "2": "9.90", "3": "14.00"}},
                    {"max_kg": 31.5, "prices": {"1": "12.00", "2": "16.50", "3": "24.00"}}],
          "max_kg": 31.5}
LTL = {"breaks": [{"min_kg": 0, "per_100kg": "30.00"}, {"min_kg": 500, "per_100kg": "22.00"},
                  {"min_kg": 2000, "per_100kg": "15.00"}], "min_charge": "85.00", "per_100km_factor": "0.30"}
FTL = {"per_km": "1.60", "min_charge": "350.00"}
RAIL = {"per_tonne_km": "0.05", "fixed": "150.00", "min_charge": "200.00"}


def carriers(env) -> None:
    """A parcel carrier, an LTL/FTL road carrier and rail, and one truck per warehouse."""
    from ordercare.services import transport as tr
    D = Decimal
    tr.create_carrier(env.uow, env.actor, tr.CarrierData("PAR", "ParcelCo", [
        tr.ServiceData("STD", "Parcel standard", "parcel", PARCEL, D("600"), 1, D("120"), D("31.5"), D("0.3"))]))
    tr.create_carrier(env.uow, env.actor, tr.CarrierData("ROAD", "Road Freight BV", [
        tr.ServiceData("LTL", "Groupage", "ltl", LTL, D("450"), 2, D("62"), D("12000"), D("40")),
        tr.ServiceData("FTL", "Full truck", "ftl", FTL, D("600"), 1, D("55"), D("24000"), D("80"))]))
    tr.create_carrier(env.uow, env.actor, tr.CarrierData("RAIL", "RailCargo", [
        tr.ServiceData("INT", "Intermodal", "rail", RAIL, D("300"), 3, D("22"), None, None)]))
    for code, _, _ in WAREHOUSES:
        tr.create_vehicle(env.uow, env.actor, tr.VehicleData(f"TRK-{code}", code, D("24000"), D("80"), D("120")))


STAGES = ("released", "on_pick_list", "picked", "shipped", "delivered")


def shipment_at(env, warehouse: str, lines, stage: str, *, customer: str = "CUST1") -> int:
    """Place an order for `lines` and take its shipment from `warehouse` up to `stage` (one of STAGES).

    Each call releases only its own order (earlier shipments are on a pick list by then, or released
    at another warehouse), so the shipments of several calls stay apart.
    """
    from ordercare.services import picking, release, shipment_views, shipping
    order(env, lines, customer=customer)
    [sid] = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse,
                                         env.clock.today() + timedelta(days=30))
    steps = STAGES.index(stage)
    if steps >= 1:
        picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    if steps >= 2:
        picked = [picking.PickConfirmation(ln["id"], ln["qty"])
                  for ln in shipment_views.get_shipment(env.uow, env.actor, sid)["lines"]]
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, picked)
    if steps >= 3:
        shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)
    if steps >= 4:
        shipping.deliver(env.uow, env.clock, env.actor, sid, received_by="Goods-in")
    return sid


def installable_product(env, sku: str = "RACK", *, warehouse: str = "FAR", qty: int = 5) -> None:
    md.create_product(env.uow, env.actor, md.ProductData(sku, "Pallet rack bay", Decimal("80"), Decimal("1.2"),
                                                          Decimal("900.00"), Decimal("600.00"),
                                                          needs_installation=True))
    md.adjust_stock(env.uow, env.clock, env.settings, env.actor, warehouse=warehouse, sku=sku, delta=qty,
                    reason="test stock")
