"""Reading and writing tables: CSV (UTF-8, comma or semicolon) and Excel (.xlsx, first sheet), as plain rows.

Reading yields (line number, {column: value}) with the header on line 1, as a spreadsheet numbers rows, so an
error can name the line the user sees. Values from Excel keep their cell type (numbers, dates); the column
parsers in layouts.py accept both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ...domain.errors import ValidationFailed

FORMATS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"


def format_of(filename: str, data: bytes) -> str:
    name = filename.lower()
    if name.endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        return "xlsx"
    if name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        return "csv"
    raise ValidationFailed("unsupported_file", f"file: '{filename}' is neither .csv nor .xlsx", field="file")


def read_table(data: bytes, fmt: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(header, rows); blank rows are skipped, header names are trimmed and lower-cased."""
    if fmt == "xlsx":
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("invalid_encoding", f"file: not UTF-8 text (byte {exc.start})", field="file") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed("empty_file", "file: it is empty", field="file") from None
    except csv.Error as exc:
        raise ValidationFailed("invalid_csv", f"file: line 1: {exc}", field="file") from None
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            rows.append((reader.line_num, _row(header, values, reader.line_num)))
    except csv.Error as exc:
        raise ValidationFailed("invalid_csv", f"file: line {reader.line_num}: {exc}", field="file") from None
    return header, rows


def _row(header: list[str], values: list[Any], line: int) -> dict[str, Any]:
    if len(values) > len(header) and any(str(v).strip() for v in values[len(header):] if v is not None):
        raise ValidationFailed("extra_values", f"file: line {line} has {len(values)} values for {len(header)} "
                               "columns", field="file", line=line)
    return {h: values[i] if i < len(values) else None for i, h in enumerate(header) if h}


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook, whatever the reason
        raise ValidationFailed("invalid_xlsx", f"file: not a readable Excel workbook ({type(exc).__name__})",
                               field="file") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise ValidationFailed("empty_file", "file: the first sheet is empty", field="file")
        header = [str(h).strip().lower() if h is not None else "" for h in first]
        rows = []
        for n, values in enumerate(it, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append((n, _row(header, list(values), n)))
        return header, rows
    finally:
        wb.close()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: written as UTC wall time
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_table(header: list[str], rows: Iterable[list[Any]], fmt: str, *, sheet: str = "export") -> bytes:
    if fmt == "xlsx":
        from openpyxl import Workbook
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet[:31])
        ws.append(header)
        for r in rows:
            ws.append([_cell(v) for v in r])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_text(v) for v in r])
    return buf.getvalue().encode("utf-8")
