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
