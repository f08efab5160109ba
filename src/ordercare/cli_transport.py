"""Transport set-up commands: carriers with their rate tables, and the vehicles of each warehouse."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from .domain.errors import DomainError

app = typer.Typer(help="Transport set-up: carriers, services and rate tables; vehicles.", no_args_is_help=True)


def _ctx():
    from .cli import _actor, _fail, _uow, console, err
    return _uow(), _actor(), console, err, _fail


@app.command("carriers")
def carriers_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print the rate tables too, as JSON")] = False):
    """Carriers and their services (mode, transit speed, CO2 per tonne-km, limits)."""
    from .services import shipment_views
    uow, actor, console, _, _ = _ctx()
    rows = shipment_views.list_carriers(uow, actor)
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    t = Table("carrier", "service", "mode", "km/day", "min days", "g CO2/t·km", "max kg", "max m³", "active")
    for c in rows:
        for s in c["services"]:
            t.add_row(c["code"], s["code"], s["mode"], str(s["km_per_day"]), str(s["min_transit_days"]),
                      str(s["co2_g_per_tkm"]), str(s["max_weight_kg"] or "—"), str(s["max_volume_m3"] or "—"),
                      "yes" if s["active"] else "no")
    console.print(t)


@app.command("carrier-add")
def carrier_add_cmd(file: Annotated[Path, typer.Argument(help="JSON: {code, name, services: [...]}, "
                                                               "the body of POST /api/v1/carriers")]):
    """Add a carrier with its services and rate tables from a JSON file (see docs/freight.md)."""
    from .api.schemas import CarrierIn  # the API's own validation, so both doors accept the same files
    from .services import transport
    uow, actor, console, err, fail = _ctx()
    try:
        body = CarrierIn.model_validate(json.loads(file.read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        err.print(f"[red]error[/red] \\[invalid_file] {file}: {exc}")
        raise typer.Exit(2) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        err.print(f"[red]error[/red] \\[invalid_request] {where}: {first['msg']}")
        raise typer.Exit(2) from None
    data = transport.CarrierData(body.code, body.name, [transport.ServiceData(**s.model_dump())
                                                        for s in body.services])
    try:
        carrier_id = transport.create_carrier(uow, actor, data)
    except DomainError as exc:
        fail(exc)
    console.print(f"carrier {body.code} added (id {carrier_id}, {len(body.services)} service(s))")


@app.command("vehicles")
def vehicles_cmd(warehouse: Annotated[str | None, typer.Option(help="Only this warehouse")] = None):
    """The fleet: capacity and fixed cost of each vehicle."""
    from .services import transport_views
    uow, actor, console, _, _ = _ctx()
    t = Table("vehicle", "warehouse", "max kg", "max m³", "fixed cost", "active")
    for v in transport_views.list_vehicles(uow, actor, warehouse=warehouse):
        t.add_row(v["code"], v["warehouse"], str(v["max_weight_kg"]), str(v["max_volume_m3"]), str(v["fixed_cost"]),
                  "yes" if v["active"] else "no")
    console.print(t)


def _positive(text: str, name: str, err) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        err.print(f"[red]error[/red] \\[invalid_number] {name} {text!r}: a number of zero or more")
        raise typer.Exit(2)
    return value


@app.command("vehicle-add")
def vehicle_add_cmd(code: str, warehouse: Annotated[str, typer.Option(help="Home warehouse code")],
                    max_kg: Annotated[str, typer.Option(help="Payload limit in kg")],
                    max_m3: Annotated[str, typer.Option(help="Load volume limit in m³")],
                    fixed_cost: Annotated[str, typer.Option(help="Cost of one trip")] = "0"):
    """Add a vehicle to a warehouse's fleet."""
    from .services import transport
    uow, actor, console, err, fail = _ctx()
    data = transport.VehicleData(code, warehouse, _positive(max_kg, "--max-kg", err),
                                 _positive(max_m3, "--max-m3", err), _positive(fixed_cost, "--fixed-cost", err))
    try:
        vehicle_id = transport.create_vehicle(uow, actor, data)
    except DomainError as exc:
        fail(exc)
    console.print(f"vehicle {code} added to {warehouse} (id {vehicle_id})")
