"""ATP inquiry: what is free when, per warehouse, and when it can reach a ship-to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.atp import SupplyPosition, atp_profile, earliest_atp_date
from ..domain.errors import ValidationFailed
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.tables import products, warehouses
from .intake import lanes_to, resolve_customer, resolve_ship_to


def availability(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, sku: str, *, qty: int = 1,
                 customer: str | None = None, ship_to: str | None = None) -> dict[str, Any]:
    actor.require(Permission.READ_MASTER)
    if qty <= 0:
        raise ValidationFailed("invalid_quantity", "qty: must be a positive whole number", field="qty")
    today = clock.today()
    horizon_end = today + timedelta(days=settings.promise_horizon_days)
    with uow.read() as conn:
        p = conn.execute(select(products).where(products.c.sku == sku)).first()
        if p is None:
            raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku", sku=sku)
        lanes = {}
        if customer is not None:
            cust = resolve_customer(conn, actor, customer)
            lanes = {ln.warehouse_id: ln for ln in lanes_to(conn, resolve_ship_to(conn, cust.id, ship_to))}
        supply = inventory.load_supply(conn, [p.id], lock=False)
        whs = conn.execute(select(warehouses).where(warehouses.c.active.is_(True)).order_by(warehouses.c.code)).all()
    out = []
    for w in whs:
        pos = supply.get((w.id, p.id), SupplyPosition(0, 0))
        when = earliest_atp_date(pos, qty, today, horizon_end)
        entry: dict[str, Any] = {
            "warehouse": w.code, "on_hand": pos.on_hand, "reserved": pos.reserved,
            "atp_now": pos.free_now,
            "profile": [{"date": d, "atp": q} for d, q in atp_profile(pos, today, horizon_end)],
            "earliest_date_for_qty": when,
        }
        if w.id in lanes and when is not None:
            lane = lanes[w.id]
            entry.update(ship_date=lane.ship_date(when), delivery_date=lane.delivery_date(when),
                         distance_km=lane.distance_km)
        out.append(entry)
    return {"sku": sku, "qty": qty, "today": today, "horizon_end": horizon_end, "warehouses": out}
