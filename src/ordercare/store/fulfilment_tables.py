"""Fulfilment and transport: carriers and rates, vehicles, shipments, pick lists, loads, installations."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, Float, ForeignKey, Index, Integer, Numeric, \
    String, Table, UniqueConstraint, text

from .tables import TS, Id, Money, metadata

carriers = Table(
    "carriers", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
)

carrier_services = Table(
    "carrier_services", metadata,
    Column("id", Id, primary_key=True),
    Column("carrier_id", Id, ForeignKey("carriers.id"), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("mode", String(10), nullable=False),  # parcel, ltl, ftl, rail, sea, air
    Column("rate_table", JSON, nullable=False),  # validated by domain.freight.parse_tariff
    Column("max_weight_kg", Numeric(12, 3), nullable=True),
    Column("max_volume_m3", Numeric(12, 4), nullable=True),
    Column("km_per_day", Numeric(10, 2), nullable=False),
    Column("min_transit_days", Integer, nullable=False),
    Column("co2_g_per_tkm", Numeric(10, 2), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("carrier_id", "code", name="uq_carrier_services_carrier_code"),
)

vehicles = Table(
    "vehicles", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("max_weight_kg", Numeric(12, 3), nullable=False),
    Column("max_volume_m3", Numeric(12, 4), nullable=False),
    Column("fixed_cost", Money, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    CheckConstraint("max_weight_kg > 0 AND max_volume_m3 > 0", name="capacity"),
)

pick_lists = Table(
    "pick_lists", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("status", String(20), nullable=False),  # open, done
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)

loads = Table(
    "loads", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("vehicle_id", Id, ForeignKey("vehicles.id"), nullable=False),
    Column("load_date", Date, nullable=False),
    Column("weight_kg", Numeric(14, 3), nullable=False),
    Column("volume_m3", Numeric(14, 4), nullable=False),
    Column("status", String(20), nullable=False),  # planned, shipped
    Column("route_distance_km", Float, nullable=True),
    Column("route_solver", String(40), nullable=True),
    Column("created_at", TS, nullable=False),
)

shipments = Table(
    "shipments", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("ship_to_id", Id, ForeignKey("ship_tos.id"), nullable=False),
    Column("planned_ship_date", Date, nullable=False),
    Column("due_date", Date, nullable=True),  # the earliest promised delivery among its lines
    # released -> picking -> picked -> shipped -> delivered; picking -> empty when nothing was picked
    Column("status", String(20), nullable=False, index=True),
    Column("pick_list_id", Id, ForeignKey("pick_lists.id"), nullable=True),
    Column("load_id", Id, ForeignKey("loads.id"), nullable=True),
    Column("route_seq", Integer, nullable=True),
    Column("weight_kg", Numeric(14, 3), nullable=False),
    Column("volume_m3", Numeric(14, 4), nullable=False),
    Column("distance_km", Float, nullable=False),
    Column("carrier_service_id", Id, ForeignKey("carrier_services.id"), nullable=True),
    Column("freight_cost", Money, nullable=True),
    Column("transit_days", Integer, nullable=True),
    Column("co2_kg", Numeric(12, 2), nullable=True),
    Column("estimated_delivery", Date, nullable=True),
    Column("rate_alternatives", JSON, nullable=True),
    Column("tracking_number", String(60), nullable=True),
    Column("shipped_at", TS, nullable=True),
    Column("delivered_at", TS, nullable=True),
    Column("received_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
)
# "Is any shipment of this load (wave) still to go?" is asked at every shipping (picking) confirmation.
Index("ix_shipments_load_id", shipments.c.load_id)
Index("ix_shipments_pick_list_id", shipments.c.pick_list_id)

shipment_lines = Table(
    "shipment_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, index=True),
    # Indexed: deleting an allocation (shipped, cancelled) sets its shipment lines' reference to NULL, and
    # without an index each deleted allocation scans every shipment line ever written.
    Column("allocation_id", Id, ForeignKey("allocations.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),  # released to the warehouse
    Column("qty_picked", Integer, nullable=True),  # NULL until confirmed
    Column("short_reason", String(300), nullable=True),
    Column("short_department", String(40), nullable=True),  # root cause: replenishment, picking, ...
    Column("qty_shipped", Integer, nullable=False, default=0),
    Column("qty_delivered", Integer, nullable=False, default=0),  # received, damaged included
    Column("qty_short_delivered", Integer, nullable=False, default=0),
    Column("qty_damaged", Integer, nullable=False, default=0),
    Column("qty_wrong_item", Integer, nullable=False, default=0),
    Column("delivery_note", String(300), nullable=True),
    # Billing's marker: a live (not cancelled) invoice carries this line. Set in the transaction that issues the
    # invoice, cleared in the one that cancels it; the invoice run finds what is still to bill through the
    # partial index below instead of reading every shipped line ever written.
    Column("invoiced", Boolean, nullable=False, default=False, server_default="0"),
    CheckConstraint("qty > 0 AND (qty_picked IS NULL OR (qty_picked >= 0 AND qty_picked <= qty))", name="picked"),
    CheckConstraint("qty_shipped >= 0 AND qty_shipped <= qty", name="shipped"),
    CheckConstraint("qty_short_delivered + qty_wrong_item <= qty_shipped AND qty_damaged >= 0", name="delivered"),
)
Index("ix_shipment_lines_product", shipment_lines.c.product_id)
# Shipped and not yet invoiced: a small, moving set (plus the lines of no-charge orders, never billed). Each
# database states the predicate as SQLAlchemy renders the query's (SQLite has no boolean literal of its own).
Index("ix_shipment_lines_uninvoiced", shipment_lines.c.shipment_id,
      postgresql_where=text("invoiced = false AND qty_shipped > 0"),
      sqlite_where=text("invoiced = 0 AND qty_shipped > 0"))

installations = Table(
    "installations", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # scheduled, completed
    Column("scheduled_for", Date, nullable=False),
    Column("completed_at", TS, nullable=True),
    Column("technician", String(100), nullable=True),
    Column("notes", String(500), nullable=True),
)
