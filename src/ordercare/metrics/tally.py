"""What orders add to the daily summaries, summed before it is written (a Tally), by the counters of counters.py.

An order adds its counters (its own and its lines' summed) to the rows of each order-level slice value of its day,
and each line its counters to the rows of its line-level slice values; a large slice's month and year rows get
what its day rows get. A tally sums these by *cell* while orders are added: an order's cell is its day with all
its order-level slice values (customer, segment, package, channel, customer kind: they go together), a line's
cells are the day rows of its product, warehouse and carrier. `changes` spreads each cell over the summary rows
it belongs to (metrics/counters.summary_keys) once, at the end. Exact: every row is a sum of cells.

When an order's facts change, `replace` moves the difference: where a cell stayed (an order keeps its customer,
day and channel; a line its product, and its warehouse once shipped) it moves by new minus old, a handful of
counters; a line whose counters and slice values stayed is skipped, and only a value that changed (the carrier
a line shipped with) moves the line's whole part from the old cell to the new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from operator import add, attrgetter, or_, sub

from .attribution import FAILURE_KINDS
from .counters import COUNTERS, CYCLE_MEASURES, DAILY_COLUMNS, LINE_COUNTERS, LINE_DIMENSIONS, ORDER_COUNTERS, \
    ORDER_DIMENSIONS, Key, bin_index, slice_key, summary_keys
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

# A cell: ("order", order day, the order-level slice values as summary keys), or a line-level day row's key.
Cell = tuple
_order_values = attrgetter(*[c for c in ORDER_DIMENSIONS.values() if c])
_ORDER_SLICES = tuple(d for d, c in ORDER_DIMENSIONS.items() if c)
assert list(ORDER_DIMENSIONS)[0] == "total" and ORDER_DIMENSIONS["total"] is None
_line_values = attrgetter(*LINE_DIMENSIONS.values())
_cycle_days = attrgetter(*[f"{m}_days" for m in CYCLE_MEASURES])
_failures = attrgetter(*[f"fail_{k}" for k in FAILURE_KINDS])
assert len(CYCLE_MEASURES) > 1 and len(FAILURE_KINDS) > 1  # attrgetter of one name gives no tuple


def _order_cell(order) -> Cell:
    return ("order", order.order_day, *map(slice_key, _order_values(order)))


def _line_cells(line, day: date) -> list[Key]:
    return [(dim, slice_key(value), day) for dim, value in zip(LINE_DIMENSIONS, _line_values(line))]


def _rows_of(cell: Cell) -> list[Key]:
    """The summary rows a cell belongs to: each of its slice values' day rows (and month and year rows)."""
    if cell[0] != "order":
        return list(summary_keys(*cell))
    _, day, *values = cell
    out = list(summary_keys("total", "", day))
    for dim, value in zip(_ORDER_SLICES, values, strict=True):
        out += summary_keys(dim, value, day)
    return out


_NO_ORDER_COUNTERS = [0] * N_ORDER


def _line_vector_of(line) -> list[int]:
    """A line's counters in COUNTERS order (zero for the order counters)."""
    return _NO_ORDER_COUNTERS + _line_vector(line)


def _order_vector_of(order, line_vectors: list[list[int]]) -> list[int]:
    """An order's counters and its lines' summed."""
    whole = _order_vector(order) + [0] * len(LINE_COUNTERS)
    return list(map(sum, zip(whole, *line_vectors))) if line_vectors else whole


def _order_marks(order) -> tuple[list, list]:
    """An order's cycle-time bins and its failures (kind, department charged)."""
    return ([(m, d) for m, d in zip(CYCLE_MEASURES, _cycle_days(order)) if d is not None],
            [(k, d) for k, d in zip(FAILURE_KINDS, _failures(order)) if d is not None])


def _line_marks(line) -> tuple[list, list]:
    return [(m, d) for m, d in zip(CYCLE_MEASURES, _cycle_days(line)) if d is not None], []


def _zeros() -> list[int]:
    return [0] * len(DAILY_COLUMNS)


@dataclass
class Tally:
    """Summary contributions by cell: counters (in COUNTERS order), cycle-time bins, failures by kind and
    department; `changes` gives them by summary row."""

    cells: dict[Cell, list[int]] = field(default_factory=dict)
    cycle: dict[tuple[Cell, str, int], int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[tuple[Cell, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def _count(self, cell: Cell, vector: list[int], sign: int) -> None:
        row = self.cells.get(cell)
        if row is None:
            self.cells[cell] = vector if sign == 1 else [-v for v in vector]
        else:
            self.cells[cell] = list(map(add if sign == 1 else sub, row, vector))

    def _mark(self, cell: Cell, marks: tuple[list, list], sign: int) -> None:
        bins, failed = marks
        for measure, days in bins:
            self.cycle[(cell, measure, days)] += sign
        for kind, department in failed:
            self.failures[(cell, kind, department)] += sign

    def add(self, order: OrderFact, lines: list[LineFact], sign: int = 1) -> None:
        """Add (sign=1) or take away (sign=-1) one order's contribution."""
        self.replace(None, [], order, lines) if sign == 1 else self.replace(order, lines, None, [])

    def replace(self, before: OrderFact | None, before_lines: list[LineFact], after: OrderFact | None,
                after_lines: list[LineFact], *, stayed: Collection[int] = ()) -> None:
        """Take an order's old contribution away and add its new one (either may be None: nothing), as add(before,
        -1) then add(after) would. The facts may be any objects with the fact fields (store rows named so).
        `stayed`: the lines whose facts the caller found equal before and after; while the order's cell stays
        too, each of them takes away from every cell what it adds, so they are left out (a refresh after a
        shipment or delivery changes some of an order's lines, not all)."""
        if stayed and before is not None and after is not None and _order_cell(before) == _order_cell(after):
            before_lines = [ln for ln in before_lines if ln.order_line_id not in stayed]
            after_lines = [ln for ln in after_lines if ln.order_line_id not in stayed]
        old_vectors = [_line_vector_of(ln) for ln in before_lines]
        new_vectors = [_line_vector_of(ln) for ln in after_lines]
        for order, vectors, sign in ((before, old_vectors, -1), (after, new_vectors, 1)):
            if order is not None:  # an order's cell takes both: they cancel there but for the difference
                cell = _order_cell(order)
                self._count(cell, _order_vector_of(order, vectors), sign)
                self._mark(cell, _order_marks(order), sign)
        was = {ln.order_line_id: (ln, v) for ln, v in zip(before_lines, old_vectors, strict=True)}
        for ln, vector in zip(after_lines, new_vectors, strict=True):
            prior = was.pop(ln.order_line_id, None)
            if prior is None:
                self._move_line(None, (ln, vector, after.order_day))
            else:
                self._move_line((*prior, before.order_day), (ln, vector, after.order_day))
        for ln, vector in was.values():
            self._move_line((ln, vector, before.order_day), None)

    def _move_line(self, old: tuple | None, new: tuple | None) -> None:
        """old, new: (line fact, its vector, order day) or None."""
        if old is None or new is None:
            line, vector, day = old or new
            sign, marks = (1 if old is None else -1), _line_marks(line)
            for cell in _line_cells(line, day):
                self._count(cell, vector, sign)
                self._mark(cell, marks, sign)
            return
        (was, old_vector, old_day), (now, vector, day) = old, new
        old_marks, marks = _line_marks(was), _line_marks(now)
        difference = None
        for before, after in zip(_line_cells(was, old_day), _line_cells(now, day), strict=True):
            if before == after:  # the slice value stayed: only the difference moves, if any
                if difference is None:
                    difference = list(map(sub, vector, old_vector)) if vector != old_vector else []
                if difference:
                    self._count(after, difference, 1)
                if marks != old_marks:
                    self._mark(before, old_marks, -1)
                    self._mark(after, marks, 1)
            else:
                self._count(before, old_vector, -1)
                self._mark(before, old_marks, -1)
                self._count(after, vector, 1)
                self._mark(after, marks, 1)

    @property
    def touched(self) -> set[int]:
        """The indexes in DAILY_COLUMNS of the counters and cycle-time bins that move some cell (the only ones a
        summary upsert needs to send)."""
        moved = [0] * len(COUNTERS)
        for row in self.cells.values():
            moved = list(map(or_, moved, row))  # zero only where every row is zero
        bins = {bin_index(measure, days) for (_, measure, days), n in self.cycle.items() if n}
        return {i for i, v in enumerate(moved) if v} | (bins - {None})

    def changes(self):
        """(daily rows as lists in DAILY_COLUMNS order: counters and cycle-time bins, the cycle times outside the
        bins as histogram rows, failure rows) that are not all zero, in key order (a fixed lock order for the
        upserts): each cell spread over the summary rows it belongs to."""
        rows_of: dict[Cell, list[Key]] = {}

        def rows(cell: Cell) -> list[Key]:
            found = rows_of.get(cell)
            if found is None:
                found = rows_of[cell] = _rows_of(cell)
            return found

        daily: dict[Key, list[int]] = defaultdict(_zeros)
        for cell, counters in self.cells.items():
            moved = [(i, v) for i, v in enumerate(counters) if v]  # a handful of the seventy
            if moved:
                for key in rows(cell):
                    row = daily[key]
                    for i, v in moved:
                        row[i] += v
        cycle: dict[tuple, int] = defaultdict(int)
        for (cell, measure, days), n in self.cycle.items():
            if n:
                i = bin_index(measure, days)
                for key in rows(cell):
                    if i is None:
                        cycle[(*key, measure, days)] += n
                    else:
                        daily[key][i] += n
        failures: dict[tuple, int] = defaultdict(int)
        for (cell, kind, department), n in self.failures.items():
            if n:
                for key in rows(cell):
                    failures[(*key, kind, department)] += n
        return ([(k, v) for k, v in sorted(daily.items()) if any(v)], [(k, n) for k, n in sorted(cycle.items()) if n],
                [(k, n) for k, n in sorted(failures.items()) if n])
