"""Billing commands: invoices (run, list, show, PDF, cancel, dispute), credit notes, billing set-up and tax rates.
The cash side (payments, receivables, dunning, the ledger check) is in cli_cash.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

invoice_app = typer.Typer(help="Invoices: the invoice run, list, show, PDF, cancel, disputes.", no_args_is_help=True)
credit_app = typer.Typer(help="Credit notes: raise, list, apply to invoices.", no_args_is_help=True)
setup_app = typer.Typer(help="How customers are billed: invoicing cycle, freight, tax rates.", no_args_is_help=True)


def _ctx():
    from .cli import _actor, _fail, _uow, console
    return _uow(), SystemClock(), _actor(), console, _fail


def bad(code: str, message: str) -> None:
    from rich.markup import escape

    from .cli import err
    err.print(f"[red]error[/red] {escape(f'[{code}]')} {escape(message)}")
    raise typer.Exit(2)


def money(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        bad("invalid_amount", f"{name} {text!r}: write an amount such as 120.50")
    if not value.is_finite():
        bad("invalid_amount", f"{name} {text!r}: write an amount such as 120.50")
    return value


def day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        bad("invalid_date", f"{name} {text!r}: use YYYY-MM-DD")


def ref(parse, text: str, what: str) -> int:
    n = parse(text)
    if n is None:
        bad(f"{what.replace(' ', '_')}_not_found", f"{what} {text}: no such {what}")
    return n


def show_invoice(console, inv: dict) -> None:
    console.print(f"[bold]{inv['number']}[/bold] {inv['customer']}  {inv['status']}  issued {inv['issued_on']}  "
                  f"due {inv['due_on']}  {inv['terms']}  total {inv['total']} {inv['currency']}  "
                  f"open {inv['open_amount']}" + (f"  period {inv['period_from']}..{inv['period_to']}"
                                                  if inv["period_from"] else ""))
    t = Table("#", "kind", "order", "shipment", "sku", "description", "qty", "price", "tax %", "amount")
    for ln in inv["lines"]:
        t.add_row(str(ln["line_no"]), ln["kind"], ln["order"] or "", ln["shipment"] or "", ln["sku"] or "",
                  ln["description"], str(ln["qty"] or ""), str(ln["unit_price"] or ""), str(ln["tax_rate"]),
                  str(ln["net_amount"]))
    console.print(t)
    for a in inv["applications"]:
        console.print(f"  {a['applied_on']} {a['by']}: {a['amount']}" + (f" + discount {a['discount']}"
                                                                          if a["discount"] else "")
                      + (" (reversed)" if a["reversed"] else ""))
    for d in inv["disputes"]:
        console.print(f"  dispute {d['id']} {d['category']} ({d['status']}): {d['description']}")


@invoice_app.command("run")
def run_cmd(through: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None):
    """Issue every invoice due through a day: closed weekly/monthly periods, and shipments not yet invoiced."""
    from .services import invoicing
    uow, clock, actor, console, fail = _ctx()
    with Progress(TextColumn("customers"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console, transient=True) as bar:
        task = bar.add_task("run", total=None)
        try:
            ids = invoicing.run_invoicing(uow, clock, actor, day(through, "--through"),
                                          progress=lambda done, total: bar.update(task, completed=done, total=total))
        except DomainError as exc:
            fail(exc)
    console.print(f"{len(ids)} invoice(s) issued" + (f": {', '.join(f'INV-{i:07d}' for i in ids)}" if ids else ""))


@invoice_app.command("list")
def list_cmd(customer: str | None = None, status: str | None = None,
             order: Annotated[str | None, typer.Option(help="SO-… : the invoices billing an order")] = None,
             overdue: bool = False, limit: int = 30):
    """Invoices, newest first."""
    from .domain.orders import parse_order_number
    from .services import billing_views
    uow, clock, actor, console, fail = _ctx()
    try:
        page = billing_views.list_invoices(uow, clock, actor, customer=customer, status=status, overdue=overdue,
                                           order_id=ref(parse_order_number, order, "order") if order else None,
                                           limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("invoice", "customer", "kind", "status", "issued", "due", "total", "open", "days late", "dunning",
              title=f"{page['total']} invoices")
    for r in page["items"]:
        t.add_row(r["number"], r["customer"], r["kind"], r["status"], str(r["issued_on"]), str(r["due_on"]),
                  str(r["total"]), str(r["open_amount"]), str(r["days_overdue"] or ""), str(r["dunning_level"] or ""))
    console.print(t)


@invoice_app.command("show")
def show_cmd(invoice: str, as_json: Annotated[bool, typer.Option("--json")] = False):
    """One invoice with its lines, tax, payments and credits applied, and disputes."""
    from .cli import _json
    from .domain.invoicing import parse_invoice_number
    from .services import billing_views
    uow, clock, actor, console, fail = _ctx()
    try:
        inv = billing_views.get_invoice(uow, clock, actor, ref(parse_invoice_number, invoice, "invoice"))
    except DomainError as exc:
        fail(exc)
    _json(inv) if as_json else show_invoice(console, inv)


@invoice_app.command("pdf")
def pdf_cmd(invoice: str, out: Annotated[Path | None, typer.Option(help="File to write")] = None):
    """Write the invoice as PDF."""
    from .domain.invoicing import parse_invoice_number
    from .services import billing_views
    uow, clock, actor, console, fail = _ctx()
    n = ref(parse_invoice_number, invoice, "invoice")
    try:
        pdf = billing_views.invoice_pdf(uow, clock, actor, n)
    except DomainError as exc:
        fail(exc)
    path = out or Path(f"invoice-{n:07d}.pdf")
    path.write_bytes(pdf)
    console.print(f"written {path} ({len(pdf):,} bytes)")


@invoice_app.command("cancel")
def cancel_cmd(invoice: str, reason: Annotated[str, typer.Option(help="Why")],
               reissue: Annotated[bool, typer.Option(help="Issue a corrected invoice at once")] = False):
    """Cancel an invoice nothing is applied to (e.g. wrong customer data)."""
    from .domain.invoicing import parse_invoice_number
    from .services import invoice_changes
    uow, clock, actor, console, fail = _ctx()
    try:
        new = invoice_changes.cancel_invoice(uow, clock, actor, ref(parse_invoice_number, invoice, "invoice"), reason,
                                             reissue=reissue)
    except DomainError as exc:
        fail(exc)
    console.print(f"{invoice}: cancelled" + (f"; reissued as INV-{new:07d}" if new else ""))


@invoice_app.command("dispute")
def dispute_cmd(invoice: str, category: Annotated[str, typer.Option(help="wrong_price, wrong_quantity, "
                                                                    "wrong_customer_data, wrong_tax, …")],
                description: Annotated[str, typer.Option()], order: str | None = None):
    """Flag an invoice as wrong; it is not chased while the dispute is open."""
    from .domain.invoicing import parse_invoice_number
    from .domain.orders import parse_order_number
    from .services import invoice_changes
    uow, clock, actor, console, fail = _ctx()
    try:
        d = invoice_changes.raise_dispute(uow, clock, actor, ref(parse_invoice_number, invoice, "invoice"),
                                          category=category, description=description,
                                          order_id=ref(parse_order_number, order, "order") if order else None)
    except DomainError as exc:
        fail(exc)
    console.print(f"dispute {d} raised on {invoice}")


@invoice_app.command("resolve")
def resolve_cmd(dispute_id: int, outcome: Annotated[str, typer.Option(help="upheld or rejected")],
                resolution: Annotated[str, typer.Option()],
                credit: Annotated[str | None, typer.Option(help="Net amount to credit against the invoice")] = None):
    """Resolve a dispute; upheld with --credit raises a credit note against the invoice."""
    from .domain.credit_notes import CreditLine
    from .services import invoice_changes
    uow, clock, actor, console, fail = _ctx()
    lines = [CreditLine(resolution[:300], money(credit, "--credit"))] if credit else None
    try:
        r = invoice_changes.resolve_dispute(uow, clock, actor, dispute_id, outcome=outcome, resolution=resolution,
                                            credit=lines)
    except DomainError as exc:
        fail(exc)
    console.print(f"dispute {dispute_id}: {r['status']}" + (f", {r['credit_note']}" if r["credit_note"] else ""))


@credit_app.command("raise")
def credit_raise_cmd(customer: Annotated[str, typer.Option()], reason: Annotated[str, typer.Option()],
                     line: Annotated[list[str], typer.Option(help="DESCRIPTION:AMOUNT[:TAX%[:ORDER_LINE_NO:QTY]]")],
                     source: Annotated[str, typer.Option(help="price_correction, service_recovery, manual")] = "manual",
                     order: str | None = None, invoice: str | None = None):
    """Credit a customer (net amounts; tax is added). Against an invoice or order it is applied at once."""
    from .domain.invoicing import parse_invoice_number
    from .domain.orders import parse_order_number
    from .services import billing_views
    from .services.credit_requests import CreditRequest, RequestedCreditLine, credit_customer
    uow, clock, actor, console, fail = _ctx()
    lines = []
    for spec in line:
        parts = spec.split(":")
        if len(parts) < 2 or (len(parts) > 3 and not all(p.isdigit() for p in parts[3:5])):
            bad("invalid_line", f"--line {spec!r}: write DESCRIPTION:AMOUNT[:TAX%[:ORDER_LINE_NO:QTY]]")
        tax = money(parts[2], "--line tax") if len(parts) > 2 and parts[2] else None
        lines.append(RequestedCreditLine(parts[0], money(parts[1], "--line amount"),
                                         int(parts[4]) if len(parts) > 4 else None,
                                         int(parts[3]) if len(parts) > 3 else None, tax))
    try:
        cn = credit_customer(uow, clock, actor, CreditRequest(
            customer=customer, reason=reason, source=source, lines=lines,
            order_id=ref(parse_order_number, order, "order") if order else None,
            invoice_id=ref(parse_invoice_number, invoice, "invoice") if invoice else None))
        note = billing_views.get_credit_note(uow, actor, cn)
    except DomainError as exc:
        fail(exc)
    console.print(f"[bold]{note['number']}[/bold] {note['customer']} total {note['total']} {note['currency']}, "
                  f"unapplied {note['unapplied']}")


@credit_app.command("list")
def credit_list_cmd(customer: str | None = None, limit: int = 30):
    """Credit notes, newest first."""
    from .services import billing_views
    uow, _, actor, console, fail = _ctx()
    try:
        page = billing_views.list_credit_notes(uow, actor, customer=customer, limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("credit note", "customer", "source", "order", "invoice", "issued", "total", "unapplied", "reason",
              title=f"{page['total']} credit notes")
    for r in page["items"]:
        t.add_row(r["number"], r["customer"], r["source"], r["order"] or "", r["invoice"] or "", str(r["issued_on"]),
                  str(r["total"]), str(r["unapplied"]), r["reason"])
    console.print(t)


@credit_app.command("apply")
def credit_apply_cmd(credit_note: str):
    """Apply a credit note's unapplied credit to the customer's open invoices, oldest due first."""
    from .domain.invoicing import parse_credit_note_number
    from .services import payments
    uow, clock, actor, console, fail = _ctx()
    try:
        used = payments.apply_credit_note(uow, clock, actor, ref(parse_credit_note_number, credit_note,
                                                                  "credit note"))
    except DomainError as exc:
        fail(exc)
    console.print(f"{credit_note}: {used} applied")


@setup_app.command("show")
def billing_show_cmd(customer: str):
    """How a customer is invoiced, and its payment terms."""
    from .services import billing_setup
    uow, _, actor, console, fail = _ctx()
    try:
        b = billing_setup.get_billing(uow, actor, customer)
    except DomainError as exc:
        fail(exc)
    t = b["payment_terms"]
    console.print(f"{customer}: invoiced {b['invoicing']}, freight {'charged' if b['charge_freight'] else 'free'}, "
                  f"terms {t['code']} ({t['discount_pct']} % within {t['discount_days']} days, net {t['net_days']})")


@setup_app.command("set")
def billing_set_cmd(customer: str, invoicing: Annotated[str, typer.Option(help="per_shipment, weekly, monthly")],
                    freight: Annotated[bool, typer.Option("--freight/--no-freight", help="Charge freight")] = True):
    """Set a customer's invoicing cycle and whether its freight is charged."""
    from .services import billing_setup
    uow, clock, actor, console, fail = _ctx()
    try:
        billing_setup.set_billing(uow, clock, actor, customer, invoicing=invoicing, charge_freight=freight)
    except DomainError as exc:
        fail(exc)
    billing_show_cmd(customer)


@setup_app.command("tax-rate")
def tax_rate_cmd(rate: Annotated[str, typer.Option(help="Percent, e.g. 21")], name: Annotated[str, typer.Option()],
                 customer: str | None = None, sku: str | None = None):
    """Set a tax rate: the default (no --customer/--sku), or for a customer, a product, or both."""
    from .services import billing_setup
    uow, _, actor, console, fail = _ctx()
    try:
        billing_setup.set_tax_rate(uow, actor, rate=money(rate, "--rate"), name=name, customer=customer, sku=sku)
        rates = billing_setup.list_tax_rates(uow, actor)
    except DomainError as exc:
        fail(exc)
    t = Table("customer", "sku", "rate %", "name", title="tax rates (the most specific wins)")
    for r in rates:
        t.add_row(r["customer"] or "any", r["sku"] or "any", str(r["rate"]), r["name"])
    console.print(t)


BILLING_APPS = [(invoice_app, "invoice"), (credit_app, "credit-note"), (setup_app, "billing")]
