"""Column layouts of the import files, and the checks of each cell before any service sees the row.

A layout names its columns, which are required, how each value is read, and the key that must be unique in
the file. Problems are collected, never raised one at a time: a dry run reports every bad row at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "code": self.code, "message": self.message}


class CellError(ValueError):
    pass


def text(v: Any) -> str:
    return "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()


def whole(v: Any) -> int:
    s = text(v)
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise CellError(f"'{s}' is not a whole number") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise CellError(f"'{s}' is not a whole number")
    return int(d)


def positive(v: Any) -> int:
    n = whole(v)
    if n <= 0:
        raise CellError(f"must be positive, got {n}")
    return n


def decimal(v: Any) -> Decimal:
    s = text(v).replace(",", ".") if isinstance(v, str) and v.count(",") == 1 and "." not in v else text(v)
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise CellError(f"'{s}' is not a number") from None
    if not d.is_finite():
        raise CellError(f"'{s}' is not a number")
    return d


def money(v: Any) -> Decimal:
    d = decimal(v)
    if d < 0:
        raise CellError(f"must not be negative, got {d}")
    if d != d.quantize(Decimal("0.01")):
        raise CellError(f"'{text(v)}' has more than two decimals")
    return d.quantize(Decimal("0.01"))


def measure(v: Any) -> Decimal:
    d = decimal(v)
    if d < 0:
        raise CellError(f"must not be negative, got {d}")
    return d


def a_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = text(v)
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise CellError(f"'{s}' is not a date (YYYY-MM-DD)") from None


def yes_no(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = text(v).lower()
    if s in ("1", "yes", "y", "true", "x"):
        return True
    if s in ("0", "no", "n", "false", ""):
        return False
    raise CellError(f"'{s}' is not yes or no")


def latitude(v: Any) -> float:
    d = float(decimal(v))
    if not -90 <= d <= 90:
        raise CellError(f"{d} is not a latitude")
    return d


def longitude(v: Any) -> float:
    d = float(decimal(v))
    if not -180 <= d <= 180:
        raise CellError(f"{d} is not a longitude")
    return d


def bounded(n: int) -> Callable[[Any], str]:
    def read(v: Any) -> str:
        s = text(v)
        if len(s) > n:
            raise CellError(f"longer than {n} characters")
        if any(ord(c) < 32 for c in s):
            raise CellError("contains control characters")
        return s
    return read


@dataclass(frozen=True)
class Column:
    name: str
    read: Callable[[Any], Any]
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique in the file (per group for grouped kinds)
    group_by: str | None = None  # rows sharing this value form one unit (an order, a purchase order)
    group_fields: tuple[str, ...] = ()  # must be the same on every row of a group
    one_of: tuple[str, ...] = ()  # exactly one of these columns must be filled
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class Checked:
    rows: list[tuple[int, dict[str, Any]]]  # rows whose every cell is valid
    problems: list[RowProblem]


def check_rows(layout: Layout, header: list[str], rows: list[tuple[int, dict[str, Any]]]) -> Checked:
    problems: list[RowProblem] = []
    known = {c.name for c in layout.columns}
    for name in header:
        if name and name not in known:
            problems.append(RowProblem(1, name, "unknown_column", f"line 1, column '{name}': not a column of a "
                                       f"{layout.kind} file (see docs/integrations.md)"))
    missing = [c.name for c in layout.columns if c.required and c.name not in header]
    for name in missing:
        problems.append(RowProblem(1, name, "missing_column", f"line 1: the required column '{name}' is missing"))
    if missing:
        return Checked([], problems)
    good, seen, groups = [], {}, {}
    for line, raw in rows:
        values, bad = {}, False
        for c in layout.columns:
            cell = raw.get(c.name)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if c.required:
                    problems.append(RowProblem(line, c.name, "missing_value", f"line {line}, column '{c.name}': "
                                               "is empty"))
                    bad = True
                continue
            try:
                values[c.name] = c.read(cell)
            except CellError as exc:
                problems.append(RowProblem(line, c.name, "invalid_value", f"line {line}, column '{c.name}': {exc}"))
                bad = True
        if layout.one_of and sum(n in values for n in layout.one_of) != 1:
            names = " or ".join(f"'{n}'" for n in layout.one_of)
            problems.append(RowProblem(line, layout.one_of[0], "one_of", f"line {line}: fill exactly one of {names}"))
            bad = True
        if bad:
            continue
        key = tuple(values.get(k) for k in layout.key)
        if key in seen:
            names = ", ".join(f"{k}={values.get(k)}" for k in layout.key)
            problems.append(RowProblem(line, layout.key[-1], "duplicate_key",
                                       f"line {line}: {names} appears already on line {seen[key]}"))
            continue
        seen[key] = line
        if layout.group_by:
            first = groups.setdefault(values[layout.group_by], (line, values))
            clash = next((f for f in layout.group_fields if values.get(f) != first[1].get(f)), None)
            if clash:
                problems.append(RowProblem(line, clash, "group_mismatch", f"line {line}, column '{clash}': "
                                           f"'{values.get(clash) or ''}' differs from line {first[0]} of the same "
                                           f"{layout.group_by} ('{first[1].get(clash) or ''}')"))
                continue
        good.append((line, values))
    return Checked(good, problems)


Code = bounded(40)
LAYOUTS: dict[str, Layout] = {
    "orders": Layout("orders", (
        Column("order_ref", bounded(60), True, "your key of the order: rows with the same ref are one order"),
        Column("customer", Code, True, "customer code"),
        Column("sku", bounded(64), True, "product SKU"),
        Column("qty", positive, True, "units of the product's unit of measure"),
        Column("requested_date", a_date, help="YYYY-MM-DD; empty: as soon as possible"),
        Column("ship_to", Code, help="ship-to code; empty: the customer's default"),
        Column("customer_po", bounded(60), help="the customer's PO number; an order with the same PO number for "
                                                "the same customer is refused as a duplicate"),
    ), key=("order_ref", "sku"), group_by="order_ref", group_fields=("customer", "ship_to", "customer_po")),
    "customers": Layout("customers", (
        Column("code", Code, True), Column("name", bounded(200), True),
        Column("kind", bounded(20), help="external (default) or internal"),
        Column("credit_limit", money, help="empty: no limit"), Column("payment_terms", Code),
        Column("segment", bounded(20)), Column("service_package", bounded(20), help="A, B or C (default C)"),
        Column("price_list", Code), Column("sourcing_policy", bounded(30), help="nearest or single_warehouse"),
        Column("ship_complete", yes_no), Column("email", bounded(200)), Column("phone", bounded(50)),
        Column("ship_to_code", Code, help="with the address columns: the customer's default ship-to"),
        Column("ship_to_name", bounded(200)), Column("street", bounded(200)), Column("postal_code", bounded(20)),
        Column("city", bounded(100)), Column("country", bounded(2)), Column("lat", latitude), Column("lon", longitude),
    ), key=("code",)),
    "products": Layout("products", (
        Column("sku", bounded(64), True), Column("name", bounded(200), True),
        Column("weight_kg", measure, True), Column("volume_m3", measure, True), Column("list_price", money, True),
        Column("unit_cost", money, True), Column("unit", bounded(20), help="default ea"),
        Column("category", bounded(100)), Column("needs_installation", yes_no), Column("active", yes_no),
    ), key=("sku",)),
    "stock": Layout("stock", (
        Column("warehouse", Code, True), Column("sku", bounded(64), True),
        Column("on_hand", whole, help="counted units: the stock is set to this"),
        Column("delta", whole, help="units to add (negative: remove)"),
        Column("reason", bounded(300), help="default: 'file import'"),
    ), key=("warehouse", "sku"), one_of=("on_hand", "delta")),
    "receipts": Layout("receipts", (
        Column("po_number", Code, True, "purchase order number: rows with the same number are one purchase order"),
        Column("supplier", bounded(200), True), Column("warehouse", Code, True), Column("sku", bounded(64), True),
        Column("qty", positive, True), Column("expected_date", a_date, True),
    ), key=("po_number", "sku"), group_by="po_number", group_fields=("supplier", "warehouse")),
}
