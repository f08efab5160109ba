"""Delivered with a damaged line → case → acknowledged within SLA → root cause → return → scrap →
replacement shipped → CSAT 5 → closed. Through the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.errors import Conflict, InvalidTransition, ValidationFailed
from ordercare.services import case_recovery, case_views, cases, csat, return_handling, return_resolution, \
    return_views, returns, shipment_views
from ordercare.services.order_views import get_order
from ordercare.store.billing_tables import credit_notes, invoice_lines
from ordercare.store.service_tables import no_charge_orders
from ordercare.store.tables import stock_moves
from tests.factories import carriers, world
from tests.services.service_helpers import AGENT, WAREHOUSE, buckets, customer_actor, delivered_with_damage, \
    ship_order, snapshot, stock_of


@pytest.fixture
def damaged(env):
    world(env, stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 5})
    carriers(env)
    order_id, shipment_id = delivered_with_damage(env)
    return env, order_id, shipment_id


def kinds(timeline) -> list[str]:
    return [e["kind"] for e in timeline]


def test_damaged_delivery_to_closed_case(damaged):
    env, order_id, first_shipment = damaged
    customer = customer_actor(env)
    assert stock_of(env, "NEAR", "SKU-A") == (6, 0)

    # The customer logs the complaint through the portal.
    case_id = cases.open_case(env.uow, env.clock, customer, cases.CaseRequest(
        customer="CUST1", subject="One pump arrived crushed", category="damaged_goods", channel="phone",
        description="Outer carton crushed, pump housing cracked", contact_name="J. Peeters",
        contact_email="j.peeters@example.com", order_id=order_id))
    view = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert (view["status"], view["channel"], view["queue"], view["sla_policy"]) == \
        ("logged", "portal", "general", "B-normal")
    assert view["sla"]["first_response"]["state"] == "running"

    # Acknowledged an hour later: inside the 8 business-hour response target.
    env.clock.advance(hours=1)
    cases.acknowledge(env.uow, env.clock, AGENT, case_id, "Sorry about this — we are on it.")
    cases.investigate(env.uow, env.clock, AGENT, case_id)
    cases.record_root_cause(env.uow, env.clock, AGENT, case_id, root_cause="carrier_damage",
                            department="transport", note="forklift damage at the carrier's hub")

    # Return authorised from the case; the warehouse receives the unit and scraps it.
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id, case_recovery.Recovery(
        "return_authorisation", return_lines=[returns.ReturnLineRequest(1, 1, "damaged")]))
    view = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    rma = view["return"]
    return_id = int(rma.split("-")[1])
    ret = return_views.get_return(env.uow, AGENT, return_id)
    assert (ret["status"], ret["warehouse"], ret["restocking_fee"]) == ("authorised", "NEAR", 0)
    line_id = ret["lines"][0]["id"]
    return_handling.receive_return(env.uow, env.clock, WAREHOUSE, return_id,
                                   [return_handling.ReceivedLine(line_id, 1)])
    assert buckets(env, "NEAR", "SKU-A") == {"inspection": 1}
    return_handling.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id,
                                   [return_handling.DispositionLine(line_id, "scrap", 1, "housing cracked")])
    assert buckets(env, "NEAR", "SKU-A") == {"scrap": 1}
    assert stock_of(env, "NEAR", "SKU-A") == (6, 0)  # a scrapped unit does not raise sellable stock

    # Replacement: a new order through the normal flow, shipped; not invoiced.
    result = return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "replacement")
    replacement = result["replacement_order_id"]
    assert stock_of(env, "NEAR", "SKU-A") == (6, 1)
    ship_order(env, "NEAR")
    assert get_order(env.uow, AGENT, replacement)["status"] == "shipped"
    assert stock_of(env, "NEAR", "SKU-A") == (5, 0)
    with env.uow.read() as c:
        assert c.execute(select(no_charge_orders.c.original_order_id)
                         .where(no_charge_orders.c.order_id == replacement)).scalar_one() == order_id
        assert return_resolution.is_no_charge(c, replacement) and not return_resolution.is_no_charge(c, order_id)

    # The freight of the damaged delivery is credited (billing's credit note, inside the case's transaction).
    freight = shipment_views.get_shipment(env.uow, AGENT, first_shipment)["freight"]["cost"]
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id, case_recovery.Recovery(
        "credit_note", note="freight of the damaged delivery", amount=Decimal(freight)))
    with env.uow.read() as c:
        note = c.execute(select(credit_notes)).one()
        billed = dict(c.execute(select(invoice_lines.c.order_id, func.count()).group_by(invoice_lines.c.order_id)
                                .where(invoice_lines.c.order_id.is_not(None))).all())
    assert (note.source, note.source_ref, note.net_amount) == ("case", view["number"], Decimal(freight))
    assert billed.get(order_id) and replacement not in billed  # the replacement is not invoiced

    # Goodwill for the trouble, then resolve, follow up with a survey, the customer answers 5, closed.
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id, case_recovery.Recovery(
        "goodwill", note="voucher for the next order", cost=Decimal("25.00")))
    cases.resolve(env.uow, env.clock, AGENT, case_id, "replacement shipped, voucher sent")
    survey_id = cases.follow_up(env.uow, env.clock, AGENT, case_id)
    assert [s["id"] for s in csat.list_surveys(env.uow, customer, pending=True)] == [survey_id]
    csat.answer_survey(env.uow, env.clock, customer, survey_id, score=5, comment="Quick and friendly")
    cases.close(env.uow, env.clock, AGENT, case_id)

    view = case_views.get_case(env.uow, env.clock, customer, case_id)
    assert view["status"] == "closed"
    assert view["sla"]["first_response"]["state"] == "met"
    assert view["sla"]["first_response"]["elapsed_minutes"] == 60
    assert view["sla"]["resolution"]["state"] == "met"
    assert (view["root_cause"], view["department"]) == ("carrier_damage", "transport")
    assert [a["kind"] for a in view["recovery_actions"]] == ["return_authorisation", "credit_note", "goodwill"]
    assert view["failure_cost"] == Decimal("25.00") + Decimal(freight)
    assert view["surveys"][0]["score"] == 5
    assert kinds(view["history"]) == [
        "logged", "status_changed", "status_changed", "root_cause", "recovery", "recovery", "recovery",
        "status_changed",
        "status_changed", "survey_sent", "csat", "status_changed"]
    assert [e["to_status"] for e in view["history"] if e["kind"] == "status_changed"] == [
        "acknowledged", "investigating", "resolved", "follow_up", "closed"]

    timeline = kinds(get_order(env.uow, AGENT, order_id)["timeline"])
    for kind in ("delivered", "case_opened", "service_failure", "return_requested", "return_authorised",
                 "return_received", "return_inspected", "replacement_ordered", "return_resolved",
                 "service_recovery", "case_closed"):
        assert kind in timeline, kind
    assert timeline.index("case_opened") < timeline.index("return_received") < timeline.index("case_closed")
    assert "no_charge" in kinds(get_order(env.uow, AGENT, replacement)["timeline"])
    with env.uow.read() as c:
        facts = return_views.return_facts(c, [order_id])
        moves = c.execute(select(stock_moves.c.kind, stock_moves.c.qty)).all()
    assert facts == [{"order_id": order_id, "order_line_id": facts[0]["order_line_id"], "return": rma, "qty": 1,
                      "reason": "damaged", "firm_fault": True, "qty_received": 1, "dispositions": {"scrap": 1}}]
    assert ("return", 1) not in moves


def test_returning_more_than_was_delivered_changes_nothing(damaged):
    env, order_id, _ = damaged
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        returns.request_return(env.uow, env.clock, AGENT, order_id, [returns.ReturnLineRequest(1, 5, "damaged")])
    assert (exc.value.code, exc.value.field) == ("return_more_than_delivered", "lines[0].qty")
    first = returns.request_return(env.uow, env.clock, AGENT, order_id, [returns.ReturnLineRequest(1, 3, "damaged")])
    after_first = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:  # 3 of 4 are on a return already
        returns.request_return(env.uow, env.clock, AGENT, order_id, [returns.ReturnLineRequest(1, 2, "damaged")])
    assert exc.value.data == {"delivered": 4, "already_returned": 3}
    assert snapshot(env) == after_first != before
    returns.refuse_return(env.uow, env.clock, AGENT, first, "photos show no damage")
    returns.request_return(env.uow, env.clock, AGENT, order_id, [returns.ReturnLineRequest(1, 4, "damaged")])


def test_a_disposition_of_a_unit_not_received_changes_nothing(damaged):
    env, order_id, _ = damaged
    return_id = returns.request_return(env.uow, env.clock, AGENT, order_id,
                                       [returns.ReturnLineRequest(1, 2, "damaged")])
    returns.authorise_return(env.uow, env.clock, AGENT, return_id)
    line_id = return_views.get_return(env.uow, AGENT, return_id)["lines"][0]["id"]
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        return_handling.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id,
                                       [return_handling.DispositionLine(line_id, "restock", 1)])
    assert (exc.value.code, exc.value.field) == ("unit_not_received", "dispositions[0].qty")
    return_handling.receive_return(env.uow, env.clock, WAREHOUSE, return_id, [return_handling.ReceivedLine(line_id, 1)])
    after_receipt = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:  # one received, two dispositions
        return_handling.inspect_return(env.uow, env.clock, env.settings, WAREHOUSE, return_id, [
            return_handling.DispositionLine(line_id, "scrap", 1), return_handling.DispositionLine(line_id, "parts", 1)])
    assert exc.value.field == "dispositions[1].qty"
    assert snapshot(env) == after_receipt != before


def test_closing_without_root_cause_is_refused_and_changes_nothing(damaged):
    env, order_id, _ = damaged
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(
        "CUST1", "Where is my invoice copy?", "billing_error", order_id=order_id))
    with pytest.raises(InvalidTransition):
        cases.close(env.uow, env.clock, AGENT, case_id)
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    cases.resolve(env.uow, env.clock, AGENT, case_id, "copy sent")
    cases.follow_up(env.uow, env.clock, AGENT, case_id)
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        cases.close(env.uow, env.clock, AGENT, case_id)
    assert (exc.value.code, exc.value.field) == ("root_cause_required", "root_cause")
    assert snapshot(env) == before
    assert case_views.get_case(env.uow, env.clock, AGENT, case_id)["status"] == "follow_up"
    cases.record_root_cause(env.uow, env.clock, AGENT, case_id, root_cause="no_fault")
    cases.close(env.uow, env.clock, AGENT, case_id)
    assert case_views.get_case(env.uow, env.clock, AGENT, case_id)["department"] == "other"


def test_csat_outside_one_to_five_changes_nothing(damaged):
    env, order_id, _ = damaged
    customer = customer_actor(env)
    case_id = cases.open_case(env.uow, env.clock, customer, cases.CaseRequest("CUST1", "Late", "late_delivery"))
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    cases.resolve(env.uow, env.clock, AGENT, case_id, "explained")
    survey = cases.follow_up(env.uow, env.clock, AGENT, case_id)
    before = snapshot(env)
    for score in (0, 6, -3):
        with pytest.raises(ValidationFailed) as exc:
            csat.answer_survey(env.uow, env.clock, customer, survey, score=score)
        assert (exc.value.code, exc.value.field) == ("invalid_score", "score")
        with pytest.raises(ValidationFailed):
            csat.give_feedback(env.uow, env.clock, customer, customer="CUST1", touchpoint="delivery", score=score,
                               order_id=order_id)
    assert snapshot(env) == before
    csat.answer_survey(env.uow, env.clock, customer, survey, score=4)
    with pytest.raises(Conflict) as exc:
        csat.answer_survey(env.uow, env.clock, customer, survey, score=5)
    assert exc.value.code == "survey_answered"
    csat.give_feedback(env.uow, env.clock, customer, customer="CUST1", touchpoint="delivery", score=2,
                       comment="driver was rude", order_id=order_id)
    report = {r["touchpoint"]: r for r in csat.csat_by_touchpoint(env.uow, AGENT)}
    assert (report["case"]["answers"], report["case"]["average"], report["case"]["csat"]) == (1, 4.0, 1.0)
    assert report["delivery"]["scores"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
    assert report["invoice"]["answers"] == 0


def test_a_customer_reaches_only_its_own_cases_returns_and_surveys(damaged):
    env, order_id, _ = damaged
    from tests.factories import add_customer
    add_customer(env, "CUST2")
    other = customer_actor(env, "CUST2")
    case_id = cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest("CUST1", "x", "other", order_id=order_id))
    with pytest.raises(ValidationFailed) as exc:  # naming another's order on its own case
        cases.open_case(env.uow, env.clock, other, cases.CaseRequest("CUST2", "x", "other", order_id=order_id))
    assert exc.value.code == "unknown_order"
    for call in (lambda: case_views.get_case(env.uow, env.clock, other, case_id),
                 lambda: cases.add_note(env.uow, env.clock, other, case_id, "hello"),
                 lambda: returns.request_return(env.uow, env.clock, other, order_id,
                                                [returns.ReturnLineRequest(1, 1, "damaged")])):
        with pytest.raises(Exception) as exc:
            call()
        assert getattr(exc.value, "kind", None) == "not_found"
    assert case_views.list_cases(env.uow, env.clock, other)["total"] == 0


def test_outside_the_window_needs_an_override_and_customer_returns_pay_the_restocking_fee(damaged):
    env, order_id, _ = damaged
    env.clock.advance(days=31)
    return_id = returns.request_return(env.uow, env.clock, customer_actor(env), order_id,
                                       [returns.ReturnLineRequest(1, 2, "not_needed")])
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        returns.authorise_return(env.uow, env.clock, AGENT, return_id)
    assert exc.value.code == "outside_return_policy" and "window is 30 days" in exc.value.message
    assert snapshot(env) == before
    with pytest.raises(ValidationFailed) as exc:
        returns.authorise_return(env.uow, env.clock, AGENT, return_id, override=True)
    assert exc.value.code == "note_required"
    r = returns.authorise_return(env.uow, env.clock, AGENT, return_id, override=True, note="key account, goodwill")
    assert str(r["restocking_fee"]) == "3.00"  # 15 % of 2 × 10.00
    ret = return_views.get_return(env.uow, AGENT, return_id)
    assert ret["policy_override"] and ret["channel"] == "portal"


def test_return_steps_out_of_order_are_refused(damaged):
    env, order_id, _ = damaged
    return_id = returns.request_return(env.uow, env.clock, AGENT, order_id,
                                       [returns.ReturnLineRequest(1, 1, "damaged")])
    line_id = return_views.get_return(env.uow, AGENT, return_id)["lines"][0]["id"]
    with pytest.raises(Conflict) as exc:
        return_handling.receive_return(env.uow, env.clock, WAREHOUSE, return_id,
                                       [return_handling.ReceivedLine(line_id, 1)])
    assert exc.value.code == "return_not_authorised"
    with pytest.raises(Conflict) as exc:
        return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "replacement")
    assert exc.value.code == "return_not_inspected"
    with pytest.raises(ValidationFailed) as exc:
        return_resolution.resolve_return(env.uow, env.clock, env.settings, AGENT, return_id, "refund")
    assert exc.value.code == "refund_details_required"
