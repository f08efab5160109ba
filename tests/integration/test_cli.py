"""The CLI drives the same services: real commands on a real database, errors as code + message, exit 2."""

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.store.tables import orders, stock

from tests.factories import world

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10, ("FAR", "SKU-B"): 4})
    yield sqlite_env
    get_settings.cache_clear()


def _count(env, table):
    with env.uow.read() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def test_place_show_and_cancel_an_order(cli_env):
    res = runner.invoke(app, ["order", "place", "--customer", "CUST1", "--line", "SKU-A:4", "--line", "SKU-B:6",
                              "--channel", "phone"])
    assert res.exit_code == 0, res.output
    assert "SO-0000001" in res.output and "partially_allocated" in res.output
    shown = runner.invoke(app, ["order", "show", "SO-0000001", "--json"])
    assert shown.exit_code == 0 and '"channel": "phone"' in shown.output
    assert runner.invoke(app, ["order", "cancel", "1", "--reason", "test"]).exit_code == 0
    with cli_env.uow.read() as c:
        assert c.execute(select(func.sum(stock.c.reserved))).scalar_one() == 0


def test_bad_input_is_a_clear_error_and_changes_nothing(cli_env):
    for args, code in [
        (["order", "place", "--customer", "NOPE", "--line", "SKU-A:1"], "unknown_customer"),
        (["order", "place", "--customer", "CUST1", "--line", "SKU-Z:1"], "unknown_sku"),
        (["order", "place", "--customer", "CUST1", "--line", "SKU-A:0"], "invalid_quantity"),
        (["order", "place", "--customer", "CUST1", "--line", "SKU-A"], "invalid_line"),
        (["order", "place", "--customer", "CUST1", "--line", "SKU-A:1", "--requested-date", "2026-02-01"],
         "requested_date_in_past"),
        (["order", "show", "SO-0000099"], "order_not_found"),
        (["stock", "adjust", "NEAR", "SKU-A", "--delta", "-50", "--reason", "count"], "negative_stock"),
    ]:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert f"[{code}]" in res.output, (args, res.output)
        assert "Traceback" not in res.output
    assert _count(cli_env, orders) == 0


def test_stock_cannot_be_counted_below_what_is_reserved(cli_env):
    assert runner.invoke(app, ["order", "place", "--customer", "CUST1", "--line", "SKU-A:8"]).exit_code == 0
    res = runner.invoke(app, ["stock", "adjust", "NEAR", "SKU-A", "--delta", "-3", "--reason", "count"])
    assert res.exit_code == 2 and "[stock_reserved]" in res.output
    ok = runner.invoke(app, ["stock", "adjust", "NEAR", "SKU-A", "--delta", "-2", "--reason", "count"])
    assert ok.exit_code == 0 and "on hand 8, reserved 8" in ok.output


def test_atp_and_receipts_commands(cli_env):
    res = runner.invoke(app, ["atp", "SKU-A", "--qty", "5", "--customer", "CUST1"])
    assert res.exit_code == 0 and "NEAR" in res.output
    assert runner.invoke(app, ["receipt", "list"]).exit_code == 0


def test_user_add_prints_a_token_once(cli_env):
    res = runner.invoke(app, ["user", "add", "alice", "--role", "cs_agent"])
    assert res.exit_code == 0 and "token: oc_" in res.output
    bad = runner.invoke(app, ["user", "add", "bob", "--role", "pirate"])
    assert bad.exit_code == 2 and "[unknown_role]" in bad.output


def test_db_upgrade_migrates_an_existing_database_and_keeps_its_data(tmp_path, monkeypatch):
    from ordercare.store.db import make_engine
    from ordercare.store.migrate import current_revision, script_heads, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")  # a database of the first release, with a warehouse in it
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO warehouses VALUES (1, 'W1', 'W1', 'EU', 'X', 50, 4, 1, 1)")
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        for _ in range(2):  # the second run finds nothing to do
            res = runner.invoke(app, ["db", "upgrade"])
            assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["db", "current"])
        assert res.exit_code == 0 and res.output.replace("\n", "").strip() == script_heads()
    finally:
        get_settings.cache_clear()
    assert current_revision(engine) == script_heads()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT code FROM warehouses").scalars().all() == ["W1"]
    engine.dispose()
