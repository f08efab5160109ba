"""Order placement throughput: the service layer against raw SQL doing the same statements.

One client places orders one after another (5 lines, 3 warehouses, stock reserved, events
written) on a fresh, seeded database:

- service: ``ordercare.services.orders.place_order`` (SQLAlchemy Core, unit of work, domain rules);
- raw: the same statements the service issues for such an order, with sqlite3 / psycopg directly
  (no SQLAlchemy) and the least Python that gives the same rows: read customer, ship-to, products,
  package priority, warehouses; (PostgreSQL) lock the customer; credit exposure; lock/select stock
  and receipts; insert the order with its final status; insert the lines; conditional stock updates;
  insert allocations; insert events; commit.

Both run in the same process, on the same database, in alternating repetitions after a warm-up;
orders/s is the median over the repetitions. Afterwards the concurrency tests' invariant checker
must find the books balanced (so the baseline really does the same bookkeeping).

    python bench/order_placement.py [--backend sqlite|postgres|both] [--orders 300] [--reps 5]
    python bench/order_placement.py --profile sqlite      # cProfile of the service path
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import START, Seeded, check_books, fresh_database, libpq_url, seed, workload

OPEN_FOR_CREDIT = ("credit_hold", "backordered", "partially_allocated", "allocated", "released", "picking",
                   "packed", "partially_shipped", "shipped", "delivered")
HORIZON_DAYS = 120


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
    """The service's statements with the driver alone. Dialect differences are the service's own:
    SQLite writes serially (BEGIN IMMEDIATE) and inserts lines one by one with RETURNING; PostgreSQL
    locks the customer and the supply rows FOR UPDATE and inserts the lines in one statement."""

    def __init__(self, url: str):
        self.pg = url.startswith("postgresql")
        self.statements = 0
        if self.pg:
            import psycopg

            self.conn = psycopg.connect(libpq_url(url), autocommit=True)
            self.p = "%s"
        else:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                                        check_same_thread=False, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.p = "?"
        self.cur = self.conn.cursor()

    def _sql(self, sql: str) -> str:
        return sql if self.pg else sql.replace("%s", "?")

    def q(self, sql: str, params=()):
        self.statements += 1
        self.cur.execute(self._sql(sql), params)
        return self.cur

    def many(self, sql: str, rows) -> None:
        self.statements += 1
        self.cur.executemany(self._sql(sql), rows)

    def _ts(self, at: datetime):
        return at if self.pg else at.strftime("%Y-%m-%d %H:%M:%S.%f")

    def _d(self, d: date | None):
        return d if self.pg or d is None else d.isoformat()

    def _money(self, m: Decimal):
        return m if self.pg else float(m)

    def _json(self, payload: dict):
        if self.pg:
            from psycopg.types.json import Json
            return Json(payload)
        return json.dumps(payload)

    def place(self, customer: str, lines: list[tuple[str, int]]) -> int:
        now, today = START, START.date()
        lock = " FOR UPDATE" if self.pg else ""
        if self.pg:
            self.cur.execute("BEGIN")
        else:
            self.cur.execute("BEGIN IMMEDIATE")
        try:
            order_id = self._place(customer, lines, now, today, lock)
        except BaseException:
            self.cur.execute("ROLLBACK")
            raise
        self.cur.execute("COMMIT")
        return order_id

    def _place(self, customer, lines, now, today, lock) -> int:
        c = self.q("SELECT id, code, name, kind, active, credit_limit, payment_terms, segment, service_package,"
                   " price_list_id, sourcing_policy, ship_complete, email, phone, created_at"
                   " FROM customers WHERE code = %s", (customer,)).fetchone()
        if c is None:
            raise ValueError(f"no customer {customer}")
        cust_id, kind, active, limit, package, price_list, ship_complete = c[0], c[3], c[4], c[5], c[8], c[9], c[11]
        if not active or price_list is not None:
            raise ValueError("the baseline handles active customers without price lists only")
        st = self.q("SELECT id, customer_id, code, name, street, city, postal_code, country, lat, lon, is_default"
                    " FROM ship_tos WHERE customer_id = %s ORDER BY is_default DESC, id", (cust_id,)).fetchone()
        ship_to_id, lat, lon = st[0], st[8], st[9]
        skus = [s for s, _ in lines]
        prods = {r[1]: r for r in self.q(
            "SELECT id, sku, name, unit, weight_kg, volume_m3, list_price, unit_cost, category, needs_installation,"
            f" active FROM products WHERE sku IN ({', '.join(['%s'] * len(skus))})", skus)}
        priority = self.q("SELECT allocation_priority FROM service_packages WHERE code = %s", (package,)).fetchone()[0]
        lanes = []
        for w in self.q("SELECT id, code, name, region, city, lat, lon, handling_days, active FROM warehouses"
                        f" WHERE active = {'true' if self.pg else '1'} ORDER BY id"):
            km = _km(w[5], w[6], lat, lon)
            ship = today + timedelta(days=w[7])
            lanes.append((ship + timedelta(days=max(1, math.ceil(km / 500.0))), round(km, 1), w[0], ship))
        lanes.sort()  # delivery date, then distance: the service's ranking for stock available today
        if self.pg:
            self.q("SELECT id FROM customers WHERE id = %s FOR UPDATE", (cust_id,)).fetchone()
        ar = Decimal(self.q("SELECT coalesce(sum(amount), 0) FROM receivables WHERE customer_id = %s",
                            (cust_id,)).fetchone()[0])
        open_orders = Decimal(self.q(
            "SELECT coalesce(sum(total_amount), 0) FROM orders WHERE customer_id = %s AND status IN"
            f" ({', '.join(['%s'] * len(OPEN_FOR_CREDIT))})", (cust_id, *OPEN_FOR_CREDIT)).fetchone()[0])
        priced = []
        for sku, qty in lines:
            p = prods[sku]
            price = Decimal(str(p[6])).quantize(Decimal("0.01"))
            priced.append((p[0], qty, price, (price * qty).quantize(Decimal("0.01"))))
        total = sum((x[3] for x in priced), Decimal(0))
        hold = kind != "internal" and limit is not None and ar + open_orders + total > Decimal(str(limit))
        pids = sorted(p[0] for p in priced)
        marks = ", ".join(["%s"] * len(pids))
        free = {(r[0], r[1]): r[2] - r[3] for r in self.q(
            f"SELECT warehouse_id, product_id, on_hand, reserved FROM stock WHERE product_id IN ({marks})"
            f" ORDER BY warehouse_id, product_id{lock}", pids)}
        self.q("SELECT id, warehouse_id, product_id, expected_date, qty_ordered, qty_received, promised"
               f" FROM receipts WHERE product_id IN ({marks}) AND status = %s ORDER BY id{lock}",
               (*pids, "open")).fetchall()
        plans, short = [], 0
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
            short += need
            plans.append((takes, need))
        units = sum(q for _, q, _, _ in priced)
        status = "credit_hold" if hold else "backordered" if short == units else \
            "partially_allocated" if short else "allocated"
        line_dates = [max(t[3] for t in takes) if takes and not need else None for takes, need in plans]
        promised = None if None in line_dates else max(line_dates)
        order_id = self.q(
            "INSERT INTO orders (customer_id, ship_to_id, channel, status, credit_hold, ship_complete, priority,"
            " requested_date, promised_date, customer_po, currency, total_amount, quote_id, created_at, created_by)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (cust_id, ship_to_id, "api", status, hold, ship_complete, priority, None, self._d(promised), None, "EUR",
             self._money(total), None, self._ts(now), "system")).fetchone()[0]
        rows = []
        for n, ((pid, qty, price, amount), (takes, need), d) in enumerate(zip(priced, plans, line_dates), 1):
            ship = max(t[2] for t in takes) if takes and not need else None
            rows.append((order_id, n, pid, qty, self._money(price), self._money(amount), None, need, self._d(ship),
                         self._d(d), self._json(None)))  # JSON null, as SQLAlchemy's JSON type writes None
        cols = ("INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, amount, requested_date,"
                " qty_backordered, promised_ship_date, promised_date, merged_from) VALUES ")
        one = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        if self.pg:
            line_ids = [r[0] for r in self.q(cols + ", ".join([one] * len(rows)) + " RETURNING id",
                                             [v for r in rows for v in r]).fetchall()]
        else:
            line_ids = [self.q(cols + one + " RETURNING id", r).fetchone()[0] for r in rows]
        allocs = []
        for (pid, _, _, _), (takes, _), line_id in zip(priced, plans, line_ids):
            for wh, take, ship, deliver in sorted(takes):
                if self.q("UPDATE stock SET reserved = reserved + %s WHERE warehouse_id = %s AND product_id = %s"
                          " AND on_hand - reserved >= %s", (take, wh, pid, take)).rowcount != 1:
                    raise RuntimeError("supply taken")
                allocs.append((line_id, order_id, wh, pid, None, take, self._d(today), self._d(ship),
                               self._d(deliver), self._ts(now)))
        if allocs:
            self.many("INSERT INTO allocations (order_line_id, order_id, warehouse_id, product_id, receipt_id, qty,"
                      " available_date, ship_date, delivery_date, created_at)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", allocs)
        events = [(order_id, self._ts(now), "system", "placed", None, None, None,
                   self._json({"channel": "api", "total": str(total), "lines": len(lines), "merged_lines": []}))]
        if short:
            events.append((order_id, self._ts(now), "system", "backordered", None, None, None,
                           self._json({"units": short})))
        events.append((order_id, self._ts(now), "system", "status_changed", "new", status, "placed",
                       self._json({"promised_date": promised.isoformat() if promised else None})))
        self.many("INSERT INTO order_events (order_id, at, actor, kind, from_status, to_status, reason, payload)"
                  " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", events)
        return order_id

    def close(self) -> None:
        self.conn.close()


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
    """Place the same orders both ways and compare every row they write (ids aside). Returns mismatches."""
    from sqlalchemy import create_engine, text

    queries = [
        ("SELECT customer_id, ship_to_id, channel, status, credit_hold, ship_complete, priority, promised_date,"
         " currency, total_amount, created_at, created_by FROM orders WHERE id = :o"),
        ("SELECT line_no, product_id, qty, unit_price, amount, requested_date, qty_backordered, promised_ship_date,"
         " promised_date, merged_from FROM order_lines WHERE order_id = :o ORDER BY line_no"),
        ("SELECT warehouse_id, product_id, receipt_id, qty, available_date, ship_date, delivery_date, created_at"
         " FROM allocations WHERE order_id = :o ORDER BY product_id, warehouse_id"),
        ("SELECT at, actor, kind, from_status, to_status, reason, payload FROM order_events WHERE order_id = :o"
         " ORDER BY id"),
    ]
    mismatches = 0
    with fresh_database(kind) as url:
        seeded = seed(url)
        service, raw = ServicePlacer(url), RawPlacer(url)
        reader = create_engine(url)
        try:
            for customer, lines in workload(seeded, n, 5):
                a, b = service.place(customer, lines), raw.place(customer, lines)
                with reader.connect() as c:
                    for q in queries:
                        x = [tuple(r) for r in c.execute(text(q), {"o": a})]
                        y = [tuple(r) for r in c.execute(text(q), {"o": b})]
                        if x != y:
                            mismatches += 1
                            print(f"{kind}: order {a} (service) and {b} (raw) differ:\n  {x}\n  {y}")
        finally:
            reader.dispose()
            service.close()
            raw.close()
    return mismatches


def profile(kind: str, orders: int = 300, top: int = 35) -> str:
    """cProfile of the service path only (cumulative and own time)."""
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
    stats = pstats.Stats(prof, stream=out).strip_dirs()
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
            print(f"{kind}: {verify_same_rows(kind)} mismatching row sets in 30 orders x 4 tables")
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
