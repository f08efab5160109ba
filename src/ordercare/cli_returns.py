"""Returns (RMA) commands: request, authorise or refuse, receive, inspect with dispositions, resolve, list."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .cli_service import bad, ctx, number, parts, run

return_app = typer.Typer(help="Returns (RMA): request, authorise, receive, inspect, resolve.", no_args_is_help=True)


def rma(ref: str) -> int:
    from .domain.cases import parse_ref
    found = parse_ref(ref, "RMA")
    if found is None:
        bad("return_not_found", f"return {ref}: no such return")
    return found


def show_return(console, r: dict) -> None:
    console.print(f"[bold]{r['number']}[/bold] {r['customer']} {r['order']}  {r['status']}  warehouse "
                  f"{r['warehouse'] or '—'}  fee {r['restocking_fee']}  resolution {r['resolution'] or '—'} "
                  f"{r['replacement_order'] or ''}")
    t = Table("line", "order line", "sku", "qty", "reason", "received", "inspected", "dispositions")
    for ln in r["lines"]:
        t.add_row(str(ln["id"]), str(ln["line_no"]), ln["sku"], str(ln["qty"]), ln["reason"], str(ln["qty_received"]),
                  str(ln["qty_disposed"]), ", ".join(f"{d['disposition']}:{d['qty']}" for d in ln["dispositions"]))
    console.print(t)


def _after(ref: str, step) -> None:
    from .services.return_views import get_return
    uow, clock, settings, actor, console = ctx()
    rid = rma(ref)
    run(lambda: step(uow, clock, settings, actor, rid))
    show_return(console, run(lambda: get_return(uow, actor, rid)))


@return_app.command("request")
def return_request(order: str, line: Annotated[list[str], typer.Option(
        help="LINE_NO:QTY:REASON (damaged, wrong_item, defective, not_needed, warranty, …)")],
                   note: str | None = None) -> None:
    """Ask to send delivered units of an order back."""
    from .domain.orders import parse_order_number
    from .services import returns
    order_id = parse_order_number(order) or bad("order_not_found", f"order {order}: no such order")
    lines = [returns.ReturnLineRequest(number(n, "--line"), number(q, "--line"), r)
             for n, q, r in (parts(x, 3, "--line", "LINE_NO:QTY:REASON") for x in line)]
    uow, clock, _, actor, _ = ctx()
    rid = run(lambda: returns.request_return(uow, clock, actor, order_id, lines, note=note))
    _after(str(rid), lambda *a: None)


@return_app.command("authorise")
def return_authorise(ref: str, override: Annotated[bool, typer.Option(help="Outside the policy (needs --note)")]
                     = False, note: str | None = None) -> None:
    """Authorise under the returns policy."""
    from .services import returns
    _after(ref, lambda u, c, s, a, rid: returns.authorise_return(u, c, a, rid, override=override, note=note))


@return_app.command("refuse")
def return_refuse(ref: str, reason: Annotated[str, typer.Option()]) -> None:
    """Refuse the return, saying why."""
    from .services import returns
    _after(ref, lambda u, c, s, a, rid: returns.refuse_return(u, c, a, rid, reason))


@return_app.command("receive")
def return_receive(ref: str, line: Annotated[list[str], typer.Option(help="RETURN_LINE_ID:QTY")],
                   warehouse: Annotated[str | None, typer.Option(help="Default: where the goods left from")] = None):
    """Goods in: the units wait for inspection (not sellable yet)."""
    from .services import return_handling as rh
    got = [rh.ReceivedLine(number(i, "--line"), number(q, "--line")) for i, q in
           (parts(x, 2, "--line", "RETURN_LINE_ID:QTY") for x in line)]
    _after(ref, lambda u, c, s, a, rid: rh.receive_return(u, c, a, rid, got, warehouse=warehouse))


@return_app.command("inspect")
def return_inspect(ref: str, disposition: Annotated[list[str], typer.Option(
        help="RETURN_LINE_ID:DISPOSITION:QTY (restock, refurbish, repair, parts, scrap, return_to_supplier)")]):
    """A disposition per received unit; only restock makes it sellable again."""
    from .services import return_handling as rh
    ds = [rh.DispositionLine(number(i, "--disposition"), d, number(q, "--disposition")) for i, d, q in
          (parts(x, 3, "--disposition", "RETURN_LINE_ID:DISPOSITION:QTY") for x in disposition)]
    _after(ref, lambda u, c, s, a, rid: rh.inspect_return(u, c, s, a, rid, ds))


@return_app.command("resolve")
def return_resolve(ref: str, resolution: Annotated[str, typer.Option(
        help="credit_note, refund, replacement, repair_and_return")],
                   refund_method: str | None = None, refund_reference: str | None = None) -> None:
    """Close the loop: credit note, refund, replacement order, or repair and send back."""
    from .services.return_resolution import resolve_return
    _after(ref, lambda u, c, s, a, rid: resolve_return(u, c, s, a, rid, resolution, refund_method=refund_method,
                                                       refund_reference=refund_reference))


@return_app.command("show")
def return_show(ref: str) -> None:
    """One return with its lines, receipts and dispositions."""
    _after(ref, lambda *a: None)


@return_app.command("list")
def return_list(status: str | None = None, customer: str | None = None, limit: int = 50) -> None:
    """Returns, newest first."""
    from .services.return_views import list_returns
    uow, _, _, actor, console = ctx()
    page = run(lambda: list_returns(uow, actor, status=status, customer=customer, limit=limit))
    t = Table("return", "customer", "order", "status", "units", "requested", "resolution",
              title=f"{page['total']} returns")
    for r in page["items"]:
        t.add_row(r["number"], r["customer"], r["order"], r["status"], str(r["units"]),
                  r["requested_at"].strftime("%Y-%m-%d"), r["resolution"] or "")
    console.print(t)


@return_app.command("nonsellable")
def return_nonsellable(warehouse: str | None = None) -> None:
    """Returned units off the shelf, per warehouse, SKU and bucket."""
    from .services.return_views import nonsellable
    uow, _, _, actor, console = ctx()
    t = Table("warehouse", "sku", "bucket", "units")
    for r in run(lambda: nonsellable(uow, actor, warehouse=warehouse)):
        t.add_row(r["warehouse"], r["sku"], r["bucket"], str(r["qty"]))
    console.print(t)
