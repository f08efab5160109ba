"""Property: any sequence of payments and credits, applied by the domain's rules, keeps every invoice's books
(total − credited − paid − discount = open ≥ 0) and never puts more against an invoice than is open, nor more
cash than the payment holds. Refused instructions change nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from ordercare.domain.cash import Allocation, OpenItem, plan_auto, plan_explicit
from ordercare.domain.errors import ValidationFailed

D0 = date(2026, 3, 2)
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))


@dataclass
class Book:
    item: OpenItem
    total: Decimal
    credited: Decimal = Decimal("0")
    paid: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")


invoice = st.builds(lambda total, issued, pct: (total, D0 + timedelta(days=issued), Decimal(pct)),
                    cents, st.integers(0, 40), st.sampled_from(["0", "2", "3", "4"]))
operation = st.one_of(
    st.tuples(st.just("pay"), cents, st.integers(0, 60), st.none()),
    st.tuples(st.just("pay"), cents, st.integers(0, 60),
              st.lists(st.tuples(st.integers(0, 5), cents), min_size=1, max_size=4)),
    st.tuples(st.just("credit"), cents, st.integers(0, 60), st.one_of(st.none(), st.integers(0, 5))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(invoice, min_size=1, max_size=6), st.lists(operation, min_size=1, max_size=12))
def test_any_sequence_keeps_the_books(invoices, operations):
    books = {}
    for i, (total, issued, pct) in enumerate(invoices, 1):
        books[i] = Book(OpenItem(i, f"INV-{i}", issued, issued + timedelta(30), total, total, pct,
                                 issued + timedelta(10) if pct else None), total)
    for kind, amount, day, target in operations:
        on = D0 + timedelta(days=day)
        is_credit = kind == "credit"
        open_items = [b.item for b in books.values() if b.item.open_amount > 0]
        before = {k: (b.item.open_amount, b.paid, b.credited, b.discount) for k, b in books.items()}
        try:
            if is_credit and target is not None:
                scope = [b.item for b in books.values() if b.item.invoice_id == target + 1 and b.item.open_amount > 0]
                plan = plan_auto(amount, scope, on, with_discount=False)
            elif is_credit or target is None:
                plan = plan_auto(amount, open_items, on, with_discount=not is_credit)
            else:
                allocations = [Allocation(t % len(books) + 1, a) for t, a in target]
                by_id = {b.item.invoice_id: b.item for b in books.values()}
                plan = plan_explicit(amount, by_id, allocations, on)
        except ValidationFailed:
            after = {k: (b.item.open_amount, b.paid, b.credited, b.discount) for k, b in books.items()}
            assert after == before  # planning writes nothing
            continue
        used = sum((a.settlement.cash for a in plan), Decimal("0"))
        assert used <= amount, "more cash applied than the payment holds"
        for a in plan:
            b = books[a.invoice_id]
            s = a.settlement
            assert s.cash >= 0 and s.discount >= 0
            assert s.settled <= b.item.open_amount, "more settled than open"
            if is_credit:
                assert s.discount == 0
                b.credited += s.cash
            else:
                b.paid += s.cash
                b.discount += s.discount
            # Discount only within the discount days of the invoice, judged by the day paid.
            if s.discount:
                assert b.item.discount_until is not None and on <= b.item.discount_until
            b.item = replace(b.item, open_amount=b.item.open_amount - s.settled,
                             discount_base=b.total - b.credited)
        for b in books.values():
            assert b.total - b.credited - b.paid - b.discount == b.item.open_amount >= 0
