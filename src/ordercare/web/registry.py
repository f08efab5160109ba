"""Extension points of the web application: navigation entries and order-page panels.

A section is a module in `web/pages/` that defines `router` (an APIRouter with `route_class=WebRoute`) and, if
it wants them, `NAV` (a list of NavEntry) and `ORDER_PANELS` (a list of OrderPanel). `web.mount_web` finds
every such module; nothing else has to be edited to add a section. See docs/web.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import Connection

from ..domain.access import GRANTS, Actor, Permission, Role


@dataclass(frozen=True)
class NavEntry:
    """A link in the top navigation, shown to every role that holds `permission` (and is in `roles`, if given)."""

    label: str
    href: str
    permission: Permission
    order: int = 50  # position, left to right
    description: str = ""  # shown on the home page
    roles: frozenset[Role] | None = None

    def visible_to(self, actor: Actor) -> bool:
        return self.permission in GRANTS[actor.role] and (self.roles is None or actor.role in self.roles)


@dataclass(frozen=True)
class OrderPanel:
    """A box on the order page (invoices, cases, returns, …).

    `load(conn, actor, order_id)` reads what the panel shows inside the order page's read transaction (the order
    is already checked to be visible to the actor); it returns None to hide the panel. `template` is rendered
    with `data` (what load returned), `order` and `page`.
    """

    key: str
    title: str
    template: str
    load: Callable[..., Any]
    permission: Permission = Permission.READ_ORDERS
    order: int = 50
    timed: bool = False  # load(conn, actor, order_id, clock): a panel that shows clocks (SLA countdowns)


def page_modules() -> list[ModuleType]:
    from . import pages
    return [importlib.import_module(f"{pages.__name__}.{m.name}")
            for m in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name)]


_NAV: list[NavEntry] = []
_PANELS: list[OrderPanel] = []


def collect(modules: list[ModuleType]) -> None:
    _NAV[:] = sorted((e for m in modules for e in getattr(m, "NAV", [])), key=lambda e: (e.order, e.label))
    _PANELS[:] = sorted((p for m in modules for p in getattr(m, "ORDER_PANELS", [])), key=lambda p: (p.order, p.key))


def nav_for(actor: Actor) -> list[NavEntry]:
    return [e for e in _NAV if e.visible_to(actor)]


def order_panels(conn: Connection, actor: Actor, order_id: int, clock=None) -> list[tuple[OrderPanel, Any]]:
    out = []
    for panel in _PANELS:
        if panel.permission in GRANTS[actor.role]:
            data = panel.load(conn, actor, order_id, clock) if panel.timed else panel.load(conn, actor, order_id)
            if data is not None:
                out.append((panel, data))
    return out
