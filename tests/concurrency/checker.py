"""The supply invariants, checked with plain SQL against whatever is in the database.

Deliberately independent of the code under test: no service, no store module,
only the table and column names. ``check_invariants(engine_or_connection)``
returns a list of human-readable violations; an empty list means the books
balance:

- stock: ``reserved == sum(allocations.qty)`` of the stock allocations
  (``receipt_id IS NULL``) of that (warehouse, product), and
  ``0 <= reserved <= on_hand``;
- receipts: ``promised == sum(allocations.qty)`` on it, ``promised >= 0`` and
  ``promised + qty_received <= qty_ordered``;
- order lines: ``qty_backordered + sum(its allocations) == qty`` and
  ``0 <= qty_backordered`` (a cancelled order's lines hold nothing: no allocation, no back-order);
- every allocation is positive, belongs to its line's order and product, and
  an allocation on a receipt is in that receipt's warehouse and product;
- an order in an allocation status (allocated / partially_allocated /
  backordered) has the status its lines' promises give it.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

ALLOCATION_STATES = ("backordered", "partially_allocated", "allocated")


@contextmanager
def _connection(bind):
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
            conn.rollback()
    else:
        yield bind


def expected_status(ordered: int, promised: int) -> str:
    if promised <= 0:
        return "backordered"
    if promised < ordered:
        return "partially_allocated"
    return "allocated"


def check_invariants(bind: Engine | Connection) -> list[str]:
    out: list[str] = []
    with _connection(bind) as conn:
        q = lambda sql: conn.execute(text(sql)).all()

        # Stock rows, and stock allocations whose (warehouse, product) has no stock row at all.
        for r in q("""
            SELECT s.warehouse_id, s.product_id, s.on_hand, s.reserved, COALESCE(a.total, 0) AS allocated
            FROM stock s
            LEFT JOIN (SELECT warehouse_id, product_id, SUM(qty) AS total FROM allocations
                       WHERE receipt_id IS NULL GROUP BY warehouse_id, product_id) a
              ON a.warehouse_id = s.warehouse_id AND a.product_id = s.product_id
            ORDER BY s.warehouse_id, s.product_id"""):
            where = f"stock (warehouse {r.warehouse_id}, product {r.product_id})"
            if r.reserved != r.allocated:
                out.append(f"{where}: reserved {r.reserved} != {r.allocated} units allocated from it")
            if r.reserved < 0:
                out.append(f"{where}: reserved {r.reserved} is negative")
            if r.on_hand < 0:
                out.append(f"{where}: on_hand {r.on_hand} is negative")
            if r.reserved > r.on_hand:
                out.append(f"{where}: reserved {r.reserved} > on_hand {r.on_hand} (oversold)")
            if r.allocated > r.on_hand:
                out.append(f"{where}: {r.allocated} units allocated from stock > on_hand {r.on_hand} (oversold)")
        for r in q("""
            SELECT a.warehouse_id, a.product_id, SUM(a.qty) AS total FROM allocations a
            WHERE a.receipt_id IS NULL AND NOT EXISTS (
                SELECT 1 FROM stock s WHERE s.warehouse_id = a.warehouse_id AND s.product_id = a.product_id)
            GROUP BY a.warehouse_id, a.product_id"""):
            out.append(f"stock (warehouse {r.warehouse_id}, product {r.product_id}): no stock row, "
                       f"yet {r.total} units allocated from it")

        # Scheduled receipts.
        for r in q("""
            SELECT rc.id, rc.qty_ordered, rc.qty_received, rc.promised, COALESCE(a.total, 0) AS allocated
            FROM receipts rc
            LEFT JOIN (SELECT receipt_id, SUM(qty) AS total FROM allocations
                       WHERE receipt_id IS NOT NULL GROUP BY receipt_id) a ON a.receipt_id = rc.id
            ORDER BY rc.id"""):
            where = f"receipt {r.id}"
            if r.promised != r.allocated:
                out.append(f"{where}: promised {r.promised} != {r.allocated} units allocated on it")
            if r.promised < 0:
                out.append(f"{where}: promised {r.promised} is negative")
            if r.promised + r.qty_received > r.qty_ordered:
                out.append(f"{where}: promised {r.promised} + received {r.qty_received} > ordered "
                           f"{r.qty_ordered} (overpromised)")
            if r.allocated + r.qty_received > r.qty_ordered:
                out.append(f"{where}: {r.allocated} units allocated + received {r.qty_received} > ordered "
                           f"{r.qty_ordered} (overpromised)")

        # Order lines. A cancelled order holds nothing: its allocations are gone, nothing is back-ordered.
        for r in q("""
            SELECT l.id, l.order_id, o.status, l.qty, l.qty_backordered, COALESCE(a.total, 0) AS allocated
            FROM order_lines l JOIN orders o ON o.id = l.order_id
            LEFT JOIN (SELECT order_line_id, SUM(qty) AS total FROM allocations GROUP BY order_line_id) a
              ON a.order_line_id = l.id
            ORDER BY l.id"""):
            where = f"order {r.order_id} line {r.id}"
            if r.status == "cancelled":
                if r.allocated or r.qty_backordered:
                    out.append(f"{where}: cancelled, yet {r.allocated} units allocated and {r.qty_backordered} "
                               f"back-ordered")
            elif r.qty_backordered + r.allocated != r.qty:
                out.append(f"{where}: backordered {r.qty_backordered} + allocated {r.allocated} != qty {r.qty}")
            if r.qty_backordered < 0:
                out.append(f"{where}: backordered {r.qty_backordered} is negative")

        # Allocations agree with what they point at.
        for r in q("""
            SELECT a.id, a.qty, a.order_id, a.product_id, a.warehouse_id, a.receipt_id,
                   l.id AS line_id, l.order_id AS line_order, l.product_id AS line_product,
                   rc.warehouse_id AS rc_warehouse, rc.product_id AS rc_product
            FROM allocations a
            LEFT JOIN order_lines l ON l.id = a.order_line_id
            LEFT JOIN receipts rc ON rc.id = a.receipt_id
            WHERE a.qty <= 0 OR l.id IS NULL OR l.order_id <> a.order_id OR l.product_id <> a.product_id
               OR (a.receipt_id IS NOT NULL AND (rc.id IS NULL OR rc.warehouse_id <> a.warehouse_id
                                                 OR rc.product_id <> a.product_id))
            ORDER BY a.id"""):
            out.append(f"allocation {r.id} (qty {r.qty}, order {r.order_id}, product {r.product_id}, warehouse "
                       f"{r.warehouse_id}, receipt {r.receipt_id}) disagrees with line {r.line_id} (order "
                       f"{r.line_order}, product {r.line_product}) or receipt (warehouse {r.rc_warehouse}, "
                       f"product {r.rc_product})")

        # Orders in an allocation status.
        states = ", ".join(f"'{s}'" for s in ALLOCATION_STATES)
        for r in q(f"""
            SELECT o.id, o.status, SUM(l.qty) AS ordered, SUM(l.qty - l.qty_backordered) AS promised
            FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.status IN ({states})
            GROUP BY o.id, o.status ORDER BY o.id"""):
            want = expected_status(r.ordered, r.promised)
            if r.status != want:
                out.append(f"order {r.id}: status {r.status}, but {r.promised} of {r.ordered} units promised "
                           f"make it {want}")
    return out


def supply_totals(bind: Engine | Connection) -> dict[str, int]:
    """Units on hand, reserved, expected on open receipts, promised, and allocated (stock / receipts)."""
    with _connection(bind) as conn:
        one = lambda sql: int(conn.execute(text(sql)).scalar_one())
        return {
            "on_hand": one("SELECT COALESCE(SUM(on_hand), 0) FROM stock"),
            "reserved": one("SELECT COALESCE(SUM(reserved), 0) FROM stock"),
            "receipt_open": one("SELECT COALESCE(SUM(qty_ordered - qty_received), 0) FROM receipts "
                                "WHERE status = 'open'"),
            "promised": one("SELECT COALESCE(SUM(promised), 0) FROM receipts"),
            "allocated_stock": one("SELECT COALESCE(SUM(qty), 0) FROM allocations WHERE receipt_id IS NULL"),
            "allocated_receipts": one("SELECT COALESCE(SUM(qty), 0) FROM allocations WHERE receipt_id IS NOT NULL"),
        }
