"""EDI trading partners: who sends us interchanges (ISA sender id → customer), and their cross-references
(buyer part numbers and UPCs → SKUs, location codes → ship-tos)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..integrations.x12.purchase_order import gtin
from ..store.db import UnitOfWork
from ..store.edi_tables import partner_items, partner_locations, trading_partners
from ..store.tables import customers, products, ship_tos

_ENVELOPE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._\-]{0,14}$")
_QUALIFIER = re.compile(r"^[A-Z0-9]{2}$")
VERSIONS = ("00401", "00402", "00403", "00501", "00502", "00503", "00504", "00505", "00601", "00801")


@dataclass
class PartnerData:
    code: str
    customer: str  # customer code
    isa_qualifier: str  # e.g. ZZ (mutually defined), 01 (DUNS), 12 (phone), 14 (DUNS+4)
    isa_id: str
    gs_id: str = ""  # the partner's application code; its ISA id when empty
    our_qualifier: str = "ZZ"
    our_id: str = "ORDERCARE"
    our_gs_id: str = ""  # ours; our ISA id when empty
    version: str = "00401"
    usage: str = "P"


def _check(values: dict[str, Any]) -> None:
    for name in ("isa_qualifier", "our_qualifier"):
        if name in values and not _QUALIFIER.match(values[name] or ""):
            raise ValidationFailed("invalid_qualifier", f"{name}: two letters or digits, e.g. ZZ or 01", field=name)
    for name in ("isa_id", "gs_id", "our_id", "our_gs_id"):
        if name in values and not _ENVELOPE_ID.match(values[name] or ""):
            raise ValidationFailed("invalid_envelope_id", f"{name}: 1 to 15 letters, digits, spaces, '.', '_' or '-'",
                                   field=name)
    if "version" in values and values["version"] not in VERSIONS:
        raise ValidationFailed("unsupported_version", f"version: one of {', '.join(VERSIONS)}", field="version")
    if "usage" in values and values["usage"] not in ("P", "T"):
        raise ValidationFailed("invalid_usage", "usage: P (production) or T (test)", field="usage")


def create_partner(uow: UnitOfWork, clock: Clock, actor: Actor, data: PartnerData) -> int:
    actor.require(Permission.MANAGE_PARTNERS)
    values = asdict(data)
    values["gs_id"] = values["gs_id"] or values["isa_id"]
    values["our_gs_id"] = values["our_gs_id"] or values["our_id"]
    _check(values)

    def work(conn: Connection) -> int:
        cid = conn.execute(select(customers.c.id).where(customers.c.code == data.customer)).scalar()
        if cid is None:
            raise ValidationFailed("unknown_customer", f"customer: no customer with code '{data.customer}'",
                                   field="customer")
        if conn.execute(select(trading_partners.c.id).where(trading_partners.c.code == data.code)).first():
            raise Conflict("duplicate_partner", f"code: trading partner '{data.code}' exists already", field="code")
        if conn.execute(select(trading_partners.c.code).where(
                trading_partners.c.isa_qualifier == data.isa_qualifier,
                trading_partners.c.isa_id == data.isa_id)).first():
            raise Conflict("duplicate_partner_id", f"isa_id: {data.isa_qualifier}/{data.isa_id} belongs to another "
                           "trading partner", field="isa_id")
        row = {k: v for k, v in values.items() if k != "customer"}
        return conn.execute(insert(trading_partners).values(**row, customer_id=cid, active=True, last_control=0,
                                                            created_at=clock.now())
                            .returning(trading_partners.c.id)).scalar_one()

    return uow.run(work)


UPDATABLE = {"gs_id", "our_qualifier", "our_id", "our_gs_id", "version", "usage", "active"}


def update_partner(uow: UnitOfWork, actor: Actor, code: str, changes: dict[str, Any]) -> None:
    actor.require(Permission.MANAGE_PARTNERS)
    unknown = set(changes) - UPDATABLE
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed("unknown_field", f"{name}: cannot be changed", field=name)
    _check(changes)

    def work(conn: Connection) -> None:
        if changes and conn.execute(update(trading_partners).where(trading_partners.c.code == code)
                                    .values(**changes)).rowcount != 1:
            raise _not_found(code)
        elif not changes:
            partner_row(conn, code)

    uow.run(work)


def _not_found(code: str) -> NotFound:
    return NotFound("partner_not_found", f"partner '{code}': no such trading partner", field="partner")


def partner_row(conn: Connection, code: str):
    row = conn.execute(select(trading_partners).where(trading_partners.c.code == code)).first()
    if row is None:
        raise _not_found(code)
    return row


@dataclass(frozen=True)
class ItemReference:
    kind: str  # BP (buyer part number) or UP (UPC / EAN / GTIN)
    value: str
    sku: str


def set_item_references(uow: UnitOfWork, actor: Actor, partner: str, refs: list[ItemReference]) -> int:
    """Add or re-point the partner's item numbers; all or none (the first bad one is named)."""
    actor.require(Permission.MANAGE_PARTNERS)

    def work(conn: Connection) -> int:
        pid = partner_row(conn, partner).id
        skus = {r.sku for r in refs}
        found = dict(conn.execute(select(products.c.sku, products.c.id).where(products.c.sku.in_(skus))).all())
        for i, ref in enumerate(refs):
            if ref.kind not in ("BP", "UP"):
                raise ValidationFailed("invalid_reference_kind", f"items[{i}].kind: BP or UP, got '{ref.kind}'",
                                       field=f"items[{i}].kind")
            if not ref.value.strip() or len(ref.value) > 80:
                raise ValidationFailed("invalid_reference", f"items[{i}].value: 1 to 80 characters",
                                       field=f"items[{i}].value")
            if ref.kind == "UP" and not (ref.value.isdigit() and 8 <= len(ref.value) <= 14):
                raise ValidationFailed("invalid_gtin", f"items[{i}].value: a UPC/EAN/GTIN is 8 to 14 digits",
                                       field=f"items[{i}].value")
            if ref.sku not in found:
                raise ValidationFailed("unknown_sku", f"items[{i}].sku: no product with SKU '{ref.sku}'",
                                       field=f"items[{i}].sku", sku=ref.sku)
        for ref in refs:
            value = gtin(ref.value) if ref.kind == "UP" else ref.value.strip()
            key = (partner_items.c.partner_id == pid, partner_items.c.kind == ref.kind, partner_items.c.value == value)
            if conn.execute(update(partner_items).where(*key).values(product_id=found[ref.sku])).rowcount == 0:
                conn.execute(insert(partner_items).values(partner_id=pid, kind=ref.kind, value=value,
                                                          product_id=found[ref.sku]))
        return len(refs)

    return uow.run(work)


def remove_item_reference(uow: UnitOfWork, actor: Actor, partner: str, kind: str, value: str) -> None:
    actor.require(Permission.MANAGE_PARTNERS)

    def work(conn: Connection) -> None:
        pid = partner_row(conn, partner).id
        key = gtin(value) if kind == "UP" else value
        if conn.execute(delete(partner_items).where(partner_items.c.partner_id == pid, partner_items.c.kind == kind,
                                                    partner_items.c.value == key)).rowcount != 1:
            raise NotFound("reference_not_found", f"value: partner '{partner}' has no {kind} '{value}'", field="value")

    uow.run(work)


def set_location(uow: UnitOfWork, actor: Actor, partner: str, code: str, ship_to: str) -> None:
    """The partner's location code (N1*ST N104) names this ship-to of its customer."""
    actor.require(Permission.MANAGE_PARTNERS)
    if not code.strip() or len(code) > 80:
        raise ValidationFailed("invalid_location_code", "code: 1 to 80 characters", field="code")

    def work(conn: Connection) -> None:
        p = partner_row(conn, partner)
        sid = conn.execute(select(ship_tos.c.id).where(ship_tos.c.customer_id == p.customer_id,
                                                       ship_tos.c.code == ship_to)).scalar()
        if sid is None:
            raise ValidationFailed("unknown_ship_to", f"ship_to: the partner's customer has no ship-to '{ship_to}'",
                                   field="ship_to")
        key = (partner_locations.c.partner_id == p.id, partner_locations.c.code == code)
        if conn.execute(update(partner_locations).where(*key).values(ship_to_id=sid)).rowcount == 0:
            conn.execute(insert(partner_locations).values(partner_id=p.id, code=code, ship_to_id=sid))

    uow.run(work)


def _partner_dict(conn: Connection, p) -> dict[str, Any]:
    customer = conn.execute(select(customers.c.code).where(customers.c.id == p.customer_id)).scalar_one()
    d = {k: v for k, v in p._mapping.items() if k != "customer_id"}
    return {**d, "customer": customer}


def list_partners(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.EXCHANGE_EDI)
    with uow.read() as conn:
        return [_partner_dict(conn, p) for p in conn.execute(select(trading_partners).order_by(trading_partners.c.code))]


def get_partner(uow: UnitOfWork, actor: Actor, code: str) -> dict[str, Any]:
    actor.require(Permission.EXCHANGE_EDI)
    with uow.read() as conn:
        p = partner_row(conn, code)
        items = conn.execute(select(partner_items.c.kind, partner_items.c.value, products.c.sku)
                             .join(products, products.c.id == partner_items.c.product_id)
                             .where(partner_items.c.partner_id == p.id)
                             .order_by(partner_items.c.kind, partner_items.c.value)).all()
        locations = conn.execute(select(partner_locations.c.code, ship_tos.c.code.label("ship_to"))
                                 .join(ship_tos, ship_tos.c.id == partner_locations.c.ship_to_id)
                                 .where(partner_locations.c.partner_id == p.id)
                                 .order_by(partner_locations.c.code)).all()
        return {**_partner_dict(conn, p), "items": [dict(r._mapping) for r in items],
                "locations": [dict(r._mapping) for r in locations]}
