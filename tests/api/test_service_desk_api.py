"""The case queue and the returns list over HTTP with the service desk's filters: priority, category, urgency
order, reason, warehouse; an unknown value is refused on its field."""

from __future__ import annotations

from ordercare.domain.access import SYSTEM
from ordercare.services import cases
from tests.api.access_service import _carriers, delivered, return_at
from tests.api.conftest import assert_error

V1 = "/api/v1"


def test_queue_and_returns_filters(api):
    env = api.env
    _carriers(env)
    low, urgent = (cases.open_case(env.uow, env.clock, SYSTEM, cases.CaseRequest(
        "CUST1", f"{p} trouble", "late_delivery", priority=p)) for p in ("low", "urgent"))
    env.clock.advance(hours=3)  # the urgent case's 2 business hours to answer are over
    page = api.get("cs_agent", f"{V1}/cases", params={"sort": "urgency"}).json()
    assert [c["id"] for c in page["items"]] == [urgent, low]
    assert [c["band"] for c in page["items"]] == ["breached", "on_track"]
    assert [c["id"] for c in api.get("cs_agent", f"{V1}/cases", params={"priority": "low"}).json()["items"]] == [low]
    assert api.get("cs_agent", f"{V1}/cases", params={"category": "wrong_item"}).json()["total"] == 0
    assert_error(api.get("cs_agent", f"{V1}/cases", params={"sort": "loudest"}), 422, "unknown_sort", field="sort")
    assert_error(api.get("cs_agent", f"{V1}/cases", params={"priority": "asap"}), 422, field="priority")
    order_id = delivered(env, "CUST1", 2)
    rid = return_at(env, order_id, "authorised")
    got = api.get("cust1", f"{V1}/returns", params={"reason": "damaged", "warehouse": "FAR"}).json()
    assert [r["id"] for r in got["items"]] == [rid] and got["items"][0]["reasons"] == ["damaged"]
    assert api.get("cs_agent", f"{V1}/returns", params={"warehouse": "NEAR"}).json()["total"] == 0
    assert_error(api.get("cs_agent", f"{V1}/returns", params={"reason": "bored"}), 422, field="reason")
