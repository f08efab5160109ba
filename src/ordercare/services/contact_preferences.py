"""Each customer's contact preferences: which moments of truth it is told about by e-mail, and where.

No row means "on, to the customer's e-mail address". A customer user manages its own account only.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..domain.access import Actor, Permission
from ..domain.errors import NotFound, ValidationFailed
from ..domain.outbox import CUSTOMER_TOUCHPOINTS, TOUCHPOINTS
from ..store.db import UnitOfWork
from ..store.outbox_tables import contact_preferences
from ..store.tables import customers

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_DESCRIPTIONS = {t.name: t.description for t in TOUCHPOINTS}
CP = contact_preferences


def check_address(address: str, field: str = "address") -> str:
    address = address.strip()
    if len(address) > 200 or not _ADDRESS.match(address):
        raise ValidationFailed("invalid_email", f"{field}: not an e-mail address", field=field)
    return address


def _customer(conn: Connection, actor: Actor, code: str):
    row = conn.execute(select(customers.c.id, customers.c.code, customers.c.email)
                       .where(customers.c.code == code)).first()
    if row is None or (actor.is_customer and row.id != actor.customer_id):
        raise NotFound("customer_not_found", f"customer '{code}': no such customer", field="code")
    return row


def _view(conn: Connection, customer) -> dict[str, Any]:
    prefs = {r.touchpoint: r for r in conn.execute(select(CP).where(CP.c.customer_id == customer.id))}
    items = []
    for name in CUSTOMER_TOUCHPOINTS:
        p = prefs.get(name)
        enabled = True if p is None else p.enabled
        address = p.address if p is not None else None
        items.append({"touchpoint": name, "description": _DESCRIPTIONS[name], "enabled": enabled,
                      "address": address, "sends_to": (address or customer.email) if enabled else None})
    return {"customer": customer.code, "email": customer.email, "touchpoints": items}


def get_preferences(uow: UnitOfWork, actor: Actor, customer_code: str) -> dict[str, Any]:
    actor.require(Permission.CONTACT_PREFERENCES)
    with uow.read() as conn:
        return _view(conn, _customer(conn, actor, customer_code))


def set_preference(uow: UnitOfWork, actor: Actor, customer_code: str, touchpoint: str, *,
                   enabled: bool | None = None, address: str | None = None) -> dict[str, Any]:
    """Switch a touchpoint on or off and/or send it to another address ("" goes back to the customer's)."""
    actor.require(Permission.CONTACT_PREFERENCES)
    if touchpoint not in CUSTOMER_TOUCHPOINTS:
        raise ValidationFailed("unknown_touchpoint", f"touchpoint: unknown touchpoint {touchpoint!r}",
                               field="touchpoint", known=list(CUSTOMER_TOUCHPOINTS))
    new_address = check_address(address) if address else None

    def work(conn: Connection) -> dict[str, Any]:
        c = _customer(conn, actor, customer_code)
        key = (CP.c.customer_id == c.id, CP.c.touchpoint == touchpoint)
        current = conn.execute(select(CP).where(*key)).first()
        values = {"enabled": current.enabled if current is not None else True,
                  "address": current.address if current is not None else None}
        if enabled is not None:
            values["enabled"] = enabled
        if address is not None:
            values["address"] = new_address
        if values == {"enabled": True, "address": None}:
            conn.execute(delete(CP).where(*key))  # back to the default
        elif current is None:
            conn.execute(insert(CP).values(customer_id=c.id, touchpoint=touchpoint, **values))
        else:
            conn.execute(update(CP).where(*key).values(**values))
        return _view(conn, c)

    return uow.run(work)
