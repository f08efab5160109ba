"""What an order and a quote both need before planning: a valid customer, ship-to, lines and prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select

from ..domain.access import Actor
from ..domain.atp import Lane, distance_km, transit_days
from ..domain.customers import SourcingPolicy
from ..domain.errors import ValidationFailed
from ..domain.orders import Channel, MergedLine, RequestedLine, merge_duplicate_skus
from ..domain.pricing import MAX_AMOUNT, PriceBreak, line_amount, unit_price
from ..domain.sourcing import LineDemand
from ..store.prepared import Prepared, Record, in_ids, padded_ids
from ..store.tables import customers, price_list_items, products, service_packages, ship_tos, warehouses


@dataclass(frozen=True)
class OrderRequest:
    customer: str  # customer code
    lines: list[RequestedLine]
    channel: Channel = Channel.API
    ship_to: str | None = None  # ship-to code; the customer's default when omitted
    requested_date: date | None = None
    customer_po: str | None = None


@dataclass
class PricedLine:
    merged: MergedLine
    product: Record
    unit_price: Decimal
    amount: Decimal

    @property
    def demand(self) -> LineDemand:
        return LineDemand(self.product.id, self.merged.qty, self.merged.requested_date)


@dataclass
class Intake:
    customer: Record
    ship_to: Record
    lines: list[PricedLine]
    lanes: list[Lane]
    priority: int
    requested_date: date | None

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0"))

    @property
    def policy(self) -> SourcingPolicy:
        return SourcingPolicy(self.customer.sourcing_policy)


def _unknown_customer(code: str) -> ValidationFailed:
    return ValidationFailed("unknown_customer", f"customer: no customer with code '{code}'", field="customer",
                            customer=code)


# Compiled once: they run on every order and quote (store/prepared.py).
_CUSTOMER = Prepared(select(customers, service_packages.c.allocation_priority, service_packages.c.lead_time_days)
                     .join(service_packages, service_packages.c.code == customers.c.service_package)
                     .where(customers.c.code == bindparam("code")))
_SHIP_TOS = Prepared(select(ship_tos).where(ship_tos.c.customer_id == bindparam("cid"))
                     .order_by(ship_tos.c.is_default.desc(), ship_tos.c.id))
_WAREHOUSES = Prepared(select(warehouses).where(warehouses.c.active.is_(True)).order_by(warehouses.c.id))
# What an order line needs of its product (not the whole row: its other columns cost a conversion per line).
# IN lists padded to a power of two (padded_ids): a handful of widths compiled, not one per number of lines.
_PRODUCTS = Prepared(select(products.c.id, products.c.sku, products.c.name, products.c.active, products.c.list_price)
                     .where(in_ids(products.c.sku)), expanding="ids")
_PRICE_BREAKS = Prepared(select(price_list_items.c.product_id, price_list_items.c.min_qty, price_list_items.c.price)
                         .where(price_list_items.c.price_list_id == bindparam("pl"),
                                in_ids(price_list_items.c.product_id)), expanding="ids")


def resolve_customer(conn: Connection, actor: Actor, code: str) -> Record:
    """The customer row, with its package's allocation priority."""
    row = _CUSTOMER.first(conn, {"code": code})
    # A customer user naming another account is told the same as for a missing one.
    if row is None or (actor.is_customer and row.id != actor.customer_id):
        raise _unknown_customer(code)
    return row


def resolve_ship_to(conn: Connection, customer_id: int, code: str | None) -> Record:
    rows = _SHIP_TOS.rows(conn, {"cid": customer_id})
    if code is None:
        if not rows:
            raise ValidationFailed("no_ship_to", "ship_to: the customer has no ship-to address", field="ship_to")
        return rows[0]
    for r in rows:
        if r.code == code:
            return r
    raise ValidationFailed("unknown_ship_to", f"ship_to: the customer has no ship-to with code '{code}'",
                           field="ship_to", ship_to=code)


def lanes_to(conn: Connection, ship_to: Record) -> list[Lane]:
    out = []
    for w in _WAREHOUSES.rows(conn):
        km = distance_km(w.lat, w.lon, ship_to.lat, ship_to.lon)
        out.append(Lane(w.id, round(km, 1), w.handling_days, transit_days(km)))
    return out


def _check_dates(req: OrderRequest, today: date) -> None:
    if req.requested_date is not None and req.requested_date < today:
        raise ValidationFailed("requested_date_in_past",
                               f"requested_date: {req.requested_date} is before today ({today})",
                               field="requested_date", requested_date=str(req.requested_date))
    for ln in req.lines:
        if ln.requested_date is not None and ln.requested_date < today:
            raise ValidationFailed("requested_date_in_past",
                                   f"lines[{ln.position}].requested_date: {ln.requested_date} is before today ({today})",
                                   field=f"lines[{ln.position}].requested_date")


def price_lines(conn: Connection, customer: Record, merged: list[MergedLine]) -> list[PricedLine]:
    skus = [m.sku for m in merged]
    found = {r.sku: r for r in _PRODUCTS.rows(conn, padded_ids(skus))}
    for m in merged:
        p = found.get(m.sku)
        if p is None:
            raise ValidationFailed("unknown_sku", f"lines[{m.positions[0]}].sku: no product with SKU '{m.sku}'",
                                   field=f"lines[{m.positions[0]}].sku", sku=m.sku)
        if not p.active:
            raise ValidationFailed("inactive_product", f"lines[{m.positions[0]}].sku: product '{m.sku}' is not sold",
                                   field=f"lines[{m.positions[0]}].sku", sku=m.sku)
    breaks: dict[int, list[PriceBreak]] = {}
    if customer.price_list_id is not None:
        ids = padded_ids([p.id for p in found.values()])
        for r in _PRICE_BREAKS.rows(conn, {"pl": customer.price_list_id, **ids}):
            breaks.setdefault(r.product_id, []).append(PriceBreak(r.min_qty, r.price))
    out = []
    for m in merged:
        p = found[m.sku]
        price = unit_price(p.list_price, breaks.get(p.id, []), m.qty)
        amount = line_amount(price, m.qty)
        if amount > MAX_AMOUNT:
            raise ValidationFailed("amount_too_large", f"lines[{m.positions[0]}].qty: the line amount {amount} "
                                   f"exceeds {MAX_AMOUNT}", field=f"lines[{m.positions[0]}].qty")
        out.append(PricedLine(m, p, price, amount))
    total = sum((ln.amount for ln in out), Decimal("0"))
    if total > MAX_AMOUNT:
        raise ValidationFailed("amount_too_large", f"lines: the order total {total} exceeds {MAX_AMOUNT}",
                               field="lines")
    return out


def take_in(conn: Connection, actor: Actor, req: OrderRequest, today: date) -> Intake:
    """Validate a request completely before anything is written."""
    customer = resolve_customer(conn, actor, req.customer)
    if not customer.active:
        raise ValidationFailed("inactive_customer", f"customer: '{req.customer}' is not active", field="customer",
                               customer=req.customer)
    ship_to = resolve_ship_to(conn, customer.id, req.ship_to)
    _check_dates(req, today)
    defaulted = [ln if ln.requested_date or not req.requested_date else
                 RequestedLine(ln.sku, ln.qty, req.requested_date, ln.position) for ln in req.lines]
    merged = merge_duplicate_skus(defaulted)
    priced = price_lines(conn, customer, merged)
    priority = customer.allocation_priority
    lanes = lanes_to(conn, ship_to)
    if not lanes:
        raise ValidationFailed("no_warehouse", "no active warehouse can serve this order", field="lines")
    return Intake(customer, ship_to, priced, lanes, priority, req.requested_date)
