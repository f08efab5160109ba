"""Import orders, customers, products, stock and receipts from CSV or Excel files.

Every row goes through the same service function as the API (place_order, create_customer, create_product,
adjust_stock, create_purchase_order), inside one transaction with a savepoint per unit (a row, or the rows of
one order or purchase order). So a dry run reports every problem — bad cells and refusals of the business rules
alike — with its line and column, and writes nothing. A real import writes nothing unless every row is valid,
or, with valid_only, writes the valid units and reports the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DataError, IntegrityError

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.customers import CustomerKind, SourcingPolicy
from ..domain.errors import DomainError, ValidationFailed
from ..domain.orders import Channel, RequestedLine, order_number
from ..integrations.files.layouts import LAYOUTS, Layout, RowProblem, check_rows
from ..integrations.files.tabular import format_of, read_table
from ..store.db import UnitOfWork
from ..store.edi_tables import import_batches
from ..store.savepoints import SavepointUnitOfWork
from ..store.tables import customers, orders, products, stock, warehouses
from . import master_data as md
from . import orders as order_service
from . import receipts as receipt_service
from .intake import OrderRequest

Unit = list[tuple[int, dict[str, Any]]]  # (line, values) rows imported together
Progress = Callable[[int, int], None]


class _Undo(Exception):
    """Leave the transaction without committing: a dry run, or an import refused because of bad rows."""


def import_file(uow: UnitOfWork, clock: Clock, settings: Settings, actor: Actor, kind: str, data: bytes,
                filename: str, *, dry_run: bool = False, valid_only: bool = False,
                progress: Progress | None = None) -> dict[str, Any]:
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise ValidationFailed("unknown_import", f"kind: one of {', '.join(LAYOUTS)}", field="kind")
    actor.require(Permission.IMPORT_ORDERS if kind == "orders" else Permission.IMPORT_DATA)
    fmt = format_of(filename, data)
    header, rows = read_table(data, fmt)
    checked = check_rows(layout, header, rows)
    units, group_problems = _units(layout, checked.rows, checked.problems, dict(rows))
    importer = IMPORTERS[kind]
    outcome: dict[str, Any] = {}

    def work(conn: Connection) -> int:
        sp, problems, created = SavepointUnitOfWork(conn), [*checked.problems, *group_problems], []
        done = len(rows) - sum(len(u) for u in units)  # rows the cell checks refused are done already
        if progress:
            progress(done, len(rows))
        for unit in units:
            try:  # the service call is the unit's savepoint; the importers' own checks only read
                created.append(importer(sp, clock, settings, actor, conn, unit))
            except DomainError as exc:
                problems.append(_problem(layout, exc, unit))
            except (IntegrityError, DataError) as exc:  # a value the database refuses: that unit only
                problems.append(RowProblem(unit[0][0], None, "invalid_row",
                                           f"line {unit[0][0]}: the database refused the row "
                                           f"({type(exc.orig).__name__})"))
            done += len(unit)
            if progress:
                progress(done, len(rows))
        problems.sort(key=lambda p: (p.line, p.column or ""))
        outcome.update(problems=problems, created=[c for c in created if c])
        if dry_run or (problems and (not valid_only or _rows_in(units, problems) == 0)):
            raise _Undo  # valid_only with no valid row: refused like any other bad file
        return conn.execute(insert(import_batches).values(
            kind=kind, filename=filename[:200], format=fmt, valid_only=valid_only, rows_total=len(rows),
            rows_imported=_rows_in(units, problems), rows_rejected=len(rows) - _rows_in(units, problems),
            created_ids=outcome["created"], errors=[p.as_dict() for p in problems] or None, created_at=clock.now(),
            created_by=actor.username).returning(import_batches.c.id)).scalar_one()

    try:
        batch_id = uow.run(work)
    except _Undo:
        batch_id = None
    problems: list[RowProblem] = outcome["problems"]
    bad_lines = {p.line for p in problems}
    report = {"kind": kind, "filename": filename, "format": fmt, "dry_run": dry_run, "valid_only": valid_only,
              "rows": len(rows), "valid_rows": len([1 for line, _ in rows if line not in bad_lines]),
              "imported_rows": 0 if batch_id is None else _rows_in(units, problems),
              "created": [] if batch_id is None else outcome["created"], "batch_id": batch_id,
              "errors": [p.as_dict() for p in problems]}
    if batch_id is None and not dry_run:
        raise ValidationFailed("import_has_errors", f"file: {len(bad_lines)} of {len(rows)} rows have problems; "
                               "nothing was imported (see data.errors; --dry-run lists them, --valid-only imports "
                               "the others)", field="file", errors=report["errors"], rows=len(rows))
    return report


def _rows_in(units: list[Unit], problems: list[RowProblem]) -> int:
    bad = {p.line for p in problems}
    return sum(len(u) for u in units if not any(line in bad for line, _ in u))


def _units(layout: Layout, good: Unit, problems: list[RowProblem], raw: dict[int, dict]) -> tuple[list[Unit], list]:
    """Rows imported together; a group with a bad row is refused whole (an order is not placed without a line)."""
    if not layout.group_by:
        return [[r] for r in good], []
    from ..integrations.files.layouts import text
    bad_groups = {text(raw.get(p.line, {}).get(layout.group_by)) for p in problems if p.line in raw}
    groups: dict[Any, Unit] = {}
    extra = []
    for line, values in good:
        key = values[layout.group_by]
        if text(key) in bad_groups:
            extra.append(RowProblem(line, layout.group_by, "group_rejected", f"line {line}: {layout.group_by} "
                                    f"'{key}' has a bad row, so none of its rows is imported"))
            continue
        groups.setdefault(key, []).append((line, values))
    return list(groups.values()), extra


_FIELD = re.compile(r"^(?:lines|items)\[(\d+)\]\.(\w+)$")
# Service field names that are a different column in the file.
_COLUMN_OF = {"number": "po_number", "delta": "on_hand", "code": "code", "ship_tos": "ship_to_code"}


def _problem(layout: Layout, exc: DomainError, unit: Unit) -> RowProblem:
    line, column = unit[0][0], None
    m = _FIELD.match(exc.field or "")
    if m and int(m[1]) < len(unit):
        line, column = unit[int(m[1])][0], m[2]
    elif exc.field:
        column = exc.field
    column = _COLUMN_OF.get(column, column) if column else None
    if column == "on_hand" and "delta" in unit[0][1]:
        column = "delta"
    if column and layout.column(column) is None:
        column = None
    problem = exc.message.split(": ", 1)[1] if exc.field and exc.message.startswith(exc.field + ":") else exc.message
    where = f"line {line}, column '{column}'" if column else f"line {line}"
    return RowProblem(line, column, exc.code, f"{where}: {problem}")


# --- one importer per kind: (savepoint uow, clock, settings, actor, conn, unit) -> what was created -------------

def _orders(sp, clock, settings, actor, conn, unit: Unit) -> str:
    first = unit[0][1]
    po = first.get("customer_po")
    if po:
        cust = conn.execute(select(customers.c.id).where(customers.c.code == first["customer"])).scalar()
        # A customer user naming another account gets the service's own "unknown customer" answer below.
        if cust is not None and not (actor.is_customer and cust != actor.customer_id):
            dup = conn.execute(select(orders.c.id).where(orders.c.customer_id == cust, orders.c.customer_po == po,
                                                         orders.c.status != "cancelled")).scalar()
            if dup is not None:
                raise ValidationFailed("duplicate_order", f"customer_po: customer '{first['customer']}' has order "
                                       f"{order_number(dup)} with PO '{po}' already", field="customer_po")
    req = OrderRequest(customer=first["customer"], channel=Channel.FILE, ship_to=first.get("ship_to"),
                       customer_po=po, lines=[RequestedLine(v["sku"], v["qty"], v.get("requested_date"), i)
                                              for i, (_, v) in enumerate(unit)])
    order_id, _ = order_service.place_order(sp, clock, settings, actor, req)
    return order_number(order_id)


def _enum(cls, value: str | None, name: str, default):
    if not value:
        return default
    try:
        return cls(value)
    except ValueError:
        raise ValidationFailed("invalid_value", f"{name}: one of {', '.join(m.value for m in cls)}",
                               field=name) from None


def _customers(sp, clock, settings, actor, conn, unit: Unit) -> str:
    v = unit[0][1]
    sites = []
    if v.get("ship_to_code"):
        missing = [c for c in ("city", "country", "lat", "lon") if v.get(c) in (None, "")]
        if missing:
            raise ValidationFailed("incomplete_ship_to", f"{missing[0]}: needed with ship_to_code", field=missing[0])
        sites = [md.ShipToData(v["ship_to_code"], v.get("ship_to_name") or v["name"], v["city"], v["country"].upper(),
                               v["lat"], v["lon"], v.get("street", ""), v.get("postal_code", ""), True)]
    data = md.CustomerData(
        code=v["code"], name=v["name"], kind=_enum(CustomerKind, v.get("kind"), "kind", CustomerKind.EXTERNAL),
        credit_limit=v.get("credit_limit"), payment_terms=v.get("payment_terms"), segment=v.get("segment") or "C",
        service_package=v.get("service_package") or "C", price_list=v.get("price_list"),
        sourcing_policy=_enum(SourcingPolicy, v.get("sourcing_policy"), "sourcing_policy", SourcingPolicy.NEAREST),
        ship_complete=v.get("ship_complete", False), email=v.get("email"), phone=v.get("phone"), ship_tos=sites)
    md.create_customer(sp, clock, actor, data)
    return v["code"]


def _products(sp, clock, settings, actor, conn, unit: Unit) -> str:
    v = unit[0][1]
    md.create_product(sp, actor, md.ProductData(
        sku=v["sku"], name=v["name"], weight_kg=v["weight_kg"], volume_m3=v["volume_m3"], list_price=v["list_price"],
        unit_cost=v["unit_cost"], unit=v.get("unit") or "ea", category=v.get("category", ""),
        needs_installation=v.get("needs_installation", False), active=v.get("active", True)))
    return v["sku"]


def _stock(sp, clock, settings, actor, conn, unit: Unit) -> str | None:
    v = unit[0][1]
    delta = v.get("delta")
    if delta is None:
        current = conn.execute(select(stock.c.on_hand).join(warehouses, warehouses.c.id == stock.c.warehouse_id)
                               .join(products, products.c.id == stock.c.product_id)
                               .where(warehouses.c.code == v["warehouse"], products.c.sku == v["sku"])).scalar()
        delta = v["on_hand"] - (current or 0)
        if delta == 0:  # the count matches what is on record: nothing to do, but the names must exist
            if current is None:
                _require_names(conn, v["warehouse"], v["sku"])
            return None
    md.adjust_stock(sp, clock, settings, actor, warehouse=v["warehouse"], sku=v["sku"], delta=delta,
                    reason=v.get("reason") or "file import", kind="count" if "on_hand" in v else "adjustment")
    return f"{v['warehouse']}/{v['sku']}"


def _require_names(conn: Connection, warehouse: str, sku: str) -> None:
    if conn.execute(select(warehouses.c.id).where(warehouses.c.code == warehouse)).first() is None:
        raise ValidationFailed("unknown_warehouse", f"warehouse: no warehouse '{warehouse}'", field="warehouse")
    if conn.execute(select(products.c.id).where(products.c.sku == sku)).first() is None:
        raise ValidationFailed("unknown_sku", f"sku: no product with SKU '{sku}'", field="sku")


def _receipts(sp, clock, settings, actor, conn, unit: Unit) -> str:
    first = unit[0][1]
    receipt_service.create_purchase_order(
        sp, clock, settings, actor, number=first["po_number"], supplier=first["supplier"],
        warehouse=first["warehouse"],
        lines=[receipt_service.ReceiptLine(v["sku"], v["qty"], v["expected_date"]) for _, v in unit])
    return first["po_number"]


IMPORTERS = {"orders": _orders, "customers": _customers, "products": _products, "stock": _stock,
             "receipts": _receipts}
