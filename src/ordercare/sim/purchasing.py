"""Purchasing and goods in, through the real services: the buyer's review every working afternoon (a purchase
order per warehouse and supplier for the SKUs at or below their reorder point), suppliers announcing delays
(the receipt is rescheduled and every promise on it moves), and goods in on the day the truck comes (a line
delivered short is received and closed, so the promises it cannot keep are made again on other supply)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from ..services import receipts
from ..store.tables import products, receipts as receipt_table, stock, warehouses
from .buyer import reorder_qty, supplier_for, supply_outcome
from .world import REFUSED, World, moment


def positions(world: World, wh: str) -> dict[str, int]:
    """Inventory position per SKU: on hand − reserved + still to come − promised on what is to come."""
    with world.uow.read() as conn:
        wid = conn.execute(select(warehouses.c.id).where(warehouses.c.code == wh)).scalar_one()
        sku = dict(conn.execute(select(products.c.id, products.c.sku)).all())
        pos = {sku[p]: int(q) for p, q in conn.execute(
            select(stock.c.product_id, stock.c.on_hand - stock.c.reserved).where(stock.c.warehouse_id == wid))}
        for p, q in conn.execute(select(receipt_table.c.product_id,
                                        func.sum(receipt_table.c.qty_ordered - receipt_table.c.qty_received
                                                 - receipt_table.c.promised))
                                 .where(receipt_table.c.warehouse_id == wid, receipt_table.c.status == "open")
                                 .group_by(receipt_table.c.product_id)):
            pos[sku[p]] = pos.get(sku[p], 0) + int(q)
    return pos


def review(world: World, wh: str) -> None:
    """Order what has fallen to its reorder point, one purchase order per supplier."""
    today, company = world.clock.today(), world.company
    pos = positions(world, wh)
    wanted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for sku in sorted(company.stocked[wh]):
        supplier = supplier_for(company.category[sku])
        qty = reorder_qty(pos.get(sku, 0), world.forecast.rate.get((wh, sku), 0.0), supplier,
                          company.unit_cost[sku])
        if qty:
            wanted[supplier.name].append((sku, qty))
    rng = world.rng(f"suppliers-{wh}")
    for supplier_name, lines in sorted(wanted.items()):
        supplier = supplier_for(company.category[lines[0][0]])
        outcomes = [supply_outcome(rng, supplier) for _ in lines]
        number = f"PO-{wh}-{today:%y%m%d}-{supplier_name[:3].upper()}"
        po_id = world.attempt("purchase order", lambda: receipts.create_purchase_order(
            world.uow, world.clock, world.settings, world.warehouse, number=number, supplier=supplier_name,
            warehouse=wh, lines=[receipts.ReceiptLine(sku, qty, today + timedelta(days=o.lead_days))
                                 for (sku, qty), o in zip(lines, outcomes)]))
        if po_id is REFUSED:
            continue
        world.tally["purchase orders"] += 1
        with world.uow.read() as conn:
            ids = dict(conn.execute(select(products.c.sku, receipt_table.c.id)
                                    .join(products, products.c.id == receipt_table.c.product_id)
                                    .where(receipt_table.c.purchase_order_id == po_id)).all())
        arrivals: dict = defaultdict(list)
        for (sku, qty), o in zip(lines, outcomes):
            expected = today + timedelta(days=o.lead_days)
            if o.late_days:
                world.at(moment(expected - timedelta(days=o.notice_days), 9.0),
                         lambda r=ids[sku], d=expected + timedelta(days=o.late_days): _delay(world, r, d), "delay")
            arrivals[expected + timedelta(days=o.late_days)].append((ids[sku], round(qty * o.delivered_share),
                                                                    o.delivered_share < 1))
        for day, rows in sorted(arrivals.items()):
            world.at(moment(day, 6.5), lambda rows=rows: goods_in(world, rows), "goods in")


def _delay(world: World, receipt_id: int, new_date) -> None:
    if new_date < world.clock.today():
        return
    if world.attempt("reschedule", lambda: receipts.reschedule_receipt(
            world.uow, world.clock, world.warehouse, receipt_id, new_date, "supplier announced a delay")) \
            is not REFUSED:
        world.tally["receipts rescheduled"] += 1


def goods_in(world: World, rows: list[tuple[int, int, bool]]) -> None:
    """The truck is here: every line of it received in one go (a short one closed)."""
    lines = [receipts.GoodsIn(receipt_id, qty, short) for receipt_id, qty, short in rows]
    if world.attempt("receive", lambda: receipts.receive_delivery(
            world.uow, world.clock, world.settings, world.warehouse, lines)) is not REFUSED:
        world.tally["receipt lines"] += len(lines)
