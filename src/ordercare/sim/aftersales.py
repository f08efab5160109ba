"""After the delivery: complaints worked through the case procedure, returns, satisfaction — all through the
real services, each step at its own simulated moment.

A failure the customer notices (damaged, a carton lost, the wrong item, a short shipment after a short pick,
a late delivery) may become a case a few hours later. The desk answers after some business hours (slower when
the story swamps it: SLAs breach and the escalation job escalates), investigates, records the true root cause
and its department, recovers (a return and a replacement, a reship, a credit note, goodwill), resolves,
follows up (a survey the customer may answer) and closes. Some customers also send back units they did not
need, and a few rate the delivery itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..domain.sla import DEFAULT_POLICIES, choose_policy
from ..services import case_recovery, cases, csat, return_handling as rh, return_resolution, returns
from ..services.case_views import get_case
from ..services.return_views import get_return
from .story import COMPLAINTS, SCORE_COMMENTS, complains, csat_score, desk_hours, desk_time, priority_for
from .story import Arrival
from .world import REFUSED, World


@dataclass
class Trip:
    shipment_id: int
    customer: str
    due: date | None
    lines: list  # shipment line rows: line_id, order_id, qty_shipped, short_department, line_no, qty
    arrival: Arrival


@dataclass
class CaseRun:
    case_id: int
    customer: str
    failure: str
    trip: Trip
    dedicated: bool
    breached: bool = False


def _failure(trip: Trip, delivered: date) -> tuple[str, object] | None:
    """The failure the customer notices first, and the line it concerns."""
    a = trip.arrival
    for kind, found in (("damaged", a.damaged), ("wrong", a.wrong), ("lost", a.lost)):
        if found:
            i = min(found)
            return kind, trip.lines[i]
    short = [ln for ln in trip.lines if ln.short_department]
    if short:
        return "short", short[0]
    if trip.due is not None and delivered > trip.due:
        return "late", trip.lines[0]
    return None


def after_delivery(world: World, trip: Trip) -> None:
    now, rng = world.clock.now(), world.rng("complaints")
    found = _failure(trip, now.date())
    seg = world.segment(trip.customer)
    if found is None and rng.random() < world.scenario.question_rate * len(trip.lines):
        found = ("question", trip.lines[0])
    if found is not None and complains(rng, seg, found[0], world.pressure()):
        world.at(now + timedelta(hours=rng.uniform(1, 6)), lambda: _open(world, trip, *found), "case opened")
    feedback = world.rng("feedback")
    if feedback.random() < 0.04:
        score = max(1, min(5, round(feedback.gauss(4.5 if found is None else 2.8, 0.7))))
        world.attempt("feedback", lambda: csat.give_feedback(
            world.uow, world.clock, world.customer_actor(trip.customer), customer=trip.customer,
            touchpoint="delivery", score=score, order_id=trip.lines[0].order_id))
    back = world.rng("returns")
    for ln in trip.lines:
        if ln.qty_shipped > 0 and back.random() < world.scenario.returns_rate:
            world.at(now + timedelta(days=back.uniform(2, 20)), lambda ln=ln: _send_back(world, trip, ln), "return")


def _open(world: World, trip: Trip, failure: str, line) -> None:
    rng = world.rng("cases")
    seg = world.segment(trip.customer)
    category, subject = COMPLAINTS[failure]
    by_portal = seg.code == "C" or rng.random() < 0.2
    actor = world.customer_actor(trip.customer) if by_portal else world.desk(rng.randrange(3))
    case_id = world.attempt("open case", lambda: cases.open_case(world.uow, world.clock, actor, cases.CaseRequest(
        trip.customer, subject, category, channel="portal" if by_portal else rng.choice(["phone", "email"]),
        priority=priority_for(rng, seg, failure), order_id=line.order_id, shipment_id=trip.shipment_id,
        description=f"{subject} (shipment SH-{trip.shipment_id:07d}, line {line.line_no})")))
    if case_id is REFUSED:
        return
    world.tally[f"cases.{category}"] += 1
    run = CaseRun(case_id, trip.customer, failure, trip, dedicated=seg.code == "A")
    hours = desk_hours(rng, world.pressure(), run.dedicated)
    policy = choose_policy(DEFAULT_POLICIES, seg.code if seg.code in "ABC" else "B", "normal")
    run.breached = policy is not None and hours * 60 > policy.first_response_minutes
    world.at(desk_time(world.clock.now(), hours), lambda: _acknowledge(world, run, line), "case")


def _acknowledge(world: World, run: CaseRun, line) -> None:
    desk, rng = world.desk(run.case_id), world.rng("cases")
    if world.attempt("acknowledge", lambda: cases.acknowledge(
            world.uow, world.clock, desk, run.case_id, "We are sorry — we are looking into it.")) is REFUSED:
        return
    if run.failure == "question":
        world.attempt("root cause", lambda: cases.record_root_cause(
            world.uow, world.clock, desk, run.case_id, root_cause="product_information", department="sales"))
        world.at(world.clock.now() + timedelta(minutes=20), lambda: _resolve(world, run, "Answered on the call"), "case")
        return
    world.attempt("investigate", lambda: cases.investigate(world.uow, world.clock, desk, run.case_id))
    if run.failure == "damaged" and rng.random() < 0.2:  # photos first: the SLA clocks stand still meanwhile
        world.attempt("wait", lambda: cases.wait_on_customer(world.uow, world.clock, desk, run.case_id,
                                                             "Please send photos of the damaged goods"))
        world.at(world.clock.now() + timedelta(days=rng.uniform(0.5, 3)), lambda: _photos(world, run, line), "case")
        return
    world.at(desk_time(world.clock.now(), rng.uniform(0.5, 6)), lambda: _investigate(world, run, line), "case")


def _photos(world: World, run: CaseRun, line) -> None:
    world.attempt("customer note", lambda: cases.add_note(world.uow, world.clock, world.customer_actor(run.customer),
                                                           run.case_id, "Photos attached"))
    world.at(desk_time(world.clock.now(), 1.0), lambda: _investigate(world, run, line), "case")


ROOT_CAUSE = {"damaged": "carrier_damage", "lost": "carrier_damage", "wrong": "picking_error",
              "question": "product_information"}


def _cause(run: CaseRun, line, rng) -> tuple[str, str | None]:
    if run.failure == "damaged" and rng.random() < 0.25:
        return "packing_damage", None
    if run.failure in ROOT_CAUSE:
        return ROOT_CAUSE[run.failure], None
    shorted = next((ln.short_department for ln in run.trip.lines if ln.short_department), None)
    if shorted == "replenishment":
        return "replenishment_error", "replenishment"
    if shorted:
        return "stock_record_error", shorted
    return ("carrier_delay", None) if run.trip.arrival.days_late else ("stock_record_error", "inventory_control")


def _investigate(world: World, run: CaseRun, line) -> None:
    desk, rng = world.desk(run.case_id), world.rng("cases")
    cause, department = _cause(run, line, rng)
    if world.attempt("root cause", lambda: cases.record_root_cause(
            world.uow, world.clock, desk, run.case_id, root_cause=cause, department=department)) is REFUSED:
        return
    if run.failure == "damaged":
        units = max(1, run.trip.arrival.damaged.get(run.trip.lines.index(line), 1))
        action = case_recovery.Recovery("return_authorisation", return_lines=[returns.ReturnLineRequest(
            line.line_no, units, "damaged")])
        if world.attempt("recovery", lambda: case_recovery.add_recovery(
                world.uow, world.clock, world.settings, desk, run.case_id, action)) is not REFUSED:
            rid = int(get_case(world.uow, world.clock, desk, run.case_id)["return"].split("-")[1])
            world.at(world.clock.now() + timedelta(days=rng.uniform(2, 4)),
                     lambda: _goods_back(world, run, rid, replace=True), "return")
            return
    elif run.failure in ("lost", "wrong"):  # the right unit goes out again at no charge
        sku = _sku_of(world, line)
        world.attempt("recovery", lambda: case_recovery.add_recovery(
            world.uow, world.clock, world.settings, desk, run.case_id, case_recovery.Recovery(
                "reship", note="missing carton sent again" if run.failure == "lost" else "the right item sent",
                lines=[(sku, 1)])))
    elif run.failure in ("short", "late") and (run.dedicated or rng.random() < 0.3):
        world.attempt("recovery", lambda: case_recovery.add_recovery(
            world.uow, world.clock, world.settings, desk, run.case_id, case_recovery.Recovery(
                "goodwill", note="voucher on the next order", cost=Decimal(rng.choice(["15.00", "25.00", "50.00"])))))
    world.at(desk_time(world.clock.now(), rng.uniform(1, 12)), lambda: _resolve(world, run, _wording(run.failure)), "case")


def _sku_of(world: World, line) -> str:
    from ..services.order_views import get_order
    order = get_order(world.uow, world.manager, line.order_id)
    return next(ln["sku"] for ln in order["lines"] if ln["line_no"] == line.line_no)


def _wording(failure: str) -> str:
    return {"short": "The missing units are back-ordered and promised again",
            "late": "Delivered; the delay is explained and a gesture offered",
            "lost": "The missing carton was sent again at no charge",
            "damaged": "Damaged units taken back; replacement shipped at no charge",
            "wrong": "The right item shipped at no charge"}.get(failure, "Resolved")


def _goods_back(world: World, run: CaseRun, return_id: int, *, replace: bool) -> None:
    rng = world.rng("returns-in")
    ret = get_return(world.uow, world.warehouse, return_id)
    lines = [rh.ReceivedLine(ln["id"], ln["qty"]) for ln in ret["lines"]]
    if world.attempt("receive return", lambda: rh.receive_return(
            world.uow, world.clock, world.warehouse, return_id, lines)) is REFUSED:
        return
    disposition = "scrap" if run.failure == "damaged" and rng.random() < 0.7 else \
        "refurbish" if run.failure == "damaged" else "restock"
    world.attempt("inspect return", lambda: rh.inspect_return(
        world.uow, world.clock, world.settings, world.warehouse, return_id,
        [rh.DispositionLine(ln.line_id, disposition, ln.qty) for ln in lines]))
    world.attempt("resolve return", lambda: return_resolution.resolve_return(
        world.uow, world.clock, world.settings, world.desk(run.case_id), return_id,
        "replacement" if replace else "credit_note"))
    world.at(desk_time(world.clock.now(), rng.uniform(0.5, 4)), lambda: _resolve(world, run, _wording(run.failure)), "case")


def _resolve(world: World, run: CaseRun, wording: str) -> None:
    rng = world.rng("cases")
    if world.attempt("resolve", lambda: cases.resolve(world.uow, world.clock, world.desk(run.case_id),
                                                      run.case_id, wording)) is REFUSED:
        return
    world.at(world.clock.now() + timedelta(hours=rng.uniform(2, 30)), lambda: _follow_up(world, run), "case")


def _follow_up(world: World, run: CaseRun) -> None:
    rng = world.rng("cases")
    survey = world.attempt("follow up", lambda: cases.follow_up(world.uow, world.clock, world.desk(run.case_id),
                                                                run.case_id))
    if survey is REFUSED:
        return
    if rng.random() < 0.7:
        score = csat_score(rng, breached=run.breached, failure=run.failure, pressure=world.pressure())
        world.at(world.clock.now() + timedelta(hours=rng.uniform(1, 72)), lambda: world.attempt(
            "survey", lambda: csat.answer_survey(world.uow, world.clock, world.customer_actor(run.customer), survey,
                                                 score=score, comment=SCORE_COMMENTS[score])), "case")
    if rng.random() < 0.85:
        world.at(world.clock.now() + timedelta(days=rng.uniform(1, 5)), lambda: world.attempt(
            "close", lambda: cases.close(world.uow, world.clock, world.desk(run.case_id), run.case_id)), "case")


def _send_back(world: World, trip: Trip, line) -> None:
    """A customer returns units it did not need: restocked and credited, less the restocking fee."""
    rng = world.rng("returns")
    buyer = world.customer_actor(trip.customer)
    rid = world.attempt("request return", lambda: returns.request_return(
        world.uow, world.clock, buyer, line.order_id,
        [returns.ReturnLineRequest(line.line_no, max(1, line.qty_shipped // 4), "not_needed")], channel="portal"))
    if rid is REFUSED:
        return
    world.tally["returns"] += 1
    desk = world.desk(rid)
    if world.attempt("authorise return", lambda: returns.authorise_return(world.uow, world.clock, desk, rid)) \
            is REFUSED:
        return
    run = CaseRun(0, trip.customer, "not_needed", trip, False)
    world.at(world.clock.now() + timedelta(days=rng.uniform(2, 6)), lambda: _goods_back_plain(world, run, rid), "return")


def _goods_back_plain(world: World, run: CaseRun, return_id: int) -> None:
    ret = get_return(world.uow, world.warehouse, return_id)
    lines = [rh.ReceivedLine(ln["id"], ln["qty"]) for ln in ret["lines"]]
    if world.attempt("receive return", lambda: rh.receive_return(
            world.uow, world.clock, world.warehouse, return_id, lines)) is REFUSED:
        return
    world.attempt("inspect return", lambda: rh.inspect_return(
        world.uow, world.clock, world.settings, world.warehouse, return_id,
        [rh.DispositionLine(ln.line_id, "restock", ln.qty) for ln in lines]))
    world.attempt("resolve return", lambda: return_resolution.resolve_return(
        world.uow, world.clock, world.settings, world.desk(return_id), return_id, "credit_note"))


def escalate(world: World) -> None:
    from ..services.sla_escalation import run_sla_escalations
    done = world.attempt("escalation", lambda: run_sla_escalations(world.uow, world.clock, world.manager))
    if done is not REFUSED:
        world.tally["escalations"] += len(done["escalated"])

