"""A new order's measures written out (metrics/placed.py) equal the general path: derive, Tally, summary rows."""

from __future__ import annotations

from datetime import date, timedelta
from operator import attrgetter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.metrics.tally import Tally
from ordercare.metrics.facts import LINE_COLUMNS, ORDER_COLUMNS, derive
from ordercare.metrics.placed import is_new, placed_rows
from ordercare.metrics.records import CaseLink, LineRecord, OrderRecord, ShipmentPart
from ordercare.store.measure_summary import summary_rows

D0 = date(2026, 12, 30)  # near a month's and a year's end: promises fall in the next ones
dates = st.one_of(st.none(), st.integers(0, 40).map(lambda n: D0 + timedelta(days=n)))


@st.composite
def new_lines(draw, n: int) -> tuple[LineRecord, ...]:
    out = []
    for i in range(n):
        qty = draw(st.integers(1, 50))
        from_stock = draw(st.sampled_from([qty, 0, qty // 2, qty + 3]))  # all, none, part; more is still "all"
        out.append(LineRecord(
            line_id=100 + i, product_id=draw(st.integers(1, 4)), qty=qty, qty_from_stock=from_stock,
            requested_date=draw(dates), first_promised_ship=draw(dates), first_promised_date=draw(dates),
            planned_warehouse_id=draw(st.sampled_from([None, 1, 2, 3]))))
    return tuple(out)


@st.composite
def new_orders(draw) -> OrderRecord:
    n = draw(st.integers(1, 6))
    return OrderRecord(
        order_id=draw(st.integers(1, 10**9)), ordered_on=D0 + timedelta(days=draw(st.integers(0, 3))),
        customer_id=draw(st.integers(1, 5)), segment=draw(st.sampled_from("ABC")),
        package=draw(st.sampled_from(["gold", "standard"])), customer_kind=draw(st.sampled_from(["external",
                                                                                               "internal"])),
        channel=draw(st.sampled_from(["api", "web", "edi"])), lead_time_days=draw(st.integers(1, 10)),
        cancelled=False, credit_held=draw(st.booleans()), first_promised_date=draw(dates), lines=draw(new_lines(n)))


def general(orders: list[OrderRecord]):
    tally, facts, lines = Tally(), [], []
    for o in orders:
        fact, line_facts = derive(o)
        tally.add(fact, line_facts)
        facts.append(attrgetter(*ORDER_COLUMNS)(fact))
        lines += [attrgetter(*LINE_COLUMNS)(f) for f in line_facts]
    return facts, lines, *summary_rows(tally)


@settings(max_examples=300, deadline=None)
@given(st.lists(new_orders(), min_size=0, max_size=4, unique_by=lambda o: o.order_id))
def test_new_orders_give_the_rows_of_the_general_path(orders):
    assert all(is_new(o) for o in orders)
    rows = placed_rows(orders)
    assert (rows.orders, rows.lines, rows.daily, rows.summed, rows.cycle, rows.failures) == tuple(general(orders))


def test_the_written_out_rows_see_a_back_order_and_its_failure():
    """Not only constants: a line short of stock makes the order unfilled and charged to inventory control."""
    line = LineRecord(1, 7, 10, 4, None, D0, D0, 2)
    order = OrderRecord(9, D0, 5, "A", "gold", "external", "api", 3, False, False, D0, (line,))
    rows = placed_rows([order])
    assert "o_fill_n" in rows.summed and "l_fill_n" in rows.summed and "u_fill_n" not in rows.summed
    assert {r[0] for r in rows.failures} == {"total", "customer", "customer@month", "customer@year", "segment",
                                             "package", "channel", "customer_kind"}
    assert all(r[3:] == ("not_filled", "inventory_control", 1) for r in rows.failures)


def test_an_order_with_history_is_not_new_and_is_refused():
    line = LineRecord(1, 7, 10, 10, None, D0, D0, 2)
    base = OrderRecord(9, D0, 5, "A", "gold", "external", "api", 3, False, False, D0, (line,))
    shipped = LineRecord(1, 7, 10, 10, None, D0, D0, 2, shipments=(ShipmentPart(1, 2, None, 10, None, 0, None, None),))
    assert is_new(base)
    for other in (base.__class__(**{**base.__dict__, "cancelled": True}),
                  base.__class__(**{**base.__dict__, "lines": (shipped,)}),
                  base.__class__(**{**base.__dict__, "lines": ()}),
                  base.__class__(**{**base.__dict__, "disputes": ("open",)}),
                  base.__class__(**{**base.__dict__, "cases": (CaseLink(1, "late_delivery", None),)})):
        assert not is_new(other)
        with pytest.raises(ValueError):
            placed_rows([base, other])
