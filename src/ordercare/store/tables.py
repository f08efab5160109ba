"""Schema. Quantities are whole units of the product's unit of measure; money is Decimal, stored as cents."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData,
    Numeric, String, Table, TypeDecorator, UniqueConstraint,
)
from sqlalchemy.sql import operators

# Portable names for constraints, so migrations are the same on SQLite and PostgreSQL.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

class UtcDateTime(TypeDecorator):
    """Timezone-aware in and out on every database (SQLite keeps no zone: store UTC, read back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MoneyCents(TypeDecorator):
    """Decimal amounts stored as whole cents (BIGINT), so sums are exact on SQLite as on PostgreSQL.

    (SQLite has no decimal type: a NUMERIC column would hold binary floating point.)
    """

    impl = BigInteger
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):  # noqa: N801 - the name SQLAlchemy looks up
        """Money ± money is money, money × a number is money: so `col + a + b` binds b as cents too."""

        def _adapt_expression(self, op, other_comparator):
            if op in (operators.add, operators.sub):
                return op, self.type
            if op is operators.mul and not isinstance(other_comparator.type, MoneyCents):
                return op, self.type
            return super()._adapt_expression(op, other_comparator)

    def coerce_compared_value(self, op, value):
        # A factor or divisor is a plain number, not an amount: it must not be turned into cents.
        if op in (operators.mul, operators.truediv, operators.floordiv, operators.mod):
            return Integer() if isinstance(value, int) else Numeric(38, 10)
        return self

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        cents = Decimal(value).scaleb(2)
        if cents != cents.to_integral_value():
            raise ValueError(f"money has at most two decimals: {value}")
        return int(cents)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(int(value)).scaleb(-2)


Money = MoneyCents()
TS = UtcDateTime()
Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite's rowid alias must be INTEGER

payment_terms = Table(
    "payment_terms", metadata,
    Column("code", String(40), primary_key=True),
    Column("discount_pct", Numeric(5, 2), nullable=False, default=0),
    Column("discount_days", Integer, nullable=False, default=0),
    Column("net_days", Integer, nullable=False),
    CheckConstraint("discount_pct >= 0 AND discount_pct < 100 AND discount_days >= 0 AND net_days >= 0", name="terms"),
)

service_packages = Table(
    "service_packages", metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("fill_rate_target", Numeric(5, 4), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("delivery_window", String(100), nullable=False),
    Column("payment_terms", String(40), ForeignKey("payment_terms.code"), nullable=False),
    Column("service_channel", String(100), nullable=False),
    Column("allocation_priority", Integer, nullable=False),
)

price_lists = Table(
    "price_lists", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
)

warehouses = Table(
    "warehouses", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("region", String(100), nullable=False),
    Column("city", String(100), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("handling_days", Integer, nullable=False, default=1),
    Column("active", Boolean, nullable=False, default=True),
)

products = Table(
    "products", metadata,
    Column("id", Id, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(20), nullable=False, default="ea"),
    Column("weight_kg", Numeric(12, 3), nullable=False),
    Column("volume_m3", Numeric(12, 5), nullable=False),
    Column("list_price", Money, nullable=False),
    Column("unit_cost", Money, nullable=False),
    Column("category", String(100), nullable=False, default=""),
    Column("needs_installation", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    CheckConstraint("weight_kg >= 0 AND volume_m3 >= 0 AND list_price >= 0 AND unit_cost >= 0", name="measures"),
)

price_list_items = Table(
    "price_list_items", metadata,
    Column("price_list_id", Id, ForeignKey("price_lists.id"), primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), primary_key=True),
    Column("min_qty", Integer, primary_key=True, default=1),
    Column("price", Money, nullable=False),
    CheckConstraint("min_qty >= 1 AND price >= 0", name="break"),
)

customers = Table(
    "customers", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False, default="external"),
    Column("active", Boolean, nullable=False, default=True),
    Column("credit_limit", Money, nullable=True),  # NULL: no limit
    Column("payment_terms", String(40), ForeignKey("payment_terms.code"), nullable=True),  # NULL: the package's
    Column("segment", String(20), nullable=False, default="C"),
    Column("service_package", String(20), ForeignKey("service_packages.code"), nullable=False),
    Column("price_list_id", Id, ForeignKey("price_lists.id"), nullable=True),
    Column("sourcing_policy", String(30), nullable=False, default="nearest"),
    Column("ship_complete", Boolean, nullable=False, default=False),
    Column("email", String(200), nullable=True),
    Column("phone", String(50), nullable=True),
    Column("created_at", TS, nullable=False),
    CheckConstraint("kind IN ('external', 'internal')", name="kind"),
    CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="credit_limit"),
)

ship_tos = Table(
    "ship_tos", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("street", String(200), nullable=False, default=""),
    Column("city", String(100), nullable=False),
    Column("postal_code", String(20), nullable=False, default=""),
    Column("country", String(2), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    UniqueConstraint("customer_id", "code", name="uq_ship_tos_customer_code"),
)

stock = Table(
    "stock", metadata,
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("product_id", Id, ForeignKey("products.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    # The database itself refuses an oversell, whatever the code above it does.
    CheckConstraint("on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand", name="never_oversold"),
)
Index("ix_stock_product", stock.c.product_id)

stock_moves = Table(
    "stock_moves", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),  # + in, − out
    Column("kind", String(30), nullable=False),  # receipt, adjustment, initial, shipment, return
    Column("ref", String(100), nullable=True),
    Column("reason", String(300), nullable=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
)
Index("ix_stock_moves_wh_product", stock_moves.c.warehouse_id, stock_moves.c.product_id)

purchase_orders = Table(
    "purchase_orders", metadata,
    Column("id", Id, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("supplier", String(200), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("created_at", TS, nullable=False),
)

receipts = Table(  # scheduled receipts: one purchase-order line each
    "receipts", metadata,
    Column("id", Id, primary_key=True),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False, index=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty_ordered", Integer, nullable=False),
    Column("qty_received", Integer, nullable=False, default=0),
    Column("promised", Integer, nullable=False, default=0),  # units promised to order lines
    Column("expected_date", Date, nullable=False),
    Column("status", String(20), nullable=False, default="open"),  # open, closed
    CheckConstraint("qty_ordered > 0 AND qty_received >= 0 AND promised >= 0", name="qty"),
    # Never promise more than is still to come.
    CheckConstraint("promised + qty_received <= qty_ordered", name="never_overpromised"),
)
Index("ix_receipts_product_open", receipts.c.product_id, receipts.c.status)

orders = Table(
    "orders", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("ship_to_id", Id, ForeignKey("ship_tos.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(30), nullable=False, index=True),
    Column("credit_hold", Boolean, nullable=False, default=False),
    Column("ship_complete", Boolean, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("promised_date", Date, nullable=True),  # delivery of the whole order; NULL while back-ordered
    Column("customer_po", String(60), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Money, nullable=False),
    Column("quote_id", Id, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("credit_approved_by", String(100), nullable=True),  # finance accepted the exposure
)
# The credit check on every order sums a customer's open orders: covering, it reads no order row (the
# customer's history grows all year; most of it is delivered and counts 0 once invoiced).
Index("ix_orders_customer_status", orders.c.customer_id, orders.c.status, orders.c.total_amount)

order_lines = Table(
    "order_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("qty_backordered", Integer, nullable=False, default=0),
    Column("promised_ship_date", Date, nullable=True),
    Column("promised_date", Date, nullable=True),
    Column("merged_from", JSON, nullable=True),  # request positions merged into this line
    Column("qty_shipped", Integer, nullable=False, default=0, server_default="0"),
    Column("qty_delivered", Integer, nullable=False, default=0, server_default="0"),
    CheckConstraint("qty > 0 AND qty_backordered >= 0 AND qty_backordered <= qty", name="qty"),
    UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_line"),
)
# Back-order release scans only the lines still waiting.
Index("ix_order_lines_backordered", order_lines.c.product_id, order_lines.c.qty_backordered)

allocations = Table(
    "allocations", metadata,
    Column("id", Id, primary_key=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("receipt_id", Id, ForeignKey("receipts.id"), nullable=True, index=True),  # NULL: from stock
    Column("qty", Integer, nullable=False),
    Column("available_date", Date, nullable=False),
    Column("ship_date", Date, nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("released", Boolean, nullable=False, default=False, server_default="0"),  # on a shipment
    Column("created_at", TS, nullable=False),
    CheckConstraint("qty > 0", name="qty"),
)
Index("ix_allocations_wh_product", allocations.c.warehouse_id, allocations.c.product_id)

order_events = Table(
    "order_events", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("from_status", String(30), nullable=True),
    Column("to_status", String(30), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("payload", JSON, nullable=True),
)

quotes = Table(
    "quotes", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("ship_to_id", Id, ForeignKey("ship_tos.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # open, converted, cancelled (expiry is by date)
    Column("valid_until", Date, nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Money, nullable=False),
    Column("order_id", Id, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)

quote_lines = Table(
    "quote_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("quote_id", Id, ForeignKey("quotes.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("atp_date", Date, nullable=True),  # NULL: cannot be promised within the horizon
    Column("ship_date", Date, nullable=True),
    Column("delivery_date", Date, nullable=True),
    Column("sources", JSON, nullable=True),  # warehouses and quantities the promise rests on
)

receivables = Table(  # the receivables ledger: + invoices, − payments and credits
    "receivables", metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # invoice, payment, credit_note, opening
    Column("ref", String(60), nullable=False),
    Column("amount", Money, nullable=False),
    Column("posted_on", Date, nullable=False),
    Column("due_on", Date, nullable=True),
)
Index("ix_receivables_customer_amount", receivables.c.customer_id, receivables.c.amount)  # the ledger balance

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("password_hash", String(300), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    CheckConstraint("(role = 'customer') = (customer_id IS NOT NULL)", name="customer_binding"),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex; the token itself is never stored
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("user_key", String(100), primary_key=True),  # "<user id>"
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(20), nullable=False),  # in_progress, done
    Column("order_id", Id, nullable=True),
    Column("created_at", TS, nullable=False),
)
