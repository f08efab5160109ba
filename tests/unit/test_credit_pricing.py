"""Credit check (domain/credit.py), prices and line amounts (domain/pricing.py), default packages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercare.domain.credit import CreditDecision, check_credit
from ordercare.domain.customers import DEFAULT_PACKAGES, CustomerKind, SourcingPolicy
from ordercare.domain.pricing import PriceBreak, line_amount, unit_price

D = Decimal


def credit(limit, receivables="0", orders="0", this="0", internal=False) -> CreditDecision:
    return check_credit(limit=None if limit is None else D(limit), open_receivables=D(receivables),
                        open_orders=D(orders), this_order=D(this), internal=internal)


class TestCredit:
    def test_below_limit_is_not_held(self):
        c = credit("1000", "400", "300", "299.99")
        assert c.exposure == D("999.99")
        assert c.limit == D("1000")
        assert c.hold is False
        assert c.excess == D("0")

    def test_exactly_at_limit_is_not_held(self):
        # 400 + 300 + 300 = 1000 = limit
        c = credit("1000", "400", "300", "300")
        assert c.exposure == D("1000")
        assert c.hold is False
        assert c.excess == D("0")

    def test_one_cent_over_limit_is_held(self):
        c = credit("1000", "400", "300", "300.01")
        assert c.exposure == D("1000.01")
        assert c.hold is True
        assert c.excess == D("0.01")

    def test_every_part_of_exposure_counts(self):
        assert credit("100", receivables="100.01").hold is True
        assert credit("100", orders="100.01").hold is True
        assert credit("100", this="100.01").hold is True

    def test_excess_worked_example(self):
        # 2,500 receivables + 1,200 open orders + 800 this order = 4,500 against 3,000 -> 1,500 over
        c = credit("3000", "2500", "1200", "800")
        assert c.exposure == D("4500")
        assert c.hold is True
        assert c.excess == D("1500")

    def test_zero_limit_holds_any_order(self):
        c = credit("0", this="0.01")
        assert c.hold is True
        assert c.excess == D("0.01")

    def test_internal_customer_never_held(self):
        c = credit("100", "5000", "5000", "5000", internal=True)
        assert c.hold is False
        assert c.limit is None
        assert c.exposure == D("15000")
        assert c.excess == D("0")

    def test_customer_without_limit_never_held(self):
        c = credit(None, "5000", "5000", "5000")
        assert c.hold is False
        assert c.limit is None
        assert c.exposure == D("15000")
        assert c.excess == D("0")


BREAKS = [PriceBreak(50, D("8.00")), PriceBreak(10, D("9.00")), PriceBreak(100, D("7.50"))]


class TestUnitPrice:
    @pytest.mark.parametrize(
        "qty, price",
        [(1, "10.00"), (9, "10.00"), (10, "9.00"), (49, "9.00"), (50, "8.00"), (99, "8.00"), (100, "7.50"),
         (10_000, "7.50")],
    )
    def test_largest_break_reached(self, qty, price):
        assert unit_price(D("10.00"), BREAKS, qty) == D(price)

    def test_no_breaks_is_list_price(self):
        assert unit_price(D("12.34"), [], 500) == D("12.34")

    def test_break_at_one_replaces_list_price(self):
        assert unit_price(D("12.34"), [PriceBreak(1, D("11.00"))], 1) == D("11.00")

    def test_break_may_be_above_list_price(self):
        # the customer's price list is what is charged, even when it is not a discount
        assert unit_price(D("5.00"), [PriceBreak(1, D("6.00"))], 3) == D("6.00")


class TestLineAmount:
    @pytest.mark.parametrize(
        "price, qty, amount",
        [
            ("0.125", 1, "0.13"),  # half-up, not banker's (0.12)
            ("3.335", 3, "10.01"),  # 10.005 -> 10.01
            ("2.675", 1, "2.68"),  # exact decimal, no float artefact (float gives 2.67)
            ("0.124", 1, "0.12"),
            ("0.005", 1, "0.01"),
            ("0.004", 1, "0.00"),
            ("9.99", 3, "29.97"),
            ("19.999", 7, "139.99"),  # 139.993
            ("1.115", 10, "11.15"),
            ("10", 2, "20.00"),
        ],
    )
    def test_rounded_half_up_to_the_cent(self, price, qty, amount):
        result = line_amount(D(price), qty)
        assert result == D(amount)
        assert str(result) == amount  # always two decimals

    def test_rounding_is_per_line(self):
        # two lines of 0.125 each round to 0.13: the order total is 0.26, not round(0.25) = 0.25
        assert line_amount(D("0.125"), 1) + line_amount(D("0.125"), 1) == D("0.26")


class TestCustomerDefaults:
    def test_policies_and_kinds(self):
        assert SourcingPolicy("nearest") is SourcingPolicy.NEAREST
        assert SourcingPolicy("single_warehouse") is SourcingPolicy.SINGLE_WAREHOUSE
        assert {k.value for k in CustomerKind} == {"external", "internal"}

    def test_default_packages_are_textbook_table_8_1(self):
        by_code = {p.code: p for p in DEFAULT_PACKAGES}
        assert set(by_code) == {"A", "B", "C"}
        a, b, c = by_code["A"], by_code["B"], by_code["C"]
        assert (a.fill_rate_target, a.lead_time_days, a.payment_terms) == (D("0.98"), 3, "4/10 net 30")
        assert (b.fill_rate_target, b.lead_time_days, b.payment_terms) == (D("0.92"), 7, "3/10 net 30")
        assert (c.fill_rate_target, c.lead_time_days, c.payment_terms) == (D("0.88"), 14, "2/10 net 30")
        assert a.delivery_window == "within 1 hour of request"
        assert b.delivery_window == "on day requested"
        assert c.delivery_window == "during week requested"
        assert (a.service_channel, b.service_channel, c.service_channel) == (
            "dedicated rep", "next available rep", "through web site")
        # A is served first when stock is short
        assert a.allocation_priority < b.allocation_priority < c.allocation_priority
