"""Customers, products and warehouses: read pages, and the edits the role may make (as the API allows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.customers import SourcingPolicy
from ...domain.errors import DomainError
from ...services import availability, catalog
from ...services import master_data as md
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, amount, text
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
AccountReader = Annotated[Page, Depends(needs(P.READ_ORDERS))]  # the services scope a customer to its account
CustomerReader = Annotated[Page, Depends(needs(P.READ_CUSTOMERS))]
CatalogReader = Annotated[Page, Depends(needs(P.READ_MASTER))]
Editor = Annotated[Page, Depends(needs(P.WRITE_MASTER))]

NAV = [
    NavEntry("Customers", "/customers", P.READ_CUSTOMERS, 20, "Accounts, ship-tos, credit limits, service "
             "packages."),
    NavEntry("Products", "/products", P.READ_MASTER, 21, "The catalogue, prices and availability per warehouse."),
    NavEntry("My account", "/account", P.READ_ORDERS, 22, "Your account and delivery addresses.",
             roles=frozenset({Role.CUSTOMER})),
]
CUSTOMER_FIELDS = ("name", "credit_limit", "payment_terms", "segment", "service_package", "price_list",
                   "sourcing_policy", "email", "phone")


@router.get("/customers")
def customer_list(p: CustomerReader, q: str = "", offset: int = 0):
    offset = max(0, min(offset, 10_000_000))
    page = catalog.list_customers(p.uow, p.actor, q=q.strip()[:100] or None, limit=100, offset=offset)
    return p.html("master/customers.html", page=page, values={"q": q}, limit=100, offset=offset,
                  base=f"/customers?q={q}")


@router.get("/account")
def my_account(p: AccountReader):
    code = catalog.list_customers(p.uow, p.actor, limit=1)["items"][0]["code"] if p.actor.is_customer else None
    return p.redirect(f"/customers/{code}") if code else p.redirect("/customers")


def _customer_page(p: Page, code: str, *, errors: FieldErrors | None = None, values=None, status: int = 200):
    customer = catalog.get_customer(p.uow, p.actor, code)
    shown = {k: "" if customer.get(k) is None else str(customer[k]) for k in CUSTOMER_FIELDS}
    shown.update(active="on" if customer["active"] else "", ship_complete="on" if customer["ship_complete"] else "")
    can_edit = p.allowed(P.WRITE_MASTER)
    refs = catalog.reference_data(p.uow, p.actor) if can_edit else {}
    return p.html("master/customer.html", customer=customer, errors=errors or FieldErrors(), status=status,
                  values=values if values is not None else shown, can_edit=can_edit, refs=refs,
                  policies=[s.value for s in SourcingPolicy])


@router.get("/customers/{code}")
def customer_page(p: AccountReader, code: str):
    return _customer_page(p, code)


@router.post("/customers/{code}")
def update_customer(p: Editor, code: str):
    errors = FieldErrors()
    changes = {k: text(p.form, k, errors, max_length=200) or None for k in CUSTOMER_FIELDS if k != "credit_limit"}
    if not changes["name"]:
        errors.add("name", "required")
    changes["credit_limit"] = amount(p.form, "credit_limit", errors)
    changes["active"] = "active" in p.form
    changes["ship_complete"] = "ship_complete" in p.form
    for required in ("segment", "service_package", "sourcing_policy"):
        if not changes[required]:
            errors.add(required, "required")
    if not errors:
        try:
            md.update_customer(p.uow, p.actor, code, changes)
            return p.redirect(f"/customers/{code}", flash="Customer saved")
        except DomainError as exc:
            errors.take_unless_missing(exc)
    return _customer_page(p, code, errors=errors, values=p.form.values, status=422)


@router.get("/products")
def product_list(p: CatalogReader, q: str = "", category: str = "", offset: int = 0):
    offset = max(0, min(offset, 10_000_000))
    page = catalog.list_products(p.uow, p.actor, q=q.strip()[:100] or None, category=category.strip()[:100] or None,
                                 limit=100, offset=offset)
    return p.html("master/products.html", page=page, values={"q": q, "category": category}, limit=100,
                  offset=offset, base=f"/products?q={q}&category={category}")


PRODUCT_FIELDS = ("name", "unit", "category", "weight_kg", "volume_m3", "list_price", "unit_cost")


def _product_page(p: Page, sku: str, *, errors: FieldErrors | None = None, values=None, status: int = 200,
                  qty: int = 1):
    product = catalog.get_product(p.uow, p.actor, sku)
    atp = availability.availability(p.uow, p.clock, p.settings, p.actor, sku, qty=qty)
    shown = {k: str(product.get(k, "")) for k in PRODUCT_FIELDS}
    shown.update(active="on" if product["active"] else "", needs_installation="on" if product["needs_installation"]
                 else "")
    return p.html("master/product.html", product=product, atp=atp, errors=errors or FieldErrors(), status=status,
                  values=values if values is not None else shown, can_edit=p.allowed(P.WRITE_MASTER), qty=qty)


@router.get("/products/{sku}")
def product_page(p: CatalogReader, sku: str, qty: int = 1):
    return _product_page(p, sku, qty=max(1, min(qty, 1_000_000_000)))


@router.post("/products/{sku}")
def update_product(p: Editor, sku: str):
    errors = FieldErrors()
    changes = {k: text(p.form, k, errors, required=True, max_length=200) for k in ("name", "unit")}
    changes["category"] = text(p.form, "category", errors, max_length=100)
    for k, places in (("weight_kg", 3), ("volume_m3", 5), ("list_price", 2), ("unit_cost", 2)):
        changes[k] = amount(p.form, k, errors, required=True, places=places)
    changes["active"] = "active" in p.form
    changes["needs_installation"] = "needs_installation" in p.form
    if not errors:
        try:
            md.update_product(p.uow, p.actor, sku, changes)
            return p.redirect(f"/products/{sku}", flash="Product saved")
        except DomainError as exc:
            errors.take_unless_missing(exc)
    return _product_page(p, sku, errors=errors, values=p.form.values, status=422)


@router.get("/warehouses")
def warehouse_list(p: CatalogReader):
    return p.html("master/warehouses.html", warehouses=catalog.list_warehouses(p.uow, p.actor))


