"""File import and export through the real services on SQLite and PostgreSQL: good files, and bad ones (wrong
types, missing columns, unknown SKUs, duplicate keys) reported row by row with nothing written."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from ordercare.domain.access import Actor, Role
from ordercare.domain.errors import Forbidden, ValidationFailed
from ordercare.services.catalog import get_customer, get_product, list_stock
from ordercare.services.file_exports import ExportFilter, export
from ordercare.services.file_imports import import_file
from ordercare.services.order_views import get_order, list_orders
from ordercare.store.edi_tables import import_batches
from ordercare.store.tables import metadata
from tests.factories import world


def csv_bytes(rows: list[list]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def counts(env) -> dict[str, int]:
    with env.uow.read() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


@pytest.fixture
def w(env):
    world(env, customers=("CUST1", "CUST2"), stock={("NEAR", "SKU-A"): 100, ("MID", "SKU-B"): 50})
    return env


def run(env, kind, data, name="f.csv", actor=None, **kw):
    return import_file(env.uow, env.clock, env.settings, actor or env.actor, kind, data, name, **kw)


ORDERS = [["order_ref", "customer", "sku", "qty", "requested_date", "customer_po"],
          ["A", "CUST1", "SKU-A", "5", "2026-03-20", "PO-A"],
          ["A", "CUST1", "SKU-B", "2", "", "PO-A"],
          ["B", "CUST2", "SKU-A", "1", "", ""]]


def test_good_orders_file_places_one_order_per_ref(w):
    r = run(w, "orders", csv_bytes(ORDERS))
    assert (r["rows"], r["valid_rows"], r["imported_rows"], r["errors"]) == (3, 3, 3, [])
    assert len(r["created"]) == 2 and r["batch_id"] is not None
    a = get_order(w.uow, w.actor, int(r["created"][0][3:]))
    assert (a["customer"], a["channel"], a["customer_po"]) == ("CUST1", "file", "PO-A")
    assert [(ln["sku"], ln["qty"], ln["requested_date"]) for ln in a["lines"]] == [
        ("SKU-A", 5, date(2026, 3, 20)), ("SKU-B", 2, None)]
    with w.uow.read() as c:
        batch = c.execute(select(import_batches)).one()
    assert (batch.kind, batch.rows_total, batch.rows_imported, batch.created_ids) == ("orders", 3, 3, r["created"])


BAD_ORDERS = ORDERS + [
    ["C", "CUST1", "SKU-A", "abc", "", ""],  # line 5: wrong type
    ["D", "CUST1", "NOPE", "1", "", ""],  # line 6: unknown SKU (the order service says so)
    ["E", "CUST1", "SKU-A", "1", "", ""],  # line 7
    ["E", "CUST1", "SKU-A", "2", "", ""],  # line 8: duplicate key (order_ref, sku)
    ["F", "CUST9", "SKU-A", "1", "2026-13-01", ""],  # line 9: unknown customer and a bad date
    ["G", "CUST1", "SKU-A", "1", "2020-01-01", ""],  # line 10: in the past (the service)
]


def test_dry_run_reports_every_bad_row_and_writes_nothing(w):
    before = counts(w)
    r = run(w, "orders", csv_bytes(BAD_ORDERS), dry_run=True)
    assert counts(w) == before
    assert (r["rows"], r["imported_rows"], r["batch_id"], r["created"]) == (9, 0, None, [])
    got = [(e["line"], e["column"], e["code"]) for e in r["errors"]]
    assert got == [(5, "qty", "invalid_value"), (6, "sku", "unknown_sku"), (7, "order_ref", "group_rejected"),
                   (8, "sku", "duplicate_key"),
                   (9, "requested_date", "invalid_value"), (10, "requested_date", "requested_date_in_past")]
    messages = {e["line"]: e["message"] for e in r["errors"]}
    assert messages[5] == "line 5, column 'qty': 'abc' is not a whole number"
    assert messages[6] == "line 6, column 'sku': no product with SKU 'NOPE'"
    assert messages[8] == "line 8: order_ref=E, sku=SKU-A appears already on line 7"
    # Line 9's customer is unknown too, but its cell error stops the row first; fix the date and it shows:
    fixed = [row if row[0] != "F" else ["F", "CUST9", "SKU-A", "1", "", ""] for row in BAD_ORDERS]
    r2 = run(w, "orders", csv_bytes(fixed), dry_run=True)
    assert (9, "customer", "unknown_customer") in [(e["line"], e["column"], e["code"]) for e in r2["errors"]]
    assert r["valid_rows"] == 3  # lines 2, 3 and 4


def test_a_file_with_bad_rows_imports_nothing_unless_valid_only(w):
    before = counts(w)
    with pytest.raises(ValidationFailed) as refused:
        run(w, "orders", csv_bytes(BAD_ORDERS))
    assert refused.value.code == "import_has_errors" and refused.value.field == "file"
    assert len(refused.value.data["errors"]) == 6
    assert counts(w) == before
    r = run(w, "orders", csv_bytes(BAD_ORDERS), valid_only=True)
    # Orders A and B; order E has a bad row (line 8), so its line 7 is not placed alone.
    assert len(r["created"]) == 2 and r["imported_rows"] == 3
    assert (7, "order_ref", "group_rejected") in [(e["line"], e["column"], e["code"]) for e in r["errors"]]
    assert list_orders(w.uow, w.actor)["total"] == 2


def test_progress_goes_unit_by_unit_up_to_every_row(w):
    """What the CLI's progress bar shows: the rows done of all rows, from the first moment to the last row, rows
    the cell checks refused counted as done (the bar ends full even for a file with bad rows)."""
    calls: list[tuple[int, int]] = []
    run(w, "orders", csv_bytes(BAD_ORDERS), dry_run=True, progress=lambda done, total: calls.append((done, total)))
    # Lines 5, 8 and 9 fail their cells and take order E's line 7 with them: 4 rows done from the start, then
    # one step per order tried by the service: A (two rows), B, D, G.
    assert calls == [(4, 9), (6, 9), (7, 9), (8, 9), (9, 9)]
    calls.clear()
    run(w, "orders", csv_bytes(ORDERS), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (2, 3), (3, 3)]  # order A (two rows), then B


def test_missing_and_unknown_columns_are_named(w):
    r = run(w, "orders", csv_bytes([["order_ref", "customer", "quantity"], ["A", "CUST1", "1"]]), dry_run=True)
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [
        (1, "qty", "missing_column"), (1, "quantity", "unknown_column"), (1, "sku", "missing_column")]


def test_reimporting_the_same_orders_is_refused_as_duplicates(w):
    run(w, "orders", csv_bytes(ORDERS[:3]))
    r = run(w, "orders", csv_bytes(ORDERS[:3]), dry_run=True)
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [(2, "customer_po", "duplicate_order")]


def test_a_customer_user_imports_only_its_own_orders(w):
    from ordercare.store.tables import customers
    with w.uow.read() as c:
        cid = c.execute(select(customers.c.id).where(customers.c.code == "CUST1")).scalar_one()
    me = Actor(None, "cust1-user", Role.CUSTOMER, cid)
    r = run(w, "orders", csv_bytes(ORDERS), actor=me, valid_only=True)
    assert len(r["created"]) == 1
    [e] = r["errors"]
    assert (e["line"], e["column"], e["code"]) == (4, "customer", "unknown_customer")
    with pytest.raises(Forbidden):
        run(w, "products", csv_bytes([["sku"]]), actor=me)


def test_products_from_excel_with_typed_cells(w):
    data = xlsx_bytes([["SKU", "name", "weight_kg", "volume_m3", "list_price", "unit_cost", "unit", "active"],
                       ["P-1", "Bolt", 0.25, 0.001, 1.5, 0.75, "box", True],
                       [None, None, None, None, None, None, None, None],
                       ["P-2", "Nut", "0.1", "0.0005", "0.40", "0.2", None, "no"]])
    r = run(w, "products", data, "products.xlsx")
    assert (r["format"], r["created"], r["errors"]) == ("xlsx", ["P-1", "P-2"], [])
    p1, p2 = get_product(w.uow, w.actor, "P-1"), get_product(w.uow, w.actor, "P-2")
    assert (p1["unit"], p1["list_price"], p1["weight_kg"]) == ("box", Decimal("1.50"), Decimal("0.250"))
    assert (p2["unit"], p2["active"], p2["unit_cost"]) == ("ea", False, Decimal("0.20"))
    bad = xlsx_bytes([["sku", "name", "weight_kg", "volume_m3", "list_price", "unit_cost"],
                      ["SKU-A", "dup of existing", 1, 1, 1, 1], ["P-3", "cheap", 1, 1, "1.234", 1]])
    r = run(w, "products", bad, "p.xlsx", dry_run=True)
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [(2, "sku", "duplicate_sku"),
                                                                        (3, "list_price", "invalid_value")]


def test_customers_with_a_ship_to_and_semicolons(w):
    text = ("code;name;service_package;credit_limit;ship_to_code;city;country;lat;lon\n"
            "C-10;Garage Dupont;A;5000,00;HQ;Lyon;fr;45.75;4.85\n"
            "C-10;Again;A;;;;;;\n"
            "C-11;Bad package;Z;;;;;;\n").encode()
    r = run(w, "customers", text, dry_run=True)
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [(3, "code", "duplicate_key"),
                                                                        (4, "service_package",
                                                                         "unknown_service_package")]
    run(w, "customers", text, valid_only=True)
    c = get_customer(w.uow, w.actor, "C-10")
    assert (c["credit_limit"], c["service_package"], c["ship_tos"][0]["country"]) == (Decimal("5000.00"), "A", "FR")


def test_stock_counts_and_deltas(w):
    r = run(w, "stock", csv_bytes([["warehouse", "sku", "on_hand", "delta", "reason"],
                                   ["NEAR", "SKU-A", "90", "", "cycle count"],
                                   ["MID", "SKU-B", "", "5", ""],
                                   ["FAR", "SKU-C", "0", "", ""],
                                   ["NEAR", "SKU-B", "1", "1", ""],
                                   ["XXX", "SKU-B", "3", "", ""]]), valid_only=True)
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [(5, "on_hand", "one_of"),
                                                                        (6, "warehouse", "unknown_warehouse")]
    levels = {(s["warehouse"], s["sku"]): s["on_hand"] for s in list_stock(w.uow, w.actor)["items"]}
    assert levels[("NEAR", "SKU-A")] == 90 and levels[("MID", "SKU-B")] == 55


def test_receipts_grouped_by_purchase_order(w):
    rows = [["po_number", "supplier", "warehouse", "sku", "qty", "expected_date"],
            ["PO-1", "Acme", "FAR", "SKU-A", "10", "2026-04-01"],
            ["PO-1", "Acme", "FAR", "SKU-B", "5", "2026-04-02"],
            ["PO-2", "Acme", "FAR", "SKU-A", "5", "2026-04-02"],
            ["PO-2", "Other", "FAR", "SKU-B", "5", "2026-04-02"]]
    r = run(w, "receipts", csv_bytes(rows), valid_only=True)
    assert r["created"] == ["PO-1"]
    assert [(e["line"], e["column"], e["code"]) for e in r["errors"]] == [(4, "po_number", "group_rejected"),
                                                                        (5, "supplier", "group_mismatch")]


def test_not_a_table(w):
    with pytest.raises(ValidationFailed) as e:
        run(w, "products", b"PK\x03\x04garbage", "x.xlsx", dry_run=True)
    assert e.value.code == "invalid_xlsx"
    with pytest.raises(ValidationFailed) as e:
        run(w, "products", b"\xff\xfe\x00", "x.csv", dry_run=True)
    assert e.value.code == "invalid_encoding"
    with pytest.raises(ValidationFailed) as e:
        run(w, "pets", b"a", "x.csv")
    assert e.value.code == "unknown_import"


def test_export_orders_to_csv_and_excel(w):
    run(w, "orders", csv_bytes(ORDERS))
    data, name = export(w.uow, w.actor, "orders", "csv", ExportFilter(customer="CUST1"))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert name == "orders.csv"
    assert [(r["customer"], r["sku"], r["qty"], r["channel"], r["customer_po"]) for r in rows] == [
        ("CUST1", "SKU-A", "5", "file", "PO-A"), ("CUST1", "SKU-B", "2", "file", "PO-A")]
    xlsx, _ = export(w.uow, w.actor, "orders", "xlsx", ExportFilter())
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("order", "customer", "ship_to") and len(values) == 4
    assert isinstance(values[1][6], datetime) and values[1][13] == 10.0
    with pytest.raises(ValidationFailed):
        export(w.uow, w.actor, "orders", "pdf", ExportFilter())


def test_export_shipments(w):
    from tests.factories import carriers, shipment_at
    carriers(w)
    sid = shipment_at(w, "NEAR", [("SKU-A", 3)], "shipped")
    data, _ = export(w.uow, w.actor, "shipments", "csv", ExportFilter(status="shipped"))
    [row] = list(csv.DictReader(io.StringIO(data.decode())))
    assert (row["shipment"], row["sku"], row["qty_shipped"], row["status"]) == (f"SH-{sid:07d}", "SKU-A", "3",
                                                                                 "shipped")
