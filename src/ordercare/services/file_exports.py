"""Export to CSV or Excel. Each export is an Exporter in EXPORTERS; another feature adds its own in a few lines:

    register_exporter("invoices", Permission.READ_INVOICES, ("invoice", "customer", …), invoice_rows)

where invoice_rows(conn, actor, filters) yields one list of values per row, in the order of the columns, and
lists its module in EXPORT_MODULES (imported before an export is looked up, by the API and the CLI alike).
A customer user exports its own account's rows only: each exporter scopes itself by `actor.customer_id`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.orders import order_number
from ..integrations.files.tabular import FORMATS, write_table
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import carrier_services, carriers, shipment_lines, shipments
from ..store.tables import customers, order_lines, orders, products, ship_tos, warehouses
from .release import shipment_number


@dataclass(frozen=True)
class ExportFilter:
    date_from: date | None = None  # inclusive; what the date is depends on the export (placed, shipped, …)
    date_to: date | None = None
    customer: str | None = None
    status: str | None = None


Rows = Callable[[Connection, Actor, ExportFilter], Iterable[list[Any]]]


@dataclass(frozen=True)
class Exporter:
    name: str
    permission: Permission
    columns: tuple[str, ...]
    rows: Rows
    about: str = ""


EXPORTERS: dict[str, Exporter] = {}
# Modules that register exporters when imported; add yours here (one line).
EXPORT_MODULES: list[str] = ["ordercare.services.billing_exports", "ordercare.services.measure_exports",
                             "ordercare.services.costing_exports"]


def register_exporter(name: str, permission: Permission, columns: tuple[str, ...], rows: Rows, about: str = "") -> None:
    EXPORTERS[name] = Exporter(name, permission, columns, rows, about)


MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def exporters() -> dict[str, Exporter]:
    for module in EXPORT_MODULES:
        importlib.import_module(module)
    return EXPORTERS


def export(uow: UnitOfWork, actor: Actor, name: str, fmt: str, filters: ExportFilter) -> tuple[bytes, str]:
    """(file bytes, file name)."""
    actor.require(Permission.EXPORT_DATA)
    exporter = exporters().get(name)
    if exporter is None:
        raise ValidationFailed("unknown_export", f"export: one of {', '.join(sorted(EXPORTERS))}", field="export")
    if fmt not in FORMATS:
        raise ValidationFailed("unknown_format", f"format: one of {', '.join(FORMATS)}", field="format")
    actor.require(exporter.permission)
    with uow.read() as conn:
        rows = list(exporter.rows(conn, actor, filters))
    return write_table(list(exporter.columns), rows, fmt, sheet=name), f"{name}.{fmt}"


def _order_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = (select(orders.c.id, customers.c.code, ship_tos.c.code.label("ship_to"), orders.c.channel, orders.c.status,
                orders.c.customer_po, orders.c.created_at, orders.c.requested_date.label("order_requested"),
                orders.c.promised_date.label("order_promised"), orders.c.currency, order_lines.c.line_no,
                products.c.sku, order_lines.c.qty, order_lines.c.unit_price, order_lines.c.amount,
                order_lines.c.qty_backordered, order_lines.c.qty_shipped, order_lines.c.qty_delivered,
                order_lines.c.requested_date, order_lines.c.promised_date)
         .join(customers, customers.c.id == orders.c.customer_id)
         .join(ship_tos, ship_tos.c.id == orders.c.ship_to_id)
         .join(order_lines, order_lines.c.order_id == orders.c.id)
         .join(products, products.c.id == order_lines.c.product_id))
    if actor.is_customer:
        q = q.where(orders.c.customer_id == actor.customer_id)
    if f.customer:
        q = q.where(customers.c.code == f.customer)
    if f.status:
        q = q.where(orders.c.status == f.status)
    if f.date_from:
        q = q.where(func.date(orders.c.created_at) >= f.date_from)
    if f.date_to:
        q = q.where(func.date(orders.c.created_at) <= f.date_to)
    for r in conn.execute(q.order_by(orders.c.id, order_lines.c.line_no)):
        yield [order_number(r.id), r.code, r.ship_to, r.channel, r.status, r.customer_po, r.created_at,
               r.order_requested, r.order_promised, r.currency, r.line_no, r.sku, r.qty, r.unit_price, r.amount,
               r.qty - r.qty_backordered, r.qty_backordered, r.qty_shipped, r.qty_delivered, r.requested_date,
               r.promised_date]


def _shipment_rows(conn: Connection, actor: Actor, f: ExportFilter) -> Iterable[list[Any]]:
    q = (select(shipments.c.id, warehouses.c.code.label("warehouse"), customers.c.code.label("customer"),
                ship_tos.c.code.label("ship_to"), shipments.c.status, shipments.c.planned_ship_date,
                shipments.c.shipped_at, shipments.c.delivered_at, shipments.c.due_date,
                shipments.c.estimated_delivery, carriers.c.code.label("carrier"),
                carrier_services.c.code.label("service"), shipments.c.tracking_number, shipments.c.freight_cost,
                shipments.c.weight_kg, shipment_lines.c.order_id, products.c.sku, shipment_lines.c.qty,
                shipment_lines.c.qty_picked, shipment_lines.c.qty_shipped, shipment_lines.c.qty_delivered,
                shipment_lines.c.qty_short_delivered, shipment_lines.c.qty_damaged, shipment_lines.c.qty_wrong_item)
         .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
         .join(customers, customers.c.id == shipments.c.customer_id)
         .join(ship_tos, ship_tos.c.id == shipments.c.ship_to_id)
         .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
         .join(products, products.c.id == shipment_lines.c.product_id)
         .outerjoin(carrier_services, carrier_services.c.id == shipments.c.carrier_service_id)
         .outerjoin(carriers, carriers.c.id == carrier_services.c.carrier_id))
    if actor.is_customer:
        q = q.where(shipments.c.customer_id == actor.customer_id)
    if f.customer:
        q = q.where(customers.c.code == f.customer)
    if f.status:
        q = q.where(shipments.c.status == f.status)
    if f.date_from:
        q = q.where(shipments.c.planned_ship_date >= f.date_from)
    if f.date_to:
        q = q.where(shipments.c.planned_ship_date <= f.date_to)
    for r in conn.execute(q.order_by(shipments.c.id, shipment_lines.c.id)):
        yield [shipment_number(r.id), r.warehouse, r.customer, r.ship_to, r.status, r.planned_ship_date, r.shipped_at,
               r.delivered_at, r.due_date, r.estimated_delivery, r.carrier, r.service, r.tracking_number,
               r.freight_cost, r.weight_kg, order_number(r.order_id), r.sku, r.qty, r.qty_picked, r.qty_shipped,
               r.qty_delivered, r.qty_short_delivered, r.qty_damaged, r.qty_wrong_item]


register_exporter("orders", Permission.READ_ORDERS, (
    "order", "customer", "ship_to", "channel", "status", "customer_po", "placed_at", "requested_date",
    "promised_date", "currency", "line", "sku", "qty", "unit_price", "amount", "qty_promised", "qty_backordered",
    "qty_shipped", "qty_delivered", "line_requested_date", "line_promised_date"), _order_rows,
    "one row per order line; dates filter on the day placed")
register_exporter("shipments", Permission.READ_SHIPMENTS, (
    "shipment", "warehouse", "customer", "ship_to", "status", "planned_ship_date", "shipped_at", "delivered_at",
    "due_date", "estimated_delivery", "carrier", "service", "tracking_number", "freight_cost", "weight_kg", "order",
    "sku", "qty_released", "qty_picked", "qty_shipped", "qty_delivered", "qty_short", "qty_damaged",
    "qty_wrong_item"), _shipment_rows, "one row per shipment line; dates filter on the planned ship date")
