"""EDI and file commands: `ordercare edi …`, `ordercare import …`, `ordercare export …`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

edi_app = typer.Typer(help="EDI X12: receive interchanges (850 → orders, 997 back), send 855/856/810, manage partners.",
                      no_args_is_help=True)
partner_app = typer.Typer(help="Trading partners and their cross-references.", no_args_is_help=True)
edi_app.add_typer(partner_app, name="partner")
import_app = typer.Typer(help="Import orders, customers, products, stock or receipts from CSV or Excel.",
                         no_args_is_help=True)


def _ctx():
    from .cli import _actor, _fail, _settings, _uow, console
    return _uow(), _settings(), _actor(), console, _fail


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        from .cli import err
        err.print(f"[red]error[/red] \\[unreadable_file] {escape(str(path))}: {escape(exc.strerror or str(exc))}")
        raise typer.Exit(2) from None


def _write_or_print(console, content: str, out: Path | None) -> None:
    if out:
        out.write_text(content)
        console.print(f"written to {out}")
    else:
        console.print(escape(content), end="", highlight=False)


@edi_app.command("import")
def edi_import(file: Annotated[Path, typer.Argument(help="An X12 interchange (any separators)")],
               ack: Annotated[Path | None, typer.Option(help="Write the 997 answering it to this file")] = None):
    """Receive an interchange: each 850 becomes an order; prints what became of each set and the 997."""
    from .services.edi_inbound import receive_interchange
    uow, settings, actor, console, fail = _ctx()
    text = _read(file).decode("utf-8", errors="replace")
    try:
        r = receive_interchange(uow, SystemClock(), settings, actor, text)
    except DomainError as exc:
        fail(exc)
    t = Table("group", "set", "control", "status", "PO", "order", "problem",
              title=f"interchange {r['control']} from {r['partner']}: {r['status']}"
                    + (" (received before: the same answer)" if r["replayed"] else ""))
    for s in r["transactions"]:
        t.add_row(s["group_control"], s["set"], s["control"], s["status"], s["po_number"] or "", s["order"] or "",
                  escape((s["error"] or {}).get("message", "")))
    console.print(t)
    if r["acknowledgment"]:
        _write_or_print(console, r["acknowledgment"]["content"], ack)


@edi_app.command("out")
def edi_out(set_code: Annotated[str, typer.Argument(
                help="855 (REF is an order), 856 (REF is a shipment) or 810 (REF is an invoice)")],
            ref: Annotated[str, typer.Argument(metavar="REF", help="SO-0000042 / 42, SH-0000012 / 12, INV-0000007 / 7")],
            out: Annotated[Path | None, typer.Option(help="Write the interchange to this file")] = None):
    """Generate an outbound document and store it with its control number: 855 acknowledgment, 856 ship notice,
    810 invoice (sent by itself when an EDI customer is invoiced; again here, it is marked a duplicate)."""
    from .domain.invoicing import parse_invoice_number
    from .domain.orders import parse_order_number
    from .services import edi_invoice, edi_outbound
    uow, _, actor, console, fail = _ctx()
    try:
        if set_code == "855":
            order_id = parse_order_number(ref)
            if order_id is None:
                raise DomainError("order_not_found", f"order {ref}: no such order", field="order")
            doc = edi_outbound.acknowledge_order(uow, SystemClock(), actor, order_id)
        elif set_code == "856":
            digits = ref.upper().removeprefix("SH-")
            if not digits.isdigit():
                raise DomainError("shipment_not_found", f"shipment {ref}: no such shipment", field="shipment")
            doc = edi_outbound.send_ship_notice(uow, SystemClock(), actor, int(digits))
        elif set_code == "810":
            invoice_id = parse_invoice_number(ref)
            if invoice_id is None:
                raise DomainError("invoice_not_found", f"invoice {ref}: no such invoice", field="invoice")
            doc = edi_invoice.send_invoice(uow, SystemClock(), actor, invoice_id)
        else:
            raise DomainError("unsupported_set", f"set: {set_code} is not generated here (855, 856, 810)",
                              field="set")
    except DomainError as exc:
        fail(exc)
    console.print(f"[bold]{doc['set']}[/bold] to {doc['partner']}, control {doc['control']} (document {doc['id']})",
                  style=None)
    _write_or_print(console, doc["content"], out)


@edi_app.command("documents")
def edi_documents(partner: str | None = None, direction: str | None = None, limit: int = 30):
    """Interchanges received and sent."""
    from .services.edi_documents import list_documents
    uow, _, actor, console, fail = _ctx()
    try:
        page = list_documents(uow, actor, partner=partner, direction=direction, limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("id", "partner", "dir", "set", "control", "status", "order", "at", title=f"{page['total']} documents")
    for d in page["items"]:
        t.add_row(str(d["id"]), d["partner"], d["direction"], d["set"], d["control"], d["status"], d["order"] or "",
                  d["created_at"].strftime("%Y-%m-%d %H:%M"))
    console.print(t)


@edi_app.command("show")
def edi_show(document_id: int):
    """One interchange as exchanged."""
    from .services.edi_documents import get_document
    uow, _, actor, console, fail = _ctx()
    try:
        d = get_document(uow, actor, document_id)
    except DomainError as exc:
        fail(exc)
    _write_or_print(console, d["content"], None)


@partner_app.command("add")
def partner_add(code: str, customer: Annotated[str, typer.Option(help="Customer code")],
                isa_id: Annotated[str, typer.Option(help="The partner's ISA06 sender id")],
                isa_qualifier: Annotated[str, typer.Option(help="ISA05, e.g. ZZ, 01, 12")] = "ZZ",
                gs_id: Annotated[str, typer.Option(help="GS02; default the ISA id")] = "",
                our_id: Annotated[str, typer.Option(help="How the partner knows us (ISA08)")] = "ORDERCARE",
                our_qualifier: str = "ZZ", version: Annotated[str, typer.Option(help="ISA12 we send")] = "00401",
                test: Annotated[bool, typer.Option("--test", help="Send with usage T (test)")] = False):
    """Set up a trading partner: its ISA sender id is the customer's."""
    from .services import edi_partners as ep
    uow, _, actor, console, fail = _ctx()
    try:
        ep.create_partner(uow, SystemClock(), actor, ep.PartnerData(code, customer, isa_qualifier, isa_id, gs_id,
                                                                    our_qualifier, our_id, "", version,
                                                                    "T" if test else "P"))
    except DomainError as exc:
        fail(exc)
    console.print(f"partner {code} → customer {customer}")


@partner_app.command("item")
def partner_item(partner: str, kind: Annotated[str, typer.Argument(help="BP (buyer part number) or UP (UPC/GTIN)")],
                 value: str, sku: str):
    """Map a partner's item number to our SKU (VP needs no mapping: it is the SKU)."""
    from .services import edi_partners as ep
    uow, _, actor, console, fail = _ctx()
    try:
        ep.set_item_references(uow, actor, partner, [ep.ItemReference(kind.upper(), value, sku)])
    except DomainError as exc:
        fail(exc)
    console.print(f"{partner}: {kind.upper()} {value} → {sku}")


@partner_app.command("location")
def partner_location(partner: str, code: str, ship_to: str):
    """Map a partner's location code (N1*ST) to one of its customer's ship-tos."""
    from .services import edi_partners as ep
    uow, _, actor, console, fail = _ctx()
    try:
        ep.set_location(uow, actor, partner, code, ship_to)
    except DomainError as exc:
        fail(exc)
    console.print(f"{partner}: location {code} → ship-to {ship_to}")


@partner_app.command("list")
def partner_list():
    """Trading partners."""
    from .services.edi_partners import list_partners
    uow, _, actor, console, _ = _ctx()
    t = Table("code", "customer", "ISA id", "GS id", "we are", "version", "usage", "active", "last control")
    for p in list_partners(uow, actor):
        t.add_row(p["code"], p["customer"], f"{p['isa_qualifier']}/{p['isa_id']}", p["gs_id"],
                  f"{p['our_qualifier']}/{p['our_id']}", p["version"], p["usage"], "yes" if p["active"] else "no",
                  str(p["last_control"]))
    console.print(t)


def _import(kind: str, file: Path, dry_run: bool, valid_only: bool) -> None:
    from .services.file_imports import import_file
    uow, settings, actor, console, fail = _ctx()
    data = _read(file)
    with Progress(TextColumn(f"{kind} {file.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(kind, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            r = import_file(uow, SystemClock(), settings, actor, kind, data, file.name, dry_run=dry_run,
                            valid_only=valid_only, progress=progress)
        except DomainError as exc:
            errors = exc.data.get("errors") if exc.code == "import_has_errors" else None
            if errors:
                _problems(console, errors)
            fail(exc)
    if r["errors"]:
        _problems(console, r["errors"])
    verb = "would import" if dry_run else "imported"
    console.print(f"{r['rows']} rows, {r['valid_rows']} valid; {verb} "
                  f"{r['valid_rows'] if dry_run else r['imported_rows']}"
                  + (f" — batch {r['batch_id']}: {', '.join(r['created'][:10])}"
                     f"{' …' if len(r['created']) > 10 else ''}" if r["batch_id"] else ""))
    if dry_run and r["errors"]:
        raise typer.Exit(1)


def _problems(console, errors: list[dict]) -> None:
    t = Table("line", "column", "problem", "code", title=f"{len(errors)} problems")
    for e in errors:
        t.add_row(str(e["line"]), e["column"] or "", escape(e["message"]), e["code"])
    console.print(t)


DRY = Annotated[bool, typer.Option("--dry-run", help="Check every row, report every problem, write nothing")]
VALID = Annotated[bool, typer.Option("--valid-only", help="Import the valid rows, report the others")]


def _command(kind: str, about: str):
    def command(file: Annotated[Path, typer.Argument(help="A .csv (UTF-8, comma or semicolon) or .xlsx file")],
                dry_run: DRY = False, valid_only: VALID = False) -> None:
        _import(kind, file, dry_run, valid_only)
    command.__doc__ = f"{about} Nothing is imported unless every row is valid (or --valid-only)."
    import_app.command(kind)(command)


for _kind, _about in [("orders", "Orders: one row per line; rows with the same order_ref are one order."),
                      ("customers", "Customers, each with an optional default ship-to."),
                      ("products", "Products."), ("stock", "Stock counts (on_hand) or changes (delta)."),
                      ("receipts", "Purchase orders: rows with the same po_number are one purchase order.")]:
    _command(_kind, _about)


def export_cmd(name: Annotated[str, typer.Argument(
                   help="orders, shipments, invoices, invoice_lines, credit_notes, payments, service_kpis, …")],
               out: Annotated[Path, typer.Option(help="File to write; .xlsx for Excel, else CSV")],
               date_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
               date_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
               customer: str | None = None, status: str | None = None):
    """Write an export to a CSV or Excel file."""
    from .services.file_exports import ExportFilter, export
    uow, _, actor, console, fail = _ctx()
    try:
        dates = [date.fromisoformat(d) if d else None for d in (date_from, date_to)]
    except ValueError:
        from .cli import err
        err.print("[red]error[/red] \\[invalid_date] --date-from/--date-to: use YYYY-MM-DD")
        raise typer.Exit(2) from None
    try:
        data, _ = export(uow, actor, name, "xlsx" if out.suffix.lower() == ".xlsx" else "csv",
                         ExportFilter(dates[0], dates[1], customer, status))
    except DomainError as exc:
        fail(exc)
    out.write_bytes(data)
    console.print(f"{name} written to {out} ({len(data)} bytes)")
