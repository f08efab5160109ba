"""Building service histories fast through the real services, and reading the service report back."""

from __future__ import annotations

from datetime import date, timedelta

from ordercare.domain.orders import Channel, RequestedLine
from ordercare.metrics.periods import ReportRequest
from sqlalchemy import select

from ordercare.services import picking, release, shipping
from ordercare.services.intake import OrderRequest
from ordercare.services.measure_report import kpi_report
from ordercare.services.orders import write_order
from ordercare.store.fulfilment_tables import shipment_lines
from ordercare.store.tables import order_lines


def place_many(env, orders: list[tuple[str, list[tuple[str, int]]]], *, requested: date | None = None,
               channel: Channel = Channel.API) -> list[int]:
    """Place (customer, [(sku, qty)]) orders through the order service, all in one transaction (one commit
    instead of one per order; each order is written exactly as place_order writes it)."""
    reqs = [OrderRequest(customer=c, channel=channel, requested_date=requested,
                         lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])
            for c, lines in orders]
    return env.uow.run(lambda conn: [write_order(conn, env.clock, env.settings, env.actor, r) for r in reqs])


def release_and_pick(env, warehouse: str, shorts: dict[int, tuple[int, str]] | None = None) -> list[int]:
    """Release everything due at the warehouse and confirm the picks; shorts: {order line id: (units short,
    department)}. Returns the shipment ids."""
    ids = release.release_to_warehouse(env.uow, env.clock, env.actor, warehouse,
                                       env.clock.today() + timedelta(days=30))
    picking.create_pick_list(env.uow, env.clock, env.actor, warehouse)
    for sid in ids:
        picks = []
        for ln in shipment_lines_of(env, sid):
            short, dept = (shorts or {}).get(ln.order_line_id, (0, None))
            picks.append(picking.PickConfirmation(ln.id, ln.qty - short, "not in the slot" if short else None, dept))
        picking.confirm_picks(env.uow, env.clock, env.settings, env.actor, sid, picks)
    return ids


def ship_all(env, shipment_ids: list[int]) -> dict[int, int]:
    """Ship; returns {shipment id: invoice id}."""
    return {sid: shipping.ship(env.uow, env.clock, env.settings, env.actor, sid)["invoice_id"]
            for sid in shipment_ids}


def shipment_lines_of(env, shipment_id: int):
    with env.uow.read() as conn:
        return conn.execute(select(shipment_lines).where(shipment_lines.c.shipment_id == shipment_id)
                            .order_by(shipment_lines.c.id)).all()


def order_lines_of(env, order_id: int) -> list[int]:
    with env.uow.read() as conn:
        return conn.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)
                            .order_by(order_lines.c.line_no)).scalars().all()


def report(env, *, days: int = 30, start: date | None = None, actor=None, **kw) -> dict:
    start = start or env.clock.today()
    return kpi_report(env.uow, env.clock, actor or env.actor,
                      ReportRequest(start, start + timedelta(days=days), **kw))
