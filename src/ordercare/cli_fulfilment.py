"""Warehouse and transport commands: release, pick, rate, load, ship, deliver, install."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

app = typer.Typer(help="Fulfilment: release, pick, rate, load, ship, deliver, install.", no_args_is_help=True)


def _ctx():
    from .cli import _actor, _fail, _settings, _uow, console
    return _uow(), _settings(), _actor(), console, _fail


def _date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from .cli import err
        err.print(f"[red]error[/red] \\[invalid_date] {name} {text!r}: use YYYY-MM-DD")
        raise typer.Exit(2) from None


def _show(console, sh: dict) -> None:
    f = sh["freight"] or {}
    console.print(f"[bold]{sh['number']}[/bold] {sh['warehouse']} → {sh['customer']} ({sh['city']})  {sh['status']}  "
                  f"{sh['weight_kg']} kg  {sh['volume_m3']} m³  due {sh['due_date']}  "
                  f"{f.get('carrier', '—')} {f.get('service', '')} {f.get('cost', '')}  {sh['tracking_number'] or ''}")
    t = Table("line", "order", "sku", "qty", "picked", "short by", "shipped", "delivered", "damaged")
    for ln in sh["lines"]:
        picked = "—" if ln["qty_picked"] is None else str(ln["qty_picked"])  # 0 picked is a fact, not a blank
        t.add_row(str(ln["id"]), ln["order"], ln["sku"], str(ln["qty"]), picked,
                  ln["short_department"] or "", str(ln["qty_shipped"]), str(ln["qty_delivered"]),
                  str(ln["qty_damaged"]))
    console.print(t)


@app.command("release")
def release_cmd(warehouse: str, through: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None):
    """Release due allocations of a warehouse, consolidated into shipments."""
    from .services import release, shipment_views
    uow, _, actor, console, fail = _ctx()
    try:
        ids = release.release_to_warehouse(uow, SystemClock(), actor, warehouse, _date(through, "--through"))
    except DomainError as exc:
        fail(exc)
    for sid in ids:
        _show(console, shipment_views.get_shipment(uow, actor, sid))
    console.print(f"{len(ids)} shipment(s) released")


@app.command("pick-list")
def pick_list_cmd(warehouse: str):
    """Create a pick list (wave) of every released shipment of a warehouse."""
    from .services import picking, shipment_views
    uow, _, actor, console, fail = _ctx()
    try:
        pl = shipment_views.get_pick_list(uow, actor, picking.create_pick_list(uow, SystemClock(), actor, warehouse))
    except DomainError as exc:
        fail(exc)
    t = Table("line", "shipment", "sku", "product", "qty", title=f"pick list {pl['id']} — {pl['warehouse']}")
    for ln in pl["lines"]:
        t.add_row(str(ln["line_id"]), ln["shipment"], ln["sku"], ln["product_name"], str(ln["qty"]))
    console.print(t)


@app.command("pick")
def pick_cmd(shipment_id: int,
             line: Annotated[list[str], typer.Option(help="LINE:QTY[:DEPARTMENT:REASON] for each line")]):
    """Confirm picked quantities; a short pick names the department at fault and why."""
    from .services import picking, shipment_views
    uow, settings, actor, console, fail = _ctx()
    picks = []
    for spec in line:
        parts = spec.split(":", 3)
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
            from .cli import err
            err.print(f"[red]error[/red] \\[invalid_line] --line {spec!r}: write LINE:QTY[:DEPARTMENT:REASON]")
            raise typer.Exit(2)
        picks.append(picking.PickConfirmation(int(parts[0]), int(parts[1]), parts[3] if len(parts) > 3 else None,
                                              parts[2] if len(parts) > 2 else None))
    try:
        picking.confirm_picks(uow, SystemClock(), settings, actor, shipment_id, picks)
    except DomainError as exc:
        fail(exc)
    _show(console, shipment_views.get_shipment(uow, actor, shipment_id))


@app.command("rate")
def rate_cmd(shipment_id: int):
    """Rate-shop a shipment: the cheapest service that meets its due date, and the alternatives."""
    from .services import transport
    uow, _, actor, console, fail = _ctx()
    try:
        r = transport.rate_shipment(uow, actor, shipment_id)
    except DomainError as exc:
        fail(exc)
    t = Table("carrier", "service", "mode", "cost", "days", "delivery", "CO2 kg", "meets date",
              title=f"shipment {shipment_id}: {r['chosen']['carrier']} {r['chosen']['service']}")
    for q in r["alternatives"]:
        t.add_row(q["carrier"], q["service"], q["mode"], q["cost"], str(q["transit_days"]), q["delivery_date"],
                  q["co2_kg"], "yes" if q["meets_due_date"] else "no")
    console.print(t)


@app.command("loads")
def loads_cmd(warehouse: str, on: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None):
    """Build vehicle loads from picked road shipments and route each load."""
    from .services import shipment_views, transport
    uow, _, actor, console, fail = _ctx()
    try:
        ids = transport.plan_loads(uow, SystemClock(), actor, warehouse, _date(on, "--on"))
    except DomainError as exc:
        fail(exc)
    for load_id in ids:
        ld = shipment_views.get_load(uow, actor, load_id)
        console.print(f"load {ld['id']} on {ld['vehicle']}: {ld['weight_kg']} kg ({ld['weight_utilisation']:.0%}), "
                      f"{ld['volume_m3']} m³ ({ld['volume_utilisation']:.0%}), route {ld['route_distance_km']} km: "
                      + " → ".join(f"{s['shipment']} {s['city']}" for s in ld["stops"]))
    console.print(f"{len(ids)} load(s)")


@app.command("ship")
def ship_cmd(shipment_id: int, documents: Annotated[Path | None, typer.Option(help="Folder for the PDFs")] = None):
    """Ship a picked shipment (credit is checked again) and optionally save its documents."""
    from .services import shipment_views, shipping
    uow, settings, actor, console, fail = _ctx()
    try:
        r = shipping.ship(uow, SystemClock(), settings, actor, shipment_id)
    except DomainError as exc:
        fail(exc)
    console.print(f"shipped, tracking {r['tracking_number']}")
    if documents:
        documents.mkdir(parents=True, exist_ok=True)
        (documents / f"packing-slip-{shipment_id}.pdf").write_bytes(
            shipment_views.packing_slip(uow, actor, shipment_id))
        (documents / f"bill-of-lading-{shipment_id}.pdf").write_bytes(
            shipment_views.bill_of_lading(uow, actor, shipment_id))
        console.print(f"documents in {documents}")


@app.command("deliver")
def deliver_cmd(shipment_id: int, received_by: Annotated[str, typer.Option()],
                damaged: Annotated[list[str], typer.Option(help="LINE:QTY damaged")] = [],  # noqa: B006
                short: Annotated[list[str], typer.Option(help="LINE:QTY not received")] = []):  # noqa: B006
    """Record proof of delivery with exceptions per line."""
    from .services import shipment_views, shipping
    uow, _, actor, console, fail = _ctx()
    per: dict[int, dict[str, int]] = {}
    for kind, specs in (("damaged", damaged), ("short", short)):
        for spec in specs:
            a, _, b = spec.partition(":")
            if not (a.isdigit() and b.isdigit()):
                from .cli import err
                err.print(f"[red]error[/red] \\[invalid_line] --{kind} {spec!r}: write LINE:QTY")
                raise typer.Exit(2)
            per.setdefault(int(a), {})[kind] = int(b)
    try:
        shipping.deliver(uow, SystemClock(), actor, shipment_id, received_by=received_by,
                         exceptions=[shipping.DeliveryException(k, **v) for k, v in per.items()])
    except DomainError as exc:
        fail(exc)
    _show(console, shipment_views.get_shipment(uow, actor, shipment_id))


@app.command("list")
def list_cmd(warehouse: str | None = None, status: str | None = None, limit: int = 30):
    """Shipments by warehouse and status."""
    from .services import shipment_views
    uow, _, actor, console, fail = _ctx()
    try:
        page = shipment_views.list_shipments(uow, actor, warehouse=warehouse, status=status, limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("shipment", "warehouse", "customer", "status", "ship date", "due", "kg", "freight", "tracking",
              title=f"{page['total']} shipments")
    for r in page["items"]:
        t.add_row(r["number"], r["warehouse"], r["customer"], r["status"], str(r["planned_ship_date"]),
                  str(r["due_date"] or "—"), str(r["weight_kg"]), str(r["freight_cost"] or "—"),
                  r["tracking_number"] or "")
    console.print(t)


@app.command("show")
def show_cmd(shipment_id: int):
    """One shipment with its lines, picks and delivery."""
    from .services import shipment_views
    uow, _, actor, console, fail = _ctx()
    try:
        _show(console, shipment_views.get_shipment(uow, actor, shipment_id))
    except DomainError as exc:
        fail(exc)


@app.command("install")
def install_cmd(installation_id: int, technician: Annotated[str, typer.Option()]):
    """Mark an installation task done."""
    from .services import shipping
    uow, _, actor, console, fail = _ctx()
    try:
        shipping.complete_installation(uow, SystemClock(), actor, installation_id, technician=technician)
    except DomainError as exc:
        fail(exc)
    console.print(f"installation {installation_id}: completed")


@app.command("schedule")
def schedule_cmd(installation_id: int, on: Annotated[str, typer.Argument(help="YYYY-MM-DD")]):
    """Reschedule an installation task."""
    from .services import shipping
    uow, _, actor, console, fail = _ctx()
    try:
        shipping.schedule_installation(uow, SystemClock(), actor, installation_id, _date(on, "date"))
    except DomainError as exc:
        fail(exc)
    console.print(f"installation {installation_id}: scheduled for {on}")


@app.command("pick-lists")
def pick_lists_cmd(warehouse: Annotated[str | None, typer.Option(help="Only this warehouse")] = None,
                   status: Annotated[str | None, typer.Option(help="open or done")] = None):
    """Pick lists (waves), newest first, with how many lines are confirmed."""
    from .services import transport_views
    uow, _, actor, console, fail = _ctx()
    try:
        rows = transport_views.list_pick_lists(uow, actor, warehouse=warehouse, status=status)
    except DomainError as exc:
        fail(exc)
    t = Table("pick list", "warehouse", "status", "lines", "confirmed", "created", "by")
    for r in rows:
        t.add_row(str(r["id"]), r["warehouse"], r["status"], str(r["lines"]), str(r["confirmed"]),
                  f"{r['created_at']:%Y-%m-%d %H:%M}", r["created_by"])
    console.print(t)


@app.command("load-list")
def load_list_cmd(warehouse: Annotated[str | None, typer.Option(help="Only this warehouse")] = None,
                  on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None):
    """Vehicle loads, newest first: vehicle, weight, volume, stops and route length."""
    from .services import transport_views
    uow, _, actor, console, fail = _ctx()
    t = Table("load", "warehouse", "date", "vehicle", "status", "kg", "m³", "stops", "route km")
    for r in transport_views.list_loads(uow, actor, warehouse=warehouse, on=_date(on, "--on")):
        t.add_row(str(r["id"]), r["warehouse"], str(r["load_date"]), r["vehicle"], r["status"], str(r["weight_kg"]),
                  str(r["volume_m3"]), str(r["stops"]), str(r["route_distance_km"] or "—"))
    console.print(t)
