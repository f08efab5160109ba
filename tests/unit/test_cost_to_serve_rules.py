"""Activity-based costing, profitability zones and the what-if as pure rules (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercare.analytics.activity_rates import (
    DEFAULT_MINUTES,
    DEFAULT_RATES,
    RateBook,
    check_minutes,
    check_rate,
    rate_from_pool,
)
from ordercare.analytics.cost_to_serve import Drivers, NetSales, price
from ordercare.analytics.profitability import (
    Thresholds,
    Zone,
    median,
    movement,
    recommendations,
    thresholds_for,
    zone_of,
)
from ordercare.analytics.what_if import Scenario, what_if
from ordercare.domain.delivery_windows import DeliveryWindow, check_window
from ordercare.domain.errors import ValidationFailed

D = Decimal
BOOK = RateBook(DEFAULT_RATES, DEFAULT_MINUTES)


def test_a_rate_is_the_cost_pool_divided_by_the_driver_volume():
    assert rate_from_pool("24000.00", "1600") == D("15.0000")  # order desk: cost per phone order
    assert rate_from_pool("9000.00", "750") == D("12.0000")  # sales desk: cost per inquiry / quote
    assert rate_from_pool("3000.00", "150") == D("20.0000")  # credit controller: cost per credit check
    assert rate_from_pool("1000.00", "3") == D("333.3333")  # to 4 decimals, half-up
    r = check_rate("order_entry", "edi", pool_cost="1000.00", driver_volume="2000")
    assert (r.rate, r.pool_cost, r.driver_volume) == (D("0.5000"), D("1000.00"), D("2000"))


@pytest.mark.parametrize("kw, code, field", [
    ({"rate": "-0.01"}, "negative_rate", "rates[0].rate"),
    ({"pool_cost": "-1", "driver_volume": "5"}, "negative_rate", "rates[0].pool_cost"),
    ({"pool_cost": "10", "driver_volume": "-5"}, "invalid_driver_volume", "rates[0].driver_volume"),
    ({"pool_cost": "10"}, "missing_field", "rates[0].driver_volume"),
    ({}, "missing_field", "rates[0].rate"),
    ({"rate": "NaN"}, "invalid_number", "rates[0].rate"),
    ({"rate": "1.00001"}, "too_precise", "rates[0].rate"),
])
def test_bad_rates_are_named_by_field(kw, code, field):
    with pytest.raises(ValidationFailed) as exc:
        check_rate("line_pick", "", **kw)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert field in exc.value.message


def test_qualifiers_are_channels_of_channel_rated_activities_only():
    assert check_rate("quote", "portal", rate="2").qualifier == "portal"
    with pytest.raises(ValidationFailed) as exc:
        check_rate("line_pick", "phone", rate="1")
    assert exc.value.code == "unknown_qualifier"
    with pytest.raises(ValidationFailed) as exc:
        check_minutes("category", "alien_abduction", "5")
    assert exc.value.code == "unknown_category"
    with pytest.raises(ValidationFailed) as exc:
        check_minutes("event", "note", "-5")
    assert exc.value.code == "negative_rate"


def test_a_channel_without_its_own_rate_takes_the_default():
    book = RateBook([check_rate("order_entry", "", rate="10"), check_rate("order_entry", "edi", rate="0.5")], [])
    assert (book.rate("order_entry", "edi"), book.rate("order_entry", "fax"), book.rate("line_pick")) == (
        D("0.5"), D("10"), D("0"))


def test_costs_by_activity_for_a_small_phone_customer():
    d = Drivers(quotes={"phone": 2}, orders={"phone": 4}, credit_checks=1, expedites=1, lines_picked=5, shipments=4,
                freight=D("30.00"), returns=1, cases={"damaged_goods": 1}, case_events={"note": 1, "logged": 1},
                recovery_cost=D("25.00"), discount_taken=D("0.90"), money_days=D("1790.00"), order_lines=5,
                distinct_skus=2, order_value=D("90.00"))
    c = price(d, NetSales(gross_sales=D("90.00"), cost_of_goods=D("48.00")), BOOK)
    costs = {a.activity: a.cost for a in c.activities}
    assert costs["order_entry"] == D("60.00") and costs["quote"] == D("24.00")
    assert costs["case_handling"] == D("30.00")  # (35 + 5 + 0 minutes) × 0.75
    assert costs["receivables_carrying"] == D("0.39")  # 1,790 × 0.08 / 365 = 0.392…
    assert c.cost_to_serve == sum(costs.values())
    assert c.profit == D("42.00") - c.cost_to_serve


def test_no_activity_is_zero_and_ratios_are_not_available():
    c = price(Drivers(), NetSales(), BOOK)
    assert c.cost_to_serve == 0 and c.profit == 0
    assert c.measures() == {"orders": 0, "cost_per_order": None, "average_order_value": None,
                            "cost_to_serve_pct_of_revenue": None, "profit_pct_of_revenue": None}


def test_zones_and_ties_at_the_threshold_favour_the_customer():
    th = Thresholds(D("100.00"), D("50.00"), "given", "given")
    assert zone_of(D("150"), D("20"), th) is Zone.PROTECT
    assert zone_of(D("50"), D("20"), th) is Zone.BUILD
    assert zone_of(D("150"), D("80"), th) is Zone.COST_ENGINEER
    assert zone_of(D("50"), D("80"), th) is Zone.DANGER_ZONE
    assert zone_of(D("100.00"), D("50.00"), th) is Zone.PROTECT  # on both thresholds: high value, low cost
    assert zone_of(D("99.99"), D("50.01"), th) is Zone.DANGER_ZONE
    assert zone_of(D("1"), D("1"), Thresholds(None, None, "median", "median")) is None


def test_medians_and_movements():
    assert median([]) is None
    assert median([D("3"), D("1"), D("2")]) == D("2.00")
    assert median([D("1"), D("2"), D("3"), D("10")]) == D("2.50")
    t = thresholds_for([D("1"), D("3")], [D("5")], cost=D("7"))
    assert (t.value, t.value_source, t.cost, t.cost_source) == (D("2.00"), "median", D("7"), "given")
    assert movement(Zone.DANGER_ZONE, Zone.BUILD) == "improved"
    assert movement(Zone.BUILD, Zone.PROTECT) == "improved"
    assert movement(Zone.PROTECT, Zone.COST_ENGINEER) == "worsened"
    assert movement(Zone.BUILD, Zone.COST_ENGINEER) == "sideways"
    assert (movement(None, Zone.BUILD), movement(Zone.BUILD, None), movement(None, None)) == ("new", "gone", "same")


@given(st.lists(st.decimals(min_value=-1000, max_value=100000, places=2), min_size=1, max_size=40),
       st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=40))
def test_every_customer_gets_exactly_one_zone_and_the_median_splits_them(values, costs):
    n = min(len(values), len(costs))
    values, costs = values[:n], costs[:n]
    th = thresholds_for(values, costs)
    zones = [zone_of(v, c, th) for v, c in zip(values, costs, strict=True)]
    assert all(z in Zone for z in zones)
    high_value = sum(z in (Zone.PROTECT, Zone.COST_ENGINEER) for z in zones)
    assert high_value * 2 >= n  # at least half are at or above the median value


def _phone_weekly() -> Drivers:
    return Drivers(orders={"phone": 12}, lines_picked=36, shipments=12, freight=D("90.00"), expedites=3,
                   credit_checks=0, order_lines=36, distinct_skus=3, order_value=D("1200.00"))


def test_what_if_monthly_through_the_portal():
    c = price(_phone_weekly(), NetSales(gross_sales=D("1200.00"), cost_of_goods=D("700.00")), BOOK)
    after = what_if(c, BOOK, Scenario(channel="portal", frequency="monthly"), days=91)
    d = after.drivers
    assert d.orders == {"portal": 3}  # 91 days ÷ 30.44 = 2.99 -> 3 orders
    assert (d.order_lines, d.lines_picked, d.shipments, d.expedites) == (9, 9, 3, 1)  # 3 SKUs each; 3 × 3/12 -> 1
    assert d.freight == D("90.00")  # kept: the same weight to the same place
    assert after.cost_to_serve == D("3") * 3 + D("1.20") * 9 + D("8") * 3 + D("90") + D("25")
    assert after.sales == c.sales and after.cost_to_serve < c.cost_to_serve
    no_rush = what_if(c, BOOK, Scenario(orders=12, expedites=False), days=91)
    assert no_rush.drivers.expedites == 0 and no_rush.drivers.orders == {"phone": 12}


def test_what_if_needs_orders_and_one_way_to_count_them():
    c = price(Drivers(), NetSales(), BOOK)
    with pytest.raises(ValidationFailed) as exc:
        what_if(c, BOOK, Scenario(channel="portal"), days=30)
    assert exc.value.code == "no_orders_in_period"
    for s, code, field in [(Scenario(frequency="weekly", orders=3), "conflicting_scenario", "orders"),
                           (Scenario(channel="pigeon"), "unknown_channel", "channel"),
                           (Scenario(frequency="hourly"), "unknown_frequency", "frequency"),
                           (Scenario(orders=0), "out_of_range", "orders"),
                           (Scenario(order_value=D("-5")), "out_of_range", "order_value")]:
        with pytest.raises(ValidationFailed) as exc:
            s.check()
        assert (exc.value.code, exc.value.field) == (code, field)


def test_danger_zone_recommendations_name_the_levers_with_estimates():
    c = price(_phone_weekly(), NetSales(gross_sales=D("1200.00"), cost_of_goods=D("1150.00")), BOOK)
    recs = {r["code"]: r for r in recommendations(Zone.DANGER_ZONE, c, BOOK, weekly_orders=4)}
    assert set(recs) >= {"zone_danger_zone", "move_channel", "order_less_often", "expedite_fee"}
    assert recs["move_channel"]["estimate"] == D("12") * (D("15") - D("0.5"))  # to EDI, the cheapest
    assert recs["expedite_fee"]["estimate"] == D("75.00")
    assert [r["code"] for r in recommendations(Zone.PROTECT, c, BOOK, weekly_orders=4)] == ["zone_protect"]


def test_delivery_windows():
    day, week = DeliveryWindow("B", "day"), DeliveryWindow("C", "week")
    from datetime import date
    wed = date(2026, 3, 11)
    assert day.bounds(wed) == (wed, wed)
    assert week.bounds(wed) == (date(2026, 3, 9), date(2026, 3, 15))
    assert [week.verdict(d, wed) for d in (date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 15),
                                           date(2026, 3, 16))] == ["early", "within", "within", "late"]
    assert day.verdict(None, wed) == "late" and day.verdict(wed, None) is None
    assert DeliveryWindow("B", "day", 1, 2).bounds(wed) == (date(2026, 3, 10), date(2026, 3, 13))
    with pytest.raises(ValidationFailed) as exc:
        check_window("B", "hour", 0, 0)
    assert exc.value.code == "unknown_basis"
    with pytest.raises(ValidationFailed) as exc:
        check_window("B", "day", -1, 0)
    assert exc.value.field == "days_before"
