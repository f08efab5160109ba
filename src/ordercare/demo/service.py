"""The demo's after-sales history, through the real services: complaints about the history's damaged
deliveries and short picks, returns with their dispositions, replacements, CSAT answers — some finished,
some still open in the queue (a few past their SLA), as a service desk looks on any morning."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..clock import FixedClock
from ..config import Settings
from ..domain.access import SYSTEM
from ..domain.errors import DomainError
from ..services import case_recovery, cases, csat, return_handling as rh, return_resolution, returns
from ..services.case_views import get_case
from ..services.return_views import get_return
from ..services.service_setup import assign_account_rep
from ..store.db import UnitOfWork
from ..store.fulfilment_tables import shipment_lines, shipments
from ..store.tables import customers, order_lines, orders

COMMENTS = {5: "Sorted out quickly, thank you", 4: "Good, took a day longer than hoped", 3: "OK",
            2: "Too many calls needed", 1: "Still waiting for a proper answer"}


def service_history(uow: UnitOfWork, settings: Settings, clock: FixedClock, rng: random.Random,
                    *, desk_user: str = "desk", max_cases: int = 14) -> int:
    """Cases and returns up to the clock's time (the history's last evening); returns the cases opened."""
    end = clock.now()
    with uow.read() as conn:
        key_accounts = conn.execute(select(customers.c.code).where(customers.c.service_package == "A")).scalars()
        key_accounts = list(key_accounts)[:6]
        damaged = conn.execute(_incidents(shipment_lines.c.qty_damaged > 0)).all()
        short = conn.execute(_incidents(shipment_lines.c.short_department.is_not(None))).all()
        fine = conn.execute(_incidents(shipment_lines.c.qty_damaged == 0).limit(40)).all()
    for code in key_accounts:
        assign_account_rep(uow, clock, SYSTEM, code, desk_user)
    opened = 0
    for n, row in enumerate(damaged[: max_cases * 2 // 3]):
        opened += _damaged_delivery(uow, settings, clock, rng, row, end, leave_open=n % 4 == 3,
                                    ask_customer=n % 4 == 1)
    for row in short[: max_cases - opened]:
        opened += _late_delivery(uow, clock, rng, row, end)
    for n, row in enumerate(rng.sample(fine, min(4, len(fine)))):
        _not_needed(uow, settings, clock, rng, row, end, inspect=n < 3)
    clock.set(end)
    return opened


def _incidents(condition):
    return (select(shipment_lines.c.order_id, shipment_lines.c.qty_damaged, shipment_lines.c.qty_delivered,
                   shipment_lines.c.short_department, order_lines.c.line_no, shipments.c.delivered_at,
                   shipments.c.shipped_at, customers.c.code)
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
            .join(orders, orders.c.id == shipment_lines.c.order_id)
            .join(customers, customers.c.id == orders.c.customer_id)
            .where(condition, shipments.c.status == "delivered", order_lines.c.qty_delivered > 0)
            .order_by(shipments.c.delivered_at, shipment_lines.c.id))


class _Late(Exception):
    """The next step would happen after the history's end: the case stays where it is."""


def _at(clock: FixedClock, when: datetime, end: datetime) -> None:
    if when > end:
        raise _Late
    clock.set(when)


def _damaged_delivery(uow, settings, clock, rng, row, end, *, leave_open: bool, ask_customer: bool) -> int:
    if row.delivered_at >= end:
        return 0
    clock.set(min(row.delivered_at + timedelta(hours=rng.randint(1, 6)), end))
    cid = cases.open_case(uow, clock, SYSTEM, cases.CaseRequest(
        row.code, f"{row.qty_damaged} unit(s) arrived damaged", "damaged_goods",
        channel=rng.choice(["phone", "email", "portal"]), priority=rng.choice(["normal", "normal", "high"]),
        description="Carton crushed on arrival, goods unusable", order_id=row.order_id))
    if leave_open:
        return 1
    try:
        _at(clock, clock.now() + timedelta(hours=rng.choice([1, 2, 4, 30])), end)
        cases.acknowledge(uow, clock, SYSTEM, cid, "We are sorry — a replacement is on its way once we have the "
                          "damaged goods back.")
        cases.investigate(uow, clock, SYSTEM, cid)
        if ask_customer:  # still waiting for the customer's photos: the SLA clocks stand still
            cases.wait_on_customer(uow, clock, SYSTEM, cid, "Please send photos of the damaged goods")
            return 1
        cause = rng.choice(["carrier_damage", "carrier_damage", "packing_damage"])
        cases.record_root_cause(uow, clock, SYSTEM, cid, root_cause=cause)
        case_recovery.add_recovery(uow, clock, settings, SYSTEM, cid, case_recovery.Recovery(
            "return_authorisation", return_lines=[returns.ReturnLineRequest(row.line_no, row.qty_damaged,
                                                                            "damaged")]))
        rid = int(get_case(uow, clock, SYSTEM, cid)["return"].split("-")[1])
        _at(clock, clock.now() + timedelta(days=1), end)
        line = get_return(uow, SYSTEM, rid)["lines"][0]
        rh.receive_return(uow, clock, SYSTEM, rid, [rh.ReceivedLine(line["id"], line["qty"])])
        rh.inspect_return(uow, clock, settings, SYSTEM, rid, [rh.DispositionLine(
            line["id"], rng.choice(["scrap", "scrap", "refurbish"]), line["qty"])])
        return_resolution.resolve_return(uow, clock, settings, SYSTEM, rid, "replacement")
        if rng.random() < 0.4:
            case_recovery.add_recovery(uow, clock, settings, SYSTEM, cid, case_recovery.Recovery(
                "goodwill", note="voucher on the next order", cost=Decimal(rng.choice(["15.00", "25.00", "50.00"]))))
        cases.resolve(uow, clock, SYSTEM, cid, "Damaged units taken back; replacement shipped at no charge")
        _follow_up_and_close(uow, clock, rng, cid, end)
    except (_Late, DomainError):
        pass  # the history ends (or the step cannot be done): the case waits in the queue
    return 1


def _late_delivery(uow, clock, rng, row, end) -> int:
    when = row.shipped_at + timedelta(hours=rng.randint(20, 40))
    if when >= end:
        return 0
    clock.set(when)
    cid = cases.open_case(uow, clock, SYSTEM, cases.CaseRequest(
        row.code, "Part of the order did not come", "short_shipment", channel=rng.choice(["phone", "email"]),
        order_id=row.order_id))
    try:
        _at(clock, when + timedelta(hours=rng.choice([2, 3, 12])), end)
        cases.acknowledge(uow, clock, SYSTEM, cid, "The missing units are back-ordered and promised again.")
        cases.record_root_cause(uow, clock, SYSTEM, cid, root_cause="replenishment_error",
                                department=row.short_department)
        cases.resolve(uow, clock, SYSTEM, cid, "Rest of the order promised again from other stock")
        _follow_up_and_close(uow, clock, rng, cid, end)
    except (_Late, DomainError):
        pass
    return 1


def _follow_up_and_close(uow, clock, rng, cid: int, end) -> None:
    _at(clock, clock.now() + timedelta(hours=rng.randint(2, 24)), end)
    survey = cases.follow_up(uow, clock, SYSTEM, cid)
    if rng.random() < 0.7:
        score = rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]
        csat.answer_survey(uow, clock, SYSTEM, survey, score=score, comment=COMMENTS[score])
    if rng.random() < 0.8:
        cases.close(uow, clock, SYSTEM, cid)


def _not_needed(uow, settings, clock, rng, row, end, *, inspect: bool) -> None:
    """A customer sends back one unit it did not need: restocked, credited less the restocking fee."""
    when = row.delivered_at + timedelta(days=1)
    if when >= end:
        return
    clock.set(when)
    try:
        rid = returns.request_return(uow, clock, SYSTEM, row.order_id,
                                     [returns.ReturnLineRequest(row.line_no, 1, "not_needed")], channel="portal")
        returns.authorise_return(uow, clock, SYSTEM, rid)
        _at(clock, when + timedelta(days=2), end)
        line = get_return(uow, SYSTEM, rid)["lines"][0]["id"]
        rh.receive_return(uow, clock, SYSTEM, rid, [rh.ReceivedLine(line, 1)])
        if not inspect:
            return  # waits at goods-in for inspection
        rh.inspect_return(uow, clock, settings, SYSTEM, rid, [rh.DispositionLine(line, "restock", 1)])
        return_resolution.resolve_return(uow, clock, settings, SYSTEM, rid, "credit_note")
    except (_Late, DomainError):
        pass
