"""Master data: customers and ship-tos, products and price lists, warehouses, stock levels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.customers import CustomerKind, SourcingPolicy
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.orders import MAX_STOCK
from ..store import inventory
from ..store.db import UnitOfWork
from ..store.tables import (
    customers, payment_terms, price_list_items, price_lists, products, service_packages, ship_tos, stock,
    stock_moves, warehouses,
)
from .allocation import release_backorders


@dataclass
class ShipToData:
    code: str
    name: str
    city: str
    country: str
    lat: float
    lon: float
    street: str = ""
    postal_code: str = ""
    is_default: bool = False


@dataclass
class CustomerData:
    code: str
    name: str
    kind: CustomerKind = CustomerKind.EXTERNAL
    active: bool = True
    credit_limit: Decimal | None = None
    payment_terms: str | None = None
    segment: str = "C"
    service_package: str = "C"
    price_list: str | None = None
    sourcing_policy: SourcingPolicy = SourcingPolicy.NEAREST
    ship_complete: bool = False
    email: str | None = None
    phone: str | None = None
    ship_tos: list[ShipToData] = field(default_factory=list)


def _exists(conn: Connection, table, column, value) -> bool:
    return conn.execute(select(column).where(column == value)).first() is not None


def _customer_refs(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Check and translate references (package, terms, price list) of a customer write."""
    out = dict(values)
    if "service_package" in out and not _exists(conn, service_packages, service_packages.c.code,
                                                  out["service_package"]):
        raise ValidationFailed("unknown_service_package", f"service_package: no package '{out['service_package']}'",
                               field="service_package")
    if out.get("payment_terms") and not _exists(conn, payment_terms, payment_terms.c.code, out["payment_terms"]):
        raise ValidationFailed("unknown_payment_terms", f"payment_terms: no terms '{out['payment_terms']}'",
                               field="payment_terms")
    if "price_list" in out:
        code = out.pop("price_list")
        out["price_list_id"] = None
        if code:
            out["price_list_id"] = conn.execute(select(price_lists.c.id).where(price_lists.c.code == code)).scalar()
            if out["price_list_id"] is None:
                raise ValidationFailed("unknown_price_list", f"price_list: no price list '{code}'", field="price_list")
    if out.get("credit_limit") is not None and out["credit_limit"] < 0:
        raise ValidationFailed("invalid_credit_limit", "credit_limit: must not be negative", field="credit_limit")
    for k in ("kind", "sourcing_policy"):
        if k in out:
            out[k] = str(out[k])
    return out


def create_customer(uow: UnitOfWork, clock: Clock, actor: Actor, data: CustomerData) -> int:
    actor.require(Permission.WRITE_MASTER)

    def work(conn: Connection) -> int:
        if _exists(conn, customers, customers.c.code, data.code):
            raise Conflict("duplicate_customer", f"code: customer '{data.code}' exists already", field="code")
        values = asdict(data)
        sites = values.pop("ship_tos")
        values = _customer_refs(conn, values)
        cid = conn.execute(insert(customers).values(**values, created_at=clock.now())
                           .returning(customers.c.id)).scalar_one()
        codes = [s["code"] for s in sites]
        if len(codes) != len(set(codes)):
            raise ValidationFailed("duplicate_ship_to", "ship_tos: codes must be unique", field="ship_tos")
        if sites:
            if not any(s["is_default"] for s in sites):
                sites[0]["is_default"] = True
            conn.execute(insert(ship_tos), [{**s, "customer_id": cid} for s in sites])
        return cid

    return uow.run(work)


UPDATABLE_CUSTOMER_FIELDS = {"name", "active", "credit_limit", "payment_terms", "segment", "service_package",
                             "price_list", "sourcing_policy", "ship_complete", "email", "phone", "kind"}


def update_customer(uow: UnitOfWork, actor: Actor, code: str, changes: dict[str, Any]) -> None:
    actor.require(Permission.WRITE_MASTER)
    unknown = set(changes) - UPDATABLE_CUSTOMER_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed("unknown_field", f"{name}: cannot be changed", field=name)

    def work(conn: Connection) -> None:
        # An empty change is a no-op (an UPDATE without SET is not SQL), but still a 404 for a missing customer.
        found = (conn.execute(update(customers).where(customers.c.code == code)
                              .values(**_customer_refs(conn, changes))).rowcount if changes else
                 len(conn.execute(select(customers.c.id).where(customers.c.code == code)).all()))
        if found != 1:
            raise NotFound("customer_not_found", f"customer '{code}': no such customer", field="code")

    uow.run(work)


def add_ship_to(uow: UnitOfWork, actor: Actor, customer_code: str, site: ShipToData) -> int:
    actor.require(Permission.WRITE_MASTER)

    def work(conn: Connection) -> int:
        cid = conn.execute(select(customers.c.id).where(customers.c.code == customer_code)).scalar()
        if cid is None:
            raise NotFound("customer_not_found", f"customer '{customer_code}': no such customer", field="code")
        if conn.execute(select(ship_tos.c.id).where(ship_tos.c.customer_id == cid,
                                                    ship_tos.c.code == site.code)).first():
            raise Conflict("duplicate_ship_to", f"code: ship-to '{site.code}' exists already", field="code")
        if site.is_default:
            conn.execute(update(ship_tos).where(ship_tos.c.customer_id == cid).values(is_default=False))
        return conn.execute(insert(ship_tos).values(**asdict(site), customer_id=cid)
                            .returning(ship_tos.c.id)).scalar_one()

    return uow.run(work)


@dataclass
class ProductData:
    sku: str
    name: str
    weight_kg: Decimal
    volume_m3: Decimal
    list_price: Decimal
    unit_cost: Decimal
    unit: str = "ea"
    category: str = ""
    needs_installation: bool = False
    active: bool = True


def create_product(uow: UnitOfWork, actor: Actor, data: ProductData) -> int:
    actor.require(Permission.WRITE_MASTER)

    def work(conn: Connection) -> int:
        if _exists(conn, products, products.c.sku, data.sku):
            raise Conflict("duplicate_sku", f"sku: product '{data.sku}' exists already", field="sku")
        return conn.execute(insert(products).values(**asdict(data)).returning(products.c.id)).scalar_one()

    return uow.run(work)


UPDATABLE_PRODUCT_FIELDS = {"name", "unit", "weight_kg", "volume_m3", "list_price", "unit_cost", "category",
                            "needs_installation", "active"}


def update_product(uow: UnitOfWork, actor: Actor, sku: str, changes: dict[str, Any]) -> None:
    actor.require(Permission.WRITE_MASTER)
    unknown = set(changes) - UPDATABLE_PRODUCT_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed("unknown_field", f"{name}: cannot be changed", field=name)
    for name in ("weight_kg", "volume_m3", "list_price", "unit_cost"):
        if changes.get(name) is not None and changes[name] < 0:
            raise ValidationFailed("invalid_value", f"{name}: must not be negative", field=name)

    def work(conn: Connection) -> None:
        found = (conn.execute(update(products).where(products.c.sku == sku).values(**changes)).rowcount if changes
                 else len(conn.execute(select(products.c.id).where(products.c.sku == sku)).all()))
        if found != 1:
            raise NotFound("product_not_found", f"product '{sku}': no such product", field="sku")

    uow.run(work)


def set_price(uow: UnitOfWork, actor: Actor, price_list: str, sku: str, price: Decimal, min_qty: int = 1) -> None:
    actor.require(Permission.WRITE_MASTER)
    if price < 0 or min_qty < 1:
        raise ValidationFailed("invalid_price", "price must be ≥ 0 and min_qty ≥ 1", field="price")

    def work(conn: Connection) -> None:
        pl = conn.execute(select(price_lists.c.id).where(price_lists.c.code == price_list)).scalar()
        if pl is None:
            pl = conn.execute(insert(price_lists).values(code=price_list, name=price_list)
                              .returning(price_lists.c.id)).scalar_one()
        pid = conn.execute(select(products.c.id).where(products.c.sku == sku)).scalar()
        if pid is None:
            raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku")
        key = (price_list_items.c.price_list_id == pl, price_list_items.c.product_id == pid,
               price_list_items.c.min_qty == min_qty)
        if conn.execute(update(price_list_items).where(*key).values(price=price)).rowcount == 0:
            conn.execute(insert(price_list_items).values(price_list_id=pl, product_id=pid, min_qty=min_qty,
                                                         price=price))

    uow.run(work)


@dataclass
class WarehouseData:
    code: str
    name: str
    region: str
    city: str
    lat: float
    lon: float
    handling_days: int = 1
    active: bool = True


def create_warehouse(uow: UnitOfWork, actor: Actor, data: WarehouseData) -> int:
    actor.require(Permission.WRITE_MASTER)
    if not (-90 <= data.lat <= 90 and -180 <= data.lon <= 180):
        raise ValidationFailed("invalid_location", "lat/lon: outside the globe", field="lat")

    def work(conn: Connection) -> int:
        if _exists(conn, warehouses, warehouses.c.code, data.code):
            raise Conflict("duplicate_warehouse", f"code: warehouse '{data.code}' exists already", field="code")
        return conn.execute(insert(warehouses).values(**asdict(data)).returning(warehouses.c.id)).scalar_one()

    return uow.run(work)


def adjust_stock(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, *, warehouse: str, sku: str,
                 delta: int, reason: str, kind: str = "adjustment") -> dict[str, int]:
    """Count corrections and initial stock. On hand may not fall below what is reserved."""
    actor.require(Permission.ADJUST_STOCK)
    if delta == 0:
        raise ValidationFailed("invalid_quantity", "delta: must not be zero", field="delta")
    if not reason.strip():
        raise ValidationFailed("reason_required", "reason: say why the stock changes", field="reason")

    def work(conn: Connection) -> dict[str, int]:
        wh = conn.execute(select(warehouses.c.id).where(warehouses.c.code == warehouse)).scalar()
        if wh is None:
            raise ValidationFailed("unknown_warehouse", f"warehouse: no warehouse '{warehouse}'", field="warehouse")
        pid = conn.execute(select(products.c.id).where(products.c.sku == sku)).scalar()
        if pid is None:
            raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku")
        inventory.load_supply(conn, [pid], lock=True)
        inventory.ensure_stock_row(conn, wh, pid)
        row = inventory.stock_row(conn, wh, pid)
        if row.on_hand + delta < 0:
            raise ValidationFailed("negative_stock", f"delta: on hand {row.on_hand} {delta:+d} would be negative",
                                   field="delta", on_hand=row.on_hand)
        if row.on_hand + delta > MAX_STOCK:
            raise ValidationFailed("stock_too_large", f"delta: on hand would exceed {MAX_STOCK}", field="delta",
                                   on_hand=row.on_hand)
        if row.on_hand + delta < row.reserved:
            raise Conflict("stock_reserved", f"delta: on hand {row.on_hand} {delta:+d} would fall below the "
                           f"{row.reserved} units reserved for orders", field="delta", on_hand=row.on_hand,
                           reserved=row.reserved)
        # Conditional all the same: the CHECK constraint and this condition guard against a missed lock.
        res = conn.execute(update(stock).where(stock.c.warehouse_id == wh, stock.c.product_id == pid,
                                               stock.c.on_hand + delta >= stock.c.reserved)
                           .values(on_hand=stock.c.on_hand + delta))
        if res.rowcount != 1:
            raise Conflict("stock_changed", "stock changed meanwhile; retry", field="delta")
        row = inventory.stock_row(conn, wh, pid)
        now = clock.now()
        conn.execute(insert(stock_moves).values(warehouse_id=wh, product_id=pid, qty=delta, kind=kind, reason=reason,
                                                at=now, actor=actor.username))
        if delta > 0:
            release_backorders(conn, {pid}, today=clock.today(), at=now, actor=actor.username,
                               horizon_end=clock.today() + timedelta(days=settings.promise_horizon_days),
                               reason=f"stock added in {warehouse}")
            row = inventory.stock_row(conn, wh, pid)
        return {"on_hand": row.on_hand, "reserved": row.reserved}

    return uow.run(work)
