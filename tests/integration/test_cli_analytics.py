"""`ordercare analytics …`, `ordercare offers …` and quotes with offers from the terminal, on a real database.

The CLI runs on the system clock, so the history is placed three weeks before today (inside the default window
of 26 whole weeks).
"""

import csv
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from tests.factories import order, world
from tests.services.helpers import snapshot

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    sqlite_env.clock.set(datetime.now(timezone.utc) - timedelta(weeks=3))
    world(sqlite_env, stock={("NEAR", "SKU-A"): 500})
    for qty in (20, 30, 25):
        order(sqlite_env, [("SKU-A", qty)])
        sqlite_env.clock.advance(days=7)
    yield sqlite_env
    get_settings.cache_clear()


def test_policy_table_and_csv_export(cli_env, tmp_path):
    out = tmp_path / "policy.csv"
    res = runner.invoke(app, ["analytics", "policy", "--target-fill-rate", "0.98", "--csv", str(out)])
    assert res.exit_code == 0, res.output
    assert "3 SKUs (2 without demand: no policy)" in " ".join(res.output.split())
    rows = {r["sku"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"SKU-A", "SKU-B", "SKU-C"}
    assert rows["SKU-A"]["status"] == "ok" and float(rows["SKU-A"]["fill_rate"]) == 0.98
    assert rows["SKU-B"]["status"] == "no_demand_history" and rows["SKU-B"]["fill_rate"] == ""
    assert "nan" not in out.read_text().lower()


def test_curve_stockout_cost_settings_and_outcomes(cli_env, tmp_path):
    res = runner.invoke(app, ["analytics", "curve", "--sku", "SKU-A", "--from-rate", "0.9", "--to-rate", "0.99",
                              "--points", "4", "--csv", str(tmp_path / "curve.csv")])
    assert res.exit_code == 0, res.output
    assert [r["fill_rate"] for r in csv.DictReader((tmp_path / "curve.csv").open())] == ["0.9", "0.93", "0.96",
                                                                                         "0.99"]
    res = runner.invoke(app, ["analytics", "stockout-cost", "--sku", "SKU-A"])
    assert res.exit_code == 0 and "5.90" in res.output, res.output
    res = runner.invoke(app, ["analytics", "settings", "--order-cost", "75"])
    assert res.exit_code == 0 and "order_cost=75.00" in res.output, res.output
    res = runner.invoke(app, ["analytics", "outcomes", "--set", "customer_waits=0.5,0,0", "--set", "back_order=0.5,1,0",
                              "--set", "lost_sale=0,0,1", "--set", "lost_customer=0,0,10"])
    assert res.exit_code == 0 and "back_order" in res.output, res.output


def test_bad_input_is_a_clear_error_and_changes_nothing(cli_env):
    before = snapshot(cli_env)
    for args, code in [
        (["analytics", "policy", "--target-fill-rate", "1.5"], "rate_out_of_range"),
        (["analytics", "policy", "--target-fill-rate", "0.9", "--target-csl", "0.9"], "conflicting_targets"),
        (["analytics", "policy", "--sku", "NOPE"], "unknown_sku"),
        (["analytics", "settings", "--holding-rate", "-1"], "negative_rate"),
        (["analytics", "lead-time", "SKU-A", "--days", "-3"], "negative_rate"),
        (["analytics", "outcomes", "--set", "lost_sale=1,0,1"], "incomplete_outcomes"),
        (["offers", "set", "CHEAP", "--name", "x", "--days", "5", "--price-pct", "-99"], "adjustment_out_of_range"),
        (["quote", "convert", "1", "--offer", "one:ECONOMY"], "invalid_offer"),
    ]:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert f"[{code}]" in res.output, (args, res.output)
    assert snapshot(cli_env) == before


def test_quote_with_offers_and_conversion_with_one(cli_env):
    res = runner.invoke(app, ["offers", "list"])
    assert res.exit_code == 0 and "EXPRESS" in res.output and "ECONOMY" in res.output
    res = runner.invoke(app, ["quote", "create", "CUST1", "--line", "SKU-A:2"])
    assert res.exit_code == 0, res.output
    flat = "".join(res.output.split())
    assert "9.70" in flat and "9.80" in flat  # ECONOMY at −3 %, PACKAGE (package B, 7 days) at −2 %
    res = runner.invoke(app, ["quote", "convert", "1", "--offer", "1:ECONOMY"])
    assert res.exit_code == 0, res.output
    assert "9.70" in res.output
