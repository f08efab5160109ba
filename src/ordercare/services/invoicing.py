"""Issuing invoices: on shipment (inside the ship transaction), or consolidated per period by the invoice run.

What is billed is what shipped: each shipped shipment line at its order line's price, the shipment's freight
where the customer's billing charges it, tax at the customer's/product's rate. A shipment line is billed once:
it is "uninvoiced" while no invoice that is not cancelled carries it. The line's `invoiced` marker says so, kept
in the transaction that issues (or cancels) the invoice, so looking for what is still to bill reads the small set
of uninvoiced lines (a partial index), never the invoiced history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, false, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import NoResultFound

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import ValidationFailed
from ..domain.invoicing import Invoicing, closed_through, invoice_number, period_of, totals
from ..domain.orders import order_number
from ..store.billing_tables import billing_accounts, invoice_lines, invoices, order_invoicing
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.prepared import Prepared, insert_of, padded_ids
from ..store.service_tables import no_charge_orders
from ..store.tables import customers, order_lines, orders, products, ship_tos
from . import edi_invoice, ledger
from .billing_setup import BillingAccount, TaxRules, billing_account, billing_accounts_of, terms_of
from .edi_documents import active_partners
from .release import shipment_number

SHIPPED = ("shipped", "delivered")
_billed = and_(invoice_lines.c.invoice_id == invoices.c.id, invoices.c.status != "cancelled")
# The shipped lines not yet invoiced, read from the partial index ix_shipment_lines_uninvoiced (the condition as
# the index states it, so both databases use it). Asked as an IN on a key, both start from those few lines
# rather than from every shipped shipment (which SQLite, without statistics, otherwise does).
_to_bill = shipment_lines.alias("to_bill")
_TO_BILL = (_to_bill.c.invoiced == false(), _to_bill.c.qty_shipped > literal_column("0"))
# The same condition on given shipments or lines: read from their own index, not from every uninvoiced line.
_UNBILLED = (shipment_lines.c.invoiced == false(), shipment_lines.c.qty_shipped > literal_column("0"))
# A customer's: its shipments among those with a line to bill (the IN, a set of shipment ids from the partial
# index), then their lines from the partial index by shipment. Each uninvoiced line costs one probe of the
# customer's shipments, not two row look-ups as an IN on the lines' own ids did; never its invoiced history.
_CUSTOMER_TO_BILL = (shipments.c.id.in_(select(_to_bill.c.shipment_id).where(*_TO_BILL)), *_UNBILLED)
_NO_CHARGE = exists().where(no_charge_orders.c.order_id == shipment_lines.c.order_id)
_GOODS_ORDER = (shipment_lines.c.shipment_id, shipment_lines.c.order_id, order_lines.c.line_no, shipment_lines.c.id)


def _goods():
    # Replacements and reships (post-sale service) ship through the normal flow but are not billed.
    return (select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                   shipment_lines.c.order_line_id, shipment_lines.c.product_id, shipment_lines.c.qty_shipped,
                   order_lines.c.unit_price, products.c.sku, products.c.name, shipments.c.shipped_at)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
            .join(products, products.c.id == shipment_lines.c.product_id)
            .where(shipments.c.status.in_(SHIPPED), ~_NO_CHARGE))


_GOODS_OF_CUSTOMER = Prepared(_goods().where(
    shipments.c.customer_id == bindparam("cid"), *_CUSTOMER_TO_BILL,
    shipments.c.shipped_at < bindparam("before", type_=shipments.c.shipped_at.type)).order_by(*_GOODS_ORDER))
_GOODS_OF_SHIPMENTS = Prepared(_goods().where(shipment_lines.c.shipment_id.in_(bindparam("ids", expanding=True)),
                                              *_UNBILLED).order_by(*_GOODS_ORDER), expanding="ids")


def uninvoiced_goods(conn: Connection, customer_id: int, *, shipment_id: int | None = None,
                     shipped_before: date | None = None, line_ids: list[int] | None = None) -> list:
    """Shipped shipment lines of a customer no live invoice carries yet (of one shipment, shipped before a
    day, or among given lines), in shipment, order and line order."""
    if shipped_before is not None and shipment_id is None and line_ids is None:  # the invoice run's
        return _GOODS_OF_CUSTOMER.rows(conn, {"cid": customer_id, "before": _midnight(shipped_before)})
    q = _goods().where(shipments.c.customer_id == customer_id)
    if shipment_id is None and line_ids is None:
        q = q.where(*_CUSTOMER_TO_BILL)
    else:
        q = q.where(*_UNBILLED)
    if shipment_id is not None:
        q = q.where(shipments.c.id == shipment_id)
    if shipped_before is not None:
        q = q.where(shipments.c.shipped_at < _midnight(shipped_before))
    if line_ids is not None:
        q = q.where(shipment_lines.c.id.in_(sorted(line_ids)))
    return conn.execute(q.order_by(*_GOODS_ORDER)).all()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


_FREIGHT = Prepared(select(shipments.c.id, shipments.c.freight_cost).where(
    shipments.c.id.in_(bindparam("ids", expanding=True)), shipments.c.freight_cost > 0,
    ~exists().where(invoice_lines.c.shipment_id == shipments.c.id, invoice_lines.c.kind == "freight", _billed))
    .order_by(shipments.c.id), expanding="ids")


def _uninvoiced_freight(conn: Connection, shipment_ids: set[int]) -> list:
    return _FREIGHT.rows(conn, padded_ids(sorted(shipment_ids))) if shipment_ids else []


def bill_to(conn: Connection, customer_id: int) -> dict[str, Any]:
    """The customer as the invoice names it, kept with the invoice as issued (its default site's address)."""
    return bills_to(conn, [customer_id])[customer_id]


_BILL_TO = Prepared(select(customers.c.id, customers.c.code, customers.c.name, customers.c.email)
                    .where(customers.c.id.in_(bindparam("ids", expanding=True))), expanding="ids")
_SITES = Prepared(select(ship_tos).where(ship_tos.c.customer_id.in_(bindparam("ids", expanding=True)))
                  .order_by(ship_tos.c.customer_id, ship_tos.c.is_default.desc(), ship_tos.c.id), expanding="ids")


def bills_to(conn: Connection, customer_ids) -> dict[int, dict[str, Any]]:
    """bill_to of each of these customers, in two reads."""
    ids = sorted(set(customer_ids))
    out = {c.id: {"customer": c.code, "name": c.name, "email": c.email} for c in _BILL_TO.rows(conn, padded_ids(ids))}
    if len(out) != len(ids):  # as .one() refuses a customer that is not there
        raise NoResultFound(f"no customers {sorted(set(ids) - set(out))}")
    seen: set[int] = set()
    for site in _SITES.rows(conn, padded_ids(ids)):
        if site.customer_id not in seen:
            seen.add(site.customer_id)
            out[site.customer_id].update(street=site.street, postal_code=site.postal_code, city=site.city,
                                         country=site.country)
    return out


def _upsert(dialect_insert) -> Prepared:
    ins = dialect_insert(order_invoicing).values(
        order_id=bindparam("order_id", type_=order_invoicing.c.order_id.type),
        invoiced_amount=bindparam("amount", type_=order_invoicing.c.invoiced_amount.type))
    return Prepared(ins.on_conflict_do_update(
        index_elements=[order_invoicing.c.order_id],
        set_={"invoiced_amount": order_invoicing.c.invoiced_amount + ins.excluded.invoiced_amount}))


_UPSERT_INVOICED = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def _upsert_invoiced(conn: Connection, per_order: dict[int, Decimal]) -> None:
    """Add to each order's invoiced goods value (an upsert, so two shipments of one order never collide)."""
    _UPSERT_INVOICED[conn.dialect.name].execute_many(
        conn, [{"order_id": order_id, "amount": amount} for order_id, amount in sorted(per_order.items())])


_CURRENCIES = Prepared(select(orders.c.id, orders.c.currency).where(orders.c.id.in_(bindparam("ids", expanding=True))),
                      expanding="ids")


class Known:
    """What issuing invoices reads besides the goods, read once for all the invoices one transaction issues (a
    wave shipped, a customer's invoice run): each customer's billing account, terms, bill-to, tax rules and EDI
    partner, and each order's currency. `goods_of`: the goods to be invoiced, per customer."""

    def __init__(self, conn: Connection, goods_of: dict[int, list],
                 accounts: dict[int, BillingAccount] | None = None):
        ids = sorted(goods_of)
        goods = [g for rows in goods_of.values() for g in rows]
        self.accounts = accounts if accounts is not None else billing_accounts_of(conn, ids)
        self.terms = terms_of(conn, ids)
        self.bill_to = bills_to(conn, ids)
        self.rates = TaxRules(conn, ids, {g.product_id for g in goods})
        self.partners = active_partners(conn, ids)
        self.currencies = dict(_CURRENCIES.rows(conn, padded_ids(sorted({g.order_id for g in goods}))))

    def currency_of(self, order_ids: set[int]) -> str:
        found = {self.currencies[o] for o in order_ids}
        if len(found) != 1:
            raise ValidationFailed("currency_mismatch", f"orders: {sorted(order_number(o) for o in order_ids)} are "
                                   f"in several currencies {sorted(found)}; they cannot share an invoice",
                                   field="orders")
        return found.pop()


_INVOICE = insert_of(invoices, (
    "customer_id", "kind", "status", "reference", "issued_on", "due_on", "discount_until", "discount_pct", "terms",
    "currency", "net_amount", "tax_amount", "total", "credited", "paid", "discount_taken", "open_amount",
    "period_from", "period_to", "bill_to", "dunning_level", "created_at", "created_by"), returning=invoices.c.id)
_LINES = insert_of(invoice_lines, (
    "invoice_id", "line_no", "kind", "order_id", "order_line_id", "shipment_id", "shipment_line_id", "sku",
    "description", "qty", "unit_price", "net_amount", "tax_rate"))


def issue_invoice_in(conn: Connection, clock: Clock, actor: Actor, customer_id: int, goods: list, *,
                     period: tuple[date, date] | None = None, known: Known | None = None) -> int:
    """One invoice for these uninvoiced shipment lines (and their shipments' freight where charged)."""
    known = known or Known(conn, {customer_id: goods})
    account = known.accounts[customer_id]
    freight = _uninvoiced_freight(conn, {g.shipment_id for g in goods}) if account.charge_freight else []
    currency = known.currency_of({g.order_id for g in goods})
    rate = known.rates.rate
    rows: list[dict[str, Any]] = []
    for g in goods:
        rows.append({"kind": "goods", "order_id": g.order_id, "order_line_id": g.order_line_id,
                     "shipment_id": g.shipment_id, "shipment_line_id": g.id, "sku": g.sku,
                     "description": g.name[:300], "qty": g.qty_shipped, "unit_price": g.unit_price,
                     "net_amount": g.unit_price * g.qty_shipped, "tax_rate": rate(customer_id, g.product_id)})
    for f in freight:
        rows.append({"kind": "freight", "order_id": None, "order_line_id": None, "shipment_id": f.id,
                     "shipment_line_id": None, "sku": None, "description": f"Freight, shipment {shipment_number(f.id)}",
                     "qty": None, "unit_price": None, "net_amount": f.freight_cost, "tax_rate": rate(customer_id, None)})
    t = totals((r["net_amount"], r["tax_rate"]) for r in rows)
    terms = known.terms[customer_id]
    today = clock.today()
    invoice_id = _INVOICE.scalar(conn, dict(
        customer_id=customer_id, kind="invoice", status="open" if t.total > 0 else "paid", reference=None,
        issued_on=today, due_on=terms.due_on(today), discount_until=terms.discount_until(today),
        discount_pct=terms.discount_pct if terms.has_discount else Decimal("0"), terms=terms.code,
        currency=currency, net_amount=t.net, tax_amount=t.tax, total=t.total, credited=Decimal("0"),
        paid=Decimal("0"), discount_taken=Decimal("0"), open_amount=t.total,
        period_from=period[0] if period else None, period_to=period[1] if period else None,
        bill_to=known.bill_to[customer_id], dunning_level=0, created_at=clock.now(), created_by=actor.username))
    _LINES.execute_many(conn, [{"invoice_id": invoice_id, "line_no": i + 1, **r} for i, r in enumerate(rows)])
    _mark_invoiced(conn, [g.id for g in goods], True)
    per_order: dict[int, Decimal] = {}
    for r in rows:
        if r["kind"] == "goods":
            per_order[r["order_id"]] = per_order.get(r["order_id"], Decimal("0")) + r["net_amount"]
    _upsert_invoiced(conn, per_order)
    number = invoice_number(invoice_id)
    ledger.post(conn, customer_id, "invoice", number, t.total, today, terms.due_on(today))
    ledger.invoice_events(conn, clock, actor, "invoiced", {invoice_id: {
        "total": str(t.total), "due_on": terms.due_on(today).isoformat(), "terms": terms.code,
        "discount_until": terms.discount_until(today).isoformat() if terms.has_discount else None}},
        orders={invoice_id: sorted(per_order)})
    # An EDI partner gets its 810 now.
    edi_invoice.on_invoice_issued(conn, clock, actor, customer_id, invoice_id, partners=known.partners)
    return invoice_id


_MARK_INVOICED = Prepared(update(shipment_lines).where(shipment_lines.c.id == bindparam("line_id"))
                          .values(invoiced=bindparam("invoiced", type_=shipment_lines.c.invoiced.type)))


def _mark_invoiced(conn: Connection, line_ids: list[int], invoiced: bool) -> None:
    _MARK_INVOICED.execute_many(conn, [{"line_id": i, "invoiced": invoiced} for i in sorted(line_ids)])


class ShipmentInvoicing:
    """Invoicing at shipping, in the ship transaction: each shipment of a customer billed per shipment gets its
    invoice; the others' lines wait for the customer's periodic invoice. The goods of all the shipments and what
    their invoices need are read once; `invoice` issues one shipment's invoice (shipping sends an EDI customer's
    856 before it) and returns its id, or None."""

    def __init__(self, conn: Connection, clock: Clock, actor: Actor, shipment_ids: list[int]):
        self.conn, self.clock, self.actor = conn, clock, actor
        ids = sorted(set(shipment_ids))
        self.customer_of = dict(conn.execute(select(shipments.c.id, shipments.c.customer_id)
                                             .where(shipments.c.id.in_(ids))).all())
        accounts = billing_accounts_of(conn, self.customer_of.values())
        billed = [sid for sid in ids if accounts[self.customer_of[sid]].invoicing is Invoicing.PER_SHIPMENT]
        self.goods: dict[int, list] = {}
        for g in _GOODS_OF_SHIPMENTS.rows(conn, padded_ids(billed)) if billed else []:
            self.goods.setdefault(g.shipment_id, []).append(g)
        goods_of: dict[int, list] = {}
        for sid, rows in self.goods.items():
            goods_of.setdefault(self.customer_of[sid], []).extend(rows)
        self.known = Known(conn, goods_of, accounts) if goods_of else None

    def invoice(self, shipment_id: int) -> int | None:
        goods = self.goods.get(shipment_id)
        if not goods:
            return None
        return issue_invoice_in(self.conn, self.clock, self.actor, self.customer_of[shipment_id], goods,
                                known=self.known)


def invoice_customer_in(conn: Connection, clock: Clock, actor: Actor, customer_id: int, through: date) -> list[int]:
    """Every invoice now due for a customer: per shipment, or one per closed period (weekly, monthly)."""
    ledger.customer_row(conn, customer_id)  # one run per customer at a time
    account = billing_account(conn, customer_id)
    cycle = account.invoicing
    last_day = closed_through(through, cycle)
    goods = uninvoiced_goods(conn, customer_id, shipped_before=last_day + timedelta(days=1))
    groups: dict[Any, list] = {}
    for g in goods:
        key = g.shipment_id if cycle is Invoicing.PER_SHIPMENT else period_of(g.shipped_at.date(), cycle)
        groups.setdefault(key, []).append(g)
    known = Known(conn, {customer_id: goods}, {customer_id: account}) if goods else None
    return [issue_invoice_in(conn, clock, actor, customer_id, rows, known=known,
                             period=None if cycle is Invoicing.PER_SHIPMENT else key)
            for key, rows in groups.items()]


def run_through(clock: Clock, through: date | None) -> date:
    """The last day an invoice run covers: today unless given, never a day still to come."""
    through = through or clock.today()
    if through > clock.today():
        raise ValidationFailed("through_in_future", f"through: {through} is after today; only what has shipped "
                               "can be invoiced", field="through")
    return through


def customers_to_bill(conn: Connection, through: date) -> list[int]:
    """The customers with goods to invoice through a day, in id order: shipped lines that no live invoice carries
    yet (nor a no-charge order), in a period of the customer's invoicing cycle that has ended by then."""
    cycle = func.coalesce(billing_accounts.c.invoicing, Invoicing.PER_SHIPMENT.value)
    ended = or_(*(and_(cycle == c.value,
                       shipments.c.shipped_at < _midnight(closed_through(through, c) + timedelta(days=1)))
                  for c in Invoicing))
    return conn.execute(select(shipments.c.customer_id).distinct()
                        .select_from(shipments.outerjoin(billing_accounts,
                                                         billing_accounts.c.customer_id == shipments.c.customer_id))
                        .where(shipments.c.id.in_(select(_to_bill.c.shipment_id).where(
                            *_TO_BILL, ~exists().where(no_charge_orders.c.order_id == _to_bill.c.order_id))),
                            shipments.c.status.in_(SHIPPED), ended)
                        .order_by(shipments.c.customer_id)).scalars().all()


def run_invoicing(uow: UnitOfWork, clock: Clock, actor: Actor, through: date | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[int]:
    """Issue every invoice due through a day (default today): the consolidated invoices of the periods that
    have ended, and any shipment not yet invoiced. One transaction per customer; returns the invoice ids."""
    actor.require(Permission.BILL)
    through = run_through(clock, through)
    with uow.read() as conn:
        pending = customers_to_bill(conn, through)
    issued: list[int] = []
    for i, cid in enumerate(pending):
        issued += uow.run(lambda conn, cid=cid: invoice_customer_in(conn, clock, actor, cid, through))
        if progress:
            progress(i + 1, len(pending))
    return issued


def release_invoiced(conn: Connection, invoice_id: int) -> None:
    """A cancelled invoice no longer counts as invoicing its orders' goods: they are uninvoiced again."""
    per_order: dict[int, Decimal] = {}
    line_ids: list[int] = []
    for order_id, net, line_id in conn.execute(select(
            invoice_lines.c.order_id, invoice_lines.c.net_amount, invoice_lines.c.shipment_line_id).where(
            invoice_lines.c.invoice_id == invoice_id, invoice_lines.c.kind == "goods")):
        per_order[order_id] = per_order.get(order_id, Decimal("0")) + net
        line_ids.append(line_id)
    _mark_invoiced(conn, line_ids, False)
    for order_id, amount in sorted(per_order.items()):
        conn.execute(update(order_invoicing).where(order_invoicing.c.order_id == order_id)
                     .values(invoiced_amount=order_invoicing.c.invoiced_amount - amount))
