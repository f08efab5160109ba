"""How a customer is billed: invoicing cycle, freight, payment terms, tax rates. Lookups and their upkeep."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.invoicing import Invoicing, check_rate
from ..domain.payment_terms import PaymentTerms
from ..store.billing_tables import billing_accounts, tax_rates
from ..store.db import UnitOfWork
from ..store.tables import customers, payment_terms, products, service_packages


@dataclass(frozen=True)
class BillingAccount:
    invoicing: Invoicing
    charge_freight: bool
    invoice_email: str | None


DEFAULT_ACCOUNT = BillingAccount(Invoicing.PER_SHIPMENT, True, None)


def billing_account(conn: Connection, customer_id: int) -> BillingAccount:
    row = conn.execute(select(billing_accounts).where(billing_accounts.c.customer_id == customer_id)).first()
    if row is None:
        return DEFAULT_ACCOUNT
    return BillingAccount(Invoicing(row.invoicing), row.charge_freight, row.invoice_email)


def terms_for(conn: Connection, customer_id: int) -> PaymentTerms:
    """The customer's own terms, else its service package's (DOMAIN §6)."""
    code = conn.execute(select(customers.c.payment_terms, service_packages.c.payment_terms.label("package_terms"))
                        .join(service_packages, service_packages.c.code == customers.c.service_package)
                        .where(customers.c.id == customer_id)).one()
    t = conn.execute(select(payment_terms).where(payment_terms.c.code == (code.payment_terms or code.package_terms))
                     ).one()
    return PaymentTerms(t.code, Decimal(t.discount_pct), t.discount_days, t.net_days)


def tax_rates_for(conn: Connection, customer_id: int, product_ids: set[int | None]) -> dict[int | None, Decimal]:
    """The rate per product (None: a charge without a product, such as freight).

    The most specific rule wins: this customer and product, the product, this customer, the default;
    no rule at all means 0 %.
    """
    rules = conn.execute(select(tax_rates).where(
        or_(tax_rates.c.customer_id == customer_id, tax_rates.c.customer_id.is_(None)),
        or_(tax_rates.c.product_id.in_(sorted(p for p in product_ids if p is not None)),
            tax_rates.c.product_id.is_(None))).order_by(tax_rates.c.id)).all()
    out = {}
    for pid in product_ids:
        best, rank = Decimal("0"), -1
        for r in rules:
            if r.product_id not in (None, pid):
                continue
            score = (2 if r.product_id is not None else 0) + (1 if r.customer_id is not None else 0)
            if score >= rank:  # later rows win ties
                best, rank = Decimal(r.rate), score
        out[pid] = best
    return out


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
