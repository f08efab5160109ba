"""Customers, products, price lists, warehouses, users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...services import auth, catalog, master_data as md
from ..deps import CtxDep
from ..schemas import (
    ERROR_RESPONSES, Created, CustomerIn, CustomerPatch, PriceIn, ProductIn, ProductPatch, ShipToIn, UserIn,
    WarehouseIn,
)

router = APIRouter(responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/customers", tags=["customers"])
def list_customers(ctx: CtxDep, q: Annotated[str | None, Query(max_length=100)] = None, limit: Limit = 100,
                   offset: Offset = 0) -> dict[str, Any]:
    return catalog.list_customers(ctx.uow, ctx.actor, q=q, limit=limit, offset=offset)


@router.get("/customers/{code}", tags=["customers"])
def get_customer(ctx: CtxDep, code: str) -> dict[str, Any]:
    return catalog.get_customer(ctx.uow, ctx.actor, code)


@router.post("/customers", status_code=201, tags=["customers"])
def create_customer(ctx: CtxDep, body: CustomerIn) -> dict[str, Any]:
    data = body.model_dump()
    data["ship_tos"] = [md.ShipToData(**s) for s in data["ship_tos"]]
    md.create_customer(ctx.uow, ctx.clock, ctx.actor, md.CustomerData(**data))
    return catalog.get_customer(ctx.uow, ctx.actor, body.code)


@router.patch("/customers/{code}", tags=["customers"])
def update_customer(ctx: CtxDep, code: str, body: CustomerPatch) -> dict[str, Any]:
    md.update_customer(ctx.uow, ctx.actor, code, body.model_dump(exclude_unset=True))
    return catalog.get_customer(ctx.uow, ctx.actor, code)


@router.post("/customers/{code}/ship-tos", status_code=201, tags=["customers"])
def add_ship_to(ctx: CtxDep, code: str, body: ShipToIn) -> dict[str, Any]:
    md.add_ship_to(ctx.uow, ctx.actor, code, md.ShipToData(**body.model_dump()))
    return catalog.get_customer(ctx.uow, ctx.actor, code)


@router.get("/products", tags=["products"])
def list_products(ctx: CtxDep, q: Annotated[str | None, Query(max_length=100)] = None,
                  category: Annotated[str | None, Query(max_length=100)] = None, limit: Limit = 100,
                  offset: Offset = 0) -> dict[str, Any]:
    return catalog.list_products(ctx.uow, ctx.actor, q=q, category=category, limit=limit, offset=offset)


@router.get("/products/{sku}", tags=["products"])
def get_product(ctx: CtxDep, sku: str) -> dict[str, Any]:
    return catalog.get_product(ctx.uow, ctx.actor, sku)


@router.post("/products", status_code=201, tags=["products"])
def create_product(ctx: CtxDep, body: ProductIn) -> dict[str, Any]:
    md.create_product(ctx.uow, ctx.actor, md.ProductData(**body.model_dump()))
    return catalog.get_product(ctx.uow, ctx.actor, body.sku)


@router.patch("/products/{sku}", tags=["products"])
def update_product(ctx: CtxDep, sku: str, body: ProductPatch) -> dict[str, Any]:
    md.update_product(ctx.uow, ctx.actor, sku, body.model_dump(exclude_unset=True, exclude_none=True))
    return catalog.get_product(ctx.uow, ctx.actor, sku)


@router.get("/reference-data", tags=["products"])
def reference_data(ctx: CtxDep) -> dict[str, Any]:
    """Service packages, payment terms and price lists."""
    return catalog.reference_data(ctx.uow, ctx.actor)


@router.post("/price-lists/{code}/prices", status_code=201, tags=["products"])
def set_price(ctx: CtxDep, code: str, body: PriceIn) -> dict[str, Any]:
    md.set_price(ctx.uow, ctx.actor, code, body.sku, body.price, body.min_qty)
    return catalog.get_product(ctx.uow, ctx.actor, body.sku)


@router.get("/warehouses", tags=["warehouses"])
def list_warehouses(ctx: CtxDep) -> list[dict[str, Any]]:
    return catalog.list_warehouses(ctx.uow, ctx.actor)


@router.post("/warehouses", status_code=201, response_model=Created, tags=["warehouses"])
def create_warehouse(ctx: CtxDep, body: WarehouseIn):
    return {"id": md.create_warehouse(ctx.uow, ctx.actor, md.WarehouseData(**body.model_dump()))}


@router.post("/users", status_code=201, tags=["users"])
def create_user(ctx: CtxDep, body: UserIn) -> dict[str, Any]:
    """Creates a user and its first API token; the token is shown only in this response."""
    user_id, token = auth.add_user_with_token(ctx.uow, ctx.clock, ctx.actor, username=body.username, role=body.role,
                                              customer=body.customer)
    return {"id": user_id, "username": body.username, "role": body.role, "token": token}


@router.get("/me", tags=["users"])
def me(ctx: CtxDep) -> dict[str, Any]:
    a = ctx.actor
    return {"username": a.username, "role": a.role.value, "customer_id": a.customer_id}
