"""The billing commands on a real database: the invoice run, payments, receivables, dunning, and a ledger
check that fails with the offending rows when the books were tampered with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.store.billing_tables import invoices, payments
from ordercare.store.tables import receivables
from tests.factories import carriers, shipment_at, world

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    monkeypatch.setenv("COLUMNS", "200")  # tables not cut to a narrow terminal
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 50})
    carriers(sqlite_env)
    yield sqlite_env
    get_settings.cache_clear()


def run(*args: str):
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output, res.output
    return res


def test_monthly_customer_invoiced_by_the_run_then_paid_then_checked(cli_env, tmp_path):
    assert run("billing", "set", "CUST1", "--invoicing", "monthly", "--no-freight").exit_code == 0
    assert run("billing", "tax-rate", "--rate", "21", "--name", "standard").exit_code == 0
    shipment_at(cli_env, "NEAR", [("SKU-A", 4)], "shipped")
    # The CLI runs on the wall clock; the shipment was made on the test clock in March 2026, so any run today
    # is past the end of that month.
    res = run("invoice", "run")
    assert res.exit_code == 0 and "1 invoice(s) issued: INV-0000001" in res.output, res.output
    assert "48.40" in run("invoice", "show", "INV-0000001").output
    res = run("invoice", "pdf", "1", "--out", str(tmp_path / "inv.pdf"))
    assert res.exit_code == 0 and (tmp_path / "inv.pdf").read_bytes().startswith(b"%PDF")
    res = run("payment", "record", "--customer", "CUST1", "--amount", "50.00", "--reference", "BANK-77")
    # Issued today on 3/10 net 30 and paid today: 48.40 less 3 % (1.452 -> 1.45) settles it; 3.05 is credit.
    assert res.exit_code == 0 and "46.95" in res.output and "discount 1.45" in res.output, res.output
    assert "unapplied 3.05" in res.output
    assert "PAY-0000001" in run("payment", "list", "--unapplied").output
    res = run("receivables", "open-items", "CUST1")
    assert res.exit_code == 0 and "balance -3.05" in res.output, res.output
    assert run("receivables", "aging").exit_code == 0
    assert "DSO 0.0 days" in run("receivables", "dso", "--days", "30").output  # paid: nothing outstanding
    assert run("dunning", "run").exit_code == 0
    res = run("ledger", "check")
    assert res.exit_code == 0 and "balanced" in res.output


def test_ledger_check_exits_1_with_the_offending_rows(cli_env):
    shipment_at(cli_env, "NEAR", [("SKU-A", 2)], "shipped")  # per shipment: invoiced at once
    assert run("ledger", "check").exit_code == 0

    def tamper(conn):  # a ledger row edited behind the services' back, and a payment's books broken
        conn.execute(update(receivables).where(receivables.c.kind == "invoice").values(amount=receivables.c.amount + 1))
    cli_env.uow.run(tamper)
    res = run("ledger", "check")
    assert res.exit_code == 1
    assert "ledger = open receivable" in res.output and "CUST1" in res.output


def test_bad_input_is_a_clear_error_and_changes_nothing(cli_env):
    shipment_at(cli_env, "NEAR", [("SKU-A", 2)], "shipped")
    with cli_env.uow.read() as c:
        before = (c.execute(select(invoices.c.open_amount)).scalars().all(),
                  c.execute(select(payments.c.id)).scalars().all())
    for args, code in [
        (["payment", "record", "--customer", "CUST1", "--amount", "-5", "--reference", "x"], "invalid_amount"),
        (["payment", "record", "--customer", "CUST1", "--amount", "abc", "--reference", "x"], "invalid_amount"),
        (["payment", "record", "--customer", "CUST1", "--amount", "5", "--reference", "x", "--currency", "USD",
          "--apply", "INV-0000001:5"], "currency_mismatch"),
        (["payment", "record", "--customer", "CUST1", "--amount", "5", "--reference", "x",
          "--apply", "INV-0000001:6"], "more_than_available"),
        (["payment", "record", "--customer", "NOPE", "--amount", "5", "--reference", "x"], "unknown_customer"),
        (["invoice", "show", "INV-0000099"], "invoice_not_found"),
        (["invoice", "run", "--through", (cli_env.clock.today() + timedelta(days=3650)).isoformat()],
         "through_in_future"),
        (["billing", "set", "CUST1", "--invoicing", "yearly"], "unknown_invoicing"),
    ]:
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert f"[{code}]" in res.output, (args, res.output)
    with cli_env.uow.read() as c:
        assert (c.execute(select(invoices.c.open_amount)).scalars().all(),
                c.execute(select(payments.c.id)).scalars().all()) == before
