"""Service reference data: business calendars, SLA policies, returns policies, dedicated account reps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission, Role
from ..domain.business_hours import BusinessCalendar, format_hours, parse_hours
from ..domain.errors import NotFound, ValidationFailed
from ..domain.returns import ReturnPolicy, check_policy as check_return_policy
from ..domain.sla import PRIORITIES, EscalationLevel, SlaPolicy, check_policy as check_sla_policy
from ..store.db import UnitOfWork
from ..store.prepared import Prepared
from ..store.service_tables import account_reps, business_calendars, calendar_holidays, return_policies, \
    sla_policies
from ..store.tables import customers, service_packages, users

# --- reading, for the other services ------------------------------------------------------------------------------


_CALENDAR = Prepared(select(business_calendars.c.code, business_calendars.c.timezone, business_calendars.c.hours)
                     .where(business_calendars.c.code == bindparam("code")))
_HOLIDAYS = Prepared(select(calendar_holidays.c.day).where(calendar_holidays.c.calendar_code == bindparam("code")))


def load_calendar(conn: Connection, code: str) -> BusinessCalendar:
    row = _CALENDAR.first(conn, {"code": code})
    if row is None:
        raise ValidationFailed("unknown_calendar", f"calendar: no business calendar '{code}'", field="calendar")
    days = [r.day for r in _HOLIDAYS.rows(conn, {"code": code})]
    return BusinessCalendar(row.code, row.timezone, parse_hours(row.hours), frozenset(days))


class CalendarCache(dict):
    """Calendars by code, read once per transaction (the escalation job reads many cases)."""

    def __init__(self, conn: Connection):
        super().__init__()
        self.conn = conn

    def __missing__(self, code: str) -> BusinessCalendar:
        self[code] = load_calendar(self.conn, code)
        return self[code]


def _policy(row) -> SlaPolicy:
    return SlaPolicy(row.code, row.service_package, row.priority, row.first_response_minutes, row.resolution_minutes,
                     row.calendar_code, tuple(EscalationLevel(**e) for e in row.escalation))


def load_sla_policies(conn: Connection) -> list[SlaPolicy]:
    return [_policy(r) for r in conn.execute(select(sla_policies).order_by(sla_policies.c.code))]


def load_return_policy(conn: Connection, code: str | None = None) -> ReturnPolicy:
    q = select(return_policies)
    q = q.where(return_policies.c.code == code) if code else q.where(return_policies.c.is_default.is_(True))
    row = conn.execute(q).first()
    if row is None:
        raise ValidationFailed("no_return_policy", "no returns policy is set up (ordercare service return-policy)",
                               field="policy")
    return ReturnPolicy(row.code, row.window_days, row.warranty_days, frozenset(row.allowed_reasons),
                        Decimal(row.restocking_fee_pct))


def account_rep_of(conn: Connection, customer_id: int) -> int | None:
    return conn.execute(select(account_reps.c.user_id).where(account_reps.c.customer_id == customer_id)).scalar()


# --- setting up (managers) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarData:
    code: str
    name: str
    timezone: str
    hours: dict[str, list[str]]
    holidays: list[tuple[date, str]]


def set_calendar(uow: UnitOfWork, actor: Actor, data: CalendarData) -> None:
    """Create or replace a business calendar (its holidays are replaced too)."""
    actor.require(Permission.MANAGE_SERVICE)
    cal = BusinessCalendar(data.code, data.timezone, parse_hours(data.hours), frozenset(d for d, _ in data.holidays))
    if len(cal.holidays) != len(data.holidays):
        raise ValidationFailed("duplicate_holiday", "holidays: a day is given twice", field="holidays")
    values = {"name": data.name, "timezone": data.timezone, "hours": format_hours(cal.hours)}

    def work(conn: Connection) -> None:
        if conn.execute(update(business_calendars).where(business_calendars.c.code == data.code)
                        .values(**values)).rowcount == 0:
            conn.execute(insert(business_calendars).values(code=data.code, **values))
        conn.execute(delete(calendar_holidays).where(calendar_holidays.c.calendar_code == data.code))
        if data.holidays:
            conn.execute(insert(calendar_holidays), [{"calendar_code": data.code, "day": d, "name": n}
                                                     for d, n in data.holidays])

    uow.run(work)


def set_sla_policy(uow: UnitOfWork, actor: Actor, policy: SlaPolicy) -> None:
    """Create or replace the policy for a (package, priority); open cases keep the targets they were opened with."""
    actor.require(Permission.MANAGE_SERVICE)
    if policy.priority not in PRIORITIES:
        raise ValidationFailed("unknown_priority", f"priority: one of {list(PRIORITIES)}", field="priority")
    check_sla_policy(policy)

    def work(conn: Connection) -> None:
        load_calendar(conn, policy.calendar)
        if policy.service_package is not None and conn.execute(select(service_packages.c.code).where(
                service_packages.c.code == policy.service_package)).first() is None:
            raise ValidationFailed("unknown_service_package", f"service_package: no package "
                                   f"'{policy.service_package}'", field="service_package")
        same_key = [p for p in load_sla_policies(conn) if p.service_package == policy.service_package
                    and p.priority == policy.priority and p.code != policy.code]
        for p in same_key:  # one policy per (package, priority): the new one replaces it
            conn.execute(delete(sla_policies).where(sla_policies.c.code == p.code))
        values = {"service_package": policy.service_package, "priority": policy.priority,
                  "first_response_minutes": policy.first_response_minutes,
                  "resolution_minutes": policy.resolution_minutes, "calendar_code": policy.calendar,
                  "escalation": [{"level": e.level, "role": e.role, "after_minutes": e.after_minutes}
                                 for e in policy.escalation]}
        if conn.execute(update(sla_policies).where(sla_policies.c.code == policy.code)
                        .values(**values)).rowcount == 0:
            conn.execute(insert(sla_policies).values(code=policy.code, **values))

    uow.run(work)


def set_return_policy(uow: UnitOfWork, actor: Actor, policy: ReturnPolicy, *, name: str,
                      is_default: bool = False) -> None:
    actor.require(Permission.MANAGE_SERVICE)
    check_return_policy(policy)
    values = {"name": name, "window_days": policy.window_days, "warranty_days": policy.warranty_days,
              "allowed_reasons": sorted(policy.allowed_reasons), "restocking_fee_pct": policy.restocking_fee_pct,
              "is_default": is_default}

    def work(conn: Connection) -> None:
        if is_default:
            conn.execute(update(return_policies).values(is_default=False))
        if conn.execute(update(return_policies).where(return_policies.c.code == policy.code)
                        .values(**values)).rowcount == 0:
            conn.execute(insert(return_policies).values(code=policy.code, **values))

    uow.run(work)


def assign_account_rep(uow: UnitOfWork, clock: Clock, actor: Actor, customer_code: str, username: str) -> None:
    """The customer's dedicated rep: its new cases are routed to this user."""
    actor.require(Permission.MANAGE_SERVICE)

    def work(conn: Connection) -> None:
        cid = conn.execute(select(customers.c.id).where(customers.c.code == customer_code)).scalar()
        if cid is None:
            raise NotFound("customer_not_found", f"customer '{customer_code}': no such customer", field="code")
        user = conn.execute(select(users.c.id, users.c.role, users.c.active)
                            .where(users.c.username == username)).first()
        if user is None or not user.active or user.role not in (Role.CS_AGENT, Role.MANAGER, Role.ADMIN):
            raise ValidationFailed("unknown_rep", f"username: '{username}' is not an active service user",
                                   field="username")
        conn.execute(delete(account_reps).where(account_reps.c.customer_id == cid))
        conn.execute(insert(account_reps).values(customer_id=cid, user_id=user.id, assigned_at=clock.now(),
                                                 assigned_by=actor.username))

    uow.run(work)


def service_setup(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Calendars, SLA policies and returns policies as they are set up."""
    actor.require(Permission.READ_SERVICE)
    with uow.read() as conn:
        holidays: dict[str, list] = {}
        for h in conn.execute(select(calendar_holidays).order_by(calendar_holidays.c.day)):
            holidays.setdefault(h.calendar_code, []).append({"day": h.day, "name": h.name})
        return {
            "calendars": [{"code": r.code, "name": r.name, "timezone": r.timezone, "hours": r.hours,
                           "holidays": holidays.get(r.code, [])}
                          for r in conn.execute(select(business_calendars).order_by(business_calendars.c.code))],
            "sla_policies": [{"code": p.code, "service_package": p.service_package, "priority": p.priority,
                              "first_response_minutes": p.first_response_minutes,
                              "resolution_minutes": p.resolution_minutes, "calendar": p.calendar,
                              "escalation": [e.__dict__ for e in p.escalation]} for p in load_sla_policies(conn)],
            "return_policies": [{"code": r.code, "name": r.name, "window_days": r.window_days,
                                 "warranty_days": r.warranty_days, "allowed_reasons": r.allowed_reasons,
                                 "restocking_fee_pct": r.restocking_fee_pct, "is_default": r.is_default}
                                for r in conn.execute(select(return_policies).order_by(return_policies.c.code))],
        }
