"""The raw-SQL baseline of bench/order_placement.py: what the service writes for a benchmark order, with sqlite3 or
psycopg directly (no SQLAlchemy) and the least Python that gives the same rows.

The statements, in order (15 on SQLite, 16 on PostgreSQL; BEGIN/COMMIT aside): the customer with its service
package, its ship-tos, the products, the active warehouses; (PostgreSQL) lock the customer; the credit exposure
in one query; stock and open receipts (locked on PostgreSQL); insert the order with its final status; the lines in
one executemany, then their ids; the conditional stock updates in one executemany; the allocations, the events and
the outbox messages, one executemany each; the order's measure facts and its lines' facts; one upsert of the daily
summary rows it adds to (kpi_daily: the order-level slices and each line's product, warehouse and carrier, with the
month and year rows of customer and product). Money is whole cents, as the service stores it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import timedelta
from decimal import Decimal

from common import LINES_PER_ORDER, START, libpq_url

from ordercare.metrics.counters import COUNTERS  # column names only (the schema's), no SQLAlchemy at run time
from ordercare.metrics.facts import LINE_COLUMNS, ORDER_COLUMNS

OPEN_FOR_CREDIT = ("credit_hold", "backordered", "partially_allocated", "allocated", "released", "picking",
                   "packed", "partially_shipped", "shipped", "delivered")
# What a new order served from stock adds to a summary row: (orders, o_open, lines, l_open, units).
ADDED = ("orders", "o_open", "lines", "l_open", "units")


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

    def __init__(self, url: str, *, sabotage: str | None = None):
        self.sabotage = sabotage  # the negative control of --verify: one thing written wrong
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
        zero = [c for c in COUNTERS if c not in ADDED]
        statuses = "(" + ", ".join(["%s"] * len(OPEN_FOR_CREDIT)) + ")"
        sql = {  # the statements of services/intake.py, services/orders.py and store/inventory.py, in order
            "customer": "SELECT customers.id, customers.code, customers.name, customers.kind, customers.active,"
                        " customers.credit_limit, customers.payment_terms, customers.segment,"
                        " customers.service_package, customers.price_list_id, customers.sourcing_policy,"
                        " customers.ship_complete, customers.email, customers.phone, customers.created_at,"
                        " service_packages.allocation_priority, service_packages.lead_time_days FROM customers"
                        " JOIN service_packages"
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
            "order_facts": f"INSERT INTO order_facts ({', '.join(ORDER_COLUMNS)})"
                           f" VALUES ({', '.join(['%s'] * len(ORDER_COLUMNS))})",
            "line_facts": f"INSERT INTO line_facts ({', '.join(LINE_COLUMNS)})"
                          f" VALUES ({', '.join(['%s'] * len(LINE_COLUMNS))})",
            "kpi_daily": f"INSERT INTO kpi_daily (dimension, day, slice_key, {', '.join(ADDED)}, {', '.join(zero)})"
                         f" VALUES (%s, %s, %s, {', '.join(['%s'] * len(ADDED))}, {', '.join(['0'] * len(zero))})"
                         " ON CONFLICT (dimension, day, slice_key) DO UPDATE SET "
                         + ", ".join(f"{c} = kpi_daily.{c} + excluded.{c}" for c in ADDED),
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
        segment, package, lead_time = c[7], c[8], c[16]
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
                reserve.append((take + (self.sabotage == "stock"), wh, pid, take))
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
        # 16. the order's facts, 17. its lines' facts (metrics/facts.py for a new order served from stock: counted
        # and open, nothing known yet about filling or delivery), 18. the daily summary rows it adds to
        units = sum(x[1] for x in priced)
        self.q("order_facts", (order_id, day, cust_id, segment, package, kind, "api", lead_time, 1, 0, 1, int(hold),
                               self._d(promised), LINES_PER_ORDER, units, None, None, 0, *[None] * 12,
                               *[None] * 6))
        line_rows, per_line = [], []
        for (pid, qty, _, _), takes, line_id, d in zip(priced, plans, line_ids, line_dates):
            wh = max(takes, key=lambda t: t[1])[0]  # the planned warehouse: the one giving the most units
            from_stock = qty - (self.sabotage == "facts")
            line_rows.append((line_id, order_id, day, pid, wh, None, 1, 1, qty, qty, from_stock, None,
                              self._d(max(t[2] for t in takes)), self._d(d), 0, 0, None, 0, 0, None, 0,
                              *[None] * 12, *[0] * 13))
            per_line += [(("product", str(pid)), qty), (("warehouse", str(wh)), qty), (("carrier", ""), qty)]
        self.many("line_facts", line_rows)
        month, year = self._d(today.replace(day=1)), self._d(today.replace(month=1, day=1))
        rows = {(dim, key, day): [1, 1, LINES_PER_ORDER, LINES_PER_ORDER, units]
                for dim, key in (("total", ""), ("customer", str(cust_id)), ("segment", segment),
                                 ("package", package), ("channel", "api"), ("customer_kind", kind))}
        for rollup, start in (("month", month), ("year", year)):
            rows[(f"customer@{rollup}", str(cust_id), start)] = [1, 1, LINES_PER_ORDER, LINES_PER_ORDER, units]
        for (dim, key), qty in per_line:
            for k in ((dim, key, day), ("product@month", key, month), ("product@year", key, year)) \
                    if dim == "product" else ((dim, key, day),):
                r = rows.setdefault(k, [0, 0, 0, 0, 0])
                r[2] += 1
                r[3] += 1
                r[4] += qty
        if self.sabotage == "kpi":
            rows[("total", "", day)][4] += 1
        self.many("kpi_daily", [(dim, d, key, *r) for (dim, key, d), r in sorted(rows.items())])
        return order_id

    def close(self) -> None:
        self.conn.close()


def _euros(cents: int) -> str:
    """Whole cents as the service prints a Decimal amount: str(Decimal(cents).scaleb(-2))."""
    return str(Decimal(cents).scaleb(-2))

