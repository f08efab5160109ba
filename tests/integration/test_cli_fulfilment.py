"""The warehouse and transport commands, from a carrier file to proof of delivery, on a real database."""

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.services.shipment_views import get_shipment
from tests.factories import FTL, LTL, world

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that Rich does not cut the cells


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10})
    yield sqlite_env
    get_settings.cache_clear()


def ok(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, (args, res.output)
    return res.output


def refused(code: str, *args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 2, (args, res.output)
    assert f"[{code}]" in res.output and "Traceback" not in res.output, (args, res.output)
    return res.output


def carrier_file(tmp_path, ltl=LTL):
    services = [{"code": "LTL", "name": "Groupage", "mode": "ltl", "rate_table": ltl, "km_per_day": "450",
                 "min_transit_days": 2, "co2_g_per_tkm": "62", "max_weight_kg": "12000", "max_volume_m3": "40"},
                {"code": "FTL", "name": "Full truck", "mode": "ftl", "rate_table": FTL, "km_per_day": "600",
                 "co2_g_per_tkm": "55"}]
    path = tmp_path / "road.json"
    path.write_text(json.dumps({"code": "ROAD", "name": "Road Freight BV", "services": services}))
    return path


def test_from_carrier_file_to_proof_of_delivery(cli_env, tmp_path):
    # Set-up: a rate table with overlapping weight breaks is refused whole; the good file is taken.
    overlap = json.loads(json.dumps(LTL))
    overlap["breaks"][2]["min_kg"] = 500  # two breaks from 500 kg: which rate?
    out = refused("invalid_rate_table", "transport", "carrier-add", str(carrier_file(tmp_path, overlap)))
    assert "services[0].rate_table.breaks[2].min_kg" in out
    assert "ROAD" not in ok("transport", "carriers")
    assert "carrier ROAD added" in ok("transport", "carrier-add", str(carrier_file(tmp_path)))
    refused("duplicate_carrier", "transport", "carrier-add", str(carrier_file(tmp_path)))
    refused("invalid_number", "transport", "vehicle-add", "TRK-1", "--warehouse", "NEAR", "--max-kg", "lots",
            "--max-m3", "80")
    refused("unknown_warehouse", "transport", "vehicle-add", "TRK-1", "--warehouse", "NOPE", "--max-kg", "24000",
            "--max-m3", "80")
    ok("transport", "vehicle-add", "TRK-1", "--warehouse", "NEAR", "--max-kg", "24000", "--max-m3", "80")
    assert "TRK-1" in ok("transport", "vehicles")

    # Order, release, pick (one short), rate, load, ship with documents, deliver with a damaged unit.
    ok("order", "place", "--customer", "CUST1", "--line", "SKU-A:6", "--line", "SKU-B:1")
    through = (date.today() + timedelta(days=30)).isoformat()
    assert "1 shipment(s) released" in ok("ship", "release", "NEAR", "--through", through)
    ok("ship", "pick-list", "NEAR")
    assert "open" in ok("ship", "pick-lists", "--warehouse", "NEAR")
    [line] = get_shipment(cli_env.uow, cli_env.actor, 1)["lines"]
    refused("short_pick_reason_required", "ship", "pick", "1", "--line", f"{line['id']}:5")
    ok("ship", "pick", "1", "--line", f"{line['id']}:5:replenishment:slot empty")
    rated = ok("ship", "rate", "1")
    assert "ROAD" in rated and "LTL" in rated
    assert "1 load(s)" in ok("ship", "loads", "NEAR", "--on", through)
    assert "TRK-1" in ok("ship", "load-list", "--warehouse", "NEAR")
    assert "tracking ROAD-" in ok("ship", "ship", "1", "--documents", str(tmp_path / "docs"))
    assert (tmp_path / "docs" / "packing-slip-1.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "docs" / "bill-of-lading-1.pdf").read_bytes().startswith(b"%PDF-")
    refused("already_shipped", "ship", "ship", "1")
    refused("invalid_line", "ship", "deliver", "1", "--received-by", "J. Peeters", "--damaged", "one")
    refused("invalid_delivery_quantity", "ship", "deliver", "1", "--received-by", "J. Peeters", "--damaged",
            f"{line['id']}:9")
    ok("ship", "deliver", "1", "--received-by", "J. Peeters", "--damaged", f"{line['id']}:1")
    sh = get_shipment(cli_env.uow, cli_env.actor, 1)
    assert (sh["status"], sh["received_by"]) == ("delivered", "J. Peeters")
    assert (sh["lines"][0]["qty_shipped"], sh["lines"][0]["qty_damaged"]) == (5, 1)
    assert "delivered" in ok("ship", "list", "--warehouse", "NEAR")
    refused("shipment_not_found", "ship", "show", "99")


def test_nothing_picked_leaves_the_shipment_empty_and_shows_zero_picked(cli_env):
    ok("order", "place", "--customer", "CUST1", "--line", "SKU-A:3")
    ok("ship", "release", "NEAR", "--through", (date.today() + timedelta(days=30)).isoformat())
    ok("ship", "pick-list", "NEAR")
    [line] = get_shipment(cli_env.uow, cli_env.actor, 1)["lines"]
    ok("ship", "pick", "1", "--line", f"{line['id']}:0:inventory_control:not on the shelf")
    shown = ok("ship", "show", "1")
    assert "empty" in shown.splitlines()[0]
    row = next(r for r in shown.splitlines() if str(line["id"]) in r and "SKU-A" in r)
    assert [c.strip() for c in row.split("│")][4:7] == ["3", "0", "inventory_control"]  # qty, picked, short by
    refused("shipment_empty", "ship", "rate", "1")
    refused("shipment_empty", "ship", "ship", "1")
