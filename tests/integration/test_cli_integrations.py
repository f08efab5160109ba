"""`ordercare edi …`, `ordercare import …`, `ordercare export`: real commands on a real database."""

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.config import get_settings
from ordercare.integrations.x12.envelopes import parse_interchange
from ordercare.integrations.x12.functional_ack import parse_997
from ordercare.store.tables import orders
from tests.factories import world
from tests.services.test_edi import PO, interchange

# The CLI runs on the wall clock: no requested dates that could lie in the past.
UNDATED = PO.__class__(PO.number, PO.date, tuple(ln.__class__(**{**ln.__dict__, "requested_date": None})
                                                  for ln in PO.lines), PO.ship_to, None)

runner = CliRunner()


@pytest.fixture
def cli_env(sqlite_env, monkeypatch):
    monkeypatch.setenv("ORDERCARE_DATABASE_URL", sqlite_env.url)
    get_settings.cache_clear()
    world(sqlite_env, stock={("NEAR", "SKU-A"): 10, ("NEAR", "SKU-B"): 4})
    yield sqlite_env
    get_settings.cache_clear()


def _orders(env):
    with env.uow.read() as c:
        return c.execute(select(func.count()).select_from(orders)).scalar_one()


def test_partner_setup_850_in_997_and_855_out(cli_env, tmp_path):
    for args in (["edi", "partner", "add", "ACME", "--customer", "CUST1", "--isa-id", "ACMEBUY", "--gs-id", "ACMEAPP"],
                 ["edi", "partner", "item", "ACME", "BP", "A-100", "SKU-A"],
                 ["edi", "partner", "item", "ACME", "UP", "012345678905", "SKU-B"],
                 ["edi", "partner", "location", "ACME", "STORE-7", "MAIN"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    (tmp_path / "po.x12").write_text(interchange(UNDATED))
    res = runner.invoke(app, ["edi", "import", str(tmp_path / "po.x12"), "--ack", str(tmp_path / "997.x12")])
    assert res.exit_code == 0, res.output
    assert "accepted" in res.output and "SO-0000001" in res.output
    assert parse_997(parse_interchange((tmp_path / "997.x12").read_text()).groups[0].sets[0]).status == "A"
    res = runner.invoke(app, ["edi", "out", "855", "SO-0000001", "--out", str(tmp_path / "855.x12")])
    assert res.exit_code == 0, res.output
    assert "BAK*00*AC*PO-1" in (tmp_path / "855.x12").read_text()
    bad = runner.invoke(app, ["edi", "import", str(tmp_path / "997.x12")])  # our own 997 is not from a partner
    assert bad.exit_code == 2 and "unknown_partner" in bad.output


def test_import_dry_run_lists_problems_and_writes_nothing(cli_env, tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("order_ref,customer,sku,qty\nA,CUST1,SKU-A,2\nB,CUST1,NOPE,1\nC,CUST1,SKU-A,x\n")
    res = runner.invoke(app, ["import", "orders", str(f), "--dry-run"])
    assert res.exit_code == 1, res.output
    assert "unknown_sku" in res.output and "invalid_value" in res.output and "NOPE" in res.output
    assert _orders(cli_env) == 0
    res = runner.invoke(app, ["import", "orders", str(f)])
    assert res.exit_code == 2 and "import_has_errors" in res.output and _orders(cli_env) == 0
    res = runner.invoke(app, ["import", "orders", str(f), "--valid-only"])
    assert res.exit_code == 0, res.output
    assert _orders(cli_env) == 1
    out = tmp_path / "orders.xlsx"
    res = runner.invoke(app, ["export", "orders", "--out", str(out)])
    assert res.exit_code == 0 and out.read_bytes().startswith(b"PK")


def test_import_moves_a_progress_bar_to_every_row(cli_env, tmp_path, monkeypatch):
    import ordercare.cli_integrations as cli_integrations
    from rich.progress import Progress

    seen: list[tuple[int, int]] = []

    class Recording(Progress):  # the command's own bar, with what it is told recorded
        def update(self, task_id, **kw):
            seen.append((kw["completed"], kw["total"]))
            super().update(task_id, **kw)

    monkeypatch.setattr(cli_integrations, "Progress", Recording)
    f = tmp_path / "orders.csv"
    f.write_text("order_ref,customer,sku,qty\nA,CUST1,SKU-A,2\nA,CUST1,SKU-B,1\nB,CUST1,SKU-A,1\n")
    res = runner.invoke(app, ["import", "orders", str(f)])
    assert res.exit_code == 0, res.output
    assert seen == [(0, 3), (2, 3), (3, 3)] and _orders(cli_env) == 2


def test_810_on_demand_and_invoices_export(cli_env, tmp_path):
    from ordercare.integrations.x12.invoice import parse_810
    from tests.factories import carriers, shipment_at
    res = runner.invoke(app, ["edi", "partner", "add", "ACME", "--customer", "CUST1", "--isa-id", "ACMEBUY"])
    assert res.exit_code == 0, res.output
    carriers(cli_env)
    shipment_at(cli_env, "NEAR", [("SKU-A", 2)], "shipped")  # announced by an 856, invoiced and its 810 sent
    res = runner.invoke(app, ["edi", "out", "810", "INV-0000001", "--out", str(tmp_path / "810.x12")])
    assert res.exit_code == 0, res.output
    assert "810 to ACME, control 000000003" in res.output
    sent = parse_810(parse_interchange((tmp_path / "810.x12").read_text()).groups[0].sets[0])
    assert (sent.number, sent.purpose, [(i.line_id, i.qty) for i in sent.items]) == ("INV-0000001", "07", [("1", 2)])
    for args, code in ((["edi", "out", "810", "NOPE"], "invoice_not_found"),
                       (["edi", "out", "810", "INV-0000099"], "invoice_not_found"),
                       (["edi", "out", "820", "1"], "unsupported_set")):
        bad = runner.invoke(app, args)
        assert bad.exit_code == 2 and code in bad.output, bad.output
    res = runner.invoke(app, ["export", "invoices", "--out", str(tmp_path / "invoices.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "invoices.csv").read_text().splitlines()[1].startswith("INV-0000001,invoice,CUST1,")
