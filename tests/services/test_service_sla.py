"""SLA clocks on stored cases: routing, policies, pauses, the escalation job (idempotent), personal data."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.sla import EscalationLevel, SlaPolicy
from ordercare.services import case_recovery, case_views, cases, csat, personal_data, service_setup, sla_escalation
from ordercare.services.auth import create_user
from ordercare.services.order_views import get_order
from ordercare.store.service_tables import case_escalations
from tests.factories import add_customer, carriers, world
from tests.services.service_helpers import AGENT, MANAGER, customer_actor, delivered_with_damage

UTC = timezone.utc


def utc(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def desk(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    carriers(env)
    return env


def _open(env, customer="CUST1", priority="normal", **kw) -> int:
    return cases.open_case(env.uow, env.clock, AGENT, cases.CaseRequest(customer, "Help", "late_delivery",
                                                                         priority=priority, **kw))


def test_routing_follows_the_service_package(desk):
    env = desk
    add_customer(env, "KEY", package="A")
    add_customer(env, "WEB", package="C")
    add_customer(env, "NEW", package="A")
    env.uow.run(lambda c: create_user(c, env.clock, username="rita", role="cs_agent"))
    service_setup.assign_account_rep(env.uow, env.clock, MANAGER, "KEY", "rita")
    with pytest.raises(ValidationFailed) as exc:
        service_setup.assign_account_rep(env.uow, env.clock, MANAGER, "KEY", "nobody")
    assert exc.value.code == "unknown_rep"
    got = {code: case_views.get_case(env.uow, env.clock, AGENT, _open(env, code))
           for code in ("KEY", "NEW", "CUST1", "WEB")}
    assert {c: (v["queue"], v["assigned_to"]) for c, v in got.items()} == {
        "KEY": ("key_accounts", "rita"), "NEW": ("key_accounts", None), "CUST1": ("general", None),
        "WEB": ("portal", None)}
    assert got["KEY"]["sla"]["first_response"]["target_minutes"] == 240  # package A answers fastest
    assert got["WEB"]["sla"]["first_response"]["target_minutes"] == 960
    cases.assign(env.uow, env.clock, AGENT, got["WEB"]["id"], username="rita")
    assert case_views.list_cases(env.uow, env.clock, AGENT, assigned_to="rita")["total"] == 2


def test_due_times_in_the_calendar_of_the_policy(desk):
    """Opened Friday 16:00 (Amsterdam), 4-hour response target, Mon-Fri 9-17: due Monday 12:00."""
    env = desk
    service_setup.set_calendar(env.uow, MANAGER, service_setup.CalendarData(
        "NL", "Netherlands office", "Europe/Amsterdam",
        {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, [(date(2026, 3, 16), "Test holiday")]))
    service_setup.set_sla_policy(env.uow, MANAGER, SlaPolicy("B-high-NL", "B", "high", 240, 960, "NL",
                                                             (EscalationLevel(1, "team_lead", 0),)))
    env.clock.set(utc(2026, 3, 6, 15))  # Friday 16:00 in Amsterdam
    case_id = _open(env, priority="high")
    view = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert view["sla_policy"] == "B-high-NL" and view["calendar"] == "NL"
    assert view["sla"]["first_response"]["due_at"] == utc(2026, 3, 9, 11)  # Monday 12:00 Amsterdam
    # 16 business hours: Friday 1 h, Monday 8 h, Tuesday 7 h -> Tuesday 16:00 Amsterdam.
    assert view["sla"]["resolution"]["due_at"] == utc(2026, 3, 10, 15)
    setup = service_setup.service_setup(env.uow, AGENT)
    assert {p["code"] for p in setup["sla_policies"] if p["service_package"] == "B" and p["priority"] == "high"} \
        == {"B-high-NL"}  # it replaced the default for (B, high)
    assert [h["day"] for c in setup["calendars"] if c["code"] == "NL" for h in c["holidays"]] == [date(2026, 3, 16)]
    with pytest.raises(ValidationFailed) as exc:
        service_setup.set_sla_policy(env.uow, MANAGER, SlaPolicy("X", "B", "high", 240, 960, "NOPE", ()))
    assert exc.value.code == "unknown_calendar"


def test_waiting_on_the_customer_pauses_and_the_customers_answer_resumes(desk):
    env = desk
    customer = customer_actor(env)
    case_id = _open(env)  # Monday 09:00 UTC = 10:00 Amsterdam; resolution 40 business hours
    before = case_views.get_case(env.uow, env.clock, AGENT, case_id)["sla"]["resolution"]["due_at"]
    assert before == utc(2026, 3, 9, 9)
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    env.clock.advance(hours=1)
    cases.wait_on_customer(env.uow, env.clock, AGENT, case_id, "Which delivery note number?")
    env.clock.set(utc(2026, 3, 4, 10))  # Wednesday
    paused = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert paused["status"] == "waiting_on_customer"
    assert (paused["sla"]["resolution"]["state"], paused["sla"]["resolution"]["due_at"]) == ("paused", None)
    assert paused["sla"]["resolution"]["elapsed_minutes"] == 60
    cases.add_note(env.uow, env.clock, customer, case_id, "It is DN-4411")
    resumed = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert resumed["status"] == "acknowledged"
    # Waiting Monday 10:00 -> Wednesday 10:00 UTC took 6 + 8 + 2 = 16 business hours: due moves by as much.
    assert resumed["sla"]["resolution"]["due_at"] == utc(2026, 3, 11, 9)
    assert [e["kind"] for e in resumed["history"]][-2:] == ["customer_note", "status_changed"]


def test_the_escalation_job_climbs_the_chain_once(desk):
    env = desk
    order_id, _ = delivered_with_damage(env)  # the clock is a day on: Tuesday 09:00 UTC
    case_id = _open(env, order_id=order_id)  # B normal: 8 business hours to respond -> Wednesday 09:00 UTC
    run = lambda: sla_escalation.run_sla_escalations(env.uow, env.clock, MANAGER)  # noqa: E731
    env.clock.set(utc(2026, 3, 4, 9))
    assert run()["escalated"] == []
    env.clock.set(utc(2026, 3, 4, 9, 30))
    first = run()["escalated"]
    assert [(e["clock"], e["level"], e["role"]) for e in first] == [("first_response", 1, "team_lead")]
    assert run()["escalated"] == []  # idempotent
    env.clock.set(utc(2026, 3, 4, 13, 1))  # 4 business hours past due: the manager
    assert [(e["role"]) for e in run()["escalated"]] == ["manager"]
    assert run()["escalated"] == []
    view = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert view["escalation_level"] == 2 and view["breached"]
    assert [(e["clock"], e["level"]) for e in view["escalations"]] == [("first_response", 1), ("first_response", 2)]
    assert [e["data"]["role"] for e in view["history"] if e["kind"] == "escalated"] == ["team_lead", "manager"]
    assert len([e for e in get_order(env.uow, AGENT, order_id)["timeline"] if e["kind"] == "case_escalated"]) == 2
    assert case_views.list_cases(env.uow, env.clock, AGENT, breached=True)["total"] == 1
    # Answered late: no more first-response escalations; the resolution clock is far from due.
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    env.clock.set(utc(2026, 3, 6, 9))
    assert run()["escalated"] == []
    with env.uow.read() as c:
        assert c.execute(select(func.count()).select_from(case_escalations)).scalar_one() == 2


def test_the_escalation_job_needs_a_manager(desk):
    with pytest.raises(Exception) as exc:
        sla_escalation.run_sla_escalations(desk.uow, desk.clock, AGENT)
    assert exc.value.code == "forbidden"


def test_personal_data_is_exported_and_erased_without_losing_the_facts(desk):
    env = desk
    order_id, _ = delivered_with_damage(env)
    customer = customer_actor(env)
    case_id = cases.open_case(env.uow, env.clock, customer, cases.CaseRequest(
        "CUST1", "Broken pump, call Jan", "damaged_goods", description="Jan de Vries, mobile 06-1234",
        contact_name="Jan de Vries", contact_email="jan@example.com", contact_phone="06-1234", order_id=order_id))
    cases.acknowledge(env.uow, env.clock, AGENT, case_id, "Dear Jan, sorry")
    cases.record_root_cause(env.uow, env.clock, AGENT, case_id, root_cause="carrier_damage", note="Jan's site")
    case_recovery.add_recovery(env.uow, env.clock, env.settings, AGENT, case_id,
                               case_recovery.Recovery("goodwill", note="voucher for Jan", cost=Decimal("15.00")))
    cases.resolve(env.uow, env.clock, AGENT, case_id, "voucher sent to Jan")
    survey = cases.follow_up(env.uow, env.clock, AGENT, case_id)
    csat.answer_survey(env.uow, env.clock, customer, survey, score=5, comment="Thanks, Jan")

    exported = personal_data.export_personal_data(env.uow, MANAGER, "CUST1")
    text = repr(exported)
    for personal in ("Jan de Vries", "jan@example.com", "06-1234", "Dear Jan", "Thanks, Jan", "voucher for Jan"):
        assert personal in text, personal
    before = case_views.get_case(env.uow, env.clock, AGENT, case_id)

    result = personal_data.erase_personal_data(env.uow, env.clock, MANAGER, "CUST1", "customer request 2026-03")
    assert (result["cases"], result["csat_comments"]) == (1, 1)
    after = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert "Jan" not in repr(after) and "Jan" not in repr(personal_data.export_personal_data(env.uow, MANAGER, "CUST1"))
    for kept in ("status", "category", "root_cause", "department", "failure_cost", "opened_at", "sla"):
        assert after[kept] == before[kept], kept
    assert after["surveys"][0]["score"] == 5 and after["anonymised"]
    assert len(after["history"]) == len(before["history"]) + 1
    assert csat.csat_by_touchpoint(env.uow, AGENT)[-2]["answers"] == 1  # "case" touchpoint still counted
    with pytest.raises(Exception) as exc:
        personal_data.export_personal_data(env.uow, AGENT, "CUST1")
    assert exc.value.code == "forbidden"
