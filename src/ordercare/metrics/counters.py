"""The counters a report sums, the slices they are summed by, and the summary rows of each slice value.

A counter is a sum over facts: `sum` of a 0/1 fact counts the yes, `count` counts the known ones (not None),
`sq` sums squares (for the standard deviation). The same table of counters drives the incremental daily
summaries (metrics/tally.py: an order's contribution is added, and moved by the difference when its facts
change), their rebuild in SQL, the report straight from the facts, and the DuckDB benchmark: one definition.

Order-level slices (total, customer, segment, package, channel, customer_kind) carry order and line counters;
line-level slices (product, warehouse, carrier) carry line counters only: an order spans products, warehouses
and carriers, so its order-level facts belong to none of them (docs/kpis.md).
"""

from __future__ import annotations

from datetime import date, timedelta

from .facts import RETURN_REASONS

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


_ROLLUP_KEYS = {dim: tuple(rollup_key(dim, level) for level in ROLLUPS) for dim in MONTHLY}
_rollup_days: dict[date, tuple[date, ...]] = {}  # a day's month and year starts (a few hundred days a year)


def summary_keys(dim: str, key: str, day: date) -> tuple[tuple[str, str, date], ...]:
    """The summary rows of one slice value on one day: its day row, and its month and year rows if it has them."""
    rollups = _ROLLUP_KEYS.get(dim)
    if rollups is None:
        return ((dim, key, day),)
    starts = _rollup_days.get(day)
    if starts is None:  # a refresh spreads thousands of cells over their rows: each day's starts worked out once
        starts = _rollup_days[day] = tuple(_level_start(day, level) for level in ROLLUPS)
    (month, year), (month_start, year_start) = rollups, starts  # ROLLUPS, written out
    return ((dim, key, day), (month, key, month_start), (year, key, year_start))


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

# The cycle-time histograms' common bins (0 to 15 days) are columns of the daily row, beside the counters: a
# report of 5,000 customers reads 5,000 rows instead of 5,000 rows and 120,000 histogram rows. Only the rare
# times outside them (16 days and more, or a negative time from a bad clock) are rows of the histogram table.
# Which facts they count follows the slice, as the histogram rows do: an order-level slice's bins count orders
# (order facts), a line-level slice's count lines.
BIN_DAYS = 16
BINS = tuple(f"{m}_d{d}" for m in CYCLE_MEASURES for d in range(BIN_DAYS))
DAILY_COLUMNS = COUNTERS + BINS  # the summed columns of a daily row, in this order
_FIRST_BIN = {m: len(COUNTERS) + i * BIN_DAYS for i, m in enumerate(CYCLE_MEASURES)}


def bin_index(measure: str, days: int) -> int | None:
    """The position in DAILY_COLUMNS of the bin that counts this cycle time; None: it is a histogram row."""
    return _FIRST_BIN[measure] + days if 0 <= days < BIN_DAYS else None


def binned_histograms(values, first: int = len(COUNTERS)) -> dict[str, dict[int, int]]:
    """{measure: {days: n}} of the bins of a row in DAILY_COLUMNS order (from `first`), empty bins left out."""
    out = {}
    for i, measure in enumerate(CYCLE_MEASURES):
        start = first + i * BIN_DAYS
        counts = values[start:start + BIN_DAYS]
        if any(counts):
            out[measure] = {d: n for d, n in enumerate(counts) if n}
    return out


def slice_key(value) -> str:
    """Summary rows key every slice by text; no value (e.g. not shipped yet, so no carrier) is ''."""
    return "" if value is None else str(value)


Key = tuple[str, str, date]  # dimension, slice key, order day
