"""The inventory policy from the database's own history, on SQLite and PostgreSQL.

Eight weeks of orders (Monday day 0 to Sunday day 55), then the report on day 56 (a Monday, so the window is
exactly those eight weeks). SKU-A is ordered 10, 20, 30, 40, 10, 20, 30, 40 units in weeks 0-7: mean 25,
sample sd √(4 × (225 + 25) / 7) = 11.952. Three purchase orders for SKU-A are placed on day 0, expected on
day 10, and arrive on days 10, 12 and 14: lead time 12 ± 2 days, 2 days late on average. SKU-B is never
ordered (no demand history) and has its own configured lead time; SKU-C's only order was cancelled.
Products cost 6.00 and list at 10.00 (margin 4.00: a unit short costs 5.90 with the default outcomes).
"""

import json
import math
from decimal import Decimal

import pytest

from ordercare.analytics.stockout_cost import DEFAULT_OUTCOMES, StockoutOutcome
from ordercare.domain.errors import Forbidden, NotFound, ValidationFailed
from ordercare.services import inventory_policy as ip
from ordercare.services import orders as order_service
from ordercare.services import policy_settings as ps
from ordercare.services import receipts
from tests.factories import order, purchase, world
from tests.services.helpers import AGENT, receipt_ids, snapshot

WEEKLY_A = [10, 20, 30, 40, 10, 20, 30, 40]


def history(env) -> None:
    world(env, stock={("NEAR", "SKU-A"): 1000, ("NEAR", "SKU-C"): 10})
    rids = [receipt_ids(env, purchase(env, f"PO-{i}", "NEAR", [("SKU-A", 50)], days_out=10))[0] for i in range(3)]
    arrivals = {10: rids[0], 12: rids[1], 14: rids[2]}
    for d in range(56):
        if d % 7 == 0:
            order(env, [("SKU-A", WEEKLY_A[d // 7])])
        if d == 3:
            oid = order(env, [("SKU-C", 5)])
            order_service.cancel_order(env.uow, env.clock, env.settings, env.actor, oid, "mistake")
        if d in arrivals:
            receipts.receive(env.uow, env.clock, env.settings, env.actor, arrivals[d], 50)
        env.clock.advance(days=1)
    ps.set_product_lead_time(env.uow, env.actor, "SKU-B", lead_time_days=Decimal("21"),
                             lead_time_sd_days=Decimal("4"))


def report(env, **kw):
    return ip.policy_report(env.uow, env.clock, env.actor, weeks=8, **kw)


def test_demand_and_lead_time_come_from_the_history(env):
    history(env)
    r = report(env, target=ip.target_from(0.98, None))
    a, b, c = r["items"]
    assert (a["sku"], a["status"], a["demand_per_week"], a["demand_sd_per_week"], a["weeks_with_demand"]) == (
        "SKU-A", "ok", 25.0, 11.95, 8)
    assert (a["lead_time_days"], a["lead_time_sd_days"], a["lead_time_source"], a["receipts_observed"],
            a["supplier_late_days"]) == (12.0, 2.0, "history", 3, 2.0)
    assert (b["lead_time_days"], b["lead_time_sd_days"], b["lead_time_source"]) == (21.0, 4.0, "product")
    assert (c["lead_time_days"], c["lead_time_source"], c["demand_per_week"]) == (14.0, "default", 0.0)
    assert r["basis"]["window_start"].isoformat() == "2026-03-02" and r["basis"]["weeks"] == 8


def test_the_policy_for_a_target_fill_rate_by_hand(env):
    history(env)
    a = report(env, target=ip.target_from(0.98, None), skus=["SKU-A"])["items"][0]
    # μ_L = 25 × 12/7 = 42.86; σ_L = √(12/7 × 11.952² + 25² × (2/7)²) = √(244.90 + 51.02) = 17.20
    assert (a["lead_time_demand_mean"], a["lead_time_demand_sd"]) == (42.86, 17.2)
    # λ = 1,300/year, h = 0.25 × 6.00 = 1.50, K = 50: EOQ = √(2 × 50 × 1,300 / 1.5) = 294.39
    assert a["eoq"] == a["order_qty"] == 294.39
    assert a["fill_rate"] == 0.98
    assert a["reorder_point"] == pytest.approx(a["lead_time_demand_mean"] + a["safety_stock"], abs=0.011)
    assert float(a["inventory_investment"]) == pytest.approx((a["safety_stock"] + 294.39 / 2) * 6, abs=0.05)
    assert a["stockout_cost_per_unit"] == Decimal("5.90")
    # CSL* = 1 − hQ/(λB) = 1 − 1.5 × 294.39 / (1,300 × 5.90) = 0.94243
    assert a["optimal_cycle_service_level"] == pytest.approx(1 - 1.5 * 294.39 / (1300 * 5.9), abs=1e-4)


def test_a_sku_without_demand_gets_a_documented_fallback_never_a_nan(env):
    history(env)
    for target in (ip.target_from(0.98, None), ip.target_from(None, 0.95), ip.target_from(None, None)):
        r = report(env, target=target)
        json.dumps(r, default=str, allow_nan=False)  # raises on NaN or infinity anywhere
        b = r["items"][1]
        assert (b["status"], b["safety_stock"], b["order_qty"], b["inventory_investment"]) == (
            "no_demand_history", 0.0, 0.0, Decimal("0.00"))
        assert b["fill_rate"] is None and b["cycle_service_level"] is None
        assert r["summary"]["skus_without_demand"] == 2


def test_a_target_csl_and_the_profit_maximising_level(env):
    history(env)
    a = report(env, target=ip.target_from(None, 0.95), skus=["SKU-A"])["items"][0]
    assert a["cycle_service_level"] == 0.95
    assert a["safety_stock"] == pytest.approx(1.6449 * a["lead_time_demand_sd"], abs=0.01)
    best = report(env, target=ip.target_from(None, None), skus=["SKU-A"])["items"][0]
    assert best["cycle_service_level"] == best["optimal_cycle_service_level"]
    assert best["total_cost_per_year"] <= a["total_cost_per_year"]


def test_the_fill_rate_curve_and_the_stockout_cost(env):
    history(env)
    curve = ip.fill_rate_curve_report(env.uow, env.clock, env.actor, weeks=8)
    invest = [p["inventory_investment"] for p in curve["points"]]
    assert invest == sorted(invest) and invest[0] < invest[-1]
    assert curve["scope"] == "network" and curve["skus_without_demand"] == 2
    one = ip.fill_rate_curve_report(env.uow, env.clock, env.actor, sku="SKU-A", from_rate=0.9, to_rate=0.99,
                                    points=4, weeks=8)
    assert [p["fill_rate"] for p in one["points"]] == [0.9, 0.93, 0.96, 0.99]
    cost = ip.stockout_cost_report(env.uow, env.clock, env.actor, weeks=8, skus=["SKU-A"])
    assert [o["code"] for o in cost["outcomes"]] == ["back_order", "customer_waits", "lost_customer", "lost_sale"]
    assert cost["items"][0]["by_outcome"] == {"back_order": Decimal("0.90"), "customer_waits": Decimal("0.20"),
                                              "lost_customer": Decimal("4.00"), "lost_sale": Decimal("0.80")}
    # Dearer stockouts call for more safety stock.
    ps.set_stockout_outcomes(env.uow, env.actor, [
        StockoutOutcome("customer_waits", Decimal("0.1"), Decimal("0"), Decimal("0")),
        StockoutOutcome("back_order", Decimal("0.1"), Decimal("0"), Decimal("0")),
        StockoutOutcome("lost_sale", Decimal("0.3"), Decimal("0"), Decimal("1")),
        StockoutOutcome("lost_customer", Decimal("0.5"), Decimal("0"), Decimal("40"))])
    dearer = ip.stockout_cost_report(env.uow, env.clock, env.actor, weeks=8, skus=["SKU-A"])["items"][0]
    assert dearer["cost_per_unit_short"] == Decimal("81.20")  # 0.3 × 4 + 0.5 × 40 × 4
    assert dearer["optimal_safety_stock"] > cost["items"][0]["optimal_safety_stock"]


@pytest.mark.parametrize("call,code,field", [
    (lambda env: report(env, target=ip.target_from(0.98, 0.9)), "conflicting_targets", "target_csl"),
    (lambda env: report(env, target=ip.target_from(1.0, None)), "rate_out_of_range", "target_fill_rate"),
    (lambda env: report(env, target=ip.target_from(None, 0.0)), "rate_out_of_range", "target_csl"),
    (lambda env: ip.policy_report(env.uow, env.clock, env.actor, target=ip.target_from(None, None), weeks=1),
     "weeks_out_of_range", "weeks"),
    (lambda env: ip.fill_rate_curve_report(env.uow, env.clock, env.actor, from_rate=0.99, to_rate=0.9),
     "empty_range", "to_rate"),
    (lambda env: ps.update_policy_settings(env.uow, env.actor, {"holding_rate": Decimal("-0.1")}),
     "negative_rate", "holding_rate"),
    (lambda env: ps.set_product_lead_time(env.uow, env.actor, "SKU-A", lead_time_days=Decimal("-1"),
                                          lead_time_sd_days=Decimal("1")), "negative_rate", "lead_time_days"),
    (lambda env: ps.set_stockout_outcomes(env.uow, env.actor, list(DEFAULT_OUTCOMES[:3])), "incomplete_outcomes",
     "outcomes"),
])
def test_bad_input_is_refused_and_changes_nothing(env, call, code, field):
    world(env)
    before = snapshot(env)
    with pytest.raises(ValidationFailed) as exc:
        call(env)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.message.startswith(field + ":")
    assert snapshot(env) == before
    assert ps.get_policy_settings(env.uow, env.actor)["holding_rate"] == Decimal("0.25")


def test_an_unknown_sku_is_not_found_and_agents_may_not_read_analytics(env):
    world(env)
    with pytest.raises(NotFound) as exc:
        report(env, target=ip.target_from(None, None), skus=["NOPE"])
    assert (exc.value.code, exc.value.field) == ("unknown_sku", "sku")
    with pytest.raises(Forbidden):
        ip.policy_report(env.uow, env.clock, AGENT, target=ip.target_from(None, None))
    with pytest.raises(Forbidden):
        ps.update_policy_settings(env.uow, AGENT, {"order_cost": Decimal("1")})


def test_settings_change_the_policy(env):
    history(env)
    before = report(env, target=ip.target_from(0.98, None), skus=["SKU-A"])["items"][0]
    ps.update_policy_settings(env.uow, env.actor, {"order_cost": Decimal("200.00"), "min_receipts": 4})
    after = report(env, target=ip.target_from(0.98, None), skus=["SKU-A"])["items"][0]
    assert after["eoq"] == pytest.approx(math.sqrt(2 * 200 * 1300 / 1.5), abs=0.01)  # 588.78
    assert after["lead_time_source"] == "default"  # three receipts are no longer enough
    assert after["safety_stock"] != before["safety_stock"]
