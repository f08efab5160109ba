"""What the service desk pages read: the case queue's filters and urgency order, the order panels, the choices of
the desk, a return request's returnable lines and the policy check before a decision; a case linked only to the
customer's own invoice. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercare.domain.access import SYSTEM
from ordercare.domain.errors import NotFound, ValidationFailed
from ordercare.services import case_views, cases, return_views, returns
from ordercare.store.billing_tables import invoices
from ordercare.store.tables import customers
from tests.api.access_service import _carriers, case_at, delivered, return_at
from tests.factories import world
from tests.services.service_helpers import AGENT, customer_actor


@pytest.fixture
def desk(env):
    world(env, customers=("CUST1", "CUST2"), stock={("FAR", "SKU-C"): 50})
    _carriers(env)
    return env


def _open(env, customer: str, priority: str, category: str = "late_delivery") -> int:
    return cases.open_case(env.uow, env.clock, SYSTEM, cases.CaseRequest(customer, f"{priority} case", category,
                                                                          priority=priority))


def test_the_queue_filters_and_sorts_by_urgency(desk):
    env = desk
    low = _open(env, "CUST1", "low")  # package B: 16 business hours to answer
    urgent = _open(env, "CUST1", "urgent", "damaged_goods")  # 2 business hours
    waiting = _open(env, "CUST2", "urgent")
    cases.acknowledge(env.uow, env.clock, AGENT, waiting)
    cases.wait_on_customer(env.uow, env.clock, AGENT, waiting, "which site?")
    env.clock.advance(hours=5)  # Monday 15:00 in Amsterdam: the urgent case's first answer is 3 hours late
    page = case_views.list_cases(env.uow, env.clock, AGENT, open_only=True, sort="urgency")
    assert [c["id"] for c in page["items"]] == [urgent, low, waiting]
    first = page["items"][0]
    assert (first["band"], first["sla"]["first_response"]["band"], first["breached"]) == ("breached", "breached", True)
    assert first["sla"]["first_response"]["remaining_minutes"] == 120 - 300
    assert page["items"][1]["band"] == "on_track" and page["items"][1]["sla"]["first_response"]["remaining_minutes"] \
        == 960 - 300
    assert page["items"][2]["band"] == "paused"
    # Oldest first without the sort; filters narrow the queue.
    assert [c["id"] for c in case_views.list_cases(env.uow, env.clock, AGENT)["items"]] == [low, urgent, waiting]
    assert [c["id"] for c in case_views.list_cases(env.uow, env.clock, AGENT, priority="urgent",
                                                   category="damaged_goods")["items"]] == [urgent]
    assert case_views.list_cases(env.uow, env.clock, AGENT, breached=True, sort="urgency")["total"] == 1
    page = case_views.list_cases(env.uow, env.clock, AGENT, sort="urgency", limit=1, offset=1)
    assert (page["total"], [c["id"] for c in page["items"]]) == (3, [low])
    for bad in ({"priority": "asap"}, {"category": "nope"}, {"sort": "random"}, {"status": "open"}):
        with pytest.raises(ValidationFailed) as exc:
            case_views.list_cases(env.uow, env.clock, AGENT, **bad)
        assert exc.value.field == next(iter(bad))
    # A customer's queue is its own.
    mine = case_views.list_cases(env.uow, env.clock, customer_actor(env, "CUST2"), sort="urgency")
    assert [c["id"] for c in mine["items"]] == [waiting]


def test_desk_choices_are_the_queues_and_the_service_users(desk):
    env = desk
    _open(env, "CUST1", "normal")
    choices = case_views.desk_choices(env.uow, AGENT)
    assert {"general", "portal", "key_accounts"} <= set(choices["queues"])
    assert case_views.desk_choices(env.uow, customer_actor(env)) == {"queues": [], "service_users": []}


def test_returnable_lines_show_what_may_still_come_back_and_until_when(desk):
    env = desk
    order_id = delivered(env, "CUST1", 4)
    return_at(env, order_id, "requested")  # one unit already on a return
    got = return_views.returnable_lines(env.uow, env.clock, customer_actor(env), order_id)
    [line] = got["lines"]
    assert (line["qty_delivered"], line["qty_returned"], line["returnable"]) == (4, 1, 3)
    assert line["return_by"] == line["delivered_on"] + timedelta(days=30) and line["in_window"]
    assert got["policy"]["restocking_fee_pct"] == Decimal("15") and "damaged" in got["policy"]["fee_free_reasons"]
    with pytest.raises(NotFound):
        return_views.returnable_lines(env.uow, env.clock, customer_actor(env, "CUST2"), order_id)


def test_the_policy_check_is_what_authorising_decides(desk):
    env = desk
    order_id = delivered(env, "CUST1", 4)
    rid = returns.request_return(env.uow, env.clock, AGENT, order_id, [returns.ReturnLineRequest(1, 2, "not_needed")])
    check = return_views.policy_check(env.uow, env.clock, AGENT, rid)
    assert check["within_policy"] and check["restocking_fee"] > 0
    env.clock.advance(days=40)
    late = return_views.policy_check(env.uow, env.clock, AGENT, rid)
    assert not late["within_policy"] and "window is 30 days" in next(iter(late["lines"].values()))["problems"][0]
    with pytest.raises(ValidationFailed) as exc:
        returns.authorise_return(env.uow, env.clock, AGENT, rid)
    assert exc.value.code == "outside_return_policy"
    done = returns.authorise_return(env.uow, env.clock, AGENT, rid, override=True, note="good customer")
    assert done["restocking_fee"] == late["restocking_fee"]
    page = return_views.list_returns(env.uow, AGENT, reason="not_needed", warehouse="FAR")
    assert [r["id"] for r in page["items"]] == [rid] and page["items"][0]["reasons"] == ["not_needed"]
    assert return_views.list_returns(env.uow, AGENT, reason="damaged")["total"] == 0
    with pytest.raises(ValidationFailed):
        return_views.list_returns(env.uow, AGENT, reason="bored")


def test_order_panels_read_the_orders_cases_and_returns(desk):
    env = desk
    order_id = delivered(env, "CUST1", 2)
    case_id = case_at(env, "CUST1", "acknowledged", order_id)
    rid = return_at(env, order_id, "requested")
    with env.uow.read() as conn:
        [c] = case_views.cases_of_order(conn, env.clock, customer_actor(env), order_id)
        [r] = return_views.returns_of_order(conn, order_id)
        assert return_views.delivered_units(conn, order_id) == 2
    assert (c["id"], c["sla"]["first_response"]["band"], c["assigned_to"]) == (case_id, "met", None)
    assert (r["id"], r["status"], r["units"], r["reasons"]) == (rid, "requested", 1, ["damaged"])


def test_a_case_links_only_to_the_customers_own_invoice(desk):
    env = desk
    delivered(env, "CUST1", 1)
    with env.uow.read() as conn:
        cust1 = conn.execute(select(customers.c.id).where(customers.c.code == "CUST1")).scalar_one()
        own = conn.execute(select(invoices.c.id).where(invoices.c.customer_id == cust1)).scalars().first()
    assert own is not None, "shipping invoices the delivered order"
    for who, customer in ((AGENT, "CUST2"), (customer_actor(env, "CUST2"), "CUST2")):
        with pytest.raises(ValidationFailed) as exc:
            cases.open_case(env.uow, env.clock, who, cases.CaseRequest(customer, "wrong invoice", "billing_error",
                                                                       invoice_id=own))
        assert (exc.value.code, exc.value.field) == ("unknown_invoice", "invoice_id")
    case_id = cases.open_case(env.uow, env.clock, customer_actor(env), cases.CaseRequest(
        "CUST1", "wrong invoice", "billing_error", invoice_id=own))
    assert case_views.get_case(env.uow, env.clock, AGENT, case_id)["invoice_id"] == own


def test_investigating_a_case_that_waits_on_the_customer_ends_the_pause(desk):
    env = desk
    case_id = _open(env, "CUST1", "normal")
    cases.acknowledge(env.uow, env.clock, AGENT, case_id)
    cases.wait_on_customer(env.uow, env.clock, AGENT, case_id, "which site?")
    env.clock.advance(hours=1)
    cases.investigate(env.uow, env.clock, AGENT, case_id)  # the transitions table allows it, as resuming does
    env.clock.advance(hours=1)
    view = case_views.get_case(env.uow, env.clock, AGENT, case_id)
    assert (view["status"], view["sla"]["resolution"]["state"]) == ("investigating", "running")
    assert view["sla"]["resolution"]["elapsed_minutes"] == 60  # the hour of waiting is left out, the next counts
