"""Profitability segments through the real services: customers move zones when their ordering changes; the
what-if of another pattern; thresholds configured or the medians of the period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordercare.analytics.what_if import Scenario
from ordercare.domain.errors import ValidationFailed
from ordercare.services.costing_setup import set_thresholds
from ordercare.services.profitability import profitability_report, what_if_report
from tests.services.costing_helpers import STEADY, ordering_history
from tests.services.service_helpers import MANAGER, snapshot

D = Decimal
FIRST = (date(2026, 3, 2), date(2026, 3, 29))
SECOND = (date(2026, 3, 30), date(2026, 4, 26))


def _zones(report) -> dict[str, tuple]:
    return {p["customer"]: (p["previous"]["zone"] if p["previous"] else None, p["zone"], p["movement"])
            for p in report["points"]}


@pytest.fixture
def switched(env):
    """SWITCH goes from 8 rushed single units by phone to what the PROTECT customers do: 3 portal orders of 20."""
    ordering_history(env, STEADY["PROTECT"])
    return env


def test_a_customer_that_orders_less_often_through_the_portal_leaves_the_danger_zone(switched):
    env = switched
    r = profitability_report(env.uow, env.clock, MANAGER, date_from=SECOND[0], date_to=SECOND[1])
    zones = _zones(r)
    assert zones["SWITCH"] == ("danger_zone", "protect", "improved")
    for i in (1, 2, 3):
        assert zones[f"BUILD{i}"] == ("build", "build", "same")
        assert zones[f"PROTECT{i}"] == ("protect", "protect", "same")
        assert zones[f"ENGINEER{i}"] == ("cost_engineer", "cost_engineer", "same")
    # Medians of each period. The second: ten customers, the 5th and 6th are PROTECT-like (276.00 of net sales
    # value: 60 units × (10.00 − 6.00) + 3 × 12.00 freight invoiced; 72.60 to serve: 3 × (portal 3.00 + a line
    # 1.20 + a shipment 8.00 + freight 12.00)), so they sit on both thresholds and ties favour the customer.
    th = r["thresholds"]
    assert (th["net_sales_value"], th["cost_to_serve"], th["value_source"]) == (D("276.00"), D("72.60"), "median")
    switch = next(p for p in r["points"] if p["customer"] == "SWITCH")
    assert (switch["x"], switch["y"]) == (D("276.00"), D("72.60"))
    # In the first period: 8 × (10.00 − 6.00 + 7.50 freight invoiced) of value; to serve 8 × (phone 15.00 + line
    # 1.20 + shipment 8.00 + parcel 7.50 + expedite 25.00).
    assert (switch["previous"]["x"], switch["previous"]["y"]) == (D("92.00"), D("453.60"))
    assert [z["customers"] for z in r["zones"]] == [4, 3, 3, 0]  # protect, build, cost engineer, danger zone
    assert {(m["from"], m["to"]): m["customers"] for m in r["movements"]}[("danger_zone", "protect")] == 1
    assert [x["code"] for x in switch["recommendations"]] == ["zone_protect"]

    before = profitability_report(env.uow, env.clock, MANAGER, date_from=FIRST[0], date_to=FIRST[1],
                                  customer="SWITCH")
    [p] = before["points"]
    assert (p["zone"], p["movement"]) == ("danger_zone", "new")
    codes = {x["code"]: x for x in p["recommendations"]}
    assert set(codes) >= {"zone_danger_zone", "move_channel", "order_less_often", "small_order_fee", "expedite_fee"}
    assert codes["expedite_fee"]["estimate"] == D("200.00")  # 8 expedites × 25.00
    assert codes["move_channel"]["estimate"] == D("116.00")  # 8 × (15.00 − 0.50 by EDI)


def test_configured_thresholds_replace_the_medians(switched):
    env = switched
    set_thresholds(env.uow, MANAGER, {"value_threshold": D("100.00"), "cost_threshold": D("100.00")})
    r = profitability_report(env.uow, env.clock, MANAGER, date_from=SECOND[0], date_to=SECOND[1])
    assert (r["thresholds"]["net_sales_value"], r["thresholds"]["value_source"]) == (D("100.00"), "configured")
    assert _zones(r)["SWITCH"] == ("danger_zone", "protect", "improved")
    given = profitability_report(env.uow, env.clock, MANAGER, date_from=SECOND[0], date_to=SECOND[1],
                                 value_threshold=D("500.00"), cost_threshold=D("50.00"))
    assert _zones(given)["ENGINEER1"][1] == "danger_zone" and given["thresholds"]["cost_source"] == "given"
    set_thresholds(env.uow, MANAGER, {"value_threshold": None, "cost_threshold": None})
    again = profitability_report(env.uow, env.clock, MANAGER, date_from=SECOND[0], date_to=SECOND[1])
    assert again["thresholds"]["value_source"] == "median"
    before = snapshot(env)
    for changes, code in [({"cost_threshold": D("-1")}, "negative_threshold"), ({"colour": 1}, "unknown_field"),
                          ({"value_threshold": D("1.001")}, "invalid_amount")]:
        with pytest.raises(ValidationFailed) as exc:
            set_thresholds(env.uow, MANAGER, changes)
        assert exc.value.code == code
    assert snapshot(env) == before


def test_what_if_monthly_through_the_portal(switched):
    env = switched
    r = what_if_report(env.uow, env.clock, MANAGER, customer="SWITCH", date_from=FIRST[0], date_to=FIRST[1],
                       scenario=Scenario(channel="portal", frequency="monthly"))
    # 28 days -> one monthly order of the 8 units: portal 3.00 + a line 1.20 + a shipment 8.00 + the period's
    # freight kept (8 × 7.50) + 8 expedites × 1/8 -> 1 × 25.00.
    assert r["current"]["cost_to_serve"] == D("453.60") and r["current"]["zone"] == "danger_zone"
    assert (r["what_if"]["orders"], r["what_if"]["orders_by_channel"]) == (1, {"portal": 1})
    assert r["what_if"]["cost_to_serve"] == D("3.00") + D("1.20") + D("8.00") + D("60.00") + D("25.00")
    assert r["change"] == D("97.20") - D("453.60")
    assert "becomes 97.20 instead of 453.60" in r["statement"]
    no_rush = what_if_report(env.uow, env.clock, MANAGER, customer="SWITCH", date_from=FIRST[0], date_to=FIRST[1],
                             scenario=Scenario(channel="portal", frequency="monthly", expedites=False))
    assert no_rush["what_if"]["cost_to_serve"] == D("72.20") and no_rush["what_if"]["zone"] == "build"
    with pytest.raises(ValidationFailed) as exc:  # nothing ordered in the second period's … previous year
        what_if_report(env.uow, env.clock, MANAGER, customer="SWITCH", date_from=date(2025, 3, 2),
                       date_to=date(2025, 3, 29), scenario=Scenario(channel="portal"))
    assert exc.value.code == "no_orders_in_period"
