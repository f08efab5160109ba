"""What brand-new orders add to the measures, written out for that one case (placement runs it on every order).

A new order is not cancelled and has no shipment, return, dispute or case yet, so most of its facts are constants:
it is counted and open, nothing is known about delivery, and only the fill rule can already be decided (a line
not wholly served from stock is known to be unfilled, and the order with it, charged to inventory control). Its
contribution to the summaries is a handful of counters on the slices of its day. `placed_rows` gives the same rows
as the general path (metrics/facts.derive, then metrics/tally.Tally and store/measure_summary.summary_rows)
without building the 46-field facts and the 70-counter vectors; tests/unit/test_placed_measures.py proves the
two equal for any new order. `is_new` says whether a record is such an order (placed_rows refuses any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from ..domain.fulfilment import Department
from .counters import COUNTERS, LINE_DIMENSIONS, ORDER_DIMENSIONS, slice_key, summary_keys
from .facts import LINE_COLUMNS, ORDER_COLUMNS
from .records import OrderRecord

# The only counters a new order can move, in COUNTERS order, and the other columns of its facts that are known.
_MOVED = ("orders", "o_open", "o_fill_n", "lines", "l_open", "units", "u_fill_n", "l_fill_n")
assert list(_MOVED) == sorted(_MOVED, key=COUNTERS.index)
_NOT_FILLED = ("not_filled", str(Department.INVENTORY_CONTROL))  # attribution.py, rule 3, for an order not shipped
_ORDER_KNOWN = ("order_id", "order_day", "customer_id", "segment", "package", "customer_kind", "channel",
                "lead_time_days", "credit_held", "first_promised_date", "lines", "units", "filled", "fail_not_filled")
_LINE_KNOWN = ("order_line_id", "order_id", "order_day", "product_id", "warehouse_id", "qty", "units_ordered",
               "qty_from_stock", "requested_date", "first_promised_ship", "first_promised_date", "u_fill_n", "filled")


def _row_maker(columns: tuple[str, ...], constants: dict, known: tuple[str, ...]):
    """A function (values of `known`, in that order) -> the fact row in `columns` order: the constants of a new
    order where given, None (not known yet) for every other column."""
    at = {c: i for i, c in enumerate(columns)}
    template = [constants.get(c) for c in columns]
    slots = [at[c] for c in known]

    def make(values) -> tuple:
        row = template.copy()
        for i, v in zip(slots, values):
            row[i] = v
        return tuple(row)
    return make


_order_row = _row_maker(ORDER_COLUMNS, dict(counted=1, cancelled=0, open=1, settled=0), _ORDER_KNOWN)
_line_row = _row_maker(LINE_COLUMNS, dict(
    counted=1, open=1, u_filled=0, u_fillp_n=0, u_fillp=0, settled=0, units_shipped=0, units_delivered=0,
    units_damaged=0, units_wrong=0, units_short=0, **{c: 0 for c in LINE_COLUMNS if c.startswith("ret_")}),
    _LINE_KNOWN)


@dataclass
class PlacedRows:
    """Rows as store/measure_facts.py writes them: fact tuples in ORDER_COLUMNS / LINE_COLUMNS order; summary
    rows as store/measure_summary.summary_rows gives them (key order, only the `summed` counters)."""

    orders: list[tuple]
    lines: list[tuple]
    daily: list[tuple]
    summed: tuple[str, ...]
    cycle: list[tuple]
    failures: list[tuple]


def is_new(order: OrderRecord) -> bool:
    return (not order.cancelled and bool(order.lines) and not order.disputes and not order.cases
            and all(ln.qty > 0 and not ln.shipments and not ln.returns for ln in order.lines))


def _days(dim: str, day) -> list[tuple[str, object]]:
    return [(d, k_day) for d, _, k_day in summary_keys(dim, "", day)]  # (dimension, row day): day, month, year


def placed_rows(orders: list[OrderRecord]) -> PlacedRows:
    """The fact and summary rows of new orders, summed over the orders in one set of summary rows. Raises
    ValueError for an order that is not new (is_new): its facts need metrics/facts.derive."""
    if not all(is_new(o) for o in orders):
        raise ValueError("placed_rows: only orders just placed (not cancelled, nothing shipped, returned or "
                         "disputed, at least one line of a positive quantity)")
    if not orders:
        return PlacedRows([], [], [], (), [], [])
    order_rows, line_rows = [], []
    daily: dict[tuple, list[int]] = {}
    failures: dict[tuple, int] = {}
    moved = [0] * len(_MOVED)
    for order in orders:
        day, o = order.ordered_on, order.order_id
        whole = [1, 1, 0, 0, 0, 0, 0, 0]  # orders, o_open, o_fill_n, lines, l_open, units, u_fill_n, l_fill_n
        per_line = []
        for ln in order.lines:
            qty = ln.qty
            unfilled = ln.qty_from_stock < qty  # not wholly from stock: known unfilled (a back-order)
            u_fill_n = qty if ln.qty_from_stock == 0 else 0  # units known: none of them was in stock
            line_rows.append(_line_row((
                ln.line_id, o, day, ln.product_id, ln.planned_warehouse_id, qty, qty, ln.qty_from_stock,
                ln.requested_date, ln.first_promised_ship, ln.first_promised_date, u_fill_n, 0 if unfilled else None)))
            vector = [0, 0, 0, 1, 1, qty, u_fill_n, int(unfilled)]
            per_line.append((ln, vector))
            whole[3] += 1
            whole[4] += 1
            whole[5] += qty
            whole[6] += u_fill_n
            whole[7] += vector[7]
        unfilled = whole[7] > 0
        whole[2] = int(unfilled)
        order_rows.append(_order_row((
            o, day, order.customer_id, order.segment, order.package, order.customer_kind, order.channel,
            order.lead_time_days, int(order.credit_held), order.first_promised_date, whole[3], whole[5],
            0 if unfilled else None, _NOT_FILLED[1] if unfilled else None)))
        moved = [a + b for a, b in zip(moved, whole)]
        for dim, column in ORDER_DIMENSIONS.items():
            value = slice_key(getattr(order, column) if column else None)
            for d, row_day in _days(dim, day):
                _add(daily, (d, value, row_day), whole)
                if unfilled:
                    failures[(d, value, row_day, *_NOT_FILLED)] = \
                        failures.get((d, value, row_day, *_NOT_FILLED), 0) + 1
        for dim, column in LINE_DIMENSIONS.items():
            rows = _days(dim, day)
            for ln, vector in per_line:
                value = slice_key(ln.product_id if column == "product_id" else
                                  ln.planned_warehouse_id if column == "warehouse_id" else None)  # no carrier yet
                for d, row_day in rows:
                    _add(daily, (d, value, row_day), vector)
    used = [i for i, v in enumerate(moved) if v]  # every summary row's counters are sums of these
    pick = itemgetter(*used)  # at least orders, o_open, lines, l_open and units: a tuple
    return PlacedRows(
        order_rows, line_rows, [(d, day, k, *pick(row)) for (d, k, day), row in sorted(daily.items())],
        tuple(_MOVED[i] for i in used), [],
        [(d, day, k, kind, dept, n) for (d, k, day, kind, dept), n in sorted(failures.items())])


def _add(daily: dict, key: tuple, vector: list[int]) -> None:
    row = daily.get(key)
    daily[key] = vector if row is None else [a + b for a, b in zip(row, vector)]
