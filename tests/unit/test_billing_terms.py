"""Payment terms, early-payment discounts, rounding, tax totals and cash application — worked numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ordercare.domain.cash import Allocation, OpenItem, check_currency, plan_auto, plan_explicit
from ordercare.domain.credit_notes import CreditLine, check_credit_request
from ordercare.domain.errors import ValidationFailed
from ordercare.domain.invoicing import (
    Invoicing, closed_through, invoice_number, parse_invoice_number, period_of, totals,
)
from ordercare.domain.payment_terms import PaymentTerms, early_payment_discount, settle

D = Decimal
ISSUED = date(2026, 3, 2)
TWO_TEN_NET_30 = PaymentTerms("2/10 net 30", D("2"), 10, 30)


def day(n: int) -> date:
    return ISSUED + timedelta(days=n)


def pay(open_amount: str, paid_on: date, offered: str, *, terms=TWO_TEN_NET_30, base: str | None = None):
    return settle(open_amount=D(open_amount), discount_base=D(base or open_amount), discount_pct=terms.discount_pct,
                  discount_until=terms.discount_until(ISSUED), paid_on=paid_on, offered=D(offered))


class TestTerms:
    def test_dates_of_2_10_net_30(self):
        assert TWO_TEN_NET_30.discount_until(ISSUED) == date(2026, 3, 12)
        assert TWO_TEN_NET_30.due_on(ISSUED) == date(2026, 4, 1)

    def test_net_terms_have_no_discount_date(self):
        net30 = PaymentTerms("net 30", D("0"), 0, 30)
        assert net30.discount_until(ISSUED) is None and not net30.has_discount

    def test_paid_on_day_9_settles_1000_with_980(self):
        s = pay("1000.00", day(9), "980.00")
        assert (s.cash, s.discount, s.settled) == (D("980.00"), D("20.00"), D("1000.00"))

    def test_paid_on_day_11_the_whole_1000_is_due(self):
        s = pay("1000.00", day(11), "980.00")
        assert (s.cash, s.discount) == (D("980.00"), D("0"))  # a partial payment: 20.00 stays open
        assert pay("1000.00", day(11), "1000.00").settled == D("1000.00")

    def test_day_10_is_still_within_the_discount_days(self):
        assert pay("1000.00", day(10), "1000.00").discount == D("20.00")

    def test_paying_1000_on_day_9_leaves_20_unused(self):
        s = pay("1000.00", day(9), "1000.00")
        assert (s.cash, s.discount) == (D("980.00"), D("20.00"))

    def test_a_partial_payment_in_the_window_earns_nothing_yet_but_the_rest_in_the_window_does(self):
        first = pay("1000.00", day(3), "500.00")
        assert (first.cash, first.discount) == (D("500.00"), D("0"))
        second = pay("500.00", day(8), "480.00", base="1000.00")
        assert (second.cash, second.discount) == (D("480.00"), D("20.00"))  # 980.00 in all, as in one payment

    def test_textbook_packages(self):
        for pct, expected in (("4", "960.00"), ("3", "970.00"), ("2", "980.00")):
            terms = PaymentTerms(f"{pct}/10 net 30", D(pct), 10, 30)
            assert pay("1000.00", day(5), "1000.00", terms=terms).cash == D(expected)

    def test_discount_rounds_half_up_to_the_cent(self):
        assert early_payment_discount(D("1234.25"), D("2")) == D("24.69")  # 24.685
        assert early_payment_discount(D("0.25"), D("2")) == D("0.01")  # 0.005
        assert early_payment_discount(D("0.24"), D("2")) == D("0.00")  # 0.0048

    def test_credit_notes_lower_the_discount_base(self):
        s = pay("900.00", day(5), "900.00", base="900.00")  # 1000.00 invoice, 100.00 credited
        assert (s.cash, s.discount) == (D("882.00"), D("18.00"))

    def test_nothing_offered_or_nothing_open_settles_nothing(self):
        assert pay("0.00", day(1), "10.00").settled == 0
        assert pay("10.00", day(1), "0.00").settled == 0


class TestTotals:
    def test_tax_is_rounded_once_per_rate(self):
        # Ten lines of 0.05 at 21 %: per line 0.0105 -> 0.01 each would be 0.10; per rate 0.50 × 21 % = 0.105,
        # half-up 0.11.
        t = totals([(D("0.05"), D("21"))] * 10)
        assert (t.net, t.tax, t.total) == (D("0.50"), D("0.11"), D("0.61"))
        # Seven lines of 0.07 at 21 %: per line 7 × 0.01 = 0.07; per rate 0.49 × 21 % = 0.1029 -> 0.10.
        assert totals([(D("0.07"), D("21"))] * 7).tax == D("0.10")

    def test_rates_are_grouped_and_half_up(self):
        t = totals([(D("30.00"), D("21")), (D("20.00"), D("9")), (D("12.50"), D("21.00"))])
        assert [(g.rate, g.net, g.tax) for g in t.groups] == [(D("9.00"), D("20.00"), D("1.80")),
                                                              (D("21.00"), D("42.50"), D("8.93"))]  # 8.925 up
        assert t.total == D("62.50") + D("10.73")

    def test_no_lines_is_zero(self):
        assert totals([]).total == 0


class TestCashApplication:
    def items(self):
        return [OpenItem(1, "INV-1", day(0), day(30), D("100.00"), D("100.00"), D("2"), day(10)),
                OpenItem(2, "INV-2", day(-40), day(-10), D("50.00"), D("50.00"), D("2"), day(-30)),
                OpenItem(3, "INV-3", day(1), day(31), D("80.00"), D("80.00"), D("0"), None)]

    def test_oldest_due_first_with_the_discount_where_it_is_earned(self):
        plan = plan_auto(D("200.00"), self.items(), day(5))
        assert [(a.invoice_id, a.settlement.cash, a.settlement.discount) for a in plan] == [
            (2, D("50.00"), D("0")), (1, D("98.00"), D("2.00")), (3, D("52.00"), D("0"))]

    def test_over_payment_leaves_cash_unapplied(self):
        plan = plan_auto(D("500.00"), self.items(), day(5))
        assert sum(a.settlement.cash for a in plan) == D("228.00")

    def test_explicit_allocations_apply_exactly(self):
        items = {i.invoice_id: i for i in self.items()}
        plan = plan_explicit(D("150.00"), items, [Allocation(3, D("80.00")), Allocation(1, D("60.00"))], day(5))
        assert [(a.invoice_id, a.settlement.cash, a.settlement.discount) for a in plan] == [
            (3, D("80.00"), D("0")), (1, D("60.00"), D("0"))]

    @pytest.mark.parametrize("allocations, code, field", [
        ([Allocation(1, D("99.00"))], "more_than_open", "allocations[0].amount"),  # 98.00 settles it on day 5
        ([Allocation(2, D("50.00")), Allocation(3, D("80.00")), Allocation(1, D("21.00"))], "more_than_available",
         "allocations[2].amount"),
        ([Allocation(3, D("10.00")), Allocation(3, D("10.00"))], "duplicate_invoice", "allocations[1].invoice"),
        ([Allocation(3, D("-1.00"))], "invalid_amount", "allocations[0].amount"),
        ([Allocation(3, D("0.001"))], "invalid_amount", "allocations[0].amount"),
    ])
    def test_bad_allocations_name_the_line(self, allocations, code, field):
        items = {i.invoice_id: i for i in self.items()}
        with pytest.raises(ValidationFailed) as exc:
            plan_explicit(D("150.00"), items, allocations, day(5))
        assert (exc.value.code, exc.value.field) == (code, field)
        assert field.split(".")[0] in exc.value.message

    def test_credit_earns_no_discount(self):
        plan = plan_auto(D("100.00"), self.items()[:1], day(5), with_discount=False)
        assert (plan[0].settlement.cash, plan[0].settlement.discount) == (D("100.00"), D("0"))


class TestPeriodsAndNumbers:
    def test_weekly_and_monthly_periods(self):
        assert period_of(date(2026, 3, 4), Invoicing.WEEKLY) == (date(2026, 3, 2), date(2026, 3, 8))
        assert period_of(date(2026, 2, 14), Invoicing.MONTHLY) == (date(2026, 2, 1), date(2026, 2, 28))

    def test_closed_through(self):
        assert closed_through(date(2026, 4, 15), Invoicing.MONTHLY) == date(2026, 3, 31)
        assert closed_through(date(2026, 3, 31), Invoicing.MONTHLY) == date(2026, 3, 31)
        assert closed_through(date(2026, 3, 11), Invoicing.WEEKLY) == date(2026, 3, 8)  # a Wednesday
        assert closed_through(date(2026, 3, 8), Invoicing.WEEKLY) == date(2026, 3, 8)  # a Sunday
        assert closed_through(date(2026, 3, 11), Invoicing.PER_SHIPMENT) == date(2026, 3, 11)

    def test_invoice_numbers(self):
        assert invoice_number(42) == "INV-0000042"
        for ref in ("INV-0000042", "inv-42", "42", " 42 "):
            assert parse_invoice_number(ref) == 42
        for ref in ("INV-", "INV-x", "²", "0", "-1", "9" * 12, "SO-42"):
            assert parse_invoice_number(ref) is None


class TestChecks:
    def test_credit_request(self):
        assert check_credit_request(reason="r", source="return", lines=[CreditLine("x", D("1.00"))]).value == "return"
        with pytest.raises(ValidationFailed) as exc:
            check_credit_request(reason="r", source="return", lines=[CreditLine("", D("1.00"))])
        assert exc.value.field == "lines[0].description"

    @pytest.mark.parametrize("bad", ["eur", "EURO", "E1R", "", "€€€"])
    def test_currency(self, bad):
        with pytest.raises(ValidationFailed) as exc:
            check_currency(bad)
        assert exc.value.code == "invalid_currency"
