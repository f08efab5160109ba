"""The expected cost of a stockout and the policy plan of many SKUs at once (no database)."""

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.analytics import demand_history as dh
from ordercare.analytics.policy_plan import SkuInputs, Target, fill_rate_curve, plan
from ordercare.analytics.stockout_cost import DEFAULT_OUTCOMES, check_outcomes, cost_per_unit_short, outcome_costs
from ordercare.domain.errors import ValidationFailed


def test_expected_cost_of_a_stockout_by_hand():
    # Unit margin 4.00: waits 0.40 × 0.50 = 0.20; back-order 0.30 × 3.00 = 0.90; lost sale 0.20 × 1 × 4.00 = 0.80;
    # lost customer 0.10 × 10 × 4.00 = 4.00. Total 5.90 per unit short.
    parts = outcome_costs(DEFAULT_OUTCOMES, [4.0])
    assert {k: round(float(v[0]), 2) for k, v in parts.items()} == {
        "customer_waits": 0.20, "back_order": 0.90, "lost_sale": 0.80, "lost_customer": 4.00}
    assert cost_per_unit_short(DEFAULT_OUTCOMES, [4.0, -1.0]) == pytest.approx([5.90, 1.10])


def test_outcomes_must_be_the_four_with_probabilities_adding_up_to_one():
    check_outcomes(DEFAULT_OUTCOMES)
    cases = [
        (DEFAULT_OUTCOMES[:3], "incomplete_outcomes", "outcomes"),
        ((*DEFAULT_OUTCOMES[:3], replace(DEFAULT_OUTCOMES[3], probability=Decimal("0.2"))),
         "probabilities_do_not_add_up", "outcomes"),
        ((replace(DEFAULT_OUTCOMES[0], cost_per_unit=Decimal("-1")), *DEFAULT_OUTCOMES[1:]), "negative_rate",
         "outcomes[0].cost_per_unit"),
        ((replace(DEFAULT_OUTCOMES[0], probability=Decimal("1.4")), *DEFAULT_OUTCOMES[1:]), "rate_out_of_range",
         "outcomes[0].probability"),
        ((replace(DEFAULT_OUTCOMES[0], code="shrug"), *DEFAULT_OUTCOMES[1:]), "unknown_outcome", "outcomes[0].code"),
    ]
    for outcomes, code, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            check_outcomes(outcomes)
        assert (exc.value.code, exc.value.field) == (code, field)
        assert exc.value.message.startswith(field + ":")


def inputs(n=3, **over):
    base = dict(demand_mean=[2500, 0, 10][:n], demand_sd=[500, 0, 0][:n], lead_time=[2, 2, 1][:n],
                lead_time_sd=[0] * n, unit_cost=[6] * n, order_cost=[50] * n, holding_rate=[0.25] * n,
                stockout_cost=[5.9] * n)
    return SkuInputs(**(base | over))


def test_plan_for_a_target_fill_rate_hits_it_where_there_is_demand_and_stays_finite_elsewhere():
    p = plan(inputs(), Target("fill_rate", 0.99))
    assert p["fill_rate"][0] == pytest.approx(0.99)
    assert p["reorder_point"][0] == pytest.approx(5000 + p["safety_stock"][0])
    assert p["inventory_investment"][0] == pytest.approx((p["safety_stock"][0] + p["order_qty"][0] / 2) * 6)
    # No demand: nothing to stock. Constant demand: no safety stock needed.
    assert (p["safety_stock"][1], p["order_qty"][1], p["inventory_investment"][1]) == (0, 0, 0)
    assert p["safety_stock"][2] == 0 and p["fill_rate"][2] == 1
    assert all(np.isfinite(v).all() for v in p.values())


def test_the_profit_maximising_level_costs_no_more_than_any_target():
    inp = inputs(1)
    best = plan(inp, Target("optimal"))
    for rate in (0.9, 0.95, 0.99, 0.999):
        assert plan(inp, Target("fill_rate", rate))["total_cost_per_year"][0] >= \
            best["total_cost_per_year"][0] - 1e-6
    assert best["cycle_service_level"][0] == pytest.approx(best["optimal_cycle_service_level"][0])


def test_negative_inputs_and_bad_targets_are_refused():
    with pytest.raises(ValidationFailed) as exc:
        inputs(holding_rate=[0.25, -0.1, 0.25])
    assert (exc.value.code, exc.value.field) == ("negative_rate", "holding_rate")
    with pytest.raises(ValidationFailed) as exc:
        Target("fill_rate", 1.0)
    assert exc.value.field == "target_fill_rate"
    with pytest.raises(ValidationFailed) as exc:
        Target("service", 0.9)
    assert exc.value.code == "unknown_target"


def test_the_curve_rises_in_investment_as_the_fill_rate_rises():
    c = fill_rate_curve(inputs(), [0.9, 0.95, 0.99, 0.999])
    network = c["inventory_investment"].sum(axis=1)
    assert np.all(np.diff(network) > 0)
    # At 90 % cycle stock alone already gives 0.904 (no negative safety stock); above it, exactly on target.
    assert c["safety_stock"][0, 0] == 0 and c["fill_rate"][0, 0] == pytest.approx(0.9042, abs=1e-4)
    assert c["fill_rate"][1:, 0] == pytest.approx([0.95, 0.99, 0.999])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-10, 60), st.integers(1, 50)), max_size=60))
def test_weekly_demand_matches_a_plain_count(records):
    weeks = 8
    stats = dh.weekly_demand([r[0] for r in records], [r[1] for r in records], [r[2] for r in records], 5, weeks)
    for sku in range(5):
        series = [sum(q for s, d, q in records if s == sku and 0 <= d < 7 * weeks and d // 7 == w)
                  for w in range(weeks)]
        assert stats.mean[sku] == pytest.approx(np.mean(series))
        assert stats.sd[sku] == pytest.approx(np.std(series, ddof=1), abs=1e-9)
        assert stats.weeks_with_demand[sku] == sum(1 for x in series if x)


def test_lead_time_falls_back_to_the_product_then_the_default():
    observed = dh.lead_times([0, 0, 0, 1], [10, 12, 14, 9], [0, 2, 4, 1], 3)
    assert (observed.mean_days[0], observed.sd_days[0], observed.late_days[0]) == (12, 2, 2)
    mean, sd, source = dh.choose_lead_time(observed, 3, [20, 21, 14], [1, 2, 3], [False, True, False])
    assert list(mean) == [12, 21, 14] and list(sd) == [2, 2, 3]
    assert list(source) == ["history", "product", "default"]
