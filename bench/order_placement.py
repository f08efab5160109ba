"""Order placement throughput: the service layer against raw SQL writing the same rows.

One client places orders one after another (5 lines, 3 warehouses, stock reserved, events, outbox messages and
the measures written) on a fresh, seeded database:

- service: ``ordercare.services.orders.place_order`` (unit of work, domain rules, store/prepared.py statements);
- raw: bench/raw_placement.py, the same statements with sqlite3 / psycopg directly and the least Python that
  gives the same rows (17 on SQLite, 18 on PostgreSQL, BEGIN/COMMIT aside).

Both run in the same process, on the same database, interleaved in blocks of BLOCK orders (the side that goes
first alternates), after a warm-up (during which both sides count the statements they send; the service's counter is an engine
event listener, so it is removed before the timed part: production has none). Each side's time is measured as CPU time of this process
(time.process_time) and as wall time. SQLite works inside the process, so its CPU time is the whole cost and is
steady on a loaded machine: it is the figure reported for SQLite. On PostgreSQL the server's work and the round
trips are outside this process: wall time is reported. orders/s is the median over the repetitions. Afterwards
the concurrency tests' invariant checker must find the books balanced.

    python bench/order_placement.py [--backend sqlite|postgres|both] [--orders 300] [--reps 5]
    python bench/order_placement.py --profile sqlite      # cProfile of the service path
    python bench/order_placement.py --verify              # both sides write identical rows?
    python bench/order_placement.py --verify --sabotage kpi   # negative control: must report mismatches
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import START, Seeded, check_books, fresh_database, seed, workload
from raw_placement import RawPlacer

BLOCK = 25  # orders per block; the two sides alternate block by block
HEADLINE = {"sqlite": "cpu", "postgres": "wall"}  # which time the ratio is reported on (see above)


# --------------------------------------------------------------------------------------------- service

class ServicePlacer:
    def __init__(self, url: str):
        from ordercare.clock import FixedClock
        from ordercare.config import Settings
        from ordercare.domain.access import SYSTEM
        from ordercare.store.db import UnitOfWork, make_engine

        self.engine = make_engine(url)
        self.uow, self.clock = UnitOfWork(self.engine), FixedClock(START)
        self.settings, self.actor = Settings(database_url=url), SYSTEM
        self.statements = 0

        def _count(_conn, _cursor, statement, *_args):
            if not statement.startswith("BEGIN"):  # transaction control is not counted on either side
                self.statements += 1
        self._count = _count
        self.counting(True)

    def counting(self, on: bool) -> None:
        """Count the statements sent (an engine event listener: measuring apparatus, off while timed)."""
        from sqlalchemy import event

        (event.listen if on else event.remove)(self.engine, "before_cursor_execute", self._count)

    def place(self, customer: str, lines: list[tuple[str, int]]) -> int:
        from ordercare.domain.orders import Channel, RequestedLine
        from ordercare.services.intake import OrderRequest
        from ordercare.services.orders import place_order

        req = OrderRequest(customer=customer, channel=Channel.API,
                           lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])
        return place_order(self.uow, self.clock, self.settings, self.actor, req)[0]

    def close(self) -> None:
        self.engine.dispose()


# --------------------------------------------------------------------------------------------- the run

def _spend(placer, orders, spent: list[float]) -> None:
    """Place the orders; add the wall and CPU seconds they took to spent."""
    w0, c0 = time.perf_counter(), time.process_time()
    for customer, lines in orders:
        placer.place(customer, lines)
    spent[0] += time.perf_counter() - w0
    spent[1] += time.process_time() - c0


def run(kind: str, *, orders: int = 300, reps: int = 5, warmup: int = 50) -> dict:
    with fresh_database(kind) as url:
        seeded: Seeded = seed(url)
        service, raw = ServicePlacer(url), RawPlacer(url)
        try:
            for placer, s in ((service, 1), (raw, 2)):  # warm-up, with the statements counted on both sides
                for customer, lines in workload(seeded, warmup, s):
                    placer.place(customer, lines)
            stmts = {"service": service.statements / warmup, "raw": raw.statements / warmup}
            service.counting(False)  # the service is timed without the counting listener (production has none)
            rates = {(side, m): [] for side in ("service", "raw") for m in ("wall", "cpu")}
            for rep in range(reps):
                work = {"service": workload(seeded, orders, 1000 * rep + 7),
                        "raw": workload(seeded, orders, 1000 * rep + 3)}
                spent = {"service": [0.0, 0.0], "raw": [0.0, 0.0]}
                for b, at in enumerate(range(0, orders, BLOCK)):
                    pair = [("service", service), ("raw", raw)]
                    for name, placer in pair if (b + rep) % 2 == 0 else pair[::-1]:
                        _spend(placer, work[name][at:at + BLOCK], spent[name])
                for side, (wall, cpu) in spent.items():
                    rates[(side, "wall")].append(orders / wall)
                    rates[(side, "cpu")].append(orders / cpu)
        finally:
            service.close()
            raw.close()
        violations = check_books(url)
        if violations:
            raise AssertionError(f"{kind}: the books do not balance after the benchmark: {violations[:5]}")
    med = {k: statistics.median(v) for k, v in rates.items()}
    head = HEADLINE[kind]
    return {"backend": kind, "orders_per_rep": orders, "reps": reps, "warmup": warmup, "block": BLOCK,
            "measure": head, "service_ops": med[("service", head)], "raw_ops": med[("raw", head)],
            "ratio": med[("service", head)] / med[("raw", head)],
            "service_runs": rates[("service", head)], "raw_runs": rates[("raw", head)],
            "by_measure": {m: {"service": med[("service", m)], "raw": med[("raw", m)],
                               "ratio": med[("service", m)] / med[("raw", m)]} for m in ("wall", "cpu")},
            "statements_per_order": stmts}


def verify_same_rows(kind: str, n: int = 30, sabotage: str | None = None) -> int:
    """Place the same orders both ways and compare every row they write (ids aside). Returns mismatches.

    Each side gets its own database, seeded the same way, so that each order sees the same state (on one
    database the second side's order would count the first one's in its credit exposure). The customers
    with a credit limit get a limit of 0.01 EUR here, so both paths are compared: their orders go on
    credit hold (about a third), the others are allocated. The daily summaries are compared whole after each
    order. `sabotage` makes the raw side write one thing wrong (the negative control)."""
    from sqlalchemy import create_engine, text

    from ordercare.metrics.counters import COUNTERS
    from ordercare.metrics.facts import LINE_COLUMNS, ORDER_COLUMNS

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
        f"SELECT {', '.join(ORDER_COLUMNS[1:])} FROM order_facts WHERE order_id = :o",
        (f"SELECT l.line_no, {', '.join('f.' + c for c in LINE_COLUMNS[2:])} FROM line_facts f"
         " JOIN order_lines l ON l.id = f.order_line_id WHERE f.order_id = :o ORDER BY l.line_no"),
        f"SELECT dimension, day, slice_key, {', '.join(COUNTERS)} FROM kpi_daily ORDER BY dimension, day, slice_key",
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
        service, raw = ServicePlacer(url_s), RawPlacer(url_r, sabotage=sabotage)
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
        service.counting(False)
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
    ap.add_argument("--sabotage", choices=["stock", "facts", "kpi"],
                    help="with --verify: the raw side writes one thing wrong (must be reported)")
    args = ap.parse_args(argv)
    if args.verify:
        for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
            found = verify_same_rows(kind, sabotage=args.sabotage)
            print(f"{kind}: {found} mismatching row sets in 30 orders x 9 tables")
        return
    if args.profile:
        print(profile(args.profile, args.orders))
        return
    for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        r = run(kind, orders=args.orders, reps=args.reps)
        for m, x in r["by_measure"].items():
            print(f"{kind:9s} {m:4s} service {x['service']:7.1f} orders/s   raw {x['raw']:7.1f} orders/s   "
                  f"ratio {x['ratio']:.2f}{'  <- reported' if m == r['measure'] else ''}")
        print(f"{kind:9s} statements/order service {r['statements_per_order']['service']:.1f} "
              f"raw {r['statements_per_order']['raw']:.1f}")


if __name__ == "__main__":
    main()
