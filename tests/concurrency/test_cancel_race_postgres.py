"""Cancelling an order while a back-order release gives it more supply (PostgreSQL, READ COMMITTED).

The interleaving is forced, not hoped for: a blocker holds the stock rows' locks; a stock
adjustment (which releases back-orders) queues on them first, the cancellation second. When the
blocker commits, the adjustment runs and commits, then the cancellation goes on. Whatever the
cancellation does then, the books must balance.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from ordercare.domain.access import SYSTEM
from ordercare.domain.errors import Conflict
from ordercare.services import master_data as md
from ordercare.services.orders import cancel_order
from ordercare.store.db import UnitOfWork, make_engine
from tests.factories import order, world

from .checker import check_invariants

pytestmark = pytest.mark.postgres
APP_NAME = "oc_cancel_race"


def _waiting_on_locks(engine) -> int:
    with engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a "
                              "AND wait_event_type = 'Lock'"), {"a": APP_NAME}).scalar_one()


def _until_waiting(engine, n: int) -> None:
    deadline = time.monotonic() + 10
    while _waiting_on_locks(engine) < n:
        assert time.monotonic() < deadline, f"{n} transactions never queued on the stock locks"
        time.sleep(0.02)


def test_cancel_while_backorders_are_released(postgres_env):
    env = postgres_env
    world(env, stock={("NEAR", "SKU-A"): 1})
    x = order(env, [("SKU-A", 5)])  # 1 promised, 4 back-ordered: partially_allocated
    engine = make_engine(f"{env.url}?application_name={APP_NAME}", pool_size=4)
    uow = UnitOfWork(engine)
    errors: list[BaseException] = []

    def run(fn):
        def target():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - looked at below
                errors.append(exc)
        t = threading.Thread(target=target, daemon=True)
        t.start()
        return t

    admin = env.uow.engine
    try:
        with admin.connect() as blocker:
            blocker.begin()
            blocker.execute(text("SELECT * FROM stock ORDER BY warehouse_id, product_id FOR UPDATE")).all()
            adjust = run(lambda: md.adjust_stock(uow, env.clock, env.settings, SYSTEM, warehouse="NEAR",
                                                 sku="SKU-A", delta=1, reason="one more found"))
            _until_waiting(admin, 1)
            cancel = run(lambda: cancel_order(uow, env.clock, env.settings, SYSTEM, x, "customer withdrew"))
            _until_waiting(admin, 2)
            blocker.commit()
        adjust.join(30)
        cancel.join(30)
        assert not adjust.is_alive() and not cancel.is_alive()
    finally:
        engine.dispose()

    # Refusing the cancellation (the order changed under it) would be fine; leaking stock is not.
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert check_invariants(admin) == []
    with admin.connect() as c:
        status = c.execute(text("SELECT status FROM orders WHERE id = :o"), {"o": x}).scalar_one()
        reserved = c.execute(text("SELECT SUM(reserved) FROM stock")).scalar_one()
    assert (status, reserved) in {("cancelled", 0), ("partially_allocated", 2)}
