"""The counters a report sums, and what one order contributes to each slice of each day.

A counter is a sum over facts: `sum` of a 0/1 fact counts the yes, `count` counts the known ones (not None),
`sq` sums squares (for the standard deviation). The same table of counters drives the incremental daily
summaries (an order's contribution is added, and subtracted before its new one is added when its facts
change), their rebuild in SQL, the report straight from the facts, and the DuckDB benchmark: one definition.

Order-level slices (total, customer, segment, package, channel, customer_kind) carry order and line counters;
line-level slices (product, warehouse, carrier) carry line counters only: an order spans products, warehouses
and carriers, so its order-level facts belong to none of them (docs/kpis.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

from .attribution import FAILURE_KINDS
from .facts import RETURN_REASONS, LineFact, OrderFact

# slice name -> fact column holding the slice value (None: one group for everything)
ORDER_DIMENSIONS: dict[str, str | None] = {"total": None, "customer": "customer_id", "segment": "segment",
                                           "package": "package", "channel": "channel",
                                           "customer_kind": "customer_kind"}
LINE_DIMENSIONS: dict[str, str] = {"product": "product_id", "warehouse": "warehouse_id", "carrier": "carrier_id"}
DIMENSIONS = {**ORDER_DIMENSIONS, **LINE_DIMENSIONS}
SLICES = tuple(d for d in DIMENSIONS if d != "total")
# Slices with thousands of values: their daily rows hardly sum anything up (a product sells a few times a day),
# so they also keep one row per calendar month (dimension "product@month", day = the 1st) and one per calendar
# year ("product@year", day = 1 January); a report reads the fewest rows that make up its period, adding and
# taking away (signed_ranges).
MONTHLY = frozenset({"customer", "product"})
ROLLUPS = ("month", "year")


def rollup_key(dimension: str, level: str) -> str:
    """The summary dimension of a slice's rows at a level: day rows keep the slice's own name."""
    return dimension if level == "day" else f"{dimension}@{level}"


def _level_start(day: date, level: str) -> date:
    return day.replace(day=1) if level == "month" else day.replace(month=1, day=1)


def _next_start(day: date, level: str) -> date:
    if level == "year":
        return date(day.year + 1, 1, 1)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _whole(lo: date, hi: date, level: str) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months (years) inside [lo, hi] as (first one's start, last one's start), and the days left over
    at either end."""
    first = lo if _level_start(lo, level) == lo else _next_start(lo, level)
    end = hi if _next_start(hi, level) - timedelta(days=1) == hi else _level_start(hi, level) - timedelta(days=1)
    if first > end:
        return None, [(lo, hi)]
    rest = [(a, b) for a, b in ((lo, first - timedelta(days=1)), (end + timedelta(days=1), hi)) if a <= b]
    return (first, _level_start(end, level)), rest


def rollup_ranges(date_from: date, date_to: date) -> list[tuple[str, date, date]]:
    """(level, first row day, last row day) of the fewest rows that cover the period exactly, for a large slice:
    its whole years, the whole months of what is left, the days of what is left after that."""
    years, rest = _whole(date_from, date_to, "year")
    out = [] if years is None else [("year", *years)]
    for lo, hi in rest:
        months, days = _whole(lo, hi, "month")
        out += ([] if months is None else [("month", *months)]) + [("day", a, b) for a, b in days]
    return out


def _row_count(ranges: list[tuple[str, date, date]]) -> int:
    """How many rows per slice value the ranges name (one per day, month or year)."""
    n = 0
    for level, lo, hi in ranges:
        if level == "day":
            n += (hi - lo).days + 1
        else:
            n += (hi.year - lo.year) * (12 if level == "month" else 1) + 1 + (
                hi.month - lo.month if level == "month" else 0)
    return n


def signed_ranges(date_from: date, date_to: date) -> tuple[list[tuple[str, date, date]],
                                                              list[tuple[str, date, date]]]:
    """The rows to add and the rows to take away that make up the period, the fewest in all: each end either
    stays where it is or moves out to the start (end) of its month or year, and what it moved over is taken
    away. 15 Jan 2025 - 20 Dec 2026 is the years 2025 and 2026 less 1-14 Jan 2025 and 21-31 Dec 2026: 2 year
    rows and 25 day rows, where adding alone takes 22 month rows and 37 day rows. Exact, because a month or
    year row is the sum of its day rows."""
    best: tuple[int, list, list] | None = None
    day = timedelta(days=1)
    for lo in dict.fromkeys((date_from, _level_start(date_from, "month"), _level_start(date_from, "year"))):
        for hi in dict.fromkeys((date_to, _next_start(date_to, "month") - day, _next_start(date_to, "year") - day)):
            plus = rollup_ranges(lo, hi)
            minus = ((rollup_ranges(lo, date_from - day) if lo < date_from else [])
                     + (rollup_ranges(date_to + day, hi) if hi > date_to else []))
            cost = _row_count(plus) + _row_count(minus)
            if best is None or cost < best[0]:
                best = (cost, plus, minus)
    assert best is not None
    return best[1], best[2]


def _keys(dim: str, key: str, day: date) -> tuple[tuple[str, str, date], ...]:
    """The summary rows of one slice value on one day: its day row, and its month and year rows if it has them."""
    if dim not in MONTHLY:
        return ((dim, key, day),)
    return ((dim, key, day), *[(rollup_key(dim, level), key, _level_start(day, level)) for level in ROLLUPS])

_FLAGS = ("complete", "on_time", "damage_free", "doc_ok", "accurate", "perfect", "otif", "within_lead")
_REQ_FLAGS = ("on_time_req", "otif_req")


def _delivery(prefix: str) -> list[tuple[str, str, str]]:
    return ([(f"{prefix}settled", "settled", "sum"), (f"{prefix}req_n", "on_time_req", "count")]
            + [(f"{prefix}{f}", f, "sum") for f in _FLAGS + _REQ_FLAGS]
            + [(f"{prefix}ship_n", "ship_days", "count"), (f"{prefix}ship_sum", "ship_days", "sum"),
               (f"{prefix}ship_sq", "ship_days", "sq"), (f"{prefix}deliver_sum", "deliver_days", "sum"),
               (f"{prefix}deliver_sq", "deliver_days", "sq")])


# (counter, fact column, aggregate)
ORDER_COUNTERS: list[tuple[str, str, str]] = [
    ("orders", "counted", "sum"), ("orders_cancelled", "cancelled", "sum"), ("o_open", "open", "sum"),
    ("o_fill_n", "filled", "count"), ("o_filled", "filled", "sum"),
    ("o_fillp_n", "filled_p", "count"), ("o_fillp", "filled_p", "sum"),
    *_delivery("o_"),
]
LINE_COUNTERS: list[tuple[str, str, str]] = [
    ("lines", "counted", "sum"), ("l_open", "open", "sum"), ("units", "units_ordered", "sum"),
    ("u_fill_n", "u_fill_n", "sum"), ("u_filled", "u_filled", "sum"),
    ("u_fillp_n", "u_fillp_n", "sum"), ("u_fillp", "u_fillp", "sum"),
    ("l_fill_n", "filled", "count"), ("l_filled", "filled", "sum"),
    ("l_fillp_n", "filled_p", "count"), ("l_fillp", "filled_p", "sum"),
    *_delivery("l_"),
    *[(c, c, "sum") for c in ("units_shipped", "units_delivered", "units_damaged", "units_wrong", "units_short")],
    *[(f"ret_{r}", f"ret_{r}", "sum") for r in RETURN_REASONS],
]
COUNTERS = tuple(c for c, _, _ in ORDER_COUNTERS + LINE_COUNTERS)
CYCLE_MEASURES = ("ship", "deliver")  # ordered -> shipped, ordered -> delivered, in whole days


N_ORDER = len(ORDER_COUNTERS)


class _Vector:
    """A fact's contribution to each counter of a spec, in counter order (one C-level attribute fetch)."""

    def __init__(self, spec: list[tuple[str, str, str]]):
        self.get = attrgetter(*[column for _, column, _ in spec])
        self.counts = [i for i, (_, _, agg) in enumerate(spec) if agg == "count"]
        self.squares = [i for i, (_, _, agg) in enumerate(spec) if agg == "sq"]

    def __call__(self, fact) -> list[int]:
        raw = self.get(fact)
        out = [0 if v is None else v for v in raw]
        for i in self.counts:
            out[i] = 0 if raw[i] is None else 1
        for i in self.squares:
            out[i] *= out[i]
        return out


_order_vector, _line_vector = _Vector(ORDER_COUNTERS), _Vector(LINE_COUNTERS)


def slice_key(value) -> str:
    """Summary rows key every slice by text; no value (e.g. not shipped yet, so no carrier) is ''."""
    return "" if value is None else str(value)


Key = tuple[str, str, date]  # dimension, slice key, order day


def _zeros() -> list[int]:
    return [0] * len(COUNTERS)


# What one fact adds to each summary row of one slice value, sparse: (counter index, amount) of the counters it
# moves, ((measure, days), n) of its cycle-time bins, ((kind, department), n) of its failures.
Items = list[tuple[object, int]]
Part = tuple[Items, Items, Items]
_NOTHING: Part = ([], [], [])


def _order_part(order: OrderFact, line_vectors: list[list[int]]) -> Part:
    whole = _order_vector(order) + ([sum(col) for col in zip(*line_vectors)] if line_vectors
                                    else [0] * len(LINE_COUNTERS))
    return ([(i, v) for i, v in enumerate(whole) if v],
            [((m, d), 1) for m in CYCLE_MEASURES if (d := getattr(order, f"{m}_days")) is not None],
            [((k, d), 1) for k in FAILURE_KINDS if (d := getattr(order, f"fail_{k}")) is not None])


def _line_part(line: LineFact, vector: list[int]) -> Part:
    return ([(i, v) for i, v in enumerate(vector, N_ORDER) if v],
            [((m, d), 1) for m in CYCLE_MEASURES if (d := getattr(line, f"{m}_days")) is not None], [])


def _minus(items: Items, sign: int = -1) -> Items:
    return [(k, sign * n) for k, n in items]


def _less(new: Items, old: Items) -> Items:
    """new - old, item by item, without the items that cancel out."""
    out = dict(new)
    for k, n in old:
        out[k] = out.get(k, 0) - n
    return [(k, n) for k, n in out.items() if n]


def _difference(new: Part, old: Part) -> Part:
    return _less(new[0], old[0]), _less(new[1], old[1]), _less(new[2], old[2])


def _signed(part: Part, sign: int) -> Part:
    return part if sign == 1 else (_minus(part[0], sign), _minus(part[1], sign), _minus(part[2], sign))


def _order_slices(order: OrderFact) -> list[tuple[Key, ...]]:
    """The summary rows an order's part goes to, one group per order-level slice (its day, month, year rows)."""
    day = order.order_day
    return [_keys(dim, slice_key(getattr(order, column) if column else None), day)
            for dim, column in ORDER_DIMENSIONS.items()]


# What a line's part and its rows depend on besides its counters: its slice values and cycle-time bins.
_line_marks = attrgetter(*LINE_DIMENSIONS.values(), *[f"{m}_days" for m in CYCLE_MEASURES])


def _line_slices(line: LineFact, day: date) -> list[tuple[Key, ...]]:
    return [_keys(dim, slice_key(getattr(line, column)), day) for dim, column in LINE_DIMENSIONS.items()]


@dataclass
class Tally:
    """Summary contributions: daily counters (in COUNTERS order), cycle-time histograms, failures by kind and
    department."""

    daily: dict[Key, list[int]] = field(default_factory=lambda: defaultdict(_zeros))
    cycle: dict[tuple[str, str, date, str, int], int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[tuple[str, str, date, str, str], int] = field(default_factory=lambda: defaultdict(int))
    touched: set[int] = field(default_factory=set)  # indexes of the counters any contribution moved

    def _move(self, slices: list[tuple[Key, ...]], part: Part) -> None:
        """Add a part to the rows of each of these slice values."""
        counters, cycle, failed = part
        self.touched.update(dict(counters))
        daily = self.daily
        for keys in slices:
            for key in keys:
                if counters:
                    row = daily[key]
                    for i, v in counters:
                        row[i] += v
                for (measure, days), n in cycle:
                    self.cycle[(*key, measure, days)] += n
                for (kind, department), n in failed:
                    self.failures[(*key, kind, department)] += n

    def add(self, order: OrderFact, lines: list[LineFact], sign: int = 1) -> None:
        """Add (sign=1) or take away (sign=-1) one order's contribution."""
        self.replace(None, [], order, lines) if sign == 1 else self.replace(order, lines, None, [])

    def replace(self, before: OrderFact | None, before_lines: list[LineFact], after: OrderFact | None,
                after_lines: list[LineFact]) -> None:
        """Take an order's old contribution away and add its new one (either may be None: nothing), as add(before,
        -1) then add(after) would, moving only the difference: where a slice value stayed (most of them: an order
        keeps its customer, day and channel, a line its product) its rows move by new minus old, a handful of
        counters; only where it changed (a line's carrier once shipped) the old part leaves and the new comes."""
        old_vectors = [_line_vector(ln) for ln in before_lines]
        new_vectors = [_line_vector(ln) for ln in after_lines]
        old = (_order_slices(before), _order_part(before, old_vectors)) if before is not None else None
        new = (_order_slices(after), _order_part(after, new_vectors)) if after is not None else None
        self._replace_part(old, new)
        was = {ln.order_line_id: (ln, v) for ln, v in zip(before_lines, old_vectors, strict=True)}
        same_day = before is not None and after is not None and before.order_day == after.order_day
        for ln, vector in zip(after_lines, new_vectors, strict=True):
            prior = was.pop(ln.order_line_id, None)
            if prior is not None and same_day and prior[1] == vector and _line_marks(prior[0]) == _line_marks(ln):
                continue  # the line adds what it added (most lines of an order that moved did not)
            self._replace_part(prior and (_line_slices(prior[0], before.order_day), _line_part(*prior)),
                               (_line_slices(ln, after.order_day), _line_part(ln, vector)))
        for ln, vector in was.values():
            self._replace_part((_line_slices(ln, before.order_day), _line_part(ln, vector)), None)

    def _replace_part(self, old, new) -> None:
        """old, new: (the slices' row keys, the part each of them gets) or None."""
        if old is None or new is None:
            slices, part = old or new
            self._move(slices, _signed(part, 1 if old is None else -1))
            return
        stayed = [now for was, now in zip(old[0], new[0], strict=True) if was == now]
        if stayed:
            delta = _difference(new[1], old[1])
            if delta != _NOTHING:
                self._move(stayed, delta)
        if len(stayed) < len(new[0]):
            self._move([was for was, now in zip(old[0], new[0], strict=True) if was != now], _signed(old[1], -1))
            self._move([now for was, now in zip(old[0], new[0], strict=True) if was != now], new[1])

    def changes(self):
        """(daily rows as counter lists in COUNTERS order, cycle rows, failure rows) that are not all zero, in key
        order (a fixed lock order for the upserts)."""
        daily = [(k, v) for k, v in sorted(self.daily.items()) if any(v)]
        cycle = [(k, n) for k, n in sorted(self.cycle.items()) if n]
        failures = [(k, n) for k, n in sorted(self.failures.items()) if n]
        return daily, cycle, failures
