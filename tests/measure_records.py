"""Hypothesis strategies for the measures' input records: random orders with lines, shipments, returns,
disputes (shared by the unit tests of the counters and the summary tests on real databases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import strategies as st

from ordercare.metrics.records import LineRecord, OrderRecord, ShipmentPart

D0 = date(2026, 3, 2)
parts = st.builds(
    lambda sid, qty, picked, shipped, delivered, dmg: ShipmentPart(
        sid, sid % 3 + 1, sid % 2 + 1, qty, min(picked, qty), min(picked, qty) if shipped is not None else 0,
        D0 + timedelta(days=shipped) if shipped is not None else None,
        D0 + timedelta(days=shipped + delivered) if shipped is not None and delivered is not None else None,
        min(picked, qty) if shipped is not None and delivered is not None else 0, 0,
        min(dmg, min(picked, qty)) if delivered is not None else 0, 0, "picking" if picked < qty else None),
    # shipped: mostly within days of the order; sometimes weeks later, across the last cycle-time bin (15 days)
    st.integers(1, 9), st.integers(1, 8), st.integers(0, 8), st.none() | st.integers(0, 5) | st.integers(14, 19),
    st.none() | st.integers(0, 6), st.integers(0, 1))
lines = st.builds(
    lambda lid, qty, stock, promise, req, ps, rets: LineRecord(
        lid, lid % 4 + 1, qty, min(stock, qty), None if req is None else D0 + timedelta(days=req),
        D0 + timedelta(days=promise),
        D0 + timedelta(days=promise + 2), 1, tuple(ps), tuple(rets)),
    st.integers(1, 10 ** 6), st.integers(1, 8), st.integers(0, 8), st.integers(0, 6), st.none() | st.integers(0, 8),
    st.lists(parts, max_size=3), st.lists(st.tuples(st.sampled_from(["damaged", "wrong_item", "not_needed"]),
                                                    st.integers(1, 2)), max_size=2))


def order_versions(order_id: int):
    """Random states of one order (its lines numbered from order_id * 100)."""
    return st.builds(
        lambda day, ls, cancelled, held, disputes, seg: OrderRecord(
            order_id, D0 + timedelta(days=day), order_id % 5, seg, seg, "external", "web", 4, cancelled, held,
            D0 + timedelta(days=day + 3),
            tuple({ln.line_id: ln for ln in (_renumber(ln, order_id) for ln in ls)}.values()), tuple(disputes)),
        st.integers(0, 3), st.lists(lines, min_size=1, max_size=4), st.booleans(), st.booleans(),
        st.lists(st.sampled_from(["open", "rejected"]), max_size=1), st.sampled_from("ABC"))


def _renumber(line: LineRecord, order_id: int) -> LineRecord:
    return replace(line, line_id=order_id * 100 + line.line_id % 100)


orders = st.builds(
    lambda oid, day, ls, cancelled, held, disputes, seg: OrderRecord(
        oid, D0 + timedelta(days=day), oid % 5, seg, seg, "external", "web", 4, cancelled, held,
        D0 + timedelta(days=day + 3), tuple({ln.line_id: ln for ln in ls}.values()), tuple(disputes)),
    st.integers(1, 10 ** 6), st.integers(0, 3), st.lists(lines, min_size=1, max_size=4), st.booleans(),
    st.booleans(), st.lists(st.sampled_from(["open", "rejected"]), max_size=1), st.sampled_from("ABC"))
