"""Lead-time offers of a quote line: which are made, their dates and prices; the package's expedite flag."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercare.domain.errors import ValidationFailed
from ordercare.domain.lead_time_offers import (
    DEFAULT_RULES,
    OfferBasis,
    OfferRule,
    adjusted_price,
    check_rule,
    is_expedite,
    line_offers,
    package_date,
)

D = date(2026, 3, 2)


def day(n: int) -> date:
    return date.fromordinal(D.toordinal() + n)


def offers(standard, earliest, package_day, rules=DEFAULT_RULES, price=Decimal("10.00"), qty=3):
    return [(o.code, o.delivery_date, o.unit_price, o.amount) for o in
            line_offers(list(rules), unit_price=price, qty=qty, standard=standard, earliest=earliest,
                        package_day=package_day)]


def test_a_line_delivered_at_the_earliest_date_is_offered_only_waiting():
    # ATP delivers on day 2; package C: 14 days. Express would be day 0, before ATP allows: not offered.
    assert offers(day(2), day(2), day(14)) == [
        ("ECONOMY", day(9), Decimal("9.70"), Decimal("29.10")),
        ("PACKAGE", day(14), Decimal("9.80"), Decimal("29.40")),
    ]


def test_a_later_requested_date_opens_express_down_to_the_atp_date():
    # Requested day 10, ATP could deliver day 2: express (day 8) is possible at +10 %.
    got = offers(day(10), day(2), day(7))
    assert got[0] == ("ECONOMY", day(17), Decimal("9.70"), Decimal("29.10"))
    assert got[1] == ("EXPRESS", day(8), Decimal("11.00"), Decimal("33.00"))
    # The package date (day 7) is earlier than the standard promise: a discount for it would pay for nothing.
    assert [g[0] for g in got] == ["ECONOMY", "EXPRESS"]


def test_no_offer_for_a_line_that_cannot_be_dated():
    assert offers(None, None, day(7)) == []


def test_rules_with_the_same_date_keep_the_first_by_code_and_inactive_rules_are_skipped():
    rules = [OfferRule("B-LATER", "b", OfferBasis.PROMISE, 5, Decimal("-1")),
             OfferRule("A-LATER", "a", OfferBasis.PACKAGE, 0, Decimal("-2")),
             OfferRule("C-OFF", "c", OfferBasis.PROMISE, 9, Decimal("-5"), active=False)]
    assert [o[0] for o in offers(day(2), day(2), day(7), rules)] == ["A-LATER"]


def test_price_adjustment_rounds_half_up_to_the_cent():
    assert adjusted_price(Decimal("9.99"), Decimal("2.5")) == Decimal("10.24")  # 10.23975
    assert adjusted_price(Decimal("0.05"), Decimal("-10")) == Decimal("0.05")  # 0.045 → 0.05


def test_expedite_is_a_requested_date_earlier_than_the_package_allows():
    p = package_date(D, 7)
    assert p == day(7)
    assert is_expedite(day(6), p) and not is_expedite(day(7), p) and not is_expedite(None, p)


@pytest.mark.parametrize("rule,field,code", [
    (OfferRule("x", "n", OfferBasis.PROMISE, 1, Decimal("1")), "offer_rule.code", "invalid_code"),
    (OfferRule("STANDARD", "n", OfferBasis.PROMISE, 1, Decimal("1")), "offer_rule.code", "reserved_code"),
    (OfferRule("A", "n", OfferBasis.PROMISE, 400, Decimal("1")), "offer_rule.days", "days_out_of_range"),
    (OfferRule("A", "n", OfferBasis.PROMISE, 1, Decimal("-95")), "offer_rule.price_adjustment_pct",
     "adjustment_out_of_range"),
    (OfferRule("A", "n", OfferBasis.PROMISE, 0, Decimal("5")), "offer_rule.days", "offer_changes_nothing"),
])
def test_bad_rules_are_refused(rule, field, code):
    with pytest.raises(ValidationFailed) as exc:
        check_rule(rule)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.message.startswith(field + ":")


@given(standard=st.integers(0, 60), lag=st.integers(0, 30), package=st.integers(0, 60),
       days=st.integers(-30, 30), pct=st.decimals(-90, 500, places=2), basis=st.sampled_from(list(OfferBasis)))
def test_every_offer_is_feasible_and_a_real_trade(standard, lag, package, days, pct, basis):
    earliest, std = day(standard), day(standard + lag)
    rule = OfferRule("R", "r", basis, days, pct)
    for code, when, price, _ in offers(std, earliest, day(package), [rule]):
        assert when >= earliest and when != std
        if pct > 0:
            assert when < std and price >= Decimal("10.00")
        if pct < 0:
            assert when > std and price <= Decimal("10.00")
