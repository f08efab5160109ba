"""Order placement throughput: the service layer against raw SQL doing the same statements.

One client places orders one after another (5 lines, 3 warehouses, stock reserved, events
written) on a fresh, seeded database:

- service: ``ordercare.services.orders.place_order`` (SQLAlchemy Core, unit of work, domain rules);
- raw: the same statements the service issues for such an order (14 on SQLite, 15 on PostgreSQL,
  BEGIN/COMMIT aside), with sqlite3 / psycopg directly (no SQLAlchemy) and the least Python that
  gives the same rows: customer joined with its service package, ship-tos, products, active
  warehouses; (PostgreSQL) lock the customer; credit exposure in one query; stock and receipts
  (locked on PostgreSQL); insert the order with its final status; insert the lines in one
  executemany, then read their ids; the conditional stock updates in one executemany; the
  allocations in one executemany; the events in one executemany; the outbox messages of the published
  events (webhooks, e-mail) in one executemany; commit. Money is whole cents.

Both run in the same process, on the same database, in alternating repetitions after a warm-up;
orders/s is the median over the repetitions. Afterwards the concurrency tests' invariant checker
must find the books balanced (so the baseline really does the same bookkeeping).

    python bench/order_placement.py [--backend sqlite|postgres|both] [--orders 300] [--reps 5]
    python bench/order_placement.py --profile sqlite      # cProfile of the service path
    python bench/order_placement.py --verify              # both sides write identical rows?
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LINES_PER_ORDER, START, Seeded, check_books, fresh_database, libpq_url, seed, workload

OPEN_FOR_CREDIT = ("credit_hold", "backordered", "partially_allocated", "allocated", "released", "picking",
                   "packed", "partially_shipped", "shipped", "delivered")


# --------------------------------------------------------------------------------------------- service

class ServicePlacer:
    def __init__(self, url: str):
        from sqlalchemy import event

        from ordercare.clock import FixedClock
        from ordercare.config import Settings
        from ordercare.domain.access import SYSTEM
        from ordercare.store.db import UnitOfWork, make_engine

        self.engine = make_engine(url)
        self.uow, self.clock = UnitOfWork(self.engine), FixedClock(START)
        self.settings, self.actor = Settings(database_url=url), SYSTEM
        self.statements = 0

        @event.listens_for(self.engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_args):
            if not statement.startswith("BEGIN"):  # transaction control is not counted on either side
                self.statements += 1

    def place(self, customer: str, lines: list[tuple[str, int]]) -> int:
        from ordercare.domain.orders import Channel, RequestedLine
        from ordercare.services.intake import OrderRequest
        from ordercare.services.orders import place_order

        req = OrderRequest(customer=customer, channel=Channel.API,
                           lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])
        return place_order(self.uow, self.clock, self.settings, self.actor, req)[0]

    def close(self) -> None:
        self.engine.dispose()


# --------------------------------------------------------------------------------------------- raw SQL

def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class RawPlacer:
    """The service's statements with the driver alone, built once as SQL strings with positional
    parameters. Dialect differences are the service's own: SQLite writes serially (BEGIN IMMEDIATE);
    PostgreSQL locks the customer and the supply rows FOR UPDATE. Money is whole cents (BIGINT) on
    both, as the service stores it.

    The baseline covers the benchmark's orders only: active customers without a price list (so no
    price-break query), every line served from stock on hand (so no receipt is promised)."""

    def __init__(self, url: str):
        self.pg = url.startswith("postgresql")
        self.statements = 0
        if self.pg:
            import psycopg
            from psycopg.types.json import Json

            self.conn = psycopg.connect(libpq_url(url), autocommit=True)
            self._json = Json
            self._ts = self._d = lambda v: v
            self._null_json = Json(None)
        else:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                                        check_same_thread=False, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
                self.conn.execute(f"PRAGMA {pragma}")
            self._json = json.dumps
            self._ts = lambda at: at.strftime("%Y-%m-%d %H:%M:%S.%f")
            self._d = lambda d: None if d is None else d.isoformat()
            self._null_json = "null"  # JSON null, as SQLAlchemy's JSON type writes None
        self.cur = self.conn.cursor()
        self._begin = "BEGIN" if self.pg else "BEGIN IMMEDIATE"
        lock = " FOR UPDATE" if self.pg else ""
        in5 = "(" + ", ".join(["%s"] * LINES_PER_ORDER) + ")"
        statuses = "(" + ", ".join(["%s"] * len(OPEN_FOR_CREDIT)) + ")"
        sql = {  # the statements of services/intake.py, services/orders.py and store/inventory.py, in order
            "customer": "SELECT customers.id, customers.code, customers.name, customers.kind, customers.active,"
                        " customers.credit_limit, customers.payment_terms, customers.segment,"
                        " customers.service_package, customers.price_list_id, customers.sourcing_policy,"
                        " customers.ship_complete, customers.email, customers.phone, customers.created_at,"
                        " service_packages.allocation_priority FROM customers JOIN service_packages"
                        " ON service_packages.code = customers.service_package WHERE customers.code = %s",
            "ship_tos": "SELECT id, customer_id, code, name, street, city, postal_code, country, lat, lon, is_default"
                        " FROM ship_tos WHERE customer_id = %s ORDER BY is_default DESC, id",
            "products": "SELECT id, sku, name, unit, weight_kg, volume_m3, list_price, unit_cost, category,"
                        f" needs_installation, active FROM products WHERE sku IN {in5}",
            "warehouses": "SELECT id, code, name, region, city, lat, lon, handling_days, active FROM warehouses"
                          f" WHERE active IS {'true' if self.pg else '1'} ORDER BY id",
            "lock_customer": "SELECT id FROM customers WHERE id = %s FOR UPDATE",
            "exposure": "SELECT (SELECT coalesce(sum(amount), %s) FROM receivables WHERE customer_id = %s),"
                        " (SELECT coalesce(sum(orders.total_amount - coalesce(order_invoicing.invoiced_amount, %s)),"
                        " %s) FROM orders LEFT OUTER JOIN order_invoicing ON order_invoicing.order_id = orders.id"
                        f" WHERE orders.customer_id = %s AND orders.status IN {statuses})",
            "stock": "SELECT warehouse_id, product_id, on_hand, reserved FROM stock"
                     f" WHERE product_id IN {in5} ORDER BY warehouse_id, product_id{lock}",
            "receipts": "SELECT id, warehouse_id, product_id, expected_date, qty_ordered, qty_received, promised"
                        f" FROM receipts WHERE product_id IN {in5} AND status = %s ORDER BY id{lock}",
            "order": "INSERT INTO orders (customer_id, ship_to_id, channel, status, credit_hold, ship_complete,"
                     " priority, requested_date, promised_date, customer_po, currency, total_amount, quote_id,"
                     " created_at, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                     " RETURNING id",
            "lines": "INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, amount,"
                     " requested_date, qty_backordered, promised_ship_date, promised_date, merged_from,"
                     " qty_shipped, qty_delivered) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            "line_ids": "SELECT id FROM order_lines WHERE order_id = %s ORDER BY line_no",
            "reserve": "UPDATE stock SET reserved = reserved + %s WHERE warehouse_id = %s AND product_id = %s"
                       " AND on_hand - reserved >= %s",
            "allocations": "INSERT INTO allocations (order_line_id, order_id, warehouse_id, product_id, receipt_id,"
                           " qty, available_date, ship_date, delivery_date, released, created_at)"
                           " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            "events": "INSERT INTO order_events (order_id, at, actor, kind, from_status, to_status, reason, payload)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            "outbox": "INSERT INTO outbox_messages (event_type, order_id, customer_id, occurred_at, actor, data, state)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        }
        self.sql = sql if self.pg else {k: v.replace("%s", "?") for k, v in sql.items()}

    def q(self, name: str, params=()):
        self.statements += 1
        return self.cur.execute(self.sql[name], params)

    def many(self, name: str, rows) -> int:
        self.statements += 1
        self.cur.executemany(self.sql[name], rows)
        return self.cur.rowcount

    def place(self, customer: str, lines: list[tuple[str, int]]) -> int:
        self.cur.execute(self._begin)
        try:
            order_id = self._place(customer, lines, START, START.date())
        except BaseException:
            self.cur.execute("ROLLBACK")
            raise
        self.cur.execute("COMMIT")
        return order_id

    def _place(self, customer, lines, now, today) -> int:
        if len(lines) != LINES_PER_ORDER or len({s for s, _ in lines}) != LINES_PER_ORDER:
            raise ValueError(f"the baseline handles {LINES_PER_ORDER} lines of different products only")
        # 1. customer with its package's priority, 2. ship-tos, 3. products, 4. active warehouses
        c = self.q("customer", (customer,)).fetchone()
        if c is None:
            raise ValueError(f"no customer {customer}")
        cust_id, kind, active, limit, price_list, ship_complete, priority = c[0], c[3], c[4], c[5], c[9], c[11], c[15]
        if not active or price_list is not None:
            raise ValueError("the baseline handles active customers without price lists only")
        st = self.q("ship_tos", (cust_id,)).fetchone()
        ship_to_id, lat, lon = st[0], st[8], st[9]
        prods = {r[1]: r for r in self.q("products", [s for s, _ in lines])}
        lanes = []
        for w in self.q("warehouses"):
            km = round(_km(w[5], w[6], lat, lon), 1)
            ship = today + timedelta(days=w[7])
            lanes.append((ship + timedelta(days=max(1, math.ceil(km / 500.0))), km, w[0], ship))
        lanes.sort()  # delivery date, then distance: the service's ranking for stock available today
        # 5. (PostgreSQL) lock the customer, 6. credit exposure in one query
        if self.pg:
            self.q("lock_customer", (cust_id,)).fetchone()
        ar, open_orders = self.q("exposure", (0, cust_id, 0, 0, cust_id, *OPEN_FOR_CREDIT)).fetchone()
        priced = []  # (product id, qty, unit price in cents, amount in cents)
        for sku, qty in lines:
            p = prods[sku]
            priced.append((p[0], qty, p[6], p[6] * qty))
        total = sum(x[3] for x in priced)
        exposure = ar + open_orders + total
        hold = kind != "internal" and limit is not None and exposure > limit
        # 7. stock and 8. receipts, locked on PostgreSQL
        pids = sorted(p[0] for p in priced)
        free = {(r[0], r[1]): r[2] - r[3] for r in self.q("stock", pids)}
        self.q("receipts", (*pids, "open")).fetchall()
        plans = []
        for pid, qty, _, _ in priced:
            need, takes = qty, []
            for deliver, _, wh, ship in lanes:
                take = min(need, free.get((wh, pid), 0))
                if take > 0:
                    takes.append((wh, take, ship, deliver))
                    free[(wh, pid)] -= take
                    need -= take
                    if need == 0:
                        break
            if need:
                raise ValueError("the baseline handles orders served from stock on hand only")
            plans.append(takes)
        status = "credit_hold" if hold else "allocated"
        line_dates = [max(t[3] for t in takes) for takes in plans]
        promised = max(line_dates)
        # 9. the order, with its final status
        order_id = self.q("order", (
            cust_id, ship_to_id, "api", status, hold, ship_complete, priority, None, self._d(promised), None, "EUR",
            total, None, self._ts(now), "system")).fetchone()[0]
        # 10. the lines in one batch, 11. their ids in line order
        self.many("lines", [
            (order_id, n, pid, qty, price, amount, None, 0, self._d(max(t[2] for t in takes)), self._d(d),
             self._null_json, 0, 0)
            for n, ((pid, qty, price, amount), takes, d) in enumerate(zip(priced, plans, line_dates), 1)])
        line_ids = [r[0] for r in self.q("line_ids", (order_id,))]
        # 12. conditional stock updates in one batch, 13. the allocations in one batch
        reserve, allocs = [], []
        day, at = self._d(today), self._ts(now)
        for (pid, _, _, _), takes, line_id in zip(priced, plans, line_ids):
            for wh, take, ship, deliver in takes:
                reserve.append((take, wh, pid, take))
                allocs.append((line_id, order_id, wh, pid, None, take, day, self._d(ship), self._d(deliver), False, at))
        if self.many("reserve", reserve) != len(reserve):
            raise RuntimeError("supply taken")
        self.many("allocations", allocs)
        # 14. the events in one batch
        placed = {"channel": "api", "total": _euros(total), "lines": len(lines), "merged_lines": []}
        if hold:
            reason, facts = "credit limit exceeded", {"exposure": _euros(exposure), "limit": _euros(limit),
                                                      "excess": _euros(max(0, exposure - limit))}
        else:
            reason, facts = "placed", {"promised_date": promised.isoformat()}
        self.many("events", [(order_id, at, "system", "placed", None, None, None, self._json(placed)),
                             (order_id, at, "system", "status_changed", "new", status, reason, self._json(facts))])
        # 15. the outbox messages of the published events in one batch (domain/outbox.py ROUTES): placed, and
        # the status change as itself and as a confirmation or a credit hold
        change = {**facts, "from_status": "new", "to_status": status, "reason": reason}
        self.many("outbox", [
            (kind, order_id, None, at, "system", self._json(data), "pending")
            for kind, data in (("order.placed", placed), ("order.status_changed", change),
                               ("order.credit_hold" if hold else "order.confirmed", change))])
        return order_id

    def close(self) -> None:
        self.conn.close()


def _euros(cents: int) -> str:
    """Whole cents as the service prints a Decimal amount: str(Decimal(cents).scaleb(-2))."""
    return str(Decimal(cents).scaleb(-2))


# --------------------------------------------------------------------------------------------- the run

def _rate(placer, orders) -> float:
    t0 = time.perf_counter()
    for customer, lines in orders:
        placer.place(customer, lines)
    return len(orders) / (time.perf_counter() - t0)


def run(kind: str, *, orders: int = 300, reps: int = 5, warmup: int = 50) -> dict:
    with fresh_database(kind) as url:
        seeded: Seeded = seed(url)
        service, raw = ServicePlacer(url), RawPlacer(url)
        try:
            for placer, s in ((service, 1), (raw, 2)):
                for customer, lines in workload(seeded, warmup, s):
                    placer.place(customer, lines)
            service.statements = raw.statements = 0
            rates = {"service": [], "raw": []}
            for rep in range(reps):
                pair = [("service", service), ("raw", raw)]
                for name, placer in (pair if rep % 2 == 0 else pair[::-1]):
                    rates[name].append(_rate(placer, workload(seeded, orders, 1000 * rep + len(name))))
            stmts = {"service": service.statements / (orders * reps), "raw": raw.statements / (orders * reps)}
        finally:
            service.close()
            raw.close()
        violations = check_books(url)
        if violations:
            raise AssertionError(f"{kind}: the books do not balance after the benchmark: {violations[:5]}")
    med = {k: statistics.median(v) for k, v in rates.items()}
    return {"backend": kind, "orders_per_rep": orders, "reps": reps, "warmup": warmup,
            "service_ops": med["service"], "raw_ops": med["raw"], "ratio": med["service"] / med["raw"],
            "service_runs": rates["service"], "raw_runs": rates["raw"],
            "statements_per_order": stmts}


def verify_same_rows(kind: str, n: int = 30) -> int:
    """Place the same orders both ways and compare every row they write (ids aside). Returns mismatches.

    Each side gets its own database, seeded the same way, so that each order sees the same state (on one
    database the second side's order would count the first one's in its credit exposure). The customers
    with a credit limit get a limit of 0.01 EUR here, so both paths are compared: their orders go on
    credit hold (about a third), the others are allocated."""
    from sqlalchemy import create_engine, text

    queries = [
        ("SELECT customer_id, ship_to_id, channel, status, credit_hold, ship_complete, priority, promised_date,"
         " currency, total_amount, created_at, created_by FROM orders WHERE id = :o"),
        ("SELECT line_no, product_id, qty, unit_price, amount, requested_date, qty_backordered, promised_ship_date,"
         " promised_date, merged_from, qty_shipped, qty_delivered FROM order_lines WHERE order_id = :o"
         " ORDER BY line_no"),
        ("SELECT l.line_no, a.warehouse_id, a.product_id, a.receipt_id, a.qty, a.available_date, a.ship_date,"
         " a.delivery_date, a.released, a.created_at FROM allocations a JOIN order_lines l ON l.id = a.order_line_id"
         " WHERE a.order_id = :o ORDER BY a.product_id, a.warehouse_id"),
        ("SELECT at, actor, kind, from_status, to_status, reason, payload FROM order_events WHERE order_id = :o"
         " ORDER BY id"),
        ("SELECT s.warehouse_id, s.product_id, s.on_hand, s.reserved FROM stock s JOIN order_lines l"
         " ON l.product_id = s.product_id WHERE l.order_id = :o ORDER BY s.warehouse_id, s.product_id"),
        ("SELECT event_type, customer_id, occurred_at, actor, data, state, message_id, dispatched_at, body"
         " FROM outbox_messages WHERE order_id = :o ORDER BY id"),
    ]
    mismatches = held = 0
    with fresh_database(kind) as url_s, fresh_database(kind) as url_r:
        seeded = seed(url_s)
        if seed(url_r) != Seeded(url_r, seeded.skus, seeded.customers):
            raise AssertionError("the two databases were seeded differently")
        readers = [create_engine(u) for u in (url_s, url_r)]
        for r in readers:
            with r.begin() as c:
                c.execute(text("UPDATE customers SET credit_limit = 1 WHERE credit_limit IS NOT NULL"))  # cents
        service, raw = ServicePlacer(url_s), RawPlacer(url_r)
        try:
            for customer, lines in workload(seeded, n, 5):
                a, b = service.place(customer, lines), raw.place(customer, lines)
                with readers[0].connect() as cs, readers[1].connect() as cr:
                    for q in queries:
                        x = [tuple(r) for r in cs.execute(text(q), {"o": a})]
                        y = [tuple(r) for r in cr.execute(text(q), {"o": b})]
                        if x != y:
                            mismatches += 1
                            print(f"{kind}: order {a} (service) and {b} (raw) differ:\n  {x}\n  {y}")
                    held += cr.execute(text("SELECT count(*) FROM orders WHERE id = :b AND credit_hold"),
                                       {"b": b}).scalar_one()
            print(f"{kind}: {held} of {n} orders went on credit hold")
        finally:
            for r in readers:
                r.dispose()
            service.close()
            raw.close()
    return mismatches


def _package(func: tuple[str, int, str]) -> str | None:
    """Which part of the stack a profiled function belongs to (None: a C builtin, charged to its caller)."""
    filename, _, name = func
    if filename == "~":
        if "sqlite3." in name:
            return "sqlite3 (C driver: execute, executemany, fetch, BEGIN, COMMIT)"
        if "psycopg" in name:
            return "psycopg"
        return None
    path = filename.replace("\\", "/")
    for marker, label in (("/sqlalchemy/", "sqlalchemy"), ("/psycopg", "psycopg"),
                          ("/ordercare/domain/", "ordercare.domain (sourcing plan, pricing, credit)"),
                          ("/ordercare/services/", "ordercare.services (intake, create_order)"),
                          ("/ordercare/store/", "ordercare.store (inventory, events, db, column types)"),
                          ("/bench/", "benchmark harness")):
        if marker in path:
            return label
    return "Python stdlib (json, enum, threading, contextlib, ...)"


def by_package(stats, orders: int) -> list[tuple[str, float, float]]:
    """Own time per part of the stack, in µs per order and as a share: (part, µs/order, share).

    Time in C builtins other than the driver's (Decimal, datetime, dict and list methods, isinstance,
    ...) is charged to the callers' parts in proportion to the time each caller spent in them."""
    totals: dict[str, float] = {}

    def charge(func, seconds: float, depth: int = 0) -> None:
        part = _package(func)
        if part is None and depth < 5:
            callers = stats.stats[func][4]
            edge = sum(c[2] for c in callers.values())
            if edge > 0:
                for caller, c in callers.items():
                    charge(caller, seconds * c[2] / edge, depth + 1)
                return
        part = part or "C builtins (uncharged)"
        totals[part] = totals.get(part, 0.0) + seconds

    for func, (_, _, tt, _, _) in stats.stats.items():
        charge(func, tt)
    whole = sum(totals.values())
    return sorted(((k, v / orders * 1e6, v / whole) for k, v in totals.items() if v >= 0.0005 * whole), key=lambda r: -r[1])


def profile(kind: str, orders: int = 300, top: int = 35) -> str:
    """cProfile of the service path only: own time by part of the stack, then cumulative and own time."""
    import cProfile
    import io
    import pstats

    with fresh_database(kind) as url:
        seeded = seed(url)
        service = ServicePlacer(url)
        try:
            for customer, lines in workload(seeded, 50, 1):
                service.place(customer, lines)
            work = workload(seeded, orders, 7)
            prof = cProfile.Profile()
            prof.enable()
            for customer, lines in work:
                service.place(customer, lines)
            prof.disable()
        finally:
            service.close()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    parts = by_package(stats, orders)
    out.write(f"Own time by part of the stack, {kind}, {orders} orders, under cProfile (which inflates"
              " Python-heavy parts):\n")
    for part, us, share in parts:
        out.write(f"  {part:70s} {us:8.0f} µs/order  {share:6.1%}\n")
    out.write(f"  {'total':70s} {sum(r[1] for r in parts):8.0f} µs/order\n\n")
    stats.strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--orders", type=int, default=300, help="orders per repetition")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--profile", choices=["sqlite", "postgres"], help="profile the service path instead")
    ap.add_argument("--verify", action="store_true", help="check that both sides write the same rows, then stop")
    args = ap.parse_args(argv)
    if args.verify:
        for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
            print(f"{kind}: {verify_same_rows(kind)} mismatching row sets in 30 orders x 6 tables")
        return
    if args.profile:
        print(profile(args.profile, args.orders))
        return
    for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        r = run(kind, orders=args.orders, reps=args.reps)
        print(f"{kind:9s} service {r['service_ops']:7.1f} orders/s   raw {r['raw_ops']:7.1f} orders/s   "
              f"ratio {r['ratio']:.2f}   statements/order service {r['statements_per_order']['service']:.1f} "
              f"raw {r['statements_per_order']['raw']:.1f}")


if __name__ == "__main__":
    main()
