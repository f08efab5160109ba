"""Schema 0003_billing on a database that already has receivables: balances become open items, so the ledger
check holds and payments can be applied to them from the first day."""

from __future__ import annotations

from decimal import Decimal

from ordercare.clock import FixedClock
from ordercare.domain.access import SYSTEM
from ordercare.services.ledger_check import check_ledger
from ordercare.services.receivables import open_items
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.migrate import upgrade
from tests.conftest import START


def test_balances_brought_forward_become_open_items(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as c:  # as an earlier release (or the demo) wrote them: money in cents
        for sql in [
            "INSERT INTO customers (id, code, name, kind, active, segment, service_package, sourcing_policy, "
            "ship_complete, created_at) VALUES (1, 'C1', 'C1', 'external', 1, 'B', 'B', 'nearest', 0, "
            "'2026-01-01 09:00:00.000000')",
            "INSERT INTO receivables (customer_id, kind, ref, amount, posted_on, due_on) VALUES "
            "(1, 'opening', 'OB-1', 120000, '2026-01-15', '2026-02-14')",
            "INSERT INTO receivables (customer_id, kind, ref, amount, posted_on, due_on) VALUES "
            "(1, 'opening', 'OB-2', -5000, '2026-01-20', NULL)",
        ]:
            c.exec_driver_sql(sql)
    upgrade(engine)
    uow = UnitOfWork(engine)
    statement = open_items(uow, FixedClock(START), SYSTEM, "C1")
    [item] = statement["items"]
    assert (item["kind"], item["reference"], item["open_amount"], str(item["due_on"])) == (
        "opening", "OB-1", Decimal("1200.00"), "2026-02-14")
    assert item["bucket"] == "1-30"  # 16 days past due on 2 March
    assert statement["unapplied_credit"] == Decimal("50.00")
    assert statement["balance"] == Decimal("1150.00")
    assert check_ledger(uow, SYSTEM)["balanced"]


def test_the_invoiced_marker_is_backfilled_from_the_invoices_of_an_older_database(sqlite_env):
    """A database from before 0004_shipment_lines_invoiced, with one live and one cancelled invoice written by
    the services of the day: the upgrade marks only the line a live invoice carries, and the next run bills
    only the other."""
    from alembic import command
    from sqlalchemy import select

    from ordercare.services import invoicing
    from ordercare.services.invoice_changes import cancel_invoice
    from ordercare.store.billing_tables import invoice_lines
    from ordercare.store.migrate import alembic_config, current_revision, script_heads
    from tests.factories import carriers, shipment_at, world
    from tests.services.helpers import FINANCE

    env = sqlite_env
    world(env, stock={("NEAR", "SKU-A"): 10})
    carriers(env)
    kept = shipment_at(env, "NEAR", [("SKU-A", 1)], "shipped")  # per shipment: invoiced as it ships
    again = shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
    with env.uow.read() as c:
        cancelled = c.execute(select(invoice_lines.c.invoice_id).where(invoice_lines.c.shipment_id == again)
                              ).scalars().first()
    cancel_invoice(env.uow, env.clock, FINANCE, cancelled, "billed to the wrong site")
    cfg = alembic_config()
    with env.uow.engine.connect() as conn:  # back to the schema without the marker, data kept
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_shipment_lines_invoiced-1")
        conn.commit()
    with env.uow.engine.connect() as conn:
        assert "invoiced" not in conn.exec_driver_sql("SELECT * FROM shipment_lines").keys()
    upgrade(env.uow.engine)
    assert current_revision(env.uow.engine) == script_heads()
    with env.uow.engine.connect() as conn:
        marked = dict(conn.exec_driver_sql("SELECT shipment_id, invoiced FROM shipment_lines").all())
    assert marked == {kept: 1, again: 0}
    [new] = invoicing.run_invoicing(env.uow, env.clock, FINANCE)
    with env.uow.read() as c:
        billed = c.execute(select(invoice_lines.c.shipment_id).where(invoice_lines.c.invoice_id == new)).scalars()
        assert set(billed) == {again}
    assert invoicing.run_invoicing(env.uow, env.clock, FINANCE) == []

