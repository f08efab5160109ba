"""What orders add to the daily summaries, summed before it is written (a Tally), by the counters of counters.py.

An order adds its counters (its own and its lines' summed) to the rows of each order-level slice value of its day,
and each line its counters to the rows of its line-level slice values; a large slice's month and year rows get
what its day rows get. A tally sums these by *cell*: the order day with every slice value of an order (customer,
segment, package, channel, customer kind), or of a line (product, warehouse, carrier). Many orders and lines share
a cell, and one row per cell is all the tally keeps while orders are added; `changes` spreads each cell over the
summary rows it belongs to (metrics/counters.summary_keys) once, at the end. Exact: every row is a sum of cells.

When an order's facts change, `replace` moves the difference: where the cell stayed (an order keeps its customer,
day and channel; a line its product and warehouse once shipped) the cell moves by new minus old, a handful of
counters; a line whose counters and cell stayed is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from operator import add, attrgetter, or_, sub

from .attribution import FAILURE_KINDS
from .counters import COUNTERS, CYCLE_MEASURES, LINE_COUNTERS, LINE_DIMENSIONS, ORDER_COUNTERS, ORDER_DIMENSIONS, \
    Key, slice_key, summary_keys
from .facts import LineFact, OrderFact

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

# A cell: ("order" | "line", order day, the slice values of ORDER_DIMENSIONS | LINE_DIMENSIONS as summary keys).
Cell = tuple
_order_values = attrgetter(*[c for c in ORDER_DIMENSIONS.values() if c])
_line_values = attrgetter(*LINE_DIMENSIONS.values())
_ORDER_SLICES = tuple(d for d, c in ORDER_DIMENSIONS.items() if c)
assert list(ORDER_DIMENSIONS)[0] == "total" and ORDER_DIMENSIONS["total"] is None
# What a line's part and its cell depend on besides its counters: its slice values and cycle-time bins.
_line_marks = attrgetter(*LINE_DIMENSIONS.values(), *[f"{m}_days" for m in CYCLE_MEASURES])


def _order_cell(order) -> Cell:
    return ("order", order.order_day, *map(slice_key, _order_values(order)))


def _line_cell(line, day: date) -> Cell:
    return ("line", day, *map(slice_key, _line_values(line)))


def _rows_of(cell: Cell) -> list[Key]:
    """The summary rows a cell belongs to: each of its slice values' day rows (and month and year rows)."""
    level, day, *values = cell
    if level == "order":
        out = list(summary_keys("total", "", day))
        dims = _ORDER_SLICES
    else:
        out, dims = [], tuple(LINE_DIMENSIONS)
    for dim, value in zip(dims, values, strict=True):
        out += summary_keys(dim, value, day)
    return out


def _order_vector_of(order, line_vectors: list[list[int]]) -> list[int]:
    """An order's counters and its lines' summed (the lines' vectors carry zeros for the order counters)."""
    own = _order_vector(order)
    return own + [0] * len(LINE_COUNTERS) if not line_vectors else \
        own + [sum(col) for col in zip(*line_vectors)][N_ORDER:]


def _line_vector_of(line) -> list[int]:
    return _NO_ORDER_COUNTERS + _line_vector(line)


_NO_ORDER_COUNTERS = [0] * N_ORDER


def _order_marks(order) -> tuple[list, list]:
    """An order's cycle-time bins and its failures (kind, department charged)."""
    return ([(m, d) for m in CYCLE_MEASURES if (d := getattr(order, f"{m}_days")) is not None],
            [(k, d) for k in FAILURE_KINDS if (d := getattr(order, f"fail_{k}")) is not None])


def _line_marks_of(line) -> tuple[list, list]:
    return [(m, d) for m in CYCLE_MEASURES if (d := getattr(line, f"{m}_days")) is not None], []


@dataclass
class Tally:
    """Summary contributions by cell: counters (in COUNTERS order), cycle-time bins, failures by kind and
    department; `changes` gives them by summary row."""

    cells: dict[Cell, list[int]] = field(default_factory=dict)
    cycle: dict[tuple[Cell, str, int], int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[tuple[Cell, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def _put(self, cell: Cell, vector: list[int], marks: tuple[list, list], sign: int) -> None:
        """Add (sign=1) or take away (-1) one fact's counters, cycle-time bins and failures to its cell."""
        row = self.cells.get(cell)
        if row is None:
            self.cells[cell] = vector if sign == 1 else [-v for v in vector]
        else:
            self.cells[cell] = list(map(add if sign == 1 else sub, row, vector))
        bins, failed = marks
        for measure, days in bins:
            self.cycle[(cell, measure, days)] += sign
        for kind, department in failed:
            self.failures[(cell, kind, department)] += sign

    def add(self, order: OrderFact, lines: list[LineFact], sign: int = 1) -> None:
        """Add (sign=1) or take away (sign=-1) one order's contribution."""
        self.replace(None, [], order, lines) if sign == 1 else self.replace(order, lines, None, [])

    def replace(self, before: OrderFact | None, before_lines: list[LineFact], after: OrderFact | None,
                after_lines: list[LineFact]) -> None:
        """Take an order's old contribution away and add its new one (either may be None: nothing), as add(before,
        -1) then add(after) would. The old and new parts of a cell that stayed meet in its row (and cancel but for
        the difference) before any summary row is touched; a line whose counters and cell stayed is skipped. The
        facts may be any objects with the fact fields (store rows named like them)."""
        old_vectors = [_line_vector_of(ln) for ln in before_lines]
        new_vectors = [_line_vector_of(ln) for ln in after_lines]
        if before is not None:
            self._put(_order_cell(before), _order_vector_of(before, old_vectors), _order_marks(before), -1)
        if after is not None:
            self._put(_order_cell(after), _order_vector_of(after, new_vectors), _order_marks(after), 1)
        was = {ln.order_line_id: (ln, v) for ln, v in zip(before_lines, old_vectors, strict=True)}
        same_day = before is not None and after is not None and before.order_day == after.order_day
        for ln, vector in zip(after_lines, new_vectors, strict=True):
            prior = was.pop(ln.order_line_id, None)
            if prior is not None:
                if same_day and prior[1] == vector and _line_marks(prior[0]) == _line_marks(ln):
                    continue  # the line adds what it added (most lines of an order that moved did not)
                self._put(_line_cell(prior[0], before.order_day), prior[1], _line_marks_of(prior[0]), -1)
            self._put(_line_cell(ln, after.order_day), vector, _line_marks_of(ln), 1)
        for ln, vector in was.values():
            self._put(_line_cell(ln, before.order_day), vector, _line_marks_of(ln), -1)

    @property
    def touched(self) -> set[int]:
        """The indexes of the counters that move some cell (the only ones a summary upsert needs to send)."""
        moved = [0] * len(COUNTERS)
        for row in self.cells.values():
            moved = list(map(or_, moved, row))  # zero only where every row is zero
        return {i for i, v in enumerate(moved) if v}

    def changes(self):
        """(daily rows as counter lists in COUNTERS order, cycle rows, failure rows) that are not all zero, in key
        order (a fixed lock order for the upserts): each cell spread over the summary rows it belongs to."""
        rows_of: dict[Cell, list[Key]] = {}

        def rows(cell: Cell) -> list[Key]:
            found = rows_of.get(cell)
            if found is None:
                found = rows_of[cell] = _rows_of(cell)
            return found

        daily: dict[Key, list[int]] = {}
        for cell, counters in self.cells.items():
            if any(counters):
                for key in rows(cell):
                    row = daily.get(key)
                    daily[key] = counters if row is None else list(map(add, row, counters))
        cycle: dict[tuple, int] = defaultdict(int)
        for (cell, measure, days), n in self.cycle.items():
            if n:
                for key in rows(cell):
                    cycle[(*key, measure, days)] += n
        failures: dict[tuple, int] = defaultdict(int)
        for (cell, kind, department), n in self.failures.items():
            if n:
                for key in rows(cell):
                    failures[(*key, kind, department)] += n
        return ([(k, v) for k, v in sorted(daily.items()) if any(v)], [(k, n) for k, n in sorted(cycle.items()) if n],
                [(k, n) for k, n in sorted(failures.items()) if n])
