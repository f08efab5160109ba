"""The command line: demo, serve, database, and the order desk's everyday commands."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .clock import SystemClock
from .config import Settings, get_settings
from .domain.access import Actor, Role
from .domain.errors import DomainError
from .domain.orders import Channel, RequestedLine, parse_order_number
from .demo import CUSTOMERS as DEMO_CUSTOMERS, DAYS as DEMO_DAYS, SKUS as DEMO_SKUS
from .store.db import UnitOfWork, make_engine

app = typer.Typer(help="Ordercare: order-to-cash and customer service.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
order_app = typer.Typer(help="Orders: place, show, list, cancel, release credit holds.", no_args_is_help=True)
quote_app = typer.Typer(help="Quotes: price and dates per line; convert into an order.", no_args_is_help=True)
stock_app = typer.Typer(help="Stock levels and adjustments.", no_args_is_help=True)
receipt_app = typer.Typer(help="Purchase receipts: list, receive, reschedule.", no_args_is_help=True)
user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
for sub, name in [(db_app, "db"), (order_app, "order"), (quote_app, "quote"), (stock_app, "stock"),
                  (receipt_app, "receipt"), (user_app, "user")]:
    app.add_typer(sub, name=name)

from .cli_fulfilment import app as fulfilment_app  # noqa: E402
from .cli_transport import app as transport_app  # noqa: E402

app.add_typer(fulfilment_app, name="ship")
from .cli_billing import BILLING_APPS  # noqa: E402
from .cli_cash import CASH_APPS  # noqa: E402

for sub, name in BILLING_APPS + CASH_APPS:  # invoice, credit-note, billing, payment, receivables, dunning, ledger
    app.add_typer(sub, name=name)
from .cli_integrations import edi_app, export_cmd, import_app  # noqa: E402

app.add_typer(edi_app, name="edi")
app.add_typer(import_app, name="import")
app.command("export")(export_cmd)
app.add_typer(transport_app, name="transport")
from .cli_analytics import app as analytics_app, offers_app  # noqa: E402

app.add_typer(analytics_app, name="analytics")
from .cli_costing import register as _costing_commands  # noqa: E402

_costing_commands(analytics_app)  # cost-to-serve, profitability, what-if, service gaps and their data
app.add_typer(offers_app, name="offers")

from .cli_outbox import outbox_app, webhook_app, worker_command  # noqa: E402

app.add_typer(webhook_app, name="webhook")
app.add_typer(outbox_app, name="outbox")
app.command("worker")(worker_command)
from .cli_returns import return_app  # noqa: E402
from .cli_service import SERVICE_APPS  # noqa: E402

for sub, name in [*SERVICE_APPS, (return_app, "return")]:  # case, sla, csat, personal-data, return
    app.add_typer(sub, name=name)
from .cli_reports import app as report_app  # noqa: E402

app.add_typer(report_app, name="report")
from .cli_check import check_cmd  # noqa: E402

app.command("check")(check_cmd)
from .cli_simulate import simulate_cmd  # noqa: E402

app.command("simulate")(simulate_cmd)

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return get_settings()


def _uow(settings: Settings | None = None) -> UnitOfWork:
    return UnitOfWork(make_engine((settings or _settings()).database_url))


def _actor() -> Actor:
    return Actor(None, f"cli:{getpass.getuser()}", Role.ADMIN)


def _fail(exc: DomainError) -> None:
    err.print(f"[red]error[/red] {escape(f'[{exc.code}]')} {escape(exc.message)}")
    raise typer.Exit(2)


def _json(obj: Any) -> None:
    console.print_json(json.dumps(obj, default=str))


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Create or migrate the database to the latest schema."""
    from .store.migrate import current_revision, upgrade
    engine = make_engine(_settings().database_url)
    upgrade(engine, revision)
    console.print(f"database at revision [bold]{current_revision(engine)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from .store.migrate import current_revision
    console.print(current_revision(make_engine(_settings().database_url)) or "(empty database)")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to bind")] = "",
          port: Annotated[int, typer.Option(help="TCP port")] = 0,
          workers: Annotated[int, typer.Option(help="Server processes")] = 1,
          with_worker: Annotated[bool, typer.Option("--with-worker", help="Also run the outbox worker (webhooks, "
                                                    "e-mail, scheduled jobs) in the server process")] = False) -> None:
    """Serve the HTTP API (and pages) on the configured database."""
    import os

    import uvicorn
    if with_worker:
        os.environ["ORDERCARE_RUN_WORKER"] = "true"  # read by create_app in each server process
        get_settings.cache_clear()
    s = _settings()
    uvicorn.run("ordercare.api.asgi:app", host=host or s.host, port=port or s.port, workers=workers,
                log_level="info")


@app.command()
def demo(port: Annotated[int, typer.Option(help="TCP port to serve on")] = 8000,
         db: Annotated[Path, typer.Option(help="SQLite file to (re)build")] = Path("ordercare-demo.db"),
         serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server afterwards")] = True,
         seed: int = 7,
         days: Annotated[int, typer.Option(help="Days of history, up to yesterday (365: a year)")] = DEMO_DAYS,
         customers: Annotated[int, typer.Option(help="External customers")] = DEMO_CUSTOMERS,
         skus: Annotated[int, typer.Option(help="Products in the range")] = DEMO_SKUS) -> None:
    """Build a realistic distributor in an embedded SQLite database (its history run by the simulator through
    the real services) and serve it."""
    import os

    from .cli_simulate import fresh_sqlite, progress_bars
    from .demo.company import build_demo, demo_scenario
    try:
        demo_scenario(SystemClock(), seed=seed, days=days, customers=customers, skus=skus)
    except DomainError as exc:
        _fail(exc)
    url, engine = fresh_sqlite(db)
    settings = Settings(database_url=url, port=port)
    with progress_bars(console) as progress:
        login = build_demo(UnitOfWork(engine), settings, SystemClock(), seed=seed, days=days, customers=customers,
                           skus=skus, progress=progress)
    console.print(f"\n[bold green]Ordercare demo ready[/bold green] in {db}")
    console.print(f"url:      http://127.0.0.1:{port}/")
    console.print(f"token:    {login.admin_token}   (admin; send as 'Authorization: Bearer …')")
    console.print(f"sign-in:  http://127.0.0.1:{port}/sign-in as {login.admin_user} / {login.admin_password}"
                  "   (desk, warehouse, finance, manager: same password)")
    console.print(f"portal:   {login.customer_user} / {login.customer_password}   (customer {login.customer_code})")
    console.print(f"customer: token {login.customer_token} (sees only customer {login.customer_code})")
    console.print(f"try:      curl -H 'Authorization: Bearer {login.admin_token}' "
                  f"http://127.0.0.1:{port}/api/v1/orders?limit=5")
    if serve_after:
        os.environ["ORDERCARE_DATABASE_URL"] = url
        os.environ["ORDERCARE_RUN_WORKER"] = "true"  # webhooks and e-mail flow while the demo runs
        get_settings.cache_clear()
        import uvicorn
        uvicorn.run("ordercare.api.asgi:app", host="127.0.0.1", port=port, log_level="info")


def _lines(specs: list[str]) -> list[RequestedLine]:
    out = []
    for i, spec in enumerate(specs):
        sku, _, qty = spec.rpartition(":")
        if not sku or not qty.lstrip("-").isdigit():
            err.print(f"[red]error[/red] \\[invalid_line] --line {spec!r}: write SKU:QTY, e.g. FST-0001:10")
            raise typer.Exit(2)
        out.append(RequestedLine(sku, int(qty), None, i))
    return out


@order_app.command("place")
def order_place(customer: Annotated[str, typer.Option(help="Customer code")],
                line: Annotated[list[str], typer.Option(help="SKU:QTY, repeat for more lines")],
                channel: Channel = Channel.DESK, ship_to: str | None = None,
                requested_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
                customer_po: str | None = None) -> None:
    """Place an order and show its promised dates."""
    from .services import order_views, orders
    from .services.intake import OrderRequest
    s, uow = _settings(), _uow()
    try:
        req_date = date.fromisoformat(requested_date) if requested_date else None
    except ValueError:
        err.print(f"[red]error[/red] \\[invalid_date] --requested-date {requested_date!r}: use YYYY-MM-DD")
        raise typer.Exit(2) from None
    try:
        order_id, _ = orders.place_order(uow, SystemClock(), s, _actor(), OrderRequest(
            customer=customer, lines=_lines(line), channel=channel, ship_to=ship_to, requested_date=req_date,
            customer_po=customer_po))
        _print_order(order_views.get_order(uow, _actor(), order_id))
    except DomainError as exc:
        _fail(exc)


def _print_order(o: dict) -> None:
    console.print(f"[bold]{o['number']}[/bold] {o['customer']} — {o['status']}  promised: "
                  f"{o['promised_date'] or 'not yet (back-ordered)'}  total: {o['total_amount']} {o['currency']}")
    t = Table("line", "sku", "qty", "price", "promised", "back-ordered", "ship", "delivery", "sources")
    for ln in o["lines"]:
        t.add_row(str(ln["line_no"]), ln["sku"], str(ln["qty"]), str(ln["unit_price"]), str(ln["qty_promised"]),
                  str(ln["qty_backordered"]), str(ln["promised_ship_date"] or "—"), str(ln["promised_date"] or "—"),
                  ", ".join(f"{a['warehouse']}:{a['qty']}{'@' + str(a['available_date']) if a['receipt_id'] else ''}"
                            for a in ln["allocations"]))
    console.print(t)
    tl = Table("at", "who", "event", "status", "reason")
    for e in o["timeline"]:
        tl.add_row(e["at"].strftime("%Y-%m-%d %H:%M"), e["actor"], e["kind"],
                   f"{e['from_status'] or ''}→{e['to_status']}" if e["to_status"] else "", e["reason"] or "")
    console.print(tl)


def _order_id(ref: str) -> int:
    order_id = parse_order_number(ref)
    if order_id is None:
        err.print(f"[red]error[/red] \\[order_not_found] order {ref}: no such order")
        raise typer.Exit(2)
    return order_id


@order_app.command("show")
def order_show(ref: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one order with its lines, promises and timeline."""
    from .services import order_views
    try:
        o = order_views.get_order(_uow(), _actor(), _order_id(ref))
    except DomainError as exc:
        _fail(exc)
    _json(o) if as_json else _print_order(o)


@order_app.command("list")
def order_list(customer: str | None = None, status: str | None = None, sku: str | None = None,
               limit: int = 30) -> None:
    """Search orders by customer, status or SKU."""
    from .services import order_views
    try:
        page = order_views.list_orders(_uow(), _actor(), customer=customer, status=status, sku=sku, limit=limit)
    except DomainError as exc:
        _fail(exc)
    t = Table("order", "customer", "status", "channel", "placed", "promised", "total", title=f"{page['total']} orders")
    for r in page["items"]:
        t.add_row(r["number"], r["customer"], r["status"], r["channel"], r["created_at"].strftime("%Y-%m-%d"),
                  str(r["promised_date"] or "—"), str(r["total_amount"]))
    console.print(t)


@order_app.command("cancel")
def order_cancel(ref: str, reason: Annotated[str, typer.Option(help="Why")] = "cancelled at the desk") -> None:
    """Cancel an order; its stock goes back and waiting back-orders get it."""
    from .services import orders
    try:
        orders.cancel_order(_uow(), SystemClock(), _settings(), _actor(), _order_id(ref), reason)
    except DomainError as exc:
        _fail(exc)
    console.print(f"{ref}: cancelled")


@order_app.command("release-credit")
def order_release_credit(ref: str, reason: str = "credit released by finance") -> None:
    """Release an order from credit hold (finance)."""
    from .services import orders
    try:
        orders.release_credit_hold(_uow(), SystemClock(), _actor(), _order_id(ref), reason)
    except DomainError as exc:
        _fail(exc)
    console.print(f"{ref}: released")


@app.command("customers")
def customers_list(q: Annotated[str | None, typer.Option(help="Code or name contains")] = None,
                   limit: int = 50) -> None:
    """List customers with their segment, package, credit limit and policies."""
    from .services.catalog import list_customers
    page = list_customers(_uow(), _actor(), q=q, limit=limit)
    t = Table("code", "name", "kind", "segment", "package", "credit limit", "sourcing", "ship complete", "active",
              title=f"{page['total']} customers")
    for c in page["items"]:
        t.add_row(c["code"], c["name"], c["kind"], c["segment"], c["service_package"], str(c["credit_limit"] or "—"),
                  c["sourcing_policy"], "yes" if c["ship_complete"] else "no", "yes" if c["active"] else "no")
    console.print(t)


@app.command("products")
def products_list(q: Annotated[str | None, typer.Option(help="SKU or name contains")] = None,
                  category: str | None = None, limit: int = 50) -> None:
    """List products with unit, weight, volume and list price."""
    from .services.catalog import list_products
    page = list_products(_uow(), _actor(), q=q, category=category, limit=limit)
    t = Table("sku", "name", "category", "unit", "kg", "m³", "list price", title=f"{page['total']} products")
    for p in page["items"]:
        t.add_row(p["sku"], p["name"], p["category"], p["unit"], str(p["weight_kg"]), str(p["volume_m3"]),
                  str(p["list_price"]))
    console.print(t)


@app.command()
def atp(sku: str, qty: int = 1, customer: str | None = None, ship_to: str | None = None) -> None:
    """Available-to-promise by date per warehouse, and the delivery date to a customer."""
    from .services.availability import availability
    try:
        a = availability(_uow(), SystemClock(), _settings(), _actor(), sku, qty=qty, customer=customer,
                         ship_to=ship_to)
    except DomainError as exc:
        _fail(exc)
    t = Table("warehouse", "on hand", "reserved", "ATP now", f"date for {qty}", "ship", "delivery", "ATP by date",
              title=f"{sku} — today {a['today']}")
    for w in a["warehouses"]:
        t.add_row(w["warehouse"], str(w["on_hand"]), str(w["reserved"]), str(w["atp_now"]),
                  str(w["earliest_date_for_qty"] or "beyond horizon"), str(w.get("ship_date", "")),
                  str(w.get("delivery_date", "")), "  ".join(f"{p['date']}:{p['atp']}" for p in w["profile"]))
    console.print(t)


@quote_app.command("create")
def quote_create(customer: str, line: Annotated[list[str], typer.Option(help="SKU:QTY")],
                 channel: Channel = Channel.DESK, ship_to: str | None = None,
                 requested_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None) -> None:
    """Quote prices and dates (nothing is reserved), the package lead time and the lead-time offers per line."""
    from .cli_fulfilment import _date
    from .services import quotes
    from .services.intake import OrderRequest
    uow = _uow()
    try:
        qid = quotes.create_quote(uow, SystemClock(), _settings(), _actor(), OrderRequest(
            customer=customer, lines=_lines(line), channel=channel, ship_to=ship_to,
            requested_date=_date(requested_date, "--requested-date")))
        q = quotes.get_quote(uow, SystemClock(), _actor(), qid)
    except DomainError as exc:
        _fail(exc)
    t = Table("line", "sku", "qty", "price", "amount", "ATP date", "ship", "delivery", "package", "offers",
              title=f"{q['number']} for {q['customer']}, valid until {q['valid_until']}")
    for ln in q["lines"]:
        package = f"{ln['package_date']} ({ln['package_lead_time_days']} d)" + (" expedite" if ln["expedite"] else "")
        offers = "; ".join(f"{o['code']} {o['delivery_date']} at {o['unit_price']}" for o in ln["offers"])
        t.add_row(str(ln["line_no"]), ln["sku"], str(ln["qty"]), str(ln["unit_price"]), str(ln["amount"]),
                  str(ln["atp_date"] or "—"), str(ln["ship_date"] or "—"), str(ln["delivery_date"] or "—"), package,
                  offers or "—")
    console.print(t)


@quote_app.command("convert")
def quote_convert(quote_id: int, customer_po: str | None = None,
                  offer: Annotated[list[str] | None, typer.Option(help="LINE:OFFER, e.g. 1:ECONOMY (repeat)")] = None
                  ) -> None:
    """Turn a valid quote into an order at the quoted prices (or a chosen offer's price and date)."""
    from .services import order_views, quotes
    from .services.quote_offers import OfferChoice
    choices = []
    for spec in offer or []:
        no, _, code = spec.partition(":")
        if not no.strip().isdigit() or not code.strip():
            err.print(f"[red]error[/red] \\[invalid_offer] --offer {spec!r}: use LINE:OFFER, e.g. 1:ECONOMY")
            raise typer.Exit(2)
        choices.append(OfferChoice(int(no), code.strip()))
    uow = _uow()
    try:
        order_id = quotes.convert_quote(uow, SystemClock(), _settings(), _actor(), quote_id, customer_po=customer_po,
                                        offers=choices)
        _print_order(order_views.get_order(uow, _actor(), order_id))
    except DomainError as exc:
        _fail(exc)


@stock_app.command("list")
def stock_list(sku: str | None = None, warehouse: str | None = None, limit: int = 50) -> None:
    """Stock on hand, reserved and available."""
    from .services.catalog import list_stock
    page = list_stock(_uow(), _actor(), sku=sku, warehouse=warehouse, limit=limit)
    t = Table("sku", "warehouse", "on hand", "reserved", "available", title=f"{page['total']} stock rows")
    for r in page["items"]:
        t.add_row(r["sku"], r["warehouse"], str(r["on_hand"]), str(r["reserved"]), str(r["available"]))
    console.print(t)


@stock_app.command("adjust")
def stock_adjust(warehouse: str, sku: str,
                 delta: Annotated[int, typer.Option(help="Units to add (negative to remove), e.g. --delta -3")],
                 reason: Annotated[str, typer.Option()]) -> None:
    """Correct stock on hand (count differences, opening stock)."""
    from .services.master_data import adjust_stock
    try:
        r = adjust_stock(_uow(), SystemClock(), _settings(), _actor(), warehouse=warehouse, sku=sku, delta=delta,
                         reason=reason)
    except DomainError as exc:
        _fail(exc)
    console.print(f"{sku} in {warehouse}: on hand {r['on_hand']}, reserved {r['reserved']}")


@receipt_app.command("list")
def receipt_list(sku: str | None = None, limit: int = 50) -> None:
    """Open scheduled receipts."""
    from .services.catalog import list_receipts
    page = list_receipts(_uow(), _actor(), sku=sku, limit=limit)
    t = Table("id", "PO", "warehouse", "sku", "ordered", "received", "promised", "expected",
              title=f"{page['total']} open receipts")
    for r in page["items"]:
        t.add_row(str(r["id"]), r["purchase_order"], r["warehouse"], r["sku"], str(r["qty_ordered"]),
                  str(r["qty_received"]), str(r["promised"]), str(r["expected_date"]))
    console.print(t)


@receipt_app.command("receive")
def receipt_receive(receipt_id: int, qty: int, close: bool = False) -> None:
    """Book goods in; promises become reservations and back-orders are served."""
    from .services.receipts import receive
    try:
        r = receive(_uow(), SystemClock(), _settings(), _actor(), receipt_id, qty, close=close)
    except DomainError as exc:
        _fail(exc)
    _json(r)


@receipt_app.command("reschedule")
def receipt_reschedule(receipt_id: int, expected_date: str, reason: Annotated[str, typer.Option()]) -> None:
    """Move a receipt's expected date; the orders that rest on it are re-promised."""
    from .services.receipts import reschedule_receipt
    try:
        when = date.fromisoformat(expected_date)
    except ValueError:
        err.print(f"[red]error[/red] \\[invalid_date] expected_date {expected_date!r}: use YYYY-MM-DD")
        raise typer.Exit(2) from None
    try:
        _json(reschedule_receipt(_uow(), SystemClock(), _actor(), receipt_id, when, reason))
    except DomainError as exc:
        _fail(exc)


@user_app.command("add")
def user_add(username: str, role: Annotated[str, typer.Option(help="admin, manager, cs_agent, warehouse, finance, "
                                                                   "customer")],
             customer: Annotated[str | None, typer.Option(help="Customer code (customer users)")] = None) -> None:
    """Create a user and print its API token (shown once)."""
    from .services.auth import add_user_with_token
    try:
        _, token = add_user_with_token(_uow(), SystemClock(), _actor(), username=username, role=role,
                                       customer=customer)
    except DomainError as exc:
        _fail(exc)
    console.print(f"token: {token}")


@user_app.command("password")
def user_password(username: str) -> None:
    """Set a user's password for signing in to the pages (asked twice, not echoed); open sessions end."""
    from .services.sign_in import set_password
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        err.print("[red]error[/red] \\[password_mismatch] the two passwords differ")
        raise typer.Exit(2)
    try:
        set_password(_uow(), SystemClock(), _actor(), username, first)
    except DomainError as exc:
        _fail(exc)
    console.print(f"password set for {username}")


def main() -> None:
    try:
        app()
    except DomainError as exc:  # a last net: no stack trace for a business error
        err.print(escape(f"error [{exc.code}] {exc.message}"))
        sys.exit(2)


if __name__ == "__main__":
    main()
