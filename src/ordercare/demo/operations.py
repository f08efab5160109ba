"""One working day of the demo warehouses, run through the real services.

Release what is due, pick it (with the occasional short pick — Poznań has a
replenishment problem, so its slots are more often empty), rate-shop, build
loads and routes, ship, and deliver what the carriers brought (now and then
with damage or a short).
"""

from __future__ import annotations

import random

from sqlalchemy import select

from ..clock import FixedClock
from ..config import Settings
from ..domain.access import SYSTEM
from ..domain.errors import DomainError
from ..services import picking, release, shipping, transport
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.tables import warehouses

# Share of pick lines found short, per warehouse: POZ's replenishment runs late.
SHORT_PICK_RATE = {"RTM": 0.01, "LYS": 0.015, "POZ": 0.08}


def run_warehouse_day(uow: UnitOfWork, settings: Settings, clock: FixedClock, rng: random.Random) -> None:
    today = clock.today()
    with uow.read() as conn:
        codes = conn.execute(select(warehouses.c.code).order_by(warehouses.c.code)).scalars().all()
    for wh in codes:
        release.release_to_warehouse(uow, clock, SYSTEM, wh, today)
        try:
            picking.create_pick_list(uow, clock, SYSTEM, wh)
        except DomainError:
            continue  # nothing to pick today
        for sid, lines in _picking(uow, wh):
            picks = []
            for line_id, qty in lines:
                if rng.random() < SHORT_PICK_RATE.get(wh, 0.01):
                    picks.append(picking.PickConfirmation(line_id, rng.randint(0, qty - 1), "slot empty at pick time",
                                                          "replenishment" if wh == "POZ" else "inventory_control"))
                else:
                    picks.append(picking.PickConfirmation(line_id, qty))
            picking.confirm_picks(uow, clock, settings, SYSTEM, sid, picks)
        for sid in _ready(uow, wh, "picked"):
            try:
                transport.rate_shipment(uow, SYSTEM, sid)
            except DomainError:
                pass
        try:
            transport.plan_loads(uow, clock, SYSTEM, wh, today)
        except DomainError:
            pass
        for sid in _ready(uow, wh, "picked"):
            try:
                shipping.ship(uow, clock, settings, SYSTEM, sid)
            except DomainError:
                pass  # e.g. credit hold at shipping: it waits for finance
    _deliveries(uow, clock, rng)


def _picking(uow: UnitOfWork, wh: str) -> list[tuple[int, list[tuple[int, int]]]]:
    with uow.read() as conn:
        rows = conn.execute(select(shipment_lines.c.shipment_id, shipment_lines.c.id, shipment_lines.c.qty)
                            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                            .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
                            .where(warehouses.c.code == wh, shipments.c.status == "picking",
                                   shipment_lines.c.qty_picked.is_(None))
                            .order_by(shipment_lines.c.shipment_id, shipment_lines.c.id)).all()
    out: dict[int, list[tuple[int, int]]] = {}
    for r in rows:
        out.setdefault(r.shipment_id, []).append((r.id, r.qty))
    return list(out.items())


def _ready(uow: UnitOfWork, wh: str, status: str) -> list[int]:
    with uow.read() as conn:
        return conn.execute(select(shipments.c.id).join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
                            .where(warehouses.c.code == wh, shipments.c.status == status)
                            .order_by(shipments.c.id)).scalars().all()


def _deliveries(uow: UnitOfWork, clock: FixedClock, rng: random.Random) -> None:
    """Carriers deliver on their estimate, a tenth of the time a day late; 3 % of lines arrive damaged."""
    with uow.read() as conn:
        due = conn.execute(select(shipments.c.id, shipments.c.estimated_delivery)
                           .where(shipments.c.status == "shipped",
                                  shipments.c.estimated_delivery <= clock.today())).all()
    for sid, eta in due:
        if eta == clock.today() and rng.random() < 0.1:
            continue  # late: tomorrow
        with uow.read() as conn:
            lines = conn.execute(select(shipment_lines.c.id, shipment_lines.c.qty_shipped)
                                 .where(shipment_lines.c.shipment_id == sid,
                                        shipment_lines.c.qty_shipped > 0)).all()
        exceptions = [shipping.DeliveryException(line_id, damaged=1, note="carton crushed in transit")
                      for line_id, qty in lines if rng.random() < 0.03]
        try:
            shipping.deliver(uow, clock, SYSTEM, sid, received_by=rng.choice(RECEIVERS), exceptions=exceptions)
        except DomainError:
            pass


RECEIVERS = ["M. Janssen", "S. Dubois", "K. Nowak", "L. Rossi", "T. Müller", "A. García", "E. Novák"]
