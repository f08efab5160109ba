"""Cash commands: payments (record, apply, reverse, refund), receivables (open items, aging, DSO), the dunning
run and the ledger check."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from .cli_billing import _ctx, bad, day, money, ref
from .domain.errors import DomainError

payment_app = typer.Typer(help="Payments: record and apply, apply later, reverse, refund credit.",
                          no_args_is_help=True)
receivables_app = typer.Typer(help="Receivables: open items, aging buckets, DSO.", no_args_is_help=True)
dunning_app = typer.Typer(help="Reminders for overdue invoices.", no_args_is_help=True)
ledger_app = typer.Typer(help="The receivables ledger.", no_args_is_help=True)


def _allocations(specs: list[str]):
    from .domain.cash import Allocation
    from .domain.invoicing import parse_invoice_number
    out = []
    for spec in specs:
        inv, _, amount = spec.rpartition(":")
        if not inv:
            bad("invalid_allocation", f"--apply {spec!r}: write INVOICE:AMOUNT, e.g. INV-0000042:120.50")
        out.append(Allocation(ref(parse_invoice_number, inv, "invoice"), money(amount, "--apply")))
    return out


@payment_app.command("record")
def record_cmd(customer: Annotated[str, typer.Option()], amount: Annotated[str, typer.Option()],
               reference: Annotated[str, typer.Option(help="The bank's or cheque's reference")],
               received_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None,
               method: str = "bank_transfer",
               currency: Annotated[str | None, typer.Option(help="Default: ORDERCARE_CURRENCY")] = None,
               apply: Annotated[list[str], typer.Option(help="INVOICE:AMOUNT; default: oldest due first")] = [],  # noqa: B006
               auto_apply: Annotated[bool, typer.Option("--auto-apply/--no-auto-apply")] = True):
    """Record money received and apply it; the early-payment discount is taken where earned."""
    from .cli import _settings
    from .services import billing_views, payments
    uow, clock, actor, console, fail = _ctx()
    try:
        pid = payments.record_payment(uow, clock, actor, payments.PaymentIn(
            customer=customer, amount=money(amount, "--amount"), currency=currency or _settings().currency,
            received_on=day(received_on, "--received-on") or clock.today(), method=method, reference=reference,
            allocations=_allocations(apply) if apply else None, auto_apply=auto_apply))
        _show(console, billing_views.get_payment(uow, actor, pid))
    except DomainError as exc:
        fail(exc)


def _show(console, p: dict) -> None:
    console.print(f"[bold]{p['number']}[/bold] {p['customer']} {p['amount']} {p['currency']} received "
                  f"{p['received_on']} ({p['method']} {p['reference']})  applied {p['applied']}  unapplied "
                  f"{p['unapplied']}  {p['status']}")
    for a in p["applications"]:
        console.print(f"  {a['invoice']}: {a['amount']}" + (f" + discount {a['discount']}" if a["discount"] else "")
                      + (" (reversed)" if a["reversed"] else ""))


@payment_app.command("list")
def list_cmd(customer: str | None = None,
             unapplied: Annotated[bool, typer.Option(help="Only cash not yet applied")] = False, limit: int = 30):
    """Payments, newest first."""
    from .services import billing_views
    uow, _, actor, console, fail = _ctx()
    page = billing_views.list_payments(uow, actor, customer=customer, unapplied_only=unapplied, limit=limit)
    t = Table("payment", "customer", "received", "amount", "applied", "unapplied", "method", "reference", "status",
              title=f"{page['total']} payments")
    for r in page["items"]:
        t.add_row(r["number"], r["customer"], str(r["received_on"]), str(r["amount"]), str(r["applied"]),
                  str(r["unapplied"]), r["method"], r["reference"], r["status"])
    console.print(t)


@payment_app.command("apply")
def apply_cmd(payment: str, apply: Annotated[list[str], typer.Option(help="INVOICE:AMOUNT")] = []):  # noqa: B006
    """Apply a payment's unapplied cash (to the invoices given, or oldest due first)."""
    from .domain.invoicing import parse_payment_number
    from .services import billing_views, payments
    uow, clock, actor, console, fail = _ctx()
    n = ref(parse_payment_number, payment, "payment")
    try:
        payments.apply_payment(uow, clock, actor, n, _allocations(apply) if apply else None)
        _show(console, billing_views.get_payment(uow, actor, n))
    except DomainError as exc:
        fail(exc)


@payment_app.command("reverse")
def reverse_cmd(payment: str, reason: Annotated[str, typer.Option(help="e.g. cheque bounced")]):
    """Reverse a bounced or mistaken payment: its invoices open again."""
    from .domain.invoicing import parse_payment_number
    from .services import payments
    uow, clock, actor, console, fail = _ctx()
    try:
        payments.reverse_payment(uow, clock, actor, ref(parse_payment_number, payment, "payment"), reason)
    except DomainError as exc:
        fail(exc)
    console.print(f"{payment}: reversed")


@payment_app.command("refund")
def refund_cmd(customer: Annotated[str, typer.Option()], amount: Annotated[str, typer.Option()],
               reference: Annotated[str, typer.Option()], method: str = "bank_transfer",
               credit_note: Annotated[str | None, typer.Option(help="Refund from this credit note")] = None):
    """Pay customer credit back (unapplied payments and credit notes, oldest first)."""
    from .domain.invoicing import parse_credit_note_number
    from .services.credit_requests import refund_customer
    uow, clock, actor, console, fail = _ctx()
    try:
        rid = refund_customer(uow, clock, actor, customer=customer, amount=money(amount, "--amount"), method=method,
                              reference=reference, credit_note_id=ref(parse_credit_note_number, credit_note,
                                                                      "credit note") if credit_note else None)
    except DomainError as exc:
        fail(exc)
    console.print(f"refund RF-{rid:07d}: {amount} to {customer}")


@receivables_app.command("open-items")
def open_items_cmd(customer: str):
    """A customer's statement: open invoices and their age, unapplied cash and credit, credit exposure."""
    from .services import receivables
    uow, clock, actor, console, fail = _ctx()
    try:
        s = receivables.open_items(uow, clock, actor, customer)
    except DomainError as exc:
        fail(exc)
    t = Table("invoice", "issued", "due", "total", "open", "days late", "bucket", "pay now to settle", "dunning",
              "disputed", title=f"{s['customer']} {s['name']} — as of {s['as_of']}")
    for i in s["items"]:
        t.add_row(i["invoice"], str(i["issued_on"]), str(i["due_on"]), str(i["total"]), str(i["open_amount"]),
                  str(i["days_overdue"] or ""), i["bucket"], str(i["pay_now_to_settle"]), str(i["dunning_level"] or ""),
                  "yes" if i["disputed"] else "")
    console.print(t)
    c = s["credit"]
    console.print(f"open {s['open_total']} − unapplied cash {s['unapplied_cash']} − unapplied credit "
                  f"{s['unapplied_credit']} = balance {s['balance']};  exposure {c['exposure']} "
                  f"(+ open orders not invoiced {c['open_orders_not_invoiced']}), limit {c['limit'] or 'none'}")


@receivables_app.command("aging")
def aging_cmd(customer: str | None = None, limit: int = 40):
    """Open amounts per customer by days past due: current, 1-30, 31-60, 61-90, 90+."""
    from .services import receivables
    uow, clock, actor, console, fail = _ctx()
    try:
        r = receivables.aging_report(uow, clock, actor, customer=customer)
    except DomainError as exc:
        fail(exc)
    t = Table("customer", *r["buckets"], "total", title=f"aging as of {r['as_of']}")
    for c in sorted(r["customers"], key=lambda c: -c["total"])[:limit]:
        t.add_row(c["customer"], *(str(c[b]) for b in r["buckets"]), str(c["total"]))
    t.add_row("[bold]all[/bold]", *(f"[bold]{r['totals'][b]}[/bold]" for b in r["buckets"]),
              f"[bold]{r['totals']['total']}[/bold]")
    console.print(t)


@receivables_app.command("dso")
def dso_cmd(days: int = 90, customer: str | None = None):
    """Days sales outstanding over the last DAYS days."""
    from .services import receivables
    uow, clock, actor, console, fail = _ctx()
    try:
        r = receivables.dso_report(uow, clock, actor, days=days, customer=customer)
    except DomainError as exc:
        fail(exc)
    console.print(f"DSO {r['dso'] if r['dso'] is not None else 'undefined (no sales)'} days = open "
                  f"{r['open_receivables']} ÷ invoiced {r['credit_sales']} in {r['days']} days × {r['days']}")


@dunning_app.command("run")
def dunning_cmd():
    """Record today's reminder level for every overdue invoice (idempotent: a level is sent once)."""
    from .services import receivables
    uow, clock, actor, console, fail = _ctx()
    with Progress(TextColumn("reminders"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console, transient=True) as bar:
        task = bar.add_task("dunning", total=None)
        try:
            notices = receivables.run_dunning(uow, clock, actor,
                                              progress=lambda d, n: bar.update(task, completed=d, total=n))
        except DomainError as exc:
            fail(exc)
    t = Table("invoice", "customer", "level", "notice", "days late", "open", title=f"{len(notices)} reminder(s)")
    for n in notices:
        t.add_row(n["invoice"], n["customer"], str(n["level"]), n["notice"], str(n["days_overdue"]), n["open_amount"])
    console.print(t)


@ledger_app.command("check")
def ledger_check_cmd():
    """Check, per customer, invoices − credit notes − payments − discounts = open receivable (and that the
    ledger agrees). Exits 1 and lists the offending rows when it does not hold."""
    from .services.ledger_check import check_ledger
    uow, _, actor, console, fail = _ctx()
    r = check_ledger(uow, actor)
    if r["balanced"]:
        console.print(f"[green]balanced[/green]: {r['customers_checked']} customer(s), to the cent")
        return
    t = Table("check", "customer", "document", "expected", "found", title=f"{len(r['problems'])} problem(s)")
    for p in r["problems"]:
        t.add_row(p["check"], p["customer"] or "", p["document"] or "", p["expected"], p["found"])
    console.print(t)
    raise typer.Exit(1)


CASH_APPS = [(payment_app, "payment"), (receivables_app, "receivables"), (dunning_app, "dunning"),
             (ledger_app, "ledger")]
