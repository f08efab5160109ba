"""The service gaps of DOMAIN §8, per segment or service package and period, from data.

Each gap lies between two measures, A and B, both shares (0–1) or days, and is reported as B − A with the
counts behind them; with nothing to measure a side is None ("n/a") and so is the gap. Service performance comes
from the service-measurement report (services/measure_report.report_in), never recomputed here. How each is
measured: docs/cost-to-serve.md ("The service gaps").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.delivery_windows import DeliveryWindow
from ..domain.errors import ValidationFailed
from ..metrics.periods import ReportRequest
from ..store import gap_queries as gq
from ..store.db import UnitOfWork
from ..store.tables import service_packages
from .cost_to_serve import Period, period_of
from .costing_setup import windows
from .measure_report import report_in


def _share(n: int, of: int) -> float | None:
    return None if not of else n / of


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _gap(name: str, a: tuple[str, float | None], b: tuple[str, float | None], how: str, **detail) -> dict[str, Any]:
    return {"name": name, "a": {"measure": a[0], "value": a[1]}, "b": {"measure": b[0], "value": b[1]},
            "gap": _diff(a[1], b[1]), "how": how, "detail": detail}


def _weighted(mix: dict[str, int], per_package: dict[str, float]) -> float | None:
    n = sum(mix.values())
    return None if not n else sum(k * per_package[p] for p, k in mix.items() if p in per_package) / n


def _windows(cases, wins: dict[str, DeliveryWindow]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key, pkg, requested, promised, delivered, n in cases:
        c = out.setdefault(key, {"requested": 0, "promise_within": 0, "delivered": 0, "delivered_within": 0,
                                 "delivered_early": 0})
        w = wins.get(pkg)
        if w is None:
            continue
        c["requested"] += n
        c["promise_within"] += n if w.verdict(promised, requested) == "within" else 0
        if delivered is not None:
            verdict = w.verdict(delivered, requested)
            c["delivered"] += n
            c["delivered_within"] += n if verdict == "within" else 0
            c["delivered_early"] += n if verdict == "early" else 0
    return out


def _rate(block: dict[str, Any] | None) -> float | None:
    return None if block is None else block["rate"]


def _gaps(row: dict[str, Any], needs: dict, win: dict, told: dict, mix: dict, packages: dict) -> list[dict]:
    lead = _weighted(mix, {p: float(v["lead_time_days"]) for p, v in packages.items()})
    fill_target = _weighted(mix, {p: float(v["fill_rate_target"]) for p, v in packages.items()})
    delivery = next((t for t in row["csat"]["touchpoints"] if t["touchpoint"] == "delivery"), None) \
        if row.get("csat") else None
    csat_all = row["csat"]["all"]["csat"] if row.get("csat") else None
    on_time = _rate(row["on_time"]["order"]["vs_promised"]) if row["on_time"]["order"] else None
    fill = _rate(row["fill"]["order"])
    return [
        _gap("knowledge", ("orders whose stated need fits the package (requested date at or after the package "
                           "lead time)", 1.0 if needs["with_request"] else None),
             ("share that did", _share(needs["with_request"] - needs["asked_faster"], needs["with_request"])),
             "requested dates against the lead time of the package the order was placed under: customers asking "
             "for less show a need the package does not know", orders=needs["orders"],
             with_requested_date=needs["with_request"], asked_faster_than_package=needs["asked_faster"],
             package_lead_time_days=lead),
        _gap("standards", ("the package lead time, as a share of orders promised within it", 1.0
                           if needs["promised"] else None),
             ("orders first promised within the package lead time",
              _share(needs["promised"] - needs["promised_beyond"], needs["promised"])),
             "the first promise made against the package's lead time and delivery window", promised=needs["promised"],
             promised_beyond_lead_time=needs["promised_beyond"], requested=win["requested"],
             first_promise_within_delivery_window=win["promise_within"]),
        _gap("performance", ("order fill target of the package(s)", fill_target), ("order fill rate measured", fill),
             "the service-measurement report's order fill against the packages' targets (order-weighted), and the "
             "deliveries inside the package's delivery window", within_lead_time=_rate(row["cycle_time"][
                 "within_lead_time"]) if row["cycle_time"] else None,
             delivered_with_request=win["delivered"], delivered_within_window=win["delivered_within"],
             delivered_early=win["delivered_early"],
             share_within_window=_share(win["delivered_within"], win["delivered"])),
        _gap("communication", ("late orders", 1.0 if told["late"] else None),
             ("late orders the customer was told about (a new promised date)", _share(told["told"], told["late"])),
             "orders delivered after their first promise, and whether a promise change (the delay notice touchpoint) "
             "reached the customer before", settled=told["settled"], late=told["late"], told=told["told"],
             delay_notice_emails_sent=told["mailed"]),
        _gap("perception", ("on time against the promise, measured", on_time),
             ("positive CSAT at delivery", delivery["csat"] if delivery else None),
             "what customers felt about deliveries against what the records say happened (positive: felt better)",
             answers=delivery["answers"] if delivery else 0),
        _gap("satisfaction", ("service level the package set them to expect (order fill target)", fill_target),
             ("customers satisfied (positive CSAT, every touchpoint)", csat_all),
             "perceived service against the expectation the package created",
             answers=row["csat"]["all"]["answers"] if row.get("csat") else 0),
    ]


EMPTY_NEEDS = {"orders": 0, "with_request": 0, "asked_faster": 0, "promised": 0, "promised_beyond": 0}
EMPTY_WINDOW = {"requested": 0, "promise_within": 0, "delivered": 0, "delivered_within": 0, "delivered_early": 0}
EMPTY_TOLD = {"settled": 0, "late": 0, "told": 0, "mailed": 0}


def gaps_in(conn: Connection, actor: Actor, p: Period, slice_: str, *, today: date, now) -> dict[str, Any]:
    lo, hi = p.date_from, p.date_to
    kpis = report_in(conn, actor, ReportRequest(lo, hi, slice=slice_), today=today, now=now)
    needs = gq.needs_and_promises(conn, slice_, lo, hi)
    win = _windows(gq.window_cases(conn, slice_, lo, hi), windows(conn))
    told = gq.late_and_told(conn, slice_, lo, hi)
    mix = gq.package_mix(conn, slice_, lo, hi)
    packages = {r.code: r._mapping for r in conn.execute(select(service_packages))}
    rows = []
    for row in kpis["rows"]:
        key = row["key"]
        own_mix = mix.get(key) or ({key: 1} if slice_ == "package" and key in packages else {})
        rows.append({"key": key, "label": row["label"], "orders": row["volume"]["orders"],
                     "gaps": _gaps(row, needs.get(key, EMPTY_NEEDS), win.get(key, EMPTY_WINDOW),
                                   told.get(key, EMPTY_TOLD), own_mix, packages)})
    return {"period": {"from": lo, "to": hi, "days": p.days}, "slice": slice_, "as_of": today, "rows": rows,
            "standards": [{"package": c, "fill_rate_target": float(v["fill_rate_target"]),
                           "lead_time_days": v["lead_time_days"], "delivery_window": v["delivery_window"],
                           "payment_terms": v["payment_terms"], "service_channel": v["service_channel"]}
                          for c, v in sorted(packages.items())]}


def gap_report(uow: UnitOfWork, clock: Clock, actor: Actor, *, date_from: date | None = None,
               date_to: date | None = None, slice: str = "segment") -> dict[str, Any]:  # noqa: A002 - the API name
    """Per segment (or package): the six gaps of DOMAIN §8 with the two measures each lies between."""
    actor.require(Permission.READ_ANALYTICS)
    actor.require(Permission.READ_SERVICE_REPORT)
    if slice not in gq.SLICES:
        raise ValidationFailed("unknown_slice", f"slice: '{slice}' is not one of {', '.join(gq.SLICES)}",
                               field="slice", allowed=list(gq.SLICES))
    p = period_of(clock, date_from, date_to)
    with uow.read() as conn:
        return gaps_in(conn, actor, p, slice, today=clock.today(), now=clock.now())
