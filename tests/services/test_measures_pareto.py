"""The root-cause Pareto through the real pipeline: each failed order charged to the department that caused it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordercare.domain.errors import Forbidden, ValidationFailed
from ordercare.metrics.periods import ReportRequest
from ordercare.services import case_recovery, cases, invoice_changes, returns, shipping
from ordercare.services.measure_report import pareto_report
from ordercare.services.shipping import DeliveryException
from tests.conftest import START
from tests.factories import carriers, world
from tests.services.measure_helpers import order_lines_of, place_many, release_and_pick, ship_all, shipment_lines_of
from tests.services.service_helpers import customer_actor

D0 = START.date()


def pareto_history(env) -> dict[str, int]:
    """Six orders of CUST1 on one shipment from NEAR:
    A  2 x SKU-A, one short-picked (replenishment); the other unit comes from MID days after the promise;
    B  damaged on arrival; a case finds packing damage and gives a 25.00 voucher;
    C  damaged on arrival, nobody investigated;
    D  its invoice is disputed;
    E  fine (then partly returned as not needed: a return, not a failure);
    F  3 x SKU-C with 1 in stock: back-ordered when placed."""
    world(env, skus=("SKU-A", "SKU-B", "SKU-C"),
          stock={("NEAR", "SKU-A"): 2, ("MID", "SKU-A"): 5, ("NEAR", "SKU-B"): 10, ("NEAR", "SKU-C"): 1})
    carriers(env)
    names = "ABCDEF"
    ids = dict(zip(names, place_many(env, [("CUST1", [("SKU-A", 2)])] + [("CUST1", [("SKU-B", 1)])] * 4
                                     + [("CUST1", [("SKU-C", 3)])]), strict=True))
    [near] = release_and_pick(env, "NEAR", {order_lines_of(env, ids["A"])[0]: (1, "replenishment")})
    invoices = ship_all(env, [near])
    line = {ln.order_id: ln.id for ln in shipment_lines_of(env, near)}
    env.clock.advance(days=1)
    shipping.deliver(env.uow, env.clock, env.actor, near, received_by="Goods-in", exceptions=[
        DeliveryException(line[ids["B"]], damaged=1), DeliveryException(line[ids["C"]], damaged=1)])
    env.clock.advance(days=3)
    [mid] = release_and_pick(env, "MID")
    ship_all(env, [mid])
    env.clock.advance(days=1)
    shipping.deliver(env.uow, env.clock, env.actor, mid, received_by="Goods-in")
    case = cases.open_case(env.uow, env.clock, env.actor, cases.CaseRequest(
        customer="CUST1", subject="box crushed", category="damaged_goods", order_id=ids["B"]))
    cases.acknowledge(env.uow, env.clock, env.actor, case)
    cases.record_root_cause(env.uow, env.clock, env.actor, case, root_cause="packing_damage")
    case_recovery.add_recovery(env.uow, env.clock, env.settings, env.actor, case,
                               case_recovery.Recovery("goodwill", note="voucher", cost=Decimal("25.00")))
    invoice_changes.raise_dispute(env.uow, env.clock, env.actor, invoices[near], category="wrong_quantity",
                                  description="billed twice", order_id=ids["D"])
    returns.request_return(env.uow, env.clock, env.actor, ids["E"], [returns.ReturnLineRequest(1, 1, "not_needed")])
    return ids


def test_failures_go_to_the_department_that_caused_them(env):
    pareto_history(env)
    p = pareto_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30)))
    assert p["failures"] == 6
    assert [(d["department"], d["failures"], d["by_kind"], d["cases"], d["recovery_cost"])
            for d in p["departments"]] == [
        ("replenishment", 2, {"not_filled": 1, "late": 1}, 0, Decimal("0")),  # the late delivery too
        ("packing", 1, {"damaged": 1}, 1, Decimal("25.00")),  # the investigation's finding
        ("billing", 1, {"documentation": 1}, 0, Decimal("0")),
        ("inventory_control", 1, {"not_filled": 1}, 0, Decimal("0")),
        ("transport", 1, {"damaged": 1}, 0, Decimal("0"))]
    assert [d["cumulative_share"] for d in p["departments"]] == pytest.approx([2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0])
    one_segment = pareto_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30),
                                                                              slice="segment"), key="B")
    assert one_segment["departments"] == p["departments"]
    other = pareto_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30),
                                                                        slice="segment"), key="A")
    assert other["departments"] == [] and other["failures"] == 0


def test_root_causes_are_for_staff_and_the_pareto_counts_orders(env):
    pareto_history(env)
    with pytest.raises(Forbidden):
        pareto_report(env.uow, env.clock, customer_actor(env), ReportRequest(D0, D0 + timedelta(days=30)))
    with pytest.raises(ValidationFailed) as err:
        pareto_report(env.uow, env.clock, env.actor, ReportRequest(D0, D0 + timedelta(days=30), slice="product"))
    assert (err.value.code, err.value.field) == ("slice_not_order_level", "slice")
