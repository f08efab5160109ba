"""`ordercare webhook …`, `ordercare outbox …` and `ordercare worker --once` on a real database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from tests.factories import order, world
from tests.receivers import WebhookReceiver

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that Rich does not cut the cells


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10})
    yield sqlite_env
    get_settings.cache_clear()


def ok(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.output


def test_subscribe_work_and_read_the_history(cli_env):
    receiver = WebhookReceiver(script=[503])
    try:
        out = ok(["webhook", "add", receiver.url, "--event", "order.placed", "--description", "ERP"])
        assert "signing secret (shown once): whsec_" in out and "global" in out
        assert "order.placed" in ok(["webhook", "list"])
        order(cli_env, [("SKU-A", 1)])
        assert "item(s) done" in ok(["worker", "--once"])
        out = ok(["webhook", "deliveries", "--state", "pending"])
        assert "503" in out and "order.placed" in out
        ok(["webhook", "redeliver", "1"])
        ok(["worker", "--once"])
        out = ok(["webhook", "delivery", "1"])
        assert "delivered" in out and "503" in out and "200" in out
        assert len(receiver.received) == 2
        assert "dispatched" in ok(["outbox", "status"])
        assert "order.confirmed" in ok(["outbox", "messages"])
        assert "order_confirmation" in ok(["outbox", "emails"])
        out = ok(["outbox", "prefs", "CUST1", "shipped", "--off"])
        assert "shipped" in out and "no" in out
        assert "outbox_housekeeping" in ok(["outbox", "jobs"])
        assert "order.shipped" in ok(["webhook", "types"])
        assert "disable" in ok(["webhook", "--help"])
        assert "inactive" in ok(["webhook", "disable", "1"])
    finally:
        receiver.close()


@pytest.mark.parametrize("args,code", [
    (["webhook", "add", "ftp://x.example", "--event", "*"], "invalid_url"),
    (["webhook", "add", "https://x.example", "--event", "order.nope"], "unknown_event_type"),
    (["webhook", "redeliver", "99"], "delivery_not_found"),
    (["webhook", "deliveries", "--state", "lost"], "unknown_state"),
    (["outbox", "prefs", "CUST9"], "customer_not_found"),
    (["outbox", "prefs", "CUST1", "fax", "--off"], "unknown_touchpoint"),
    (["outbox", "resend", "99"], "email_not_found"),
])
def test_bad_input_is_a_clear_error(cli_env, args, code):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert f"[{code}]" in res.output
