"""What the service gap report reads besides the KPI report: per segment or package, the stated needs (requested
dates) against the package, the first promises against the package and its delivery window, and what late
orders were told. Reads the measures' order facts (the package and lead time an order was placed under)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Connection, and_, case, exists, func, select

from .costing_queries import days_between
from .measure_tables import order_facts
from .outbox_tables import email_messages, outbox_messages
from .tables import order_events, order_lines

SLICES = ("segment", "package")


def _requested():
    """Each order's earliest requested date (a line's, or the order's the lines took over)."""
    return (select(order_lines.c.order_id, func.min(order_lines.c.requested_date).label("requested"))
            .where(order_lines.c.requested_date.is_not(None)).group_by(order_lines.c.order_id).subquery())


def needs_and_promises(conn: Connection, slice_: str, lo: date, hi: date) -> dict[str, dict[str, int]]:
    """Per slice value: orders, orders with a requested date, those asking for less than the package lead time,
    orders promised, and those whose first promise was beyond the package lead time."""
    f, req = order_facts, _requested()
    key = f.c[slice_]
    asked_days = days_between(conn, req.c.requested, f.c.order_day)
    promised_days = days_between(conn, f.c.first_promised_date, f.c.order_day)
    rows = conn.execute(
        select(key, func.count(), func.count(req.c.requested),
               func.coalesce(func.sum(case((asked_days < f.c.lead_time_days, 1), else_=0)), 0),
               func.count(f.c.first_promised_date),
               func.coalesce(func.sum(case((promised_days > f.c.lead_time_days, 1), else_=0)), 0))
        .select_from(f.outerjoin(req, req.c.order_id == f.c.order_id))
        .where(f.c.order_day >= lo, f.c.order_day <= hi, f.c.cancelled == 0).group_by(key))
    return {r[0]: {"orders": r[1], "with_request": r[2], "asked_faster": int(r[3]), "promised": r[4],
                   "promised_beyond": int(r[5])} for r in rows}


def window_cases(conn: Connection, slice_: str, lo: date, hi: date) -> list[tuple[str, str, date, date | None,
                                                                                 date | None, int]]:
    """(slice value, package, requested, first promise, delivered day, orders) for orders with a requested date:
    grouped by those dates, so the window rule (pure, per package) runs once per distinct case, not per order."""
    f, req = order_facts, _requested()
    rows = conn.execute(
        select(f.c[slice_], f.c.package, req.c.requested, f.c.first_promised_date, f.c.order_day, f.c.deliver_days,
               func.count())
        .join(req, req.c.order_id == f.c.order_id)
        .where(f.c.order_day >= lo, f.c.order_day <= hi, f.c.cancelled == 0)
        .group_by(f.c[slice_], f.c.package, req.c.requested, f.c.first_promised_date, f.c.order_day,
                  f.c.deliver_days))
    return [(r[0], r[1], r[2], r[3], None if r[5] is None else r[4] + timedelta(days=r[5]), r[6]) for r in rows]


def late_and_told(conn: Connection, slice_: str, lo: date, hi: date) -> dict[str, dict[str, int]]:
    """Per slice value: settled orders, those delivered after their first promise, and of those the ones told
    of a new date (a promise_changed event) and the ones sent the delay-notice e-mail."""
    f = order_facts
    told = exists().where(order_events.c.order_id == f.c.order_id, order_events.c.kind == "promise_changed")
    mailed = exists().where(outbox_messages.c.order_id == f.c.order_id,
                            email_messages.c.outbox_message_id == outbox_messages.c.id,
                            email_messages.c.touchpoint == "delay_notice", email_messages.c.state == "sent")
    late = f.c.on_time == 0
    rows = conn.execute(
        select(f.c[slice_], func.coalesce(func.sum(f.c.settled), 0),
               func.coalesce(func.sum(case((late, 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(late, told), 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(late, mailed), 1), else_=0)), 0))
        .where(f.c.order_day >= lo, f.c.order_day <= hi, f.c.cancelled == 0).group_by(f.c[slice_]))
    return {r[0]: {"settled": int(r[1]), "late": int(r[2]), "told": int(r[3]), "mailed": int(r[4])} for r in rows}


def package_mix(conn: Connection, slice_: str, lo: date, hi: date) -> dict[str, dict[str, int]]:
    """Orders per package within each slice value (a segment's customers may be on several packages)."""
    f = order_facts
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for key, pkg, n in conn.execute(select(f.c[slice_], f.c.package, func.count())
                                    .where(f.c.order_day >= lo, f.c.order_day <= hi, f.c.cancelled == 0)
                                    .group_by(f.c[slice_], f.c.package)):
        out[key][pkg] = n
    return out

