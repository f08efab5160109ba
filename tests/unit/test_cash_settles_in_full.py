"""What settles an open invoice in full on a given day (what the payment forms and the invoice page offer):
docs/billing.md's 1,000.00 issued 2 March on 2/10 net 30, with and without a credit note, and after a part
payment. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from ordercare.domain.cash import OpenItem, plan_auto, settles_in_full

D = Decimal
UNTIL = date(2026, 3, 12)  # 2/10 from 2 March


def item(open_amount: str, base: str = "1000.00", pct: str = "2") -> OpenItem:
    return OpenItem(1, "INV-0000001", date(2026, 3, 2), date(2026, 4, 1), D(open_amount), D(base), D(pct), UNTIL,
                    "EUR")


def test_on_the_last_discount_day_980_settles_the_1000_and_the_day_after_1000():
    assert (settles_in_full(item("1000.00"), UNTIL).cash, settles_in_full(item("1000.00"), UNTIL).discount) == (
        D("980.00"), D("20.00"))
    late = settles_in_full(item("1000.00"), date(2026, 3, 13))
    assert (late.cash, late.discount) == (D("1000.00"), D("0.00"))


def test_after_a_credit_note_and_after_a_part_payment():
    # 100.00 credited: the base is 900.00, 18.00 off, 882.00 settles it.
    s = settles_in_full(item("900.00", base="900.00"), date(2026, 3, 5))
    assert (s.cash, s.discount) == (D("882.00"), D("18.00"))
    # 500.00 paid on day 3 (no discount yet): 480.00 on day 8 settles the rest, 20.00 off.
    s = settles_in_full(item("500.00"), date(2026, 3, 10))
    assert (s.cash, s.discount) == (D("480.00"), D("20.00"))


@given(st.integers(1, 10**8), st.integers(0, 10**8), st.sampled_from(["0", "2", "3", "4"]),
       st.integers(-5, 20))
def test_paying_what_it_shows_settles_the_invoice_exactly(open_cents, extra_cents, pct, day):
    """The amount shown, offered on that day, is what the cash application puts against it, leaving 0 open."""
    open_amount = D(open_cents) / 100
    it = item(str(open_amount), base=str(open_amount + D(extra_cents) / 100), pct=pct)
    paid_on = date.fromordinal(UNTIL.toordinal() + day - 10)
    shown = settles_in_full(it, paid_on)
    assume(shown.cash > 0)  # a discount as large as what is open leaves no cash to pay (not reachable by paying)
    [applied] = plan_auto(shown.cash, [it], paid_on)
    assert applied.settlement == shown and shown.settled == it.open_amount
