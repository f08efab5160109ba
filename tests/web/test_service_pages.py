"""The service desk pages: the case queue with SLA countdowns and breach colours, logging a case with customer
search, the case page following the procedure with its recovery actions, and the portal's cases and surveys.
Every form is tried with bad input: the error is on its field, what was typed stays, nothing changes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ordercare.domain.access import SYSTEM
from ordercare.services import case_views, cases
from ordercare.services.sla_escalation import run_sla_escalations
from tests.api.access_service import _carriers, _survey_of, case_at, delivered
from tests.web.conftest import Web


@pytest.fixture
def desk(web: Web) -> Web:
    _carriers(web.env)
    return web


def _open(web: Web, priority: str, customer: str = "CUST1", category: str = "late_delivery", order=None) -> str:
    cid = cases.open_case(web.env.uow, web.env.clock, SYSTEM, cases.CaseRequest(
        customer, f"{priority} trouble", category, priority=priority, order_id=order))
    return f"CS-{cid:07d}"


def _case(web: Web, ref: str) -> dict:
    return case_views.get_case(web.env.uow, web.env.clock, SYSTEM, int(ref[3:]))


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-case="(CS-\d+)" data-band="(\w+)"', html)


def test_the_queue_shows_countdowns_in_breach_colours_most_urgent_first(desk: Web):
    low, urgent = _open(desk, "low"), _open(desk, "urgent", category="damaged_goods")
    waiting = _open(desk, "normal", customer="CUST2")
    cases.acknowledge(desk.env.uow, desk.env.clock, SYSTEM, int(waiting[3:]))
    cases.wait_on_customer(desk.env.uow, desk.env.clock, SYSTEM, int(waiting[3:]), "which site?")
    desk.env.clock.advance(hours=2, minutes=30)  # urgent (2 business hours to answer) is 30 minutes late
    r = desk.get("cs_agent", "/cases")
    assert r.status_code == 200
    assert _rows(r.text) == [(urgent, "breached"), (low, "on_track"), (waiting, "paused")]
    assert 'data-clock="first_response" data-band="breached">30 min overdue' in r.text
    assert "13 h 30 min left" in r.text  # low: 16 business hours, 2 h 30 gone
    assert 'hx-trigger="every 30s"' in r.text and "/cases/queue-rows?" in r.text
    desk.env.clock.advance(hours=1)  # the polled rows move on by themselves
    rows = desk.get("cs_agent", "/cases/queue-rows?scope=open")
    assert rows.text.lstrip().startswith('<tbody id="queue-rows"') and "1 h 30 min overdue" in rows.text
    assert run_sla_escalations(desk.env.uow, desk.env.clock, SYSTEM)["escalated"]  # the job, as the worker runs it
    assert "esc. 1" in desk.get("cs_agent", "/cases").text
    page = desk.get("cs_agent", f"/cases/{urgent}")
    assert '<li data-kind="escalated">' in page.text and "level 1" in page.text
    assert _rows(desk.get("cs_agent", "/cases?priority=low").text) == [(low, "on_track")]
    assert _rows(desk.get("cs_agent", "/cases?breached=yes").text) == [(urgent, "breached")]
    assert _rows(desk.get("cs_agent", "/cases?category=damaged_goods&customer=CUST1").text) == [(urgent, "breached")]
    assert _rows(desk.get("cs_agent", "/cases?queue=general&status=waiting_on_customer").text) == [
        (waiting, "paused")]
    bad = desk.get("cs_agent", "/cases?priority=asap")
    assert bad.status_code == 200 and 'id="err-priority"' in bad.text and not _rows(bad.text)


def test_log_a_case_with_customer_search_field_errors_and_links(desk: Web):
    mine = delivered(desk.env, "CUST1", 2)
    found = desk.get("cs_agent", "/cases/new/customer", params={"customer": "cust"})
    assert "2 match(es)" in found.text and "CUST2" in found.text
    exact = desk.get("cs_agent", "/cases/new/customer", params={"customer": "CUST1"})
    assert f'<option value="SO-{mine:07d}">' in exact.text and "service package B" in exact.text
    form = {"customer": "CUST1", "channel": "email", "category": "damaged_goods", "priority": "high",
            "subject": "", "description": "Dented housing", "order_id": "SO-x", "contact_email": "j@example.com"}
    before = desk.api.snapshot()
    r = desk.post("cs_agent", "/cases/new", form)
    assert r.status_code == 422
    assert 'id="err-order_id">not a SO- number' in r.text
    assert "Dented housing" in r.text and 'value="j@example.com"' in r.text and 'value="SO-x"' in r.text
    r = desk.post("cs_agent", "/cases/new", {**form, "order_id": f"SO-{mine:07d}"})
    assert r.status_code == 422 and 'id="err-subject">must not be empty' in r.text
    other = delivered(desk.env, "CUST2", 1)
    before = desk.api.snapshot()
    r = desk.post("cs_agent", "/cases/new", {**form, "subject": "Dented", "order_id": f"SO-{other:07d}"})
    assert r.status_code == 422 and 'id="err-order_id">the customer has no order' in r.text
    r = desk.post("cs_agent", "/cases/new", {**form, "subject": "Dented", "customer": "NOBODY",
                                             "order_id": ""})
    assert r.status_code == 422 and 'id="err-customer">no customer with code' in r.text
    assert desk.api.snapshot() == before
    r = desk.post("cs_agent", "/cases/new", {**form, "subject": "Dented", "order_id": f"so-{mine}"})
    assert r.status_code == 303
    page = desk.get("cs_agent", r.headers["location"])
    assert "Dented" in page.text and f'href="/orders/SO-{mine:07d}"' in page.text and "logged" in page.text
    assert 'id="step-acknowledge"' in page.text and 'id="step-resolve"' not in page.text  # the next step only
    case = _case(desk, r.headers["location"].rsplit("/", 1)[1])
    assert (case["channel"], case["priority"], case["order_id"]) == ("email", "high", mine)
    # The order page lists the case with its SLA state.
    order = desk.get("cs_agent", f"/orders/SO-{mine:07d}")
    assert 'data-panel="cases"' in order.text and case["number"] in order.text and "left</span>" in order.text


def test_a_case_follows_the_procedure_and_is_closed_only_with_a_root_cause(desk: Web):
    ref = _open(desk, "normal")
    url = f"/cases/{ref}"
    r = desk.post("cs_agent", f"{url}/close", {})  # out of order: refused, nothing changes
    assert r.status_code == 409 and "cannot go from &#39;logged&#39; to &#39;closed&#39;" in r.text
    assert desk.post("cs_agent", f"{url}/acknowledge", {"note": "On it"}).status_code == 303
    page = desk.get("cs_agent", url)
    assert "Acknowledged" in page.text and 'data-clock="first_response" data-band="met"' in page.text
    for step in ("investigate", "wait_on_customer", "resolve", "root_cause", "assign", "note"):
        assert f'id="step-{step}"' in page.text
    assert 'id="step-close"' not in page.text and 'id="step-acknowledge"' not in page.text
    r = desk.post("cs_agent", f"{url}/wait-on-customer", {"note": ""})
    assert r.status_code == 422 and 'id="err-note">must not be empty' in r.text
    assert desk.post("cs_agent", f"{url}/investigate", {}).status_code == 303
    r = desk.post("cs_agent", f"{url}/resolve", {"resolution": "  "})
    assert r.status_code == 422 and 'id="err-resolution"' in r.text
    assert desk.post("cs_agent", f"{url}/resolve", {"resolution": "Re-delivered"}).status_code == 303
    assert desk.post("cs_agent", f"{url}/follow-up", {}).status_code == 303
    before = desk.api.snapshot()
    r = desk.post("cs_agent", f"{url}/close", {"note": "done"})
    assert r.status_code == 422 and desk.api.snapshot() == before
    form = r.text.split('id="step-root_cause"')[1].split("</form>")[0]  # the error is on the root-cause field
    assert 'id="err-root_cause">a case is closed only once its root cause' in form
    r = desk.post("cs_agent", f"{url}/root-cause", {"root_cause": "gremlins", "note": "typed"})
    assert r.status_code == 422 and 'id="err-root_cause">one of' in r.text and ">typed</textarea>" in r.text
    assert desk.post("cs_agent", f"{url}/root-cause", {"root_cause": "carrier_delay"}).status_code == 303
    r = desk.post("cs_agent", f"{url}/assign", {"username": "warehouse-user", "queue": "general"})
    assert r.status_code == 422 and 'id="err-username">' in r.text
    assert desk.post("cs_agent", f"{url}/assign", {"username": "manager-user", "queue": "general"}).status_code == 303
    assert desk.post("manager", f"{url}/close", {}).status_code == 303
    case = _case(desk, ref)
    assert (case["status"], case["root_cause"], case["department"], case["assigned_to"]) == \
        ("closed", "carrier_delay", "transport", "manager-user")
    page = desk.get("cs_agent", url)
    assert 'class="steps"' not in page.text and "Traceback" not in page.text
    kinds = re.findall(r'<li data-kind="(\w+)"', page.text)
    assert kinds[:2] == ["logged", "status_changed"] and "root_cause" in kinds and "assigned" in kinds
    assert desk.post("warehouse", f"{url}/note", {"note": "x"}).status_code == 403
    reading = desk.get("finance", f"/cases/{_open(desk, 'low')}")  # finance reads cases, offers no step
    assert reading.status_code == 200 and 'class="steps"' not in reading.text


def test_recovery_actions_record_their_cost_and_refuse_bad_input_on_the_field(desk: Web):
    order_id = delivered(desk.env, "CUST1", 4)
    ref = _open(desk, "high", order=order_id)
    url = f"/cases/{ref}"
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "goodwill", "cost": "5", "note": "voucher"})
    assert r.status_code == 409 and "recovery happens between acknowledgement and follow-up" in r.text
    desk.post("cs_agent", f"{url}/acknowledge", {})
    page = desk.get("cs_agent", url)
    for kind in ("reship", "credit_note", "refund", "return_authorisation", "goodwill", "apology"):
        assert f'id="recovery-{kind}"' in page.text
    before = desk.api.snapshot()
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "credit_note", "amount": "ten", "note": "freight"})
    assert r.status_code == 422 and 'id="err-amount">must be a number' in r.text
    opened = r.text.split('id="recovery-credit_note" open')[1].split("</details>")[0]  # the form stays open
    assert 'value="ten"' in opened and 'value="freight"' in opened
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "goodwill", "cost": "5.00", "note": ""})
    assert r.status_code == 422 and 'id="err-note">must not be empty' in r.text
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "return_authorisation", "lines[0].line_no": "1",
                                                  "lines[0].qty": "9", "lines[0].reason": "damaged"})
    assert r.status_code == 422 and 'id="err-lines-0-qty">9 is more than the 4 delivered units' in r.text
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "reship", "lines[0].sku": "NOPE", "lines[0].qty": "1",
                                                  "lines[1].sku": "", "lines[1].qty": ""})
    assert r.status_code == 422 and 'id="err-lines-0-sku">' in r.text
    assert desk.api.snapshot() == before
    assert desk.post("cs_agent", f"{url}/recovery", {"kind": "goodwill", "cost": "12.50",
                                                     "note": "voucher"}).status_code == 303
    r = desk.post("cs_agent", f"{url}/recovery", {"kind": "return_authorisation", "lines[0].line_no": "1",
                                                  "lines[0].qty": "1", "lines[0].reason": "damaged"})
    assert r.status_code == 303
    case = _case(desk, ref)
    assert case["failure_cost"] == Decimal("12.50") and case["return"]
    assert [a["kind"] for a in case["recovery_actions"]] == ["goodwill", "return_authorisation"]
    page = desk.get("cs_agent", url)
    assert 'id="failure-cost">12.50' in page.text and f'href="/returns/{case["return"]}"' in page.text


def test_the_portal_customer_opens_follows_and_answers_its_own_cases(desk: Web):
    mine, theirs = delivered(desk.env, "CUST1", 2), delivered(desk.env, "CUST2", 1)
    page = desk.get("cust1", "/cases/new")
    assert page.status_code == 200 and 'name="customer"' not in page.text and f"SO-{mine:07d}" in page.text
    form = {"category": "damaged_goods", "subject": "Cracked", "order_id": f"SO-{theirs:07d}", "customer": "CUST2"}
    before = desk.api.snapshot()
    r = desk.post("cust1", "/cases/new", form)  # another account's order: as if it did not exist
    assert r.status_code == 422 and 'id="err-order_id">the customer has no order' in r.text and "CUST2" not in r.text
    assert desk.api.snapshot() == before
    r = desk.post("cust1", "/cases/new", {**form, "order_id": f"SO-{mine:07d}"})
    assert r.status_code == 303
    ref = r.headers["location"].rsplit("/", 1)[1]
    case = _case(desk, ref)
    assert (case["customer"], case["channel"], case["queue"]) == ("CUST1", "portal", "general")
    desk.post("cs_agent", f"/cases/{ref}/acknowledge", {"note": "Sorry, we look into it"})
    desk.post("cs_agent", f"/cases/{ref}/wait-on-customer", {"note": "Photo please"})
    desk.post("cs_agent", f"/cases/{ref}/assign", {"username": "cs_agent-user", "queue": "general"})
    page = desk.get("cust1", f"/cases/{ref}")
    assert "waiting for your answer" in page.text and "Photo please" in page.text
    assert "cs_agent-user" not in page.text and 'id="step-note"' in page.text and 'id="step-resolve"' not in page.text
    assert desk.post("cust1", f"/cases/{ref}/acknowledge", {}).status_code == 403
    r = desk.post("cust1", f"/cases/{ref}/note", {"note": ""})
    assert r.status_code == 422 and 'id="err-note"' in r.text
    assert desk.post("cust1", f"/cases/{ref}/note", {"note": "Photo attached"}).status_code == 303
    assert _case(desk, ref)["status"] == "acknowledged"  # the answer ended the wait
    other = case_at(desk.env, "CUST2", "logged", theirs)
    for url in (f"/cases/CS-{other:07d}", f"/cases/{other}"):
        r = desk.get("cust1", url)
        assert r.status_code == 404 and "CUST2" not in r.text and "Case of" not in r.text
    assert desk.post("cust1", f"/cases/CS-{other:07d}/note", {"note": "hi"}).status_code == 404
    queue = desk.get("cust1", "/cases?scope=all")
    assert _rows(queue.text) == [(ref, case_views.get_case(desk.env.uow, desk.env.clock, SYSTEM,
                                                           int(ref[3:]))["band"])]


def test_surveys_are_answered_with_a_score_from_one_to_five(desk: Web):
    own, other = case_at(desk.env, "CUST1", "follow_up"), case_at(desk.env, "CUST2", "follow_up")
    survey, foreign = _survey_of(desk.env, own), _survey_of(desk.env, other)
    page = desk.get("cust1", "/surveys")
    assert f'id="survey-{survey}"' in page.text and f"survey-{foreign}" not in page.text
    before = desk.api.snapshot()
    r = desk.post("cust1", f"/surveys/{survey}/answer", {"score": "7", "comment": "Quick and kind"})
    assert r.status_code == 422 and 'id="err-score">a whole number from 1 to 5' in r.text
    assert ">Quick and kind</textarea>" in r.text
    r = desk.post("cust1", f"/surveys/{survey}/answer", {"comment": "no score"})
    assert r.status_code == 422 and 'id="err-score">required' in r.text
    r = desk.post("cust1", f"/surveys/{foreign}/answer", {"score": "1"})
    assert r.status_code == 404 and "CUST2" not in r.text
    assert desk.api.snapshot() == before
    assert desk.post("cust1", f"/surveys/{survey}/answer", {"score": "4", "comment": "Quick"}).status_code == 303
    assert desk.post("cust1", f"/surveys/{survey}/answer", {"score": "5"}).status_code == 409  # answered once
    case = desk.get("cs_agent", f"/cases/CS-{own:07d}")
    assert "<strong>4/5</strong> — “Quick”" in case.text
    assert "4/5" in desk.get("cs_agent", "/surveys?customer=CUST1").text
