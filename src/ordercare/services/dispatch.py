"""Plan a warehouse's dispatch: rate-shop every picked shipment not rated yet, then build loads and routes.

A long operation (one rating per shipment, then the load and route solvers), so it reports progress; the web
runs it as a background job.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict
from ..store.db import UnitOfWork
from . import shipment_views, transport
from .jobs import Progress


def _noop(_done: int, _total: int, _step: str) -> None:
    pass


def plan_dispatch(uow: UnitOfWork, clock: Clock, actor: Actor, warehouse: str, on: date | None = None,
                  progress: Progress = _noop) -> dict[str, Any]:
    actor.require(Permission.FULFIL)
    picked, offset = [], 0
    while True:
        page = shipment_views.list_shipments(uow, actor, warehouse=warehouse, status="picked", limit=500,
                                             offset=offset)
        picked += page["items"]
        offset += 500
        if offset >= page["total"]:
            break
    unrated = [s for s in picked if s["freight_cost"] is None]
    total = len(unrated) + 1
    not_rated = []
    for i, s in enumerate(unrated):
        progress(i, total, f"rate-shopping {s['number']} ({i + 1} of {len(unrated)})")
        try:
            transport.rate_shipment(uow, actor, s["id"])
        except Conflict as exc:  # no service fits, or shipped meanwhile: the others still get rated
            not_rated.append({"shipment": s["number"], "code": exc.code, "message": exc.message})
    progress(len(unrated), total, "building loads and routes")
    load_ids = transport.plan_loads(uow, clock, actor, warehouse, on)
    progress(total, total, "done")
    return {"warehouse": warehouse, "rated": len(unrated) - len(not_rated), "not_rated": not_rated,
            "loads": load_ids}
