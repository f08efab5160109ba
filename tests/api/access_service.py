"""Post-sale service routes: a customer reaches only its own cases, returns and surveys; staff per the matrix.

Desk (cs_agent, manager, admin) works cases and authorises returns; the warehouse receives and inspects;
managers set up SLA and returns policies and handle personal data; finance reads.
"""

from __future__ import annotations

from decimal import Decimal

from ordercare.domain.access import SYSTEM
from ordercare.domain.errors import DomainError
from ordercare.services import cases, master_data, return_handling as rh, returns
from ordercare.services.return_views import get_return
from tests.api.access import ALL, STAFF, V1, Action, denied, no_leak, same_as_missing
from tests.api.conftest import assert_error
from tests.factories import carriers, shipment_at

DESK = frozenset({"admin", "manager", "cs_agent"})
CUSTOMER_DESK = DESK | {"cust1"}
RECEIVERS = frozenset({"admin", "manager", "warehouse"})
MANAGERS = frozenset({"admin", "manager"})


def _carriers(env) -> None:
    try:
        carriers(env)
    except DomainError:
        pass  # another feature's scene set them up already


def delivered(env, customer: str, qty: int = 10) -> int:
    """A delivered order of `qty` × SKU-C from FAR for the customer; returns the order id."""
    from ordercare.domain.orders import parse_order_number
    from ordercare.services.shipment_views import get_shipment
    sid = shipment_at(env, "FAR", [("SKU-C", qty)], "delivered", customer=customer)
    return parse_order_number(get_shipment(env.uow, SYSTEM, sid)["lines"][0]["order"])


def case_at(env, customer: str, stage: str, order_id: int | None = None) -> int:
    """A case taken to a stage: logged, acknowledged, waiting, resolved, follow_up (with root cause)."""
    cid = cases.open_case(env.uow, env.clock, SYSTEM, cases.CaseRequest(customer, f"Case of {customer}",
                                                                          "late_delivery", order_id=order_id))
    if stage == "logged":
        return cid
    cases.acknowledge(env.uow, env.clock, SYSTEM, cid)
    if stage == "waiting":
        cases.wait_on_customer(env.uow, env.clock, SYSTEM, cid, "which site?")
    if stage in ("resolved", "follow_up"):
        cases.record_root_cause(env.uow, env.clock, SYSTEM, cid, root_cause="carrier_delay")
        cases.resolve(env.uow, env.clock, SYSTEM, cid, "explained")
    if stage == "follow_up":
        cases.follow_up(env.uow, env.clock, SYSTEM, cid)
    return cid


def return_at(env, order_id: int, stage: str) -> int:
    """A one-unit return taken to a stage: requested, authorised, received, inspected."""
    rid = returns.request_return(env.uow, env.clock, SYSTEM, order_id, [returns.ReturnLineRequest(1, 1, "damaged")])
    if stage == "requested":
        return rid
    returns.authorise_return(env.uow, env.clock, SYSTEM, rid)
    line = get_return(env.uow, SYSTEM, rid)["lines"][0]["id"]
    if stage in ("received", "inspected"):
        rh.receive_return(env.uow, env.clock, SYSTEM, rid, [rh.ReceivedLine(line, 1)])
    if stage == "inspected":
        rh.inspect_return(env.uow, env.clock, env.settings, SYSTEM, rid, [rh.DispositionLine(line, "restock", 1)])
    return rid


def _survey_of(env, case_id: int) -> int:
    from ordercare.services.case_views import get_case
    return get_case(env.uow, env.clock, SYSTEM, case_id)["surveys"][0]["id"]


def isolation_scene(api) -> dict:
    env = api.env
    _carriers(env)
    # CUST2 is over its credit limit in this scene: lift it for its delivered order, then put it back.
    master_data.update_customer(env.uow, SYSTEM, "CUST2", {"credit_limit": None})
    other_order = delivered(env, "CUST2", 3)
    master_data.update_customer(env.uow, SYSTEM, "CUST2", {"credit_limit": Decimal("1.00")})
    own_order = delivered(env, "CUST1", 3)
    other_case = case_at(env, "CUST2", "follow_up", other_order)
    own_case = case_at(env, "CUST1", "follow_up", own_order)
    return {"svc_other_order": other_order, "svc_own_order": own_order, "svc_other_case": other_case,
            "svc_own_case": own_case, "svc_other_return": return_at(env, other_order, "requested"),
            "svc_own_return": return_at(env, own_order, "requested"),
            "svc_other_survey": _survey_of(env, other_case), "svc_own_survey": _survey_of(env, own_case)}


def _x(s) -> dict:
    return s.extra


def staff_only(method: str, path: str, payload=None):
    """A customer token is refused before anything is looked up; {name} is filled from the scene."""
    def check(api, s):
        denied(api, method, V1 + path.format(**_x(s)), payload)
    return check


def c_open_case(api, s):
    before = api.snapshot()
    body = {"subject": "x", "category": "other"}
    r = api.post("cust1", f"{V1}/cases", json={"customer": "CUST2", **body})
    missing = api.post("cust1", f"{V1}/cases", json={"customer": "CUST9", **body})
    assert_error(r, 422, "unknown_customer", field="customer")
    assert r.text.replace("CUST2", "X") == missing.text.replace("CUST9", "X")
    r = api.post("cust1", f"{V1}/cases", json={"customer": "CUST1", "order": str(_x(s)["svc_other_order"]), **body})
    assert_error(r, 422, "unknown_order", field="order_id")
    no_leak(r)
    assert api.snapshot() == before
    assert api.post("cust1", f"{V1}/cases", json={"customer": "CUST1", **body}).status_code == 201


def c_list_cases(api, s):
    page = api.get("cust1", f"{V1}/cases").json()
    assert {c["customer"] for c in page["items"]} == {"CUST1"}
    assert api.get("cust1", f"{V1}/cases", params={"customer": "CUST2"}).json() == {"total": 0, "items": []}
    assert api.get("cs_agent", f"{V1}/cases", params={"customer": "CUST2"}).json()["total"] >= 1


def c_get_case(api, s):
    other, own = _x(s)["svc_other_case"], _x(s)["svc_own_case"]
    r = api.get("cust1", f"{V1}/cases/CS-{other:07d}")
    assert_error(r, 404, "case_not_found")
    no_leak(r)
    same_as_missing(api.get("cust1", f"{V1}/cases/{other}"), api.get("cust1", f"{V1}/cases/{other + 100}"),
                    other, other + 100)
    assert api.get("cust1", f"{V1}/cases/{own}").status_code == 200


def c_case_note(api, s):
    denied(api, "POST", f"{V1}/cases/{_x(s)['svc_other_case']}/notes", {"note": "hi"}, 404, "case_not_found")


def c_request_return(api, s):
    other = _x(s)["svc_other_order"]
    body = {"lines": [{"line_no": 1, "qty": 1, "reason": "damaged"}]}
    before = api.snapshot()
    r = api.post("cust1", f"{V1}/returns", json={"order": str(other), **body})
    missing = api.post("cust1", f"{V1}/returns", json={"order": str(other + 100), **body})
    assert_error(r, 404, "order_not_found")
    assert r.text.replace(str(other), "N") == missing.text.replace(str(other + 100), "N")
    assert api.snapshot() == before


def c_list_returns(api, s):
    page = api.get("cust1", f"{V1}/returns").json()
    assert page["total"] >= 1 and {r["customer"] for r in page["items"]} == {"CUST1"}
    assert api.get("cust1", f"{V1}/returns", params={"customer": "CUST2"}).json()["total"] == 0


def c_get_return(api, s):
    other, own = _x(s)["svc_other_return"], _x(s)["svc_own_return"]
    r = api.get("cust1", f"{V1}/returns/RMA-{other:07d}")
    assert_error(r, 404, "return_not_found")
    no_leak(r)
    same_as_missing(r, api.get("cust1", f"{V1}/returns/RMA-{other + 100:07d}"), other, other + 100)
    assert api.get("cust1", f"{V1}/returns/{own}").status_code == 200


def c_list_surveys(api, s):
    mine = api.get("cust1", f"{V1}/surveys").json()
    assert {x["customer"] for x in mine} == {"CUST1"}
    assert api.get("cust1", f"{V1}/surveys", params={"customer": "CUST2"}).json() == []


def c_answer_survey(api, s):
    other = _x(s)["svc_other_survey"]
    denied(api, "POST", f"{V1}/surveys/{other}/answer", {"score": 1}, 404, "survey_not_found")
    missing = api.post("cust1", f"{V1}/surveys/{other + 100}/answer", json={"score": 1})
    same_as_missing(api.post("cust1", f"{V1}/surveys/{other}/answer", json={"score": 1}), missing, other, other + 100)


def c_feedback(api, s):
    before = api.snapshot()
    r = api.post("cust1", f"{V1}/feedback", json={"customer": "CUST2", "touchpoint": "delivery", "score": 1})
    assert_error(r, 422, "unknown_customer", field="customer")
    r = api.post("cust1", f"{V1}/feedback", json={"customer": "CUST1", "touchpoint": "delivery", "score": 1,
                                                  "order": str(_x(s)["svc_other_order"])})
    assert_error(r, 422, "unknown_reference", field="order_id")
    assert api.snapshot() == before


def c_setup(api, s):
    r = api.get("cust1", f"{V1}/service/setup")
    assert r.status_code == 200 and "return_policies" in r.json()
    no_leak(r)


CHECKS = {
    ("POST", f"{V1}/cases"): c_open_case,
    ("GET", f"{V1}/cases"): c_list_cases,
    ("GET", f"{V1}/cases/{{case_ref}}"): c_get_case,
    ("POST", f"{V1}/cases/{{case_ref}}/notes"): c_case_note,
    **{("POST", f"{V1}/cases/{{case_ref}}/{step}"): staff_only("POST", f"/cases/{{svc_other_case}}/{step}", body)
       for step, body in [("acknowledge", {}), ("investigate", {}), ("wait-on-customer", {"note": "x"}),
                          ("resume", {}), ("root-cause", {"root_cause": "other"}),
                          ("recovery-actions", {"kind": "apology", "note": "sorry"}), ("resolve", {"resolution": "x"}),
                          ("follow-up", {}), ("reopen", {"note": "x"}), ("close", {}), ("assign", {"queue": "q"})]},
    ("POST", f"{V1}/returns"): c_request_return,
    ("GET", f"{V1}/returns"): c_list_returns,
    ("GET", f"{V1}/returns/{{return_ref}}"): c_get_return,
    **{("POST", f"{V1}/returns/{{return_ref}}/{step}"): staff_only("POST", f"/returns/{{svc_other_return}}/{step}",
                                                                   body)
       for step, body in [("authorise", {}), ("refuse", {"reason": "x"}),
                          ("receive", {"lines": [{"line_id": 1, "qty": 1}]}),
                          ("inspect", {"dispositions": [{"line_id": 1, "disposition": "scrap", "qty": 1}]}),
                          ("resolve", {"resolution": "replacement"})]},
    ("GET", f"{V1}/nonsellable-stock"): staff_only("GET", "/nonsellable-stock"),
    ("GET", f"{V1}/surveys"): c_list_surveys,
    ("POST", f"{V1}/surveys/{{survey_id}}/answer"): c_answer_survey,
    ("POST", f"{V1}/feedback"): c_feedback,
    ("GET", f"{V1}/csat"): staff_only("GET", "/csat"),
    ("GET", f"{V1}/service/setup"): c_setup,
    ("PUT", f"{V1}/service/calendars/{{code}}"): staff_only(
        "PUT", "/service/calendars/STANDARD", {"name": "x", "timezone": "UTC", "hours": {"sun": ["00:00-23:00"]}}),
    ("PUT", f"{V1}/service/sla-policies/{{code}}"): staff_only(
        "PUT", "/service/sla-policies/X", {"priority": "low", "first_response_minutes": 1, "resolution_minutes": 2,
                                            "calendar": "STANDARD"}),
    ("PUT", f"{V1}/service/return-policies/{{code}}"): staff_only(
        "PUT", "/service/return-policies/STANDARD", {"name": "x", "window_days": 9999, "allowed_reasons": []}),
    ("PUT", f"{V1}/customers/{{code}}/account-rep"): staff_only(
        "PUT", "/customers/CUST2/account-rep", {"username": "cust1-user"}),
    ("POST", f"{V1}/service/sla/run"): staff_only("POST", "/service/sla/run"),
    ("GET", f"{V1}/customers/{{code}}/personal-data"): staff_only("GET", "/customers/CUST2/personal-data"),
    ("POST", f"{V1}/customers/{{code}}/personal-data/erase"): staff_only(
        "POST", "/customers/CUST2/personal-data/erase", {"reason": "x"}),
}


def actions() -> list[Action]:
    """Each action works on a record of its own at the right stage (role_scene)."""
    case_body = {"customer": "CUST1", "subject": "Late again", "category": "late_delivery"}
    return [
        Action("open case", CUSTOMER_DESK, "POST", "/cases", case_body),
        Action("read cases", ALL, "GET", "/cases"),
        Action("read a case", ALL, "GET", "/cases/{svc_case_logged}"),
        Action("acknowledge", DESK, "POST", "/cases/{svc_case_logged}/acknowledge", {"note": "on it"}),
        Action("investigate", DESK, "POST", "/cases/{svc_case_ack}/investigate", {}),
        Action("wait on customer", DESK, "POST", "/cases/{svc_case_ack2}/wait-on-customer", {"note": "which site?"}),
        Action("resume", DESK, "POST", "/cases/{svc_case_waiting}/resume", {}),
        Action("case note", CUSTOMER_DESK, "POST", "/cases/{svc_case_ack3}/notes", {"note": "by {who}"}),
        Action("root cause", DESK, "POST", "/cases/{svc_case_ack3}/root-cause",
               {"root_cause": "picking_error", "department": "picking"}),
        Action("recovery", DESK, "POST", "/cases/{svc_case_ack4}/recovery-actions",
               {"kind": "goodwill", "note": "voucher", "cost": "10.00"}),
        Action("resolve case", DESK, "POST", "/cases/{svc_case_ack5}/resolve", {"resolution": "done"}),
        Action("follow up", DESK, "POST", "/cases/{svc_case_resolved}/follow-up", {}),
        Action("reopen", DESK, "POST", "/cases/{svc_case_resolved2}/reopen", {"note": "still broken"}),
        Action("close case", DESK, "POST", "/cases/{svc_case_followed}/close", {}),
        Action("assign", DESK, "POST", "/cases/{svc_case_ack6}/assign", {"queue": "general"}),
        Action("request return", CUSTOMER_DESK, "POST", "/returns",
               {"order": "{svc_order_ref}", "lines": [{"line_no": 1, "qty": 1, "reason": "not_needed"}]}),
        Action("read returns", ALL, "GET", "/returns"),
        Action("authorise return", DESK, "POST", "/returns/{svc_ret_requested}/authorise", {}),
        Action("refuse return", DESK, "POST", "/returns/{svc_ret_requested2}/refuse", {"reason": "no"}),
        Action("receive return", RECEIVERS, "POST", "/returns/{svc_ret_authorised}/receive",
               {"lines": [{"line_id": "{svc_ret_authorised_line}", "qty": 1}]}),
        Action("inspect return", RECEIVERS, "POST", "/returns/{svc_ret_received}/inspect",
               {"dispositions": [{"line_id": "{svc_ret_received_line}", "disposition": "scrap", "qty": 1}]}),
        Action("resolve return", DESK, "POST", "/returns/{svc_ret_inspected}/resolve", {"resolution": "replacement"}),
        Action("non-sellable stock", STAFF, "GET", "/nonsellable-stock"),
        Action("read surveys", ALL, "GET", "/surveys"),
        Action("answer survey", CUSTOMER_DESK, "POST", "/surveys/{svc_survey}/answer", {"score": 4}),
        Action("feedback", CUSTOMER_DESK, "POST", "/feedback",
               {"customer": "CUST1", "touchpoint": "delivery", "score": 5}),
        Action("CSAT report", STAFF, "GET", "/csat"),
        Action("service setup", ALL, "GET", "/service/setup"),
        Action("set calendar", MANAGERS, "PUT", "/service/calendars/CAL-{who}",
               {"name": "Shifts", "timezone": "Europe/Warsaw", "hours": {"mon": ["06:00-22:00"]},
                "holidays": [{"day": "2026-12-25", "name": "Christmas"}]}),
        Action("set SLA policy", MANAGERS, "PUT", "/service/sla-policies/P-{who}",
               {"service_package": "B", "priority": "low", "first_response_minutes": 60, "resolution_minutes": 600,
                "calendar": "STANDARD", "escalation": [{"level": 1, "role": "team_lead", "after_minutes": 0}]}),
        Action("set returns policy", MANAGERS, "PUT", "/service/return-policies/R-{who}",
               {"name": "Strict", "window_days": 14, "allowed_reasons": ["damaged", "defective"]}),
        Action("account rep", MANAGERS, "PUT", "/customers/CUST1/account-rep", {"username": "cs_agent-user"}),
        Action("SLA run", MANAGERS, "POST", "/service/sla/run"),
        Action("export personal data", MANAGERS, "GET", "/customers/CUST1/personal-data"),
        Action("erase personal data", MANAGERS, "POST", "/customers/CUST2/personal-data/erase",
               {"reason": "asked by the customer"}),
    ]


def role_scene(env) -> dict:
    _carriers(env)
    order_id = delivered(env, "CUST1", 10)
    ids: dict = {"svc_order_ref": str(order_id)}
    for name, stage in [("logged", "logged"), ("ack", "acknowledged"), ("ack2", "acknowledged"),
                        ("ack3", "acknowledged"), ("ack4", "acknowledged"), ("ack5", "acknowledged"),
                        ("ack6", "acknowledged"), ("waiting", "waiting"), ("resolved", "resolved"),
                        ("resolved2", "resolved"), ("followed", "follow_up")]:
        ids[f"svc_case_{name}"] = case_at(env, "CUST1", stage, order_id)
    ids["svc_survey"] = _survey_of(env, case_at(env, "CUST1", "follow_up"))
    for name, stage in [("requested", "requested"), ("requested2", "requested"), ("authorised", "authorised"),
                        ("received", "received"), ("inspected", "inspected")]:
        ids[f"svc_ret_{name}"] = return_at(env, order_id, stage)
    for name in ("authorised", "received"):
        ids[f"svc_ret_{name}_line"] = get_return(env.uow, SYSTEM, ids[f"svc_ret_{name}"])["lines"][0]["id"]
    return ids
