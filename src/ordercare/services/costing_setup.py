"""The data behind cost-to-serve: activity rates (direct, or from a cost pool and its driver volume), minutes of
case work, the profitability thresholds, and each service package's delivery window. Every change is validated
whole before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..analytics.activity_rates import check_minutes, check_rate
from ..clock import Clock
from ..domain.access import Actor, Permission
from ..domain.delivery_windows import DeliveryWindow, check_window
from ..domain.errors import ValidationFailed
from ..store.costing_tables import activity_rates, case_minutes, costing_settings, package_delivery_windows
from ..store.db import UnitOfWork
from ..store.tables import service_packages

MAX_THRESHOLD = Decimal("999999999999.99")


@dataclass(frozen=True)
class RateIn:
    qualifier: str = ""
    rate: Any = None
    pool_cost: Any = None
    driver_volume: Any = None


def _rates(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(activity_rates).order_by(activity_rates.c.activity,
                                                                                   activity_rates.c.qualifier))]


def _minutes(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(case_minutes).order_by(case_minutes.c.kind,
                                                                                 case_minutes.c.code))]


def threshold_settings(conn: Connection) -> dict[str, Any]:
    row = conn.execute(select(costing_settings).where(costing_settings.c.id == 1)).first()
    return {"value_threshold": row.value_threshold if row else None,
            "cost_threshold": row.cost_threshold if row else None}


def windows(conn: Connection) -> dict[str, DeliveryWindow]:
    return {r.service_package: DeliveryWindow(r.service_package, r.basis, r.days_before, r.days_after)
            for r in conn.execute(select(package_delivery_windows))}


def costing_data(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Rates, case minutes, thresholds (None: the period's median) and the packages' delivery windows."""
    actor.require(Permission.READ_ANALYTICS)
    with uow.read() as conn:
        return {"rates": _rates(conn), "case_minutes": _minutes(conn), "settings": threshold_settings(conn),
                "delivery_windows": [{"package": w.package, "basis": w.basis, "days_before": w.days_before,
                                      "days_after": w.days_after, "means": w.describe()}
                                     for w in windows(conn).values()]}


def set_rates(uow: UnitOfWork, clock: Clock, actor: Actor, activity: str, rates: list[RateIn]) -> list[dict]:
    """Create or replace the rates of one activity, one per qualifier (channel; '' the default)."""
    actor.require(Permission.MANAGE_POLICY)
    if not rates:
        raise ValidationFailed("missing_field", "rates: at least one rate", field="rates")
    checked = [check_rate(activity, r.qualifier, rate=r.rate, pool_cost=r.pool_cost, driver_volume=r.driver_volume,
                          field=f"rates[{i}]") for i, r in enumerate(rates)]
    seen = [r.qualifier for r in checked]
    if len(set(seen)) != len(seen):
        raise ValidationFailed("duplicate_qualifier", "rates: each qualifier once", field="rates")

    def work(conn: Connection) -> list[dict]:
        for r in checked:
            conn.execute(delete(activity_rates).where(activity_rates.c.activity == r.activity,
                                                      activity_rates.c.qualifier == r.qualifier))
        conn.execute(insert(activity_rates), [
            {"activity": r.activity, "qualifier": r.qualifier, "rate": r.rate, "pool_cost": r.pool_cost,
             "driver_volume": r.driver_volume, "updated_at": clock.now(), "updated_by": actor.username}
            for r in checked])
        return [x for x in _rates(conn) if x["activity"] == activity]

    return uow.run(work)


def set_case_minutes(uow: UnitOfWork, actor: Actor, entries: list[tuple[str, str, Any]]) -> list[dict]:
    """Create or replace minutes per case category / per case event kind: (kind, code, minutes)."""
    actor.require(Permission.MANAGE_POLICY)
    if not entries:
        raise ValidationFailed("missing_field", "minutes: at least one entry", field="minutes")
    checked = [check_minutes(k, c, m, field=f"minutes[{i}]") for i, (k, c, m) in enumerate(entries)]

    def work(conn: Connection) -> list[dict]:
        for m in checked:
            conn.execute(delete(case_minutes).where(case_minutes.c.kind == m.kind, case_minutes.c.code == m.code))
        conn.execute(insert(case_minutes), [{"kind": m.kind, "code": m.code, "minutes": m.minutes} for m in checked])
        return _minutes(conn)

    return uow.run(work)


def _threshold(value, field: str) -> Decimal | None:
    if value is None:
        return None
    d = Decimal(value)
    if not d.is_finite() or abs(d) > MAX_THRESHOLD or d != d.quantize(Decimal("0.01")):
        raise ValidationFailed("invalid_amount", f"{field}: an amount with at most 2 decimals", field=field)
    return d


def set_thresholds(uow: UnitOfWork, actor: Actor, changes: dict[str, Any]) -> dict[str, Any]:
    """value_threshold / cost_threshold: an amount, or None for the period's median. Net sales value may be
    negative, so may its threshold; a cost threshold may not."""
    actor.require(Permission.MANAGE_POLICY)
    values = {}
    for field, value in changes.items():
        if field not in ("value_threshold", "cost_threshold"):
            raise ValidationFailed("unknown_field", f"{field}: not a costing setting", field=field)
        values[field] = _threshold(value, field)
    if values.get("cost_threshold") is not None and values["cost_threshold"] < 0:
        raise ValidationFailed("negative_threshold", "cost_threshold: must not be negative", field="cost_threshold")
    if values:
        uow.run(lambda conn: conn.execute(update(costing_settings).where(costing_settings.c.id == 1).values(**values)))
    with uow.read() as conn:
        return threshold_settings(conn)


def set_delivery_window(uow: UnitOfWork, actor: Actor, package: str, *, basis: str, days_before: int = 0,
                        days_after: int = 0) -> dict[str, Any]:
    actor.require(Permission.MANAGE_POLICY)
    w = check_window(package, basis, days_before, days_after)

    def work(conn: Connection) -> None:
        if conn.execute(select(service_packages.c.code).where(service_packages.c.code == package)).first() is None:
            raise ValidationFailed("unknown_package", f"package: no service package '{package}'", field="package")
        conn.execute(delete(package_delivery_windows).where(package_delivery_windows.c.service_package == package))
        conn.execute(insert(package_delivery_windows).values(service_package=package, basis=w.basis,
                                                             days_before=w.days_before, days_after=w.days_after))

    uow.run(work)
    return {"package": package, "basis": w.basis, "days_before": w.days_before, "days_after": w.days_after,
            "means": w.describe()}
