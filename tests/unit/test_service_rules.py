"""Case procedure, returns policy and quantities, dispositions, CSAT scores (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercare.domain import cases, returns
from ordercare.domain.cases import CaseStatus as C
from ordercare.domain.errors import InvalidTransition, ValidationFailed
from ordercare.domain.fulfilment import Department
from ordercare.domain.returns import DEFAULT_POLICY, Disposition, ReturnPolicy, ReturnStatus as R
from ordercare.domain.satisfaction import check_score, check_touchpoint

PROCEDURE = [C.LOGGED, C.ACKNOWLEDGED, C.INVESTIGATING, C.RESOLVED, C.FOLLOW_UP, C.CLOSED]


def test_the_procedure_runs_in_order():
    for a, b in zip(PROCEDURE, PROCEDURE[1:]):
        cases.check_transition(a, b)


@pytest.mark.parametrize("current, target", [
    (C.LOGGED, C.RESOLVED), (C.LOGGED, C.CLOSED), (C.ACKNOWLEDGED, C.CLOSED), (C.INVESTIGATING, C.CLOSED),
    (C.RESOLVED, C.CLOSED), (C.CLOSED, C.INVESTIGATING), (C.WAITING_ON_CUSTOMER, C.RESOLVED),
    (C.LOGGED, C.WAITING_ON_CUSTOMER),
])
def test_steps_cannot_be_skipped(current, target):
    with pytest.raises(InvalidTransition) as exc:
        cases.check_transition(current, target)
    assert exc.value.code == "invalid_transition" and exc.value.data == {"current": current, "target": target}


def test_waiting_on_the_customer_returns_to_work_and_a_case_can_be_reopened():
    cases.check_transition(C.INVESTIGATING, C.WAITING_ON_CUSTOMER)
    cases.check_transition(C.WAITING_ON_CUSTOMER, C.INVESTIGATING)
    cases.check_transition(C.RESOLVED, C.INVESTIGATING)
    cases.check_transition(C.FOLLOW_UP, C.INVESTIGATING)


@given(st.lists(st.sampled_from(list(C)), min_size=1, max_size=12))
def test_closed_is_reached_only_through_follow_up(path):
    state = C.LOGGED
    for target in path:
        try:
            cases.check_transition(state, target)
        except InvalidTransition:
            continue
        if target is C.CLOSED:
            assert state is C.FOLLOW_UP
        state = target


def test_closing_needs_root_cause_and_department():
    for cause, dept in [(None, None), ("carrier_damage", None), (None, "transport"), ("", "")]:
        with pytest.raises(ValidationFailed) as exc:
            cases.check_close(cause, dept)
        assert (exc.value.code, exc.value.field) == ("root_cause_required", "root_cause")
    cases.check_close("carrier_damage", "transport")


def test_root_cause_suggests_the_department_and_checks_it():
    assert cases.check_root_cause("carrier_damage", None) == (cases.RootCause.CARRIER_DAMAGE, Department.TRANSPORT)
    assert cases.check_root_cause("picking_error", "replenishment")[1] is Department.REPLENISHMENT
    for cause, dept, code in [("gremlins", None, "unknown_root_cause"), ("other", "marketing", "unknown_department")]:
        with pytest.raises(ValidationFailed) as exc:
            cases.check_root_cause(cause, dept)
        assert exc.value.code == code
    # Every root cause has a department, and the list of departments is the one short picks use.
    assert set(cases.USUAL_DEPARTMENT) == set(cases.RootCause)
    assert {"transport", "picking", "replenishment", "billing", "supplier"} <= {d.value for d in Department}


@pytest.mark.parametrize("channel, rep, expected", [
    ("dedicated rep", 7, ("key_accounts", 7)),
    ("dedicated rep", None, ("key_accounts", None)),
    ("next available rep", 7, ("general", None)),
    ("through web site", None, ("portal", None)),
])
def test_routing_by_service_channel(channel, rep, expected):
    assert cases.route(channel, rep) == expected


def test_costs_and_refs():
    assert cases.check_cost(Decimal("12.50")) == Decimal("12.50")
    for bad in (Decimal("-1"), Decimal("0.001")):
        with pytest.raises(ValidationFailed):
            cases.check_cost(bad)
    assert cases.case_number(42) == "CS-0000042"
    assert cases.parse_ref("cs-42", "CS") == 42 and cases.parse_ref("42", "CS") == 42
    assert cases.parse_ref("CS-²", "CS") is None and cases.parse_ref("RMA-1", "CS") is None


POLICY = ReturnPolicy("P", 30, 365, frozenset({"damaged", "not_needed", "warranty", "defective"}), Decimal("15"))


def test_policy_window_reasons_and_fee():
    delivered = date(2026, 3, 1)
    ok = returns.evaluate(POLICY, "not_needed", delivered, date(2026, 3, 31))
    assert ok.allowed and ok.fee_pct == Decimal("15")
    late = returns.evaluate(POLICY, "not_needed", delivered, date(2026, 4, 1))
    assert not late.allowed and "window is 30 days" in late.problems[0]
    assert returns.evaluate(POLICY, "damaged", delivered, date(2026, 3, 10)).fee_pct == 0  # our fault: no fee
    assert returns.evaluate(POLICY, "warranty", delivered, date(2026, 12, 1)).allowed  # the warranty window
    assert not returns.evaluate(POLICY, "wrong_item", delivered, date(2026, 3, 2)).allowed  # reason not accepted
    assert returns.restocking_fee(Decimal("10.00"), 3, Decimal("15")) == Decimal("4.50")
    assert returns.restocking_fee(Decimal("3.33"), 1, Decimal("15")) == Decimal("0.50")
    returns.check_policy(DEFAULT_POLICY)


def test_bad_policies():
    for p, code in [
        (ReturnPolicy("X", -1, 0, frozenset(), Decimal(0)), "invalid_window"),
        (ReturnPolicy("X", 1, 0, frozenset(), Decimal(101)), "invalid_fee"),
        (ReturnPolicy("X", 1, 0, frozenset({"bored"}), Decimal(1)), "unknown_reason"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            returns.check_policy(p)
        assert exc.value.code == code


def test_return_quantities():
    returns.check_return_qty("lines[0].qty", qty=3, delivered=5, already=2)
    with pytest.raises(ValidationFailed) as exc:
        returns.check_return_qty("lines[0].qty", qty=4, delivered=5, already=2)
    assert (exc.value.code, exc.value.field) == ("return_more_than_delivered", "lines[0].qty")
    assert exc.value.data == {"delivered": 5, "already_returned": 2}
    with pytest.raises(ValidationFailed) as exc:
        returns.check_receipt_qty("lines[0].qty", qty=2, authorised=3, received=2)
    assert exc.value.code == "receive_more_than_authorised"


def test_a_disposition_needs_a_received_unit():
    assert returns.check_disposition("d[0]", disposition="scrap", qty=1, received=1, disposed=0) is Disposition.SCRAP
    with pytest.raises(ValidationFailed) as exc:
        returns.check_disposition("d[0]", disposition="scrap", qty=1, received=1, disposed=1)
    assert (exc.value.code, exc.value.field) == ("unit_not_received", "d[0].qty")
    with pytest.raises(ValidationFailed) as exc:
        returns.check_disposition("d[0]", disposition="sell_on_ebay", qty=1, received=1, disposed=0)
    assert exc.value.code == "unknown_disposition"


def test_only_restock_is_sellable_and_every_other_disposition_has_a_bucket():
    assert returns.SELLABLE == {Disposition.RESTOCK}
    assert set(returns.BUCKETS) == {"inspection"} | {d.value for d in Disposition} - {"restock"}


def test_return_statuses():
    for a, b in [(R.REQUESTED, R.AUTHORISED), (R.AUTHORISED, R.RECEIVED), (R.RECEIVED, R.INSPECTED),
                 (R.INSPECTED, R.RESOLVED), (R.REQUESTED, R.REFUSED)]:
        returns.check_transition(a, b)
    for a, b in [(R.REQUESTED, R.RECEIVED), (R.REFUSED, R.AUTHORISED), (R.RECEIVED, R.RESOLVED)]:
        with pytest.raises(InvalidTransition):
            returns.check_transition(a, b)


@pytest.mark.parametrize("score", [0, 6, -1, 100, True, 2.5, "5"])
def test_csat_outside_one_to_five_is_refused(score):
    with pytest.raises(ValidationFailed) as exc:
        check_score(score)
    assert (exc.value.code, exc.value.field) == ("invalid_score", "score")


def test_csat_scores_and_touchpoints():
    assert [check_score(s) for s in range(1, 6)] == [1, 2, 3, 4, 5]
    assert check_touchpoint("delivery").value == "delivery"
    with pytest.raises(ValidationFailed):
        check_touchpoint("lunch")
