"""Cost-to-serve through the real services: the worked example of docs/cost-to-serve.md, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercare.domain.errors import Forbidden, ValidationFailed
from ordercare.services.cost_to_serve import cost_to_serve_report
from ordercare.services.costing_setup import RateIn, costing_data, set_rates
from tests.services.costing_helpers import MARCH, phone_customer_march
from tests.services.helpers import AGENT
from tests.services.service_helpers import MANAGER, snapshot

D = Decimal


def _march(env, **kw):
    return cost_to_serve_report(env.uow, env.clock, MANAGER, date_from=MARCH[0], date_to=MARCH[1], **kw)


def test_the_worked_example_of_the_docs(env):
    phone_customer_march(env)
    rates = {(r["activity"], r["qualifier"]): r for r in costing_data(env.uow, MANAGER)["rates"]}
    # ABC: cost pool ÷ driver volume = the rate (cost per order by channel, per quote, per credit check).
    assert rates[("order_entry", "phone")]["rate"] == D("15.0000")
    assert (rates[("order_entry", "phone")]["pool_cost"], rates[("order_entry", "phone")]["driver_volume"]) == (
        D("24000.00"), D("1600.00"))
    assert rates[("order_entry", "portal")]["rate"] == D("3.0000")
    assert rates[("quote", "phone")]["rate"] == D("12.0000")
    assert rates[("credit_check", "")]["rate"] == D("20.0000")
    assert rates[("case_handling", "")]["rate"] == D("0.7500")

    [c] = _march(env)["items"]
    assert c["customer"] == "CUST1"
    got = {a["activity"]: (a["volume"], a["cost"]) for a in c["activities"]}
    assert got == {
        "quote": (2, D("24.00")),  # 2 phone quotes × 12.00
        "order_entry": (4, D("60.00")),  # 4 phone orders × 15.00
        "credit_check": (1, D("20.00")),  # 1 order reviewed × 20.00
        "expedite": (1, D("25.00")),  # wanted in 2 days on a 7-day package × 25.00
        "line_pick": (5, D("6.00")),  # 2 + 1 + 1 + 1 lines × 1.20
        "shipment": (4, D("32.00")),  # 4 shipments × 8.00
        "freight": (D("30.00"), D("30.00")),  # 4 parcels ≤ 5 kg in zone 1 at 7.50, at cost
        "return": (1, D("30.00")),
        "case_handling": (D("50"), D("37.50")),  # damaged goods 35 min + a note 5 + a recovery 10, × 0.75
        "service_recovery": (D("25.00"), D("25.00")),
        "payment_discount": (D("0.90"), D("0.90")),  # 3 % of 30.00
        # 30.00 × 3 days (2–4 March) + 30.00 × 29 + 20.00 × 28 + 10.00 × 27 = 1,790.00 money-days × 8 % / 365
        "receivables_carrying": (D("1790.00"), D("0.39")),
    }
    assert c["cost_to_serve"] == D("290.79")
    # 9 units shipped at 10.00 (list price, no discount), 8 at cost 6.00 after the restocked one.
    assert c["net_sales"] == {"gross_sales": D("90.00"), "price_discounts": D("0.00"), "freight_charged": D("0.00"),
                              "returns_and_credits": D("0.00"), "revenue": D("90.00"), "cost_of_goods": D("48.00"),
                              "net_sales_value": D("42.00")}
    assert c["profit"] == D("-248.79")
    assert (c["orders"], c["cost_per_order"], c["average_order_value"]) == (4, D("72.70"), D("22.50"))
    assert c["cost_to_serve_pct_of_revenue"] == D("323.10")


def test_a_period_without_orders_gives_zeros_and_na(env):
    phone_customer_march(env)
    empty = cost_to_serve_report(env.uow, env.clock, MANAGER, date_from=MARCH[0].replace(year=2025),
                                 date_to=MARCH[1].replace(year=2025))
    assert empty["items"] == [] and empty["total"]["cost_to_serve"] == D("0.00")
    one = cost_to_serve_report(env.uow, env.clock, MANAGER, date_from=MARCH[0].replace(year=2025),
                               date_to=MARCH[1].replace(year=2025), customer="CUST1")
    [c] = one["items"]
    assert c["cost_to_serve"] == D("0.00") and c["profit"] == D("0.00")
    assert (c["cost_per_order"], c["average_order_value"], c["cost_to_serve_pct_of_revenue"]) == (None, None, None)


def test_negative_rates_and_bad_periods_are_refused_and_change_nothing(env):
    phone_customer_march(env)
    before = snapshot(env)
    for kw, code, field in [
        ({"rates": [RateIn("phone", rate="-1")]}, "negative_rate", "rates[0].rate"),
        ({"rates": [RateIn("phone", pool_cost="-5", driver_volume="10")]}, "negative_rate", "rates[0].pool_cost"),
        ({"rates": [RateIn("phone", pool_cost="5", driver_volume="0")]}, "invalid_driver_volume",
         "rates[0].driver_volume"),
        ({"rates": [RateIn("fax", rate="1")]}, "unknown_qualifier", "rates[0].qualifier"),
        ({"rates": [RateIn("", rate="1", pool_cost="1", driver_volume="1")]}, "conflicting_rate", "rates[0].rate"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            set_rates(env.uow, env.clock, MANAGER, "order_entry", **kw)
        assert (exc.value.code, exc.value.field) == (code, field)
    with pytest.raises(ValidationFailed) as exc:
        set_rates(env.uow, env.clock, MANAGER, "teleportation", [RateIn("", rate="1")])
    assert exc.value.code == "unknown_activity"
    with pytest.raises(ValidationFailed) as exc:
        _march(env, customer="NOPE")
    assert (exc.value.code, exc.value.field) == ("unknown_customer", "customer")
    with pytest.raises(ValidationFailed) as exc:
        cost_to_serve_report(env.uow, env.clock, MANAGER, date_from=MARCH[1], date_to=MARCH[0])
    assert exc.value.code == "invalid_period"
    assert snapshot(env) == before
    with pytest.raises(Forbidden):  # the firm's costs and margins: not for the order desk
        cost_to_serve_report(env.uow, env.clock, AGENT, date_from=MARCH[0], date_to=MARCH[1])


def test_the_worked_what_if_of_the_docs(env):
    """The same March, ordered once through the portal: quotes 2 × 2.00, one order 3.00, 2 lines (one per SKU)
    1.20 each, one shipment 8.00, the same 30.00 of freight, no credit check or expedite left (1/4 rounds to 0),
    returns, cases and payments unchanged: 141.19."""
    from ordercare.analytics.what_if import Scenario
    from ordercare.services.profitability import what_if_report
    phone_customer_march(env)
    r = what_if_report(env.uow, env.clock, MANAGER, customer="CUST1", date_from=MARCH[0], date_to=MARCH[1],
                       scenario=Scenario(channel="portal", frequency="monthly"))
    assert r["current"]["cost_to_serve"] == D("290.79")
    after = r["what_if"]["activities"]
    assert (after["quote"], after["order_entry"], after["line_pick"], after["shipment"], after["credit_check"],
            after["expedite"]) == (D("4.00"), D("3.00"), D("2.40"), D("8.00"), D("0.00"), D("0.00"))
    assert r["what_if"]["cost_to_serve"] == D("141.19") and r["change"] == D("-149.60")
