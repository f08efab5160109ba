"""Safety stock, fill rate and EOQ: the worked examples of docs/inventory-policy.md, computed by hand, and the
invariants that must hold for any SKU (hypothesis).

Hand computation of the (Q, R) example: D = 2,500/week, σ_D = 500, L = 2 weeks, Q = 10,000, R = 6,000.
  μ_L = 2,500 × 2 = 5,000;  σ_L = √2 × 500 = 707.107;  ss = R − μ_L = 1,000;  z = 1,000 / 707.107 = 1.41421
  CSL = Φ(1.41421) = 0.92135
  ESC = σ_L·L(z) = 707.107 × (φ(1.41421) − 1.41421 × (1 − 0.92135)) = 707.107 × (0.146763 − 0.111226) = 25.13
  fill rate = 1 − 25.13 / 10,000 = 0.99749
EOQ: √(2 × 8 × 1,300 / 0.225) = √92,444.4 = 304.05.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.analytics import inventory_policy as ip
from ordercare.analytics import normal_loss as nl
from ordercare.domain.errors import ValidationFailed

SIGMA_L = 500 * math.sqrt(2)


def test_lead_time_demand_of_the_worked_example():
    mu, sigma = ip.lead_time_demand(2500, 500, 2)
    assert mu == 5000
    assert sigma == pytest.approx(707.107, abs=1e-3)


def test_worked_example_safety_stock_csl_shortage_and_fill_rate():
    ss = 6000 - 5000
    assert ip.cycle_service_level(ss, SIGMA_L) == pytest.approx(0.9214, abs=5e-5)
    assert ip.expected_shortage(ss, SIGMA_L) == pytest.approx(25.13, abs=5e-3)
    assert ip.fill_rate(ss, SIGMA_L, 10_000) == pytest.approx(0.9975, abs=5e-5)


def test_the_targets_give_back_the_safety_stock_of_the_worked_example():
    assert ip.safety_stock_for_csl(0.921350, SIGMA_L) == pytest.approx(1000, abs=0.1)
    fr = float(ip.fill_rate(1000, SIGMA_L, 10_000))
    assert ip.safety_stock_for_fill_rate(fr, SIGMA_L, 10_000) == pytest.approx(1000, abs=1e-6)


def test_eoq_worked_example():
    assert ip.eoq(8, 1300, 0.225) == pytest.approx(304.05, abs=5e-3)


def test_normal_loss_by_hand_at_zero_and_symmetry():
    # L(0) = φ(0) = 1/√(2π); L(−z) = L(z) + z.
    assert nl.loss(0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    z = np.linspace(-4, 4, 17)
    assert np.allclose(nl.loss(-z), nl.loss(z) + z)


def test_inverse_loss_round_trips_over_the_whole_range_at_once():
    targets = np.logspace(-14, 0.8, 200)
    z = nl.inverse_loss(targets)
    assert np.allclose(nl.loss(z), targets, rtol=1e-9)


def test_optimal_service_level_by_hand():
    # h = 0.25 × 6.00 = 1.50 per unit-year, Q = 10,000, λ = 130,000/year, B = 5.90 per unit short:
    # CSL* = 1 − 1.5 × 10,000 / (130,000 × 5.90) = 1 − 15,000 / 767,000 = 0.980443.
    assert ip.optimal_csl(1.5, 10_000, 130_000, 5.9) == pytest.approx(0.980443, abs=1e-6)
    # Stockouts that cost nothing deserve no safety stock; a ceiling keeps the answer finite.
    assert ip.optimal_csl(1.5, 10_000, 130_000, 0.0) == 0.5
    assert ip.optimal_csl(1e-9, 1, 1e9, 1e9) == 0.9999


def test_no_uncertainty_means_no_safety_stock_and_full_service():
    assert ip.safety_stock_for_fill_rate(0.99, 0.0, 100) == 0
    assert ip.cycle_service_level(0, 0.0) == 1
    assert ip.fill_rate(0, 0.0, 100) == 1


def test_a_target_that_cycle_stock_already_meets_needs_no_safety_stock():
    # σ_L = 10, Q = 10,000: at ss = 0 the fill rate is 1 − 10 × 0.3989 / 10,000 = 0.9996 > 0.95.
    assert ip.safety_stock_for_fill_rate(0.95, 10.0, 10_000) == 0
    assert ip.safety_stock_for_csl(0.30, 10.0) == 0


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, float("nan"), float("inf")])
def test_a_target_outside_zero_one_is_refused(bad):
    with pytest.raises(ValidationFailed) as exc:
        ip.check_rate("target_fill_rate", bad)
    assert (exc.value.code, exc.value.field) == ("rate_out_of_range", "target_fill_rate")
    assert exc.value.message.startswith("target_fill_rate: must be strictly between 0 and 1")


def test_negative_rates_are_refused_with_their_position():
    with pytest.raises(ValidationFailed) as exc:
        ip.check_non_negative("demand_sd", [1.0, 2.0, -3.0])
    assert (exc.value.code, exc.value.field, exc.value.data) == ("negative_rate", "demand_sd", {"position": 2})


def test_stockpyl_agrees_when_it_is_installed():
    """stockpyl is a test-only oracle, not a dependency (see docs/inventory-policy.md): checked where present."""
    loss_functions = pytest.importorskip("stockpyl.loss_functions")
    eoq_module = pytest.importorskip("stockpyl.eoq")
    n, _ = loss_functions.normal_loss(6000, 5000, SIGMA_L)
    assert ip.expected_shortage(1000, SIGMA_L) == pytest.approx(n, rel=1e-12)
    assert ip.eoq(8, 1300, 0.225) == pytest.approx(eoq_module.economic_order_quantity(8, 0.225, 1300)[0])


# --- invariants ---------------------------------------------------------------------------------------------------

sigmas = st.floats(min_value=0.1, max_value=1e5)
stocks = st.floats(min_value=0, max_value=1e5)
lots = st.floats(min_value=1, max_value=1e6)
rates = st.floats(min_value=0.5, max_value=0.99999)


@settings(max_examples=200, deadline=None)
@given(sigma=sigmas, ss=stocks, extra=st.floats(min_value=0, max_value=1e4), q=lots)
def test_more_safety_stock_never_lowers_fill_rate_or_csl(sigma, ss, extra, q):
    assert ip.fill_rate(ss + extra, sigma, q) >= ip.fill_rate(ss, sigma, q) - 1e-12
    assert ip.cycle_service_level(ss + extra, sigma) >= ip.cycle_service_level(ss, sigma) - 1e-12
    assert ip.expected_shortage(ss + extra, sigma) <= ip.expected_shortage(ss, sigma) + 1e-9


@settings(max_examples=200, deadline=None)
@given(sigma=sigmas, q=lots, a=rates, b=rates)
def test_a_higher_target_fill_rate_never_needs_less_safety_stock(sigma, q, a, b):
    lo, hi = sorted((a, b))
    assert ip.safety_stock_for_fill_rate(hi, sigma, q) >= ip.safety_stock_for_fill_rate(lo, sigma, q) - 1e-6 * sigma


@settings(max_examples=200, deadline=None)
@given(sigma=sigmas, q=lots, rate=rates)
def test_the_safety_stock_for_a_fill_rate_achieves_it(sigma, q, rate):
    ss = ip.safety_stock_for_fill_rate(rate, sigma, q)
    achieved = float(ip.fill_rate(ss, sigma, q))
    assert achieved >= rate - 1e-9
    if ss > 0:  # not floored at zero: exactly on target
        assert achieved == pytest.approx(rate, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(sigma=sigmas, ss=stocks, q=lots)
def test_results_are_finite_probabilities(sigma, ss, q):
    for value in (ip.fill_rate(ss, sigma, q), ip.cycle_service_level(ss, sigma)):
        assert np.isfinite(value) and 0 <= value <= 1


@settings(max_examples=100, deadline=None)
@given(k=st.floats(min_value=0.01, max_value=1e4), lam=st.floats(min_value=0.01, max_value=1e7),
       h=st.floats(min_value=0.001, max_value=1e3), f=st.floats(min_value=0.2, max_value=5))
def test_eoq_minimises_ordering_plus_holding_cost(k, lam, h, f):
    q = float(ip.eoq(k, lam, h))

    def cost(x):
        return k * lam / x + h * x / 2

    assert cost(q) <= cost(q * f) * (1 + 1e-12)
