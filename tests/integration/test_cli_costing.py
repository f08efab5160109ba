"""`ordercare analytics cost-to-serve | profitability | what-if | service-gaps` and the costing data, on a real
database. The CLI runs on the system clock, so the history is placed two weeks before today."""

import csv
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.domain.orders import Channel
from tests.factories import add_customer, carriers, order, world
from tests.services.costing_helpers import ship_everything
from tests.services.helpers import snapshot

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    env = sqlite_env
    env.clock.set(datetime.now(UTC) - timedelta(weeks=2))
    world(env, stock={("NEAR", "SKU-A"): 500})
    carriers(env)
    add_customer(env, "BIG")
    for _ in range(3):
        order(env, [("SKU-A", 1)], channel=Channel.PHONE)
        order(env, [("SKU-A", 20)], customer="BIG", channel=Channel.EDI)
        ship_everything(env)
        env.clock.advance(days=1)
    yield env
    get_settings.cache_clear()


def _ok(args):
    res = runner.invoke(app, ["analytics", *args])
    assert res.exit_code == 0, res.output
    return " ".join(res.output.split())


def test_cost_to_serve_profitability_and_files(cli_env, tmp_path):
    out = _ok(["cost-to-serve", "--customer", "CUST1", "--csv", str(tmp_path / "cts.csv")])
    assert "order_entry" in out and "phone 3 × 15.0000" in out
    rows = list(csv.DictReader((tmp_path / "cts.csv").open()))
    assert [(r["customer"], r["order_entry_cost"], r["orders"]) for r in rows] == [("CUST1", "45.00", "3")]
    out = _ok(["profitability", "--csv", str(tmp_path / "zones.xlsx")])
    assert "Danger Zone" in out and "BIG" in out
    assert (tmp_path / "zones.xlsx").read_bytes().startswith(b"PK")
    out = _ok(["what-if", "CUST1", "--channel", "portal", "--frequency", "monthly"])
    assert "cost-to-serve becomes" in out
    out = _ok(["service-gaps", "--slice", "package"])
    assert "knowledge" in out and "satisfaction" in out


def test_costing_data_and_bad_input(cli_env):
    out = _ok(["cost-rates", "--pool", "credit_check=3000/150", "--set", "order_entry:edi=0.40"])
    assert "20.0000" in out and "3000.00" in out and "0.4000" in out
    assert "damaged_goods" in _ok(["case-minutes", "--set", "category:damaged_goods=40"])
    assert "value threshold 100.00" in _ok(["thresholds", "--value", "100"])
    assert "median" in _ok(["thresholds", "--median"])
    assert "during the requested week" in _ok(["delivery-window", "C", "--basis", "week", "--days-after", "1"])
    before = snapshot(cli_env)
    for args, code in [(["cost-rates", "--set", "order_entry:phone=-1"], "negative_rate"),
                       (["cost-rates", "--pool", "credit_check=3000/0"], "invalid_driver_volume"),
                       (["thresholds", "--cost", "-3"], "negative_threshold"),
                       (["what-if", "CUST1", "--frequency", "hourly"], "unknown_frequency"),
                       (["cost-to-serve", "--from", "2026-02-01", "--to", "2026-01-01"], "invalid_period"),
                       (["profitability", "--customer", "NOPE"], "unknown_customer")]:
        res = runner.invoke(app, ["analytics", *args])
        assert res.exit_code == 2 and f"[{code}]" in res.output, (args, res.output)
        assert "Traceback" not in res.output
    assert snapshot(cli_env) == before
    res = runner.invoke(app, ["analytics", "cost-to-serve", "--from", "yesterday"])
    assert res.exit_code == 2 and "invalid_date" in res.output
