"""How a customer is billed: invoicing cycle, freight, payment terms, tax rates. Lookups and their upkeep."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import NoResultFound

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.invoicing import Invoicing, check_rate
from ..domain.payment_terms import PaymentTerms
from ..store.billing_tables import billing_accounts, tax_rates
from ..store.db import UnitOfWork
from ..store.prepared import Prepared, padded_ids
from ..store.tables import customers, payment_terms, products, service_packages


@dataclass(frozen=True)
class BillingAccount:
    invoicing: Invoicing
    charge_freight: bool
    invoice_email: str | None


DEFAULT_ACCOUNT = BillingAccount(Invoicing.PER_SHIPMENT, True, None)


def billing_account(conn: Connection, customer_id: int) -> BillingAccount:
    return billing_accounts_of(conn, [customer_id])[customer_id]


_ACCOUNTS = Prepared(select(billing_accounts).where(billing_accounts.c.customer_id.in_(bindparam("ids", expanding=True))),
                     expanding="ids")


def billing_accounts_of(conn: Connection, customer_ids) -> dict[int, BillingAccount]:
    """How each of these customers is billed (the default account where none is set up), in one read."""
    ids = sorted(set(customer_ids))
    out = dict.fromkeys(ids, DEFAULT_ACCOUNT)
    for row in _ACCOUNTS.rows(conn, padded_ids(ids)) if ids else []:
        out[row.customer_id] = BillingAccount(Invoicing(row.invoicing), row.charge_freight, row.invoice_email)
    return out


def terms_for(conn: Connection, customer_id: int) -> PaymentTerms:
    """The customer's own terms, else its service package's (DOMAIN §6)."""
    return terms_of(conn, [customer_id])[customer_id]


_own, _package = payment_terms.alias("own"), payment_terms.alias("package")
_TERMS = Prepared(
    select(customers.c.id, customers.c.payment_terms, _own.c.code, _own.c.discount_pct, _own.c.discount_days,
           _own.c.net_days, _package.c.code.label("p_code"), _package.c.discount_pct.label("p_discount_pct"),
           _package.c.discount_days.label("p_discount_days"), _package.c.net_days.label("p_net_days"))
    .join(service_packages, service_packages.c.code == customers.c.service_package)
    .outerjoin(_own, _own.c.code == customers.c.payment_terms)
    .join(_package, _package.c.code == service_packages.c.payment_terms)
    .where(customers.c.id.in_(bindparam("ids", expanding=True))), expanding="ids")


def terms_of(conn: Connection, customer_ids) -> dict[int, PaymentTerms]:
    """terms_for of each of these customers, in one read."""
    ids = sorted(set(customer_ids))
    out = {}
    for r in _TERMS.rows(conn, padded_ids(ids)) if ids else []:
        if r.payment_terms:
            if r.code is not None:
                out[r.id] = PaymentTerms(r.code, Decimal(r.discount_pct), r.discount_days, r.net_days)
        else:
            out[r.id] = PaymentTerms(r.p_code, Decimal(r.p_discount_pct), r.p_discount_days, r.p_net_days)
    missing = [cid for cid in ids if cid not in out]
    if missing:  # as .one() refuses a customer, or terms, that is not there
        raise NoResultFound(f"no payment terms for customers {missing}")
    return out


def tax_rates_for(conn: Connection, customer_id: int, product_ids: set[int | None]) -> dict[int | None, Decimal]:
    """The rate per product (None: a charge without a product, such as freight).

    The most specific rule wins: this customer and product, the product, this customer, the default;
    no rule at all means 0 %.
    """
    rules = TaxRules(conn, [customer_id], product_ids)
    return {pid: rules.rate(customer_id, pid) for pid in product_ids}


_RULES = Prepared(select(tax_rates).where(or_(tax_rates.c.product_id.in_(bindparam("pids", expanding=True)),
                                              tax_rates.c.product_id.is_(None))).order_by(tax_rates.c.id),
                  expanding="pids")


class TaxRules:
    """The tax rules that can apply to these customers and products, read once; `rate` picks the one that wins."""

    def __init__(self, conn: Connection, customer_ids, product_ids):
        customer_ids = set(customer_ids)
        self.by_product: dict[int | None, list] = {}
        for r in _RULES.rows(conn, {"pids": padded_ids(sorted({p for p in product_ids if p is not None}))["ids"]}):
            if r.customer_id is None or r.customer_id in customer_ids:
                self.by_product.setdefault(r.product_id, []).append(r)

    def rate(self, customer_id: int, product_id: int | None) -> Decimal:
        """The most specific rule (customer and product 3, product 2, customer 1, default 0); of equally
        specific ones the latest set up."""
        best, rank = Decimal("0"), (-1, 0)
        specific = self.by_product.get(product_id, []) if product_id is not None else []
        for r in self.by_product.get(None, []) + specific:
            if r.customer_id not in (None, customer_id):
                continue
            score = ((2 if r.product_id is not None else 0) + (1 if r.customer_id is not None else 0), r.id)
            if score > rank:
                best, rank = Decimal(r.rate), score
        return best


def get_billing(uow: UnitOfWork, actor: Actor, customer_code: str) -> dict[str, Any]:
    actor.require(Permission.READ_INVOICES)
    with uow.read() as conn:
        cid = _customer_id(conn, actor, customer_code)
        acct = billing_account(conn, cid)
        terms = terms_for(conn, cid)
    return {"customer": customer_code, "invoicing": acct.invoicing.value, "charge_freight": acct.charge_freight,
            "invoice_email": acct.invoice_email,
            "payment_terms": {"code": terms.code, "discount_pct": terms.discount_pct,
                              "discount_days": terms.discount_days, "net_days": terms.net_days}}


def set_billing(uow: UnitOfWork, clock: Clock, actor: Actor, customer_code: str, *, invoicing: str,
                charge_freight: bool, invoice_email: str | None = None) -> None:
    """Change how a customer is invoiced. Shipments already made but not yet invoiced are invoiced by the
    next invoice run under the new cycle."""
    actor.require(Permission.BILL)
    if invoicing not in {i.value for i in Invoicing}:
        raise ValidationFailed("unknown_invoicing", f"invoicing: one of {[i.value for i in Invoicing]}",
                               field="invoicing")

    def work(conn: Connection) -> None:
        cid = _customer_id(conn, actor, customer_code)
        values = dict(invoicing=invoicing, charge_freight=charge_freight, invoice_email=invoice_email,
                      updated_at=clock.now(), updated_by=actor.username)
        if conn.execute(update(billing_accounts).where(billing_accounts.c.customer_id == cid)
                        .values(**values)).rowcount == 0:
            conn.execute(insert(billing_accounts).values(customer_id=cid, **values))

    uow.run(work)


def list_tax_rates(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_RECEIVABLES)
    with uow.read() as conn:
        rows = conn.execute(select(tax_rates, customers.c.code.label("customer"), products.c.sku)
                            .outerjoin(customers, customers.c.id == tax_rates.c.customer_id)
                            .outerjoin(products, products.c.id == tax_rates.c.product_id)
                            .order_by(tax_rates.c.id)).all()
    return [{"id": r.id, "customer": r.customer, "sku": r.sku, "rate": Decimal(r.rate).quantize(Decimal("0.01")),
             "name": r.name} for r in rows]


def set_tax_rate(uow: UnitOfWork, actor: Actor, *, rate: Decimal, name: str, customer: str | None = None,
                 sku: str | None = None) -> int:
    """Set the rate for a scope (customer and/or product, or neither: the default); replaces the scope's rule.
    Invoices already issued keep the rate they were issued with."""
    actor.require(Permission.BILL)
    check_rate(rate, "rate")
    if not name.strip():
        raise ValidationFailed("name_required", "name: name the rate (standard, reduced, exempt…)", field="name")

    def work(conn: Connection) -> int:
        cid = pid = None
        if customer is not None:
            cid = conn.execute(select(customers.c.id).where(customers.c.code == customer)).scalar()
            if cid is None:
                raise ValidationFailed("unknown_customer", f"customer: no customer '{customer}'", field="customer")
        if sku is not None:
            pid = conn.execute(select(products.c.id).where(products.c.sku == sku)).scalar()
            if pid is None:
                raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku")
        conn.execute(delete(tax_rates).where(tax_rates.c.customer_id.is_(None) if cid is None
                                             else tax_rates.c.customer_id == cid,
                                             tax_rates.c.product_id.is_(None) if pid is None
                                             else tax_rates.c.product_id == pid))
        return conn.execute(insert(tax_rates).values(customer_id=cid, product_id=pid, rate=rate, name=name.strip())
                            .returning(tax_rates.c.id)).scalar_one()

    return uow.run(work)


def _customer_id(conn: Connection, actor: Actor, code: str) -> int:
    cid = conn.execute(select(customers.c.id).where(customers.c.code == code)).scalar()
    if cid is None or (actor.is_customer and cid != actor.customer_id):
        raise NotFound("customer_not_found", f"customer '{code}': no such customer", field="customer")
    return cid
