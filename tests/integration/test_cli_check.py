"""`ordercare check` on a real database: exit 0 when every invariant holds, 1 with the offending rows when one
does not (Rich table or --json), 2 on a bad option."""

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.services.invariants import CHECK_NAMES
from tests.factories import carriers, order, shipment_at, world

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    monkeypatch.setenv("COLUMNS", "200")  # the table's rows on one line each
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10, ("FAR", "SKU-B"): 4})
    carriers(sqlite_env)
    shipment_at(sqlite_env, "NEAR", [("SKU-A", 3)], "delivered")
    order(sqlite_env, [("SKU-B", 6)])
    yield sqlite_env
    get_settings.cache_clear()


def test_clean_database_exits_0(cli_env):
    res = runner.invoke(app, ["check"])
    assert res.exit_code == 0, res.output
    assert "all invariants hold" in res.output
    assert all(name in res.output for name in CHECK_NAMES)


def test_a_broken_invariant_exits_1_with_the_offending_rows(cli_env):
    with cli_env.uow.engine.begin() as c:
        c.execute(text("UPDATE stock SET on_hand = on_hand + 5 WHERE product_id = "
                       "(SELECT id FROM products WHERE sku = 'SKU-A')"))
    res = runner.invoke(app, ["check"])
    assert res.exit_code == 1, res.output
    assert "stock_conservation: 1 violation(s)" in res.output and "stock NEAR/SKU-A" in res.output
    assert "initial +10, shipment -3" in res.output
    as_json = runner.invoke(app, ["check", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["ok"] is False
    assert [(v["check"], v["subject"], v["found"]) for v in report["violations"]] == [
        ("stock_conservation", "stock NEAR/SKU-A", "12")]
    only = runner.invoke(app, ["check", "--only", "stock_levels"])
    assert only.exit_code == 0 and "stock_conservation" not in only.output


def test_unknown_check_is_a_clear_error(cli_env):
    res = runner.invoke(app, ["check", "--only", "nonsense"])
    assert res.exit_code == 2
    assert "unknown_check" in res.output and "stock_conservation" in res.output
