"""Plan a warehouse's dispatch: rate-shop every picked shipment not rated yet, then build loads and routes.

A long operation (one rating per shipment, then the load and route solvers), so it reports progress; the web
runs it as a background job.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..store.db import UnitOfWork
from . import shipment_views, transport
from .jobs import Progress


RATE_BATCH = 50


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
    numbers = {s["id"]: s["number"] for s in unrated}
    for i in range(0, len(unrated), RATE_BATCH):  # one transaction per batch: the rate tables are read once
        batch = unrated[i:i + RATE_BATCH]
        progress(i, total, f"rate-shopping {batch[0]['number']}… ({i + 1}-{i + len(batch)} of {len(unrated)})")
        out = transport.rate_shipments(uow, actor, [s["id"] for s in batch])
        # no service fits, or shipped meanwhile: the others still get rated
        not_rated += [{"shipment": numbers[r["shipment_id"]], "code": r["code"], "message": r["message"]}
                      for r in out["not_rated"]]
    progress(len(unrated), total, "building loads and routes")
    load_ids = transport.plan_loads(uow, clock, actor, warehouse, on)
    progress(total, total, "done")
    return {"warehouse": warehouse, "rated": len(unrated) - len(not_rated), "not_rated": not_rated,
            "loads": load_ids}
