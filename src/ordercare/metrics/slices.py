"""Which values of a wide slice a report shows, in what order, and the sum of the ones it leaves out.

A slice of 5,000 customers is read by people as its worst or largest few. `sort` orders the values: `label`
(A-Z, the default), `volume` (most orders, for a line-level slice most lines, first) or a KPI worst first
(`order_fill`, `line_fill`, `otif`, `perfect_order`: the slice's own level, values with nothing measured last).
Ties go by label. With `limit`, the values after the first `limit` are added up into one "others" group, whose
KPIs are computed from the summed counters like any other group's (so the shown values and others add up to
the total). docs/kpis.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

SORTS = ("label", "volume", "order_fill", "line_fill", "otif", "perfect_order")
_FILLED = {"first_shipment": ("filled", "fill_n"), "promised_date": ("fillp", "fillp_n")}  # per fill rule


def _worst_first(num: str, den: str) -> Callable[[Mapping[str, int]], tuple]:
    def key(c: Mapping[str, int]) -> tuple:
        return (0, c[num] / c[den]) if c[den] else (1, 0.0)
    return key


def sort_key(sort: str, *, order_level: bool, fill_rule: str) -> Callable[[Mapping[str, int]], tuple]:
    """The key a value's counters sort by (before its label); None for `label`."""
    p = "o_" if order_level else "l_"
    filled, n = _FILLED[fill_rule]
    if sort == "volume":
        name = "orders" if order_level else "lines"
        return lambda c: (-c[name],)
    if sort in ("order_fill", "line_fill"):
        level = "o_" if sort == "order_fill" and order_level else "l_"
        return _worst_first(f"{level}{filled}", f"{level}{n}")
    if sort == "otif":
        return _worst_first(f"{p}otif", f"{p}settled")
    if sort == "perfect_order":
        return _worst_first(f"{p}perfect", f"{p}settled")
    return lambda c: ()


def ranked(keys: Iterable[str], counters: Callable[[str], Mapping[str, int]], labels: Mapping[str, str],
           sort: str, *, order_level: bool, fill_rule: str) -> list[str]:
    """The slice keys in the order `sort` asks for; ties (and `label`) by label, then key."""
    by = sort_key(sort, order_level=order_level, fill_rule=fill_rule)
    return sorted(keys, key=lambda k: (*by(counters(k)), labels[k], k))


def add_up(parts: list[Any]) -> Any:
    """The sum of like values: numbers (int, Decimal), tuples of them element by element, mappings key by key
    (a key missing from some parts counts as nothing there)."""
    first = parts[0]
    if first is None:  # a part the report does not have for this slice (e.g. cases of a product)
        return None
    if isinstance(first, Mapping):
        keys = dict.fromkeys(k for p in parts for k in p)
        return {k: add_up([p[k] for p in parts if k in p]) for k in keys}
    if isinstance(first, tuple):
        return tuple(add_up(list(column)) for column in zip(*parts, strict=True))
    return sum(parts)
