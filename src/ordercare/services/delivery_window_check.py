"""The service package's delivery window, checked where the firm commits to a date: when an order is placed.

A line with a requested date whose promise falls outside its package's window (domain/delivery_windows.py) —
or that could not be promised at all — puts one `outside_delivery_window` event on the order's timeline, naming
the lines, the window and the dates, so the desk sees at once that the package's standard is not met and can
act (another warehouse, an expedite, a call to the customer). The service gap report counts these promises.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..domain.delivery_windows import DeliveryWindow
from ..store.costing_tables import package_delivery_windows
from ..store.events import event_row
from ..store.prepared import Prepared

Line = tuple[int, date | None, date | None]  # (line number, requested date, promised delivery date)


_WINDOW = Prepared(select(package_delivery_windows)  # compiled once: it runs on every order with a requested date
                   .where(package_delivery_windows.c.service_package == bindparam("package")))


def window_of(conn: Connection, package: str) -> DeliveryWindow | None:
    r = _WINDOW.first(conn, {"package": package})
    return None if r is None else DeliveryWindow(r.service_package, r.basis, r.days_before, r.days_after)


def window_event(conn: Connection, order_id: int, package: str, lines: list[Line], *, at: datetime,
                 actor: str) -> dict[str, Any] | None:
    """The event row for the lines promised outside the window, or None (no requested date, no window, all in)."""
    if not any(requested for _, requested, _ in lines):
        return None  # "as soon as possible": no window, and no query on the hot path
    w = window_of(conn, package)
    if w is None:
        return None
    misses = []
    for line_no, requested, promised in lines:
        verdict = w.verdict(promised, requested)
        if verdict not in (None, "within"):
            lo, hi = w.bounds(requested)
            misses.append({"line_no": line_no, "requested": requested.isoformat(), "window_from": lo.isoformat(),
                           "window_to": hi.isoformat(), "promised": promised.isoformat() if promised else None,
                           "verdict": verdict})
    if not misses:
        return None
    return event_row(order_id, "outside_delivery_window", at=at, actor=actor,
                     reason=f"package {package} delivers {w.describe()}: {len(misses)} line(s) promised outside it",
                     payload={"package": package, "lines": misses})
