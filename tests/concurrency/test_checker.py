"""The checker itself: silent on a consistent database, and names each broken invariant.

Each corruption is written by hand inside a transaction, checked on that connection, and rolled
back. Corruptions the CHECK constraints would refuse are made with the constraints switched off
for the transaction (SQLite: PRAGMA ignore_check_constraints; PostgreSQL: transactional DDL).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ordercare.domain.orders import order_number
from tests.factories import order, purchase, world

from .checker import check_invariants, corrupted


@pytest.fixture
def books(env):
    """Stock in two warehouses, a receipt in the third; one order fully promised, one partly back-ordered."""
    world(env, stock={("NEAR", "SKU-A"): 5, ("MID", "SKU-A"): 5, ("NEAR", "SKU-B"): 2})
    purchase(env, "PO-1", "FAR", [("SKU-A", 10)])
    full = order(env, [("SKU-A", 12)])  # 5 NEAR + 5 MID from stock, 2 from the receipt
    short = order(env, [("SKU-B", 3), ("SKU-A", 1)])  # SKU-B: 2 promised, 1 back-ordered; SKU-A: receipt
    return env, full, short


def one(c, sql, **params):
    return c.execute(text(sql), params).one()


def test_consistent_books_pass(books):
    env, _, _ = books
    assert check_invariants(env.uow.engine) == []
    with env.uow.engine.connect() as c:
        assert check_invariants(c) == []
        assert one(c, "SELECT count(*) AS n FROM allocations WHERE receipt_id IS NOT NULL").n == 2


def test_reserved_out_of_step_with_allocations(books):
    env, _, _ = books
    with corrupted(env) as c:
        c.execute(text("UPDATE stock SET reserved = reserved - 1 WHERE reserved > 0 AND product_id = "
                       "(SELECT id FROM products WHERE sku = 'SKU-A') AND warehouse_id = "
                       "(SELECT id FROM warehouses WHERE code = 'NEAR')"))
        v = check_invariants(c)
    assert len(v) == 1 and "reserved 4 != 5 units allocated from it" in v[0]


def test_oversold_by_allocations(books):
    env, full, _ = books
    with corrupted(env) as c:
        a = c.execute(text("SELECT id FROM allocations WHERE order_id = :o AND receipt_id IS NULL ORDER BY id"),
                      {"o": full}).first()
        c.execute(text("UPDATE allocations SET qty = qty + 100 WHERE id = :id"), {"id": a.id})
        v = check_invariants(c)
    assert any("units allocated from stock > on_hand" in x and "(oversold)" in x for x in v)
    assert any("units allocated from it" in x for x in v)
    assert any(f"order {order_number(full)} line" in x and "backordered 0 + allocated" in x for x in v)


def test_reserved_above_on_hand_and_negative(books):
    env, _, _ = books
    with corrupted(env, unchecked=True) as c:
        c.execute(text("UPDATE stock SET on_hand = reserved - 1 WHERE reserved > 0"))
        c.execute(text("UPDATE stock SET on_hand = -1 WHERE reserved = 0"))
        v = check_invariants(c)
    assert any("> on_hand" in x and "reserved" in x and "(oversold)" in x for x in v)
    assert any("on_hand -1 is negative" in x for x in v)


def test_receipt_promised_out_of_step_and_overpromised(books):
    env, _, _ = books
    with corrupted(env) as c:
        c.execute(text("UPDATE receipts SET promised = promised + 1"))
        v = check_invariants(c)
    assert len(v) == 1 and "promised 4 != 3 units allocated on it" in v[0]
    with corrupted(env, unchecked=True) as c:
        c.execute(text("UPDATE receipts SET qty_received = qty_ordered"))
        v = check_invariants(c)
    assert any("(overpromised)" in x for x in v)


def test_line_backorder_out_of_step(books):
    env, _, short = books
    with corrupted(env) as c:
        c.execute(text("UPDATE order_lines SET qty_backordered = 0 WHERE order_id = :o AND qty_backordered > 0"),
                  {"o": short})
        v = check_invariants(c)
    assert any(f"order {order_number(short)} line" in x and "backordered 0 + allocated 2 + shipped 0 != qty 3" in x
               for x in v)
    assert any(f"order {order_number(short)}: status partially_allocated" in x for x in v)  # now looks fully promised


def test_status_out_of_step(books):
    env, _, short = books
    with corrupted(env) as c:
        c.execute(text("UPDATE orders SET status = 'allocated' WHERE id = :o"), {"o": short})
        v = check_invariants(c)
    assert v == [f"order {order_number(short)}: status allocated, but 3 of 4 units promised make it "
                 "partially_allocated"]


def test_allocation_on_the_wrong_product(books):
    env, full, _ = books
    with corrupted(env) as c:
        c.execute(text("UPDATE allocations SET product_id = (SELECT id FROM products WHERE sku = 'SKU-B') "
                       "WHERE order_id = :o AND receipt_id IS NOT NULL"), {"o": full})
        v = check_invariants(c)
    assert any("disagrees with line" in x for x in v)


def test_cancelled_order_holds_nothing(books):
    env, _, short = books
    from ordercare.services.orders import cancel_order

    cancel_order(env.uow, env.clock, env.settings, env.actor, short, "withdrawn")
    assert check_invariants(env.uow.engine) == []
    with corrupted(env) as c:
        c.execute(text("UPDATE order_lines SET qty_backordered = 1 WHERE order_id = :o"), {"o": short})
        v = check_invariants(c)
    assert any(f"order {order_number(short)} line" in x and "cancelled, yet" in x for x in v)
