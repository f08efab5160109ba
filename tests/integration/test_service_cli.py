"""The service commands drive the same services: a case and a return from the terminal; errors as code, exit 2."""

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.store.service_tables import case_escalations, cases
from tests.factories import carriers, world
from tests.services.service_helpers import delivered_with_damage

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10})
    carriers(sqlite_env)
    yield sqlite_env
    get_settings.cache_clear()


def ok(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, (args, res.output)
    return res.output


def refused(args, code):
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and f"[{code}]" in res.output and "Traceback" not in res.output, (args, res.output)


def test_a_case_and_a_return_from_the_terminal(cli_env):
    order_id, _ = delivered_with_damage(cli_env)
    out = ok(["case", "open", "--customer", "CUST1", "--subject", "Crushed pump", "--category", "damaged_goods",
              "--order", f"SO-{order_id:07d}"])
    assert "CS-0000001" in out and "logged" in out
    ok(["case", "ack", "CS-0000001", "--note", "sorry"])
    refused(["case", "close", "1"], "invalid_transition")
    ok(["case", "root-cause", "1", "--cause", "carrier_damage"])
    assert "transport" in ok(["case", "show", "1"])
    out = ok(["return", "request", str(order_id), "--line", "1:1:damaged"])
    assert "RMA-0000001" in out and "requested" in out
    refused(["return", "request", str(order_id), "--line", "1:9:damaged"], "return_more_than_delivered")
    refused(["return", "request", str(order_id), "--line", "1-9"], "invalid_option")
    # The terminal runs on the wall clock, months after this test's delivery: outside the 30-day window.
    refused(["return", "authorise", "RMA-0000001"], "outside_return_policy")
    ok(["return", "authorise", "RMA-0000001", "--override", "--note", "damaged in transit, our fault"])
    refused(["return", "inspect", "1", "--disposition", "1:scrap:1"], "unit_not_received")
    ok(["return", "receive", "1", "--line", "1:1"])
    assert "scrap:1" in ok(["return", "inspect", "1", "--disposition", "1:scrap:1"])
    assert "scrap" in ok(["return", "nonsellable"])
    ok(["case", "recover", "1", "--kind", "goodwill", "--cost", "20.00", "--note", "voucher"])
    ok(["case", "resolve", "1", "--resolution", "voucher and replacement"])
    ok(["case", "follow-up", "1"])
    assert "closed" in ok(["case", "close", "1"])
    assert "CS-0000001" in ok(["case", "list"])
    assert "case" in ok(["csat", "report"])
    assert "Crushed pump" in ok(["personal-data", "export", "CUST1"])
    ok(["personal-data", "erase", "CUST1", "--reason", "request"])
    with cli_env.uow.read() as c:
        assert c.execute(select(cases.c.subject)).scalar_one() == "[erased]"


def test_sla_set_up_and_run(cli_env):
    ok(["sla", "calendar", "NL", "--timezone", "Europe/Amsterdam", "--hours", "mon=09:00-17:00",
        "--hours", "tue=09:00-12:00,13:00-17:00", "--holiday", "2026-12-25:Christmas"])
    ok(["sla", "policy", "B-urgent-NL", "urgent", "--response", "30", "--resolution", "240", "--calendar", "NL",
        "--package", "B", "--escalate", "1:team_lead:0", "--escalate", "2:manager:60"])
    out = ok(["sla", "show"])
    assert "B-urgent-NL" in out and "2026-12-25" in out
    refused(["sla", "calendar", "X", "--timezone", "Mars/Base", "--hours", "mon=09:00-17:00"], "unknown_timezone")
    ok(["case", "open", "--customer", "CUST1", "--subject", "Line down", "--category", "technical_support",
        "--priority", "urgent"])
    out = ok(["sla", "run"])
    assert "1 open cases checked, 0 escalation(s)" in out
    with cli_env.uow.read() as c:
        assert c.execute(select(func.count()).select_from(case_escalations)).scalar_one() == 0
