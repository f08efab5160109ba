"""The volumes of cost-to-serve and the parts of net sales value, per customer and period: one aggregate query
per activity, grouped by customer, over the records themselves (docs/cost-to-serve.md says which records count
and on which date). Amounts are summed in whole cents (exact on SQLite as on PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union,
)

from .analytics_tables import quote_line_terms
from .billing_tables import applications, credit_notes, invoice_lines, invoices
from .fulfilment_tables import shipment_lines, shipments
from .measure_queries import _cents  # one way to sum cents
from .measure_queries import _day_range as day_range
from .measure_queries import _money as money
from .measure_tables import order_facts
from .service_tables import (
    case_events,
    cases,
    no_charge_orders,
    recovery_actions,
    return_dispositions,
    return_events,
    returns,
)
from .tables import customers, order_events, order_lines, orders, products, quote_lines, quotes, service_packages

PerCustomer = dict[int, Any]


def days_between(conn: Connection, later, earlier):
    """later − earlier in whole days, for date columns or dates."""
    if conn.dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return type_coerce(later - earlier, Integer)


def day_of(conn: Connection, ts):
    """The UTC calendar day of a timestamp."""
    if conn.dialect.name == "sqlite":
        return func.date(ts)
    return cast(func.timezone("UTC", ts), Date)


def _scope(col, customer_id: int | None):
    return col == customer_id if customer_id is not None else literal(True)


def _by_customer(rows) -> PerCustomer:
    return {r[0]: r[1] for r in rows}


def _by_customer_key(rows) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for cid, key, n in rows:
        out[cid][key] = int(n)
    return out


def _created_by_channel(conn: Connection, table, lo: date, hi: date, cid: int | None) -> dict[int, dict[str, int]]:
    a, b = day_range(lo, hi)
    return _by_customer_key(conn.execute(
        select(table.c.customer_id, table.c.channel, func.count())
        .where(table.c.created_at >= a, table.c.created_at < b, _scope(table.c.customer_id, cid))
        .group_by(table.c.customer_id, table.c.channel)))


def quotes_by_channel(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, dict[str, int]]:
    return _created_by_channel(conn, quotes, lo, hi, cid)


def orders_by_channel(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, dict[str, int]]:
    """Every order placed (a cancelled one was entered too)."""
    return _created_by_channel(conn, orders, lo, hi, cid)


def order_shape(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, tuple[int, int, Decimal]]:
    """Orders placed and not cancelled: (lines, distinct SKUs, value at order prices)."""
    a, b = day_range(lo, hi)
    rows = conn.execute(
        select(orders.c.customer_id, func.count(order_lines.c.id), func.count(order_lines.c.product_id.distinct()),
               _cents(order_lines.c.amount))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(orders.c.created_at >= a, orders.c.created_at < b, orders.c.status != "cancelled",
               _scope(orders.c.customer_id, cid))
        .group_by(orders.c.customer_id))
    return {r[0]: (int(r[1]), int(r[2]), money(r[3])) for r in rows}


def credit_checks(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    """Orders put on credit hold in the period (at placement or later by finance): each is reviewed."""
    a, b = day_range(lo, hi)
    return _by_customer(conn.execute(
        select(orders.c.customer_id, func.count(order_events.c.order_id.distinct()))
        .join(orders, orders.c.id == order_events.c.order_id)
        .where(order_events.c.kind == "status_changed", order_events.c.to_status == "credit_hold",
               order_events.c.at >= a, order_events.c.at < b, _scope(orders.c.customer_id, cid))
        .group_by(orders.c.customer_id)))


def expedites(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    """Orders placed in the period that asked for a line earlier than the package lead time allowed (the lead
    time of the package when the order was placed, from its facts; else the customer's package now), or that
    came from a quote line flagged expedite. Each order once."""
    a, b = day_range(lo, hi)
    placed = and_(orders.c.created_at >= a, orders.c.created_at < b, _scope(orders.c.customer_id, cid))
    lead = func.coalesce(order_facts.c.lead_time_days, service_packages.c.lead_time_days)
    day = func.coalesce(order_facts.c.order_day, day_of(conn, orders.c.created_at))
    asked = (select(orders.c.id.label("oid"), orders.c.customer_id.label("cid"))
             .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id)
                          .join(customers, customers.c.id == orders.c.customer_id)
                          .join(service_packages, service_packages.c.code == customers.c.service_package)
                          .outerjoin(order_facts, order_facts.c.order_id == orders.c.id))
             .where(placed, order_lines.c.requested_date.is_not(None),
                    days_between(conn, order_lines.c.requested_date, day) < lead))
    quoted = (select(orders.c.id.label("oid"), orders.c.customer_id.label("cid"))
              .join(quote_lines, quote_lines.c.quote_id == orders.c.quote_id)
              .join(quote_line_terms, quote_line_terms.c.quote_line_id == quote_lines.c.id)
              .where(placed, quote_line_terms.c.expedite))
    both = union(asked, quoted).subquery()  # UNION: an order that is both counts once
    return _by_customer(conn.execute(select(both.c.cid, func.count()).group_by(both.c.cid)))


def _shipped(lo: date, hi: date, cid: int | None):
    a, b = day_range(lo, hi)
    return and_(shipments.c.shipped_at >= a, shipments.c.shipped_at < b, _scope(shipments.c.customer_id, cid))


def shipping(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, tuple[int, Decimal]]:
    """Shipments shipped in the period: (shipments, their actual freight)."""
    return {r[0]: (int(r[1]), money(r[2])) for r in conn.execute(
        select(shipments.c.customer_id, func.count(), _cents(shipments.c.freight_cost))
        .where(_shipped(lo, hi, cid)).group_by(shipments.c.customer_id))}


def returns_received(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    a, b = day_range(lo, hi)
    return _by_customer(conn.execute(
        select(returns.c.customer_id, func.count(return_events.c.return_id.distinct()))
        .join(returns, returns.c.id == return_events.c.return_id)
        .where(return_events.c.kind == "received", return_events.c.at >= a, return_events.c.at < b,
               _scope(returns.c.customer_id, cid))
        .group_by(returns.c.customer_id)))


def case_work(conn: Connection, lo: date, hi: date, cid: int | None):
    """Cases opened in the period: counts by category, their events by kind, their recovery cost."""
    a, b = day_range(lo, hi)
    opened = and_(cases.c.opened_at >= a, cases.c.opened_at < b, _scope(cases.c.customer_id, cid))
    by_category = _by_customer_key(conn.execute(
        select(cases.c.customer_id, cases.c.category, func.count()).where(opened)
        .group_by(cases.c.customer_id, cases.c.category)))
    by_event = _by_customer_key(conn.execute(
        select(cases.c.customer_id, case_events.c.kind, func.count())
        .join(case_events, case_events.c.case_id == cases.c.id).where(opened)
        .group_by(cases.c.customer_id, case_events.c.kind)))
    recovery = {r[0]: money(r[1]) for r in conn.execute(
        select(cases.c.customer_id, _cents(recovery_actions.c.cost))
        .join(recovery_actions, recovery_actions.c.case_id == cases.c.id).where(opened)
        .group_by(cases.c.customer_id))}
    return by_category, by_event, recovery


def receivables(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, tuple[Decimal, Decimal]]:
    """(money-days, early-payment discount taken) per customer: Σ over the period's days of its open invoice
    balance in money × days, and the discounts of the settlements applied in the period.

    The balance on day t is what was invoiced up to t less what was settled up to t (payments, credit notes and
    discounts applied, bounced ones left out). A day d counts for the days from max(d, lo) to hi, so
    money-days = Σ invoiced × days(issued) − Σ settled × days(applied). One pass over the invoices, one over the
    settlements (which also give the discounts).
    """
    period = (hi - lo).days + 1

    def days_from(col):
        return case((col < lo, period), else_=days_between(conn, literal(hi, Date), col) + 1)

    billed = (select(invoices.c.customer_id.label("cid"), _cents(invoices.c.total * days_from(invoices.c.issued_on))
                     .label("cents"))
              .where(invoices.c.status != "cancelled", invoices.c.issued_on <= hi, _scope(invoices.c.customer_id, cid))
              .group_by(invoices.c.customer_id))
    applied = applications.c.applied_on
    settled = (select(invoices.c.customer_id.label("cid"),
                      _cents((applications.c.amount + applications.c.discount) * days_from(applied)).label("cents"),
                      _cents(case((applied >= lo, applications.c.discount), else_=0)).label("discount"))
               .join(invoices, invoices.c.id == applications.c.invoice_id)
               .where(invoices.c.status != "cancelled", applications.c.reversed_at.is_(None), applied <= hi,
                      _scope(invoices.c.customer_id, cid))
               .group_by(invoices.c.customer_id))
    days = {r.cid: int(r.cents) for r in conn.execute(billed)}
    discount = {}
    for r in conn.execute(settled):
        days[r.cid] = days.get(r.cid, 0) - int(r.cents)
        discount[r.cid] = int(r.discount)
    return {k: (money(days.get(k, 0)), money(discount.get(k, 0))) for k in set(days) | set(discount)
            if days.get(k) or discount.get(k)}


def goods_shipped(conn: Connection, lo: date, hi: date, cid: int | None) -> dict[int, tuple[int, Decimal, Decimal,
                                                                                      Decimal]]:
    """(lines picked, value at list price, at the order's price, at unit cost) of the lines shipped in the period.
    No-charge orders (a return's replacement, a case's reship) bring no sales; a case's reship is costed as its
    recovery instead. One pass over the shipped lines."""
    qty = shipment_lines.c.qty_shipped
    charged = no_charge_orders.c.order_id.is_(None)
    rows = conn.execute(
        select(shipments.c.customer_id, func.count(), _cents(case((charged, products.c.list_price * qty), else_=0)),
               _cents(case((charged, order_lines.c.unit_price * qty), else_=0)),
               _cents(case((no_charge_orders.c.source == "case", 0), else_=products.c.unit_cost * qty)))
        .select_from(shipments.join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
                     .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
                     .join(products, products.c.id == shipment_lines.c.product_id)
                     .outerjoin(no_charge_orders, no_charge_orders.c.order_id == shipment_lines.c.order_id))
        .where(_shipped(lo, hi, cid), qty > 0).group_by(shipments.c.customer_id))
    return {r[0]: (int(r[1]), money(r[2]), money(r[3]), money(r[4])) for r in rows}


def restocked(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    """Returned units put back on the shelf in the period, at unit cost: goods the firm has again."""
    a, b = day_range(lo, hi)
    return {r[0]: money(r[1]) for r in conn.execute(
        select(returns.c.customer_id, _cents(products.c.unit_cost * return_dispositions.c.qty))
        .join(returns, returns.c.id == return_dispositions.c.return_id)
        .join(products, products.c.id == return_dispositions.c.product_id)
        .where(return_dispositions.c.disposition == "restock", return_dispositions.c.at >= a,
               return_dispositions.c.at < b, _scope(returns.c.customer_id, cid))
        .group_by(returns.c.customer_id))}


def freight_charged(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    return {r[0]: money(r[1]) for r in conn.execute(
        select(invoices.c.customer_id, _cents(invoice_lines.c.net_amount))
        .join(invoices, invoices.c.id == invoice_lines.c.invoice_id)
        .where(invoice_lines.c.kind == "freight", invoices.c.status != "cancelled", invoices.c.issued_on >= lo,
               invoices.c.issued_on <= hi, _scope(invoices.c.customer_id, cid))
        .group_by(invoices.c.customer_id))}


def credits(conn: Connection, lo: date, hi: date, cid: int | None) -> PerCustomer:
    """Credit notes issued in the period, before tax; a case's credit notes are its recovery cost instead."""
    return {r[0]: money(r[1]) for r in conn.execute(
        select(credit_notes.c.customer_id, _cents(credit_notes.c.net_amount))
        .where(credit_notes.c.issued_on >= lo, credit_notes.c.issued_on <= hi, credit_notes.c.source != "case",
               _scope(credit_notes.c.customer_id, cid))
        .group_by(credit_notes.c.customer_id))}


def customer_rows(conn: Connection, ids) -> dict[int, Any]:
    ids = sorted(ids)
    if not ids:
        return {}
    return {r.id: r for r in conn.execute(
        select(customers.c.id, customers.c.code, customers.c.name, customers.c.segment,
               customers.c.service_package, customers.c.kind).where(customers.c.id.in_(ids)))}
