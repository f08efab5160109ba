"""Cases, returns and surveys over HTTP: the whole recovery on both databases, and bad input refused with the
field named and nothing changed."""

from __future__ import annotations

import pytest

from tests.api.access_service import _carriers, case_at, delivered
from tests.api.conftest import assert_error

V1 = "/api/v1"


@pytest.fixture
def svc(api):
    _carriers(api.env)
    order_id = delivered(api.env, "CUST1", 4)
    return api, order_id


def ok(r, status=200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def test_complaint_to_closed_case_over_http(svc):
    api, order_id = svc
    case = ok(api.post("cust1", f"{V1}/cases", json={
        "customer": "CUST1", "subject": "Pump arrived crushed", "category": "damaged_goods",
        "order": f"SO-{order_id:07d}", "contact_email": "buyer@cust1.example"}), 201)
    ref = case["number"]
    assert (case["status"], case["channel"], case["sla"]["first_response"]["state"]) == ("logged", "portal", "running")
    assert isinstance(case["sla"]["first_response"]["due_at"], str)
    ok(api.post("cs_agent", f"{V1}/cases/{ref}/acknowledge", json={"note": "Sorry — on it"}))
    ok(api.post("cs_agent", f"{V1}/cases/{ref}/investigate", json={}))
    ok(api.post("cs_agent", f"{V1}/cases/{ref}/root-cause", json={"root_cause": "carrier_damage",
                                                                   "department": "transport"}))
    case = ok(api.post("cs_agent", f"{V1}/cases/{ref}/recovery-actions", json={
        "kind": "return_authorisation", "return_lines": [{"line_no": 1, "qty": 1, "reason": "damaged"}]}), 201)
    rma = case["return"]
    ret = ok(api.get("cust1", f"{V1}/returns/{rma}"))
    line = ret["lines"][0]["id"]
    ok(api.post("warehouse", f"{V1}/returns/{rma}/receive", json={"lines": [{"line_id": line, "qty": 1}]}))
    ok(api.post("warehouse", f"{V1}/returns/{rma}/inspect",
                json={"dispositions": [{"line_id": line, "disposition": "scrap", "qty": 1}]}))
    assert {"warehouse": "FAR", "sku": "SKU-C", "bucket": "scrap", "qty": 1} in \
        ok(api.get("warehouse", f"{V1}/nonsellable-stock"))
    ret = ok(api.post("cs_agent", f"{V1}/returns/{rma}/resolve", json={"resolution": "replacement"}))
    assert ret["status"] == "resolved" and ret["replacement_order"].startswith("SO-")
    case = ok(api.post("cs_agent", f"{V1}/cases/{ref}/recovery-actions", json={
        "kind": "credit_note", "amount": "12.50", "note": "freight of the damaged delivery"}), 201)
    assert case["failure_cost"] == "12.50"
    ok(api.post("cs_agent", f"{V1}/cases/{ref}/resolve", json={"resolution": "replaced and freight credited"}))
    ok(api.post("cs_agent", f"{V1}/cases/{ref}/follow-up", json={}))
    [survey] = ok(api.get("cust1", f"{V1}/surveys", params={"pending": True}))
    ok(api.post("cust1", f"{V1}/surveys/{survey['id']}/answer", json={"score": 5, "comment": "great"}))
    case = ok(api.post("manager", f"{V1}/cases/{ref}/close", json={}))
    assert (case["status"], case["root_cause"], case["department"]) == ("closed", "carrier_damage", "transport")
    assert case["sla"]["first_response"]["state"] == "met"
    kinds = [e["kind"] for e in ok(api.get("cust1", f"{V1}/orders/{order_id}"))["timeline"]]
    assert {"case_opened", "service_failure", "return_received", "return_resolved", "case_closed"} <= set(kinds)
    report = {r["touchpoint"]: r for r in ok(api.get("manager", f"{V1}/csat"))}
    assert report["case"]["average"] == 5.0
    assert ok(api.post("manager", f"{V1}/service/sla/run"))["escalated"] == []


@pytest.mark.parametrize("who", ["cust1", "cs_agent"])
def test_bad_return_input_is_refused_and_changes_nothing(svc, who):
    api, order_id = svc
    before = api.snapshot()
    for body, status, code, field in [
        ({"order": str(order_id), "lines": [{"line_no": 1, "qty": 5, "reason": "damaged"}]}, 422,
         "return_more_than_delivered", "lines[0].qty"),
        ({"order": str(order_id), "lines": [{"line_no": 1, "qty": 0, "reason": "damaged"}]}, 422,
         "invalid_quantity", "lines[0].qty"),
        ({"order": str(order_id), "lines": [{"line_no": 7, "qty": 1, "reason": "damaged"}]}, 422,
         "unknown_line", "lines[0].line_no"),
        ({"order": str(order_id), "lines": [{"line_no": 1, "qty": 1, "reason": "bored"}]}, 422,
         "unknown_return_reason", "lines[0].reason"),
        ({"order": str(order_id), "lines": [{"line_no": 1, "qty": "1", "reason": "damaged"}]}, 422,
         "invalid_request", "lines[0].qty"),
        ({"order": str(order_id), "lines": []}, 422, "invalid_request", "lines"),
        ({"order": "SO-X", "lines": [{"line_no": 1, "qty": 1, "reason": "damaged"}]}, 422, "unknown_order", "order"),
    ]:
        assert_error(api.post(who, f"{V1}/returns", json=body), status, code, field=field)
    assert api.snapshot() == before


def test_a_disposition_of_a_unit_not_received_is_refused(svc):
    api, order_id = svc
    ret = ok(api.post("cs_agent", f"{V1}/returns", json={
        "order": str(order_id), "lines": [{"line_no": 1, "qty": 2, "reason": "defective"}]}), 201)
    ok(api.post("cs_agent", f"{V1}/returns/{ret['number']}/authorise", json={}))
    before = api.snapshot()
    r = api.post("warehouse", f"{V1}/returns/{ret['number']}/inspect", json={
        "dispositions": [{"line_id": ret["lines"][0]["id"], "disposition": "restock", "qty": 1}]})
    assert_error(r, 422, "unit_not_received", field="dispositions[0].qty")
    assert_error(api.post("warehouse", f"{V1}/returns/{ret['number']}/receive",
                          json={"lines": [{"line_id": ret["lines"][0]["id"], "qty": 3}]}),
                 422, "receive_more_than_authorised", field="lines[0].qty")
    assert api.snapshot() == before


def test_closing_without_root_cause_and_csat_out_of_range_are_refused(svc):
    api, order_id = svc
    cid = case_at(api.env, "CUST1", "logged", order_id)
    for step, body in [("acknowledge", {}), ("resolve", {"resolution": "ok"}), ("follow-up", {})]:
        ok(api.post("cs_agent", f"{V1}/cases/{cid}/{step}", json=body))
    before = api.snapshot()
    assert_error(api.post("cs_agent", f"{V1}/cases/{cid}/close", json={}), 422, "root_cause_required",
                 field="root_cause")
    [survey] = ok(api.get("cust1", f"{V1}/surveys", params={"pending": True}))
    for score in (0, 6, -1, 99):
        assert_error(api.post("cust1", f"{V1}/surveys/{survey['id']}/answer", json={"score": score}), 422,
                     "invalid_score", field="score")
    for score in ("5", 4.5, True, None):
        assert_error(api.post("cust1", f"{V1}/surveys/{survey['id']}/answer", json={"score": score}), 422,
                     "invalid_request", field="score")
    assert_error(api.post("cust1", f"{V1}/feedback", json={"customer": "CUST1", "touchpoint": "delivery",
                                                           "score": 7}), 422, "invalid_score", field="score")
    assert api.snapshot() == before
    assert ok(api.get("cs_agent", f"{V1}/cases/{cid}"))["status"] == "follow_up"


def test_bad_case_input(svc):
    api, _ = svc
    before = api.snapshot()
    base = {"customer": "CUST1", "subject": "x", "category": "other"}
    for over, code, field in [
        ({"category": "weather"}, "unknown_category", "category"),
        ({"priority": "asap"}, "unknown_priority", "priority"),
        ({"subject": "  "}, "subject_required", "subject"),
        ({"channel": "pigeon"}, "unknown_channel", "channel"),
        ({"order": "999999"}, "unknown_order", "order_id"),
        ({"subject": "x" * 201}, "invalid_request", "subject"),
        ({"extra": 1}, "invalid_request", "extra"),
        ({"subject": "nul\x00"}, "invalid_request", "subject"),
    ]:
        assert_error(api.post("cs_agent", f"{V1}/cases", json={**base, **over}), 422, code, field=field)
    assert_error(api.get("cs_agent", f"{V1}/cases/CS-abc"), 404, "case_not_found")
    assert_error(api.get("cs_agent", f"{V1}/cases", params={"status": "lost"}), 422, "unknown_status",
                 field="status")
    assert_error(api.request("manager", "PUT", f"{V1}/service/calendars/X", json={
        "name": "x", "timezone": "Mars/Base", "hours": {"mon": ["09:00-17:00"]}}), 422, "unknown_timezone",
        field="timezone")
    assert_error(api.request("manager", "PUT", f"{V1}/service/sla-policies/X", json={
        "priority": "low", "first_response_minutes": 600, "resolution_minutes": 60, "calendar": "STANDARD"}),
        422, "invalid_target", field="first_response_minutes")
    assert api.snapshot() == before


def test_the_server_runs_the_escalation_job_when_asked_and_the_worker_knows_it(api):
    import time

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from ordercare.api.app import create_app
    from ordercare.services.scheduled_jobs import registered_jobs
    from ordercare.store.service_tables import case_escalations

    assert "sla_escalations" in {j.name for j in registered_jobs()}
    case_at(api.env, "CUST1", "logged")
    api.env.clock.advance(days=3)  # far past the first-response target
    count = lambda: api.env.uow.run(  # noqa: E731
        lambda c: c.execute(select(func.count()).select_from(case_escalations)).scalar_one())
    assert count() == 0 and api.env.settings.sla_interval_seconds == 0  # off unless asked for
    settings = api.env.settings.model_copy(update={"sla_interval_seconds": 0.05})
    app = create_app(settings, uow=api.env.uow, clock=api.env.clock)
    with TestClient(app):
        deadline = time.monotonic() + 10
        while count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert count() == 2  # team lead, then manager: each once, however often the loop ran
    assert not app.state.sla_loop._thread.is_alive()
