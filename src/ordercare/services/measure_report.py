"""The service report (DOMAIN §4, §7, §8): every KPI for a period of order days, sliced, with targets and trend.

Reads the daily summaries (a few rows per slice value and day, whatever the history's size); a customer's own
report (a customer user, or staff naming one customer) is summed from that customer's facts. Definitions and
edge cases: docs/kpis.md.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.errors import Forbidden, ValidationFailed
from ..metrics.counters import COUNTERS, LINE_DIMENSIONS
from ..metrics.kpis import kpi_block
from ..metrics.periods import ReportRequest, bucket_start, buckets, check_request, counters_by_bucket, \
    histograms_by_bucket
from ..metrics.service_kpis import cases_block, csat_block, dso, pareto, target_gap, turnover_block
from ..metrics.slices import add_up, ranked
from ..store import measure_queries as q, measure_sums as sums
from ..store.db import UnitOfWork
from ..store.tables import customers, service_packages

ZERO = dict.fromkeys(COUNTERS, 0)
TURNOVER_SLICES = ("total", "product", "warehouse")


def _customer_scope(conn: Connection, actor: Actor, code: str | None) -> tuple[int | None, str | None]:
    """A customer user gets its own account's report (naming another account is answered as for one that does
    not exist); staff may name one customer."""
    if actor.is_customer:
        own = conn.execute(select(customers.c.code).where(customers.c.id == actor.customer_id)).scalar_one()
        if code is not None and code != own:
            raise ValidationFailed("unknown_customer", f"customer: no customer with code '{code}'",
                                   field="customer", customer=code)
        return actor.customer_id, own
    if code is None:
        return None, None
    cid = conn.execute(select(customers.c.id).where(customers.c.code == code)).scalar()
    if cid is None:
        raise ValidationFailed("unknown_customer", f"customer: no customer with code '{code}'", field="customer",
                               customer=code)
    return cid, code


def kpi_report(uow: UnitOfWork, clock: Clock, actor: Actor, req: ReportRequest) -> dict[str, Any]:
    actor.require(Permission.READ_SERVICE_REPORT)
    check_request(req)
    with uow.read() as conn:
        return report_in(conn, actor, req, today=clock.today(), now=clock.now())


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A large slice's report is thousands of small dicts, none in a reference cycle: the cyclic garbage
    collector would walk all of them again and again while they are built (a third of the time). Collection
    resumes after, unless something else had it off. What was built is handed straight to the oldest generation
    (freeze, then unfreeze): the youngest generation's next collection would otherwise walk all of it once more
    (0.1 s for 5,000 blocks), though it dies by reference counting when the caller is done with it. Only when no
    one else has frozen objects (a pre-fork server may have): unfreezing would thaw theirs too."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count():
            gc.enable()
        else:
            gc.freeze()
            gc.enable()
            gc.unfreeze()


def report_in(conn: Connection, actor: Actor, req: ReportRequest, *, today: date, now: datetime) -> dict[str, Any]:
    """The report as of `today` / `now` (open orders past their promise, cases past their due time), read in the
    caller's transaction; the caller checked the permission and the request."""
    with _no_cycle_collection():
        return _report(conn, actor, req, today, now)


def _report(conn: Connection, actor: Actor, req: ReportRequest, today: date, now: datetime) -> dict[str, Any]:
    cid, code = _customer_scope(conn, actor, req.customer)
    at = _Scope(req, cid, staff=not actor.is_customer, today=today, now=now)
    total = _rows(conn, at, "total")[0][0]
    rows, others, values = ([], None, 0) if req.slice == "total" else _rows(conn, at, req.slice)
    return {"period": {"from": req.date_from, "to": req.date_to, "days": at.days, "cohort": "order day (UTC)"},
            "as_of": today, "slice": req.slice, "fill_rule": req.fill_rule, "customer": code, "total": total,
            "sort": req.order, "limit": req.limit, "slice_values": values, "rows": rows, "others": others,
            "targets": _targets(conn, req, cid), "trend": req.trend,
            "series": _series(conn, req, cid) if req.trend else None}


@dataclass(frozen=True)
class _Scope:
    req: ReportRequest
    customer_id: int | None
    staff: bool
    today: date
    now: datetime

    @property
    def days(self) -> int:
        return (self.req.date_to - self.req.date_from).days + 1


NO_MONEY = (Decimal("0.00"), Decimal("0.00"))
NO_STOCK = (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def _rows(conn: Connection, at: _Scope, dim: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int]:
    """One block per value of the slice (the total: one block, key ''), in the order asked; with a limit, the
    values past it added up into one block (others, else None). And how many values the slice has."""
    req, cid, lo, hi = at.req, at.customer_id, at.req.date_from, at.req.date_to
    counters, hist = sums.summed(conn, dim, lo, hi, customer_id=cid)
    if dim == "total":
        counters.setdefault("", dict(ZERO))
    past = q.open_past_promise(conn, dim, lo, hi, at.today, customer_id=cid)
    by_customer = dim in q.CUSTOMER_SLICES
    case_rows = q.case_sums(conn, dim, lo, hi, at.now, customer_id=cid) if by_customer else None
    csat_rows = q.csat_sums(conn, dim, lo, hi, customer_id=cid) if by_customer else None
    # The firm's own figures (receivables, stock) are not shown to a customer.
    money = q.receivable_sums(conn, dim, lo, hi, customer_id=cid) if at.staff and by_customer else None
    stock = q.inventory_sums(conn, dim, lo, hi) if at.staff and cid is None and dim in TURNOVER_SLICES else None
    keys = set(counters) | set(case_rows or {}) | set(csat_rows or {})
    names = q.labels(conn, dim, keys)

    def parts(key: str) -> tuple:
        """Everything one value's block is made of (None: not part of this slice's report)."""
        return (counters.get(key, ZERO), hist.get(key, {}), past.get(key, 0),
                None if case_rows is None else case_rows.get(key) or _no_cases(),
                None if csat_rows is None else csat_rows.get(key, {}),
                None if money is None else money.get(key, NO_MONEY), None if stock is None else stock.get(key, NO_STOCK))

    order_level = dim not in LINE_DIMENSIONS
    keys = ranked(keys, lambda k: counters.get(k, ZERO), names, req.order, order_level=order_level,
                  fill_rule=req.fill_rule)
    shown, rest = (keys[:req.limit], keys[req.limit:]) if req.limit and dim != "total" else (keys, [])
    no_answers = csat_block({})  # most slice values of a large slice have no survey answers: one block for all
    rows = [{"key": k, "label": names[k], **_block(at, order_level, *parts(k), no_answers)} for k in shown]
    others = None
    if rest:
        others = {"key": None, "label": f"others ({len(rest)})", "slice_values": len(rest),
                  **_block(at, order_level, *add_up([parts(k) for k in rest]), no_answers)}
    return rows, others, len(keys)


def _block(at: _Scope, order_level: bool, c, hist, past: int, cases, csat, money, stock,
           no_answers: dict[str, Any]) -> dict[str, Any]:
    block = kpi_block(c, hist, order_level=order_level, fill_rule=at.req.fill_rule)
    block["volume"]["open_past_promise"] = past
    block["cases"] = None if cases is None else cases_block(cases, c["orders"])
    block["csat"] = None if csat is None else (csat_block(csat) if csat else no_answers)
    block["dso"] = None
    if money is not None:
        open_end, sales = money
        block["dso"] = {"receivables_at_end": open_end, "credit_sales": sales, "days": at.days,
                        "dso": dso(open_end, sales, at.days)}
    block["inventory_turnover"] = None if stock is None else turnover_block(*stock, at.days)
    return block


def _no_cases() -> dict[str, Any]:
    return {"cases": 0, "fr_met": 0, "fr_known": 0, "fr_overdue": 0, "res_met": 0, "res_known": 0, "res_overdue": 0,
            "resolved": 0, "resolve_minutes": 0, "cost": Decimal("0.00")}


def _targets(conn: Connection, req: ReportRequest, cid: int | None) -> list[dict[str, Any]]:
    """Each service package's targets next to what its orders of the period got (the performance gap)."""
    packages = {r.code: r._mapping for r in conn.execute(select(service_packages).order_by(service_packages.c.code))}
    counters, hist = sums.summed(conn, "package", req.date_from, req.date_to, customer_id=cid)
    out = []
    for code, pkg in packages.items():
        if code not in counters and (cid is not None or req.customer is not None):
            continue
        block = kpi_block(counters.get(code, ZERO), hist.get(code, {}), order_level=True, fill_rule=req.fill_rule)
        out.append(target_gap(pkg, block))
    return out


def _series(conn: Connection, req: ReportRequest, cid: int | None) -> list[dict[str, Any]]:
    """The whole report's order/line KPIs per day, week or month: for trend charts."""
    counters, hist = sums.summed(conn, "total", req.date_from, req.date_to, by_day=True, customer_id=cid)
    per_bucket, per_hist = counters_by_bucket(counters, req.trend), histograms_by_bucket(hist, req.trend)
    out = []
    for start, end in buckets(req.date_from, req.date_to, req.trend):
        key = bucket_start(start, req.trend)
        out.append({"period": key, "from": start, "to": end,
                    **kpi_block(per_bucket.get(key, ZERO), per_hist.get(key, {}), order_level=True,
                                fill_rule=req.fill_rule)})
    return out


def pareto_report(uow: UnitOfWork, clock: Clock, actor: Actor, req: ReportRequest,
                  key: str | None = None) -> dict[str, Any]:
    """Failures of the period's orders by the department charged, most first (staff only: root causes are
    internal). With a slice and key: only that slice value's orders (order-level slices)."""
    actor.require(Permission.READ_SERVICE_REPORT)
    if actor.is_customer:
        raise Forbidden("forbidden", "role 'customer' may not read root causes", permission="read_root_causes")
    check_request(req)
    if req.slice in LINE_DIMENSIONS:
        raise ValidationFailed("slice_not_order_level", f"slice: the Pareto counts failed orders; '{req.slice}' "
                               "slices lines (use customer, segment, package, channel or customer_kind)",
                               field="slice")
    if key is not None and req.slice == "total":
        raise ValidationFailed("key_without_slice", "key: name a slice first", field="key")
    with uow.read() as conn:
        return pareto_in(conn, actor, req, key)


def pareto_in(conn: Connection, actor: Actor, req: ReportRequest, key: str | None = None) -> dict[str, Any]:
    cid, code = _customer_scope(conn, actor, req.customer)
    failed = sums.failures(conn, req.slice, req.date_from, req.date_to, customer_id=cid)
    by_dept: dict[str, dict[str, int]] = {}
    for k, depts in failed.items():
        if key is None or k == key:
            for d, kinds in depts.items():
                for kind, n in kinds.items():
                    by_dept.setdefault(d, {}).setdefault(kind, 0)
                    by_dept[d][kind] += n
    case_cost = q.case_departments(conn, req.date_from, req.date_to, dimension=req.slice, key=key,
                                   customer_id=cid) if req.slice in q.CUSTOMER_SLICES else {}
    rows = pareto(by_dept, case_cost)
    return {"period": {"from": req.date_from, "to": req.date_to}, "slice": req.slice, "key": key, "customer": code,
            "failures": sum(r["failures"] for r in rows), "departments": rows}
