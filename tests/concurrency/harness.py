"""The race harness: one scarce-stock world, many clients released at once, two ways to place an order.

- ``service_placer``: the real thing, ``services.orders.place_order`` on a unit of work.
- ``naive_placer``: a deliberately broken check-then-act reservation written here with plain
  SQL on the same tables (read free stock in one transaction, sleep, then write
  ``reserved = <value read> + qty`` and the allocation in another). It is the negative
  control: the same harness and the same checker must catch it.

Clients run as threads (``run_threads``) or as threads inside several spawned OS processes
(``run_processes``, SQLite): every client waits on one barrier, then all go at once.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, DateTime, Engine, Numeric, bindparam, text

SKU_A, SKU_B = "SKU-A", "SKU-B"
NEAREST_FIRST = ("NEAR", "MID", "FAR")  # the factories' warehouses, nearest to every customer first

Lines = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Scenario:
    stock: dict[tuple[str, str], int]  # (warehouse, sku) -> units on hand
    receipts: tuple[tuple[str, str, str, int], ...]  # (PO number, warehouse, sku, qty), due in 10 days
    customers: tuple[str, ...]
    orders: tuple[tuple[str, Lines], ...]  # (customer, lines)

    def supply(self, sku: str) -> int:
        return (sum(q for (_, s), q in self.stock.items() if s == sku)
                + sum(q for _, _, s, q in self.receipts if s == sku))

    def demand(self, sku: str) -> int:
        return sum(q for _, lines in self.orders for s, q in lines if s == sku)


def scarce_scenario(n_orders: int = 64, n_customers: int = 32, seed: int = 20260302) -> Scenario:
    """3 warehouses x 10 units of SKU-A and 3 x 4 of SKU-B, one receipt of each; demand far above supply.

    Orders have 1-3 units a line; some name SKU-A twice, some name both SKUs in either order
    (so transactions lock two products' rows, requested in both orders).
    """
    rnd = random.Random(seed)
    q = lambda: rnd.randint(1, 3)
    shapes = [
        lambda: ((SKU_A, q()), (SKU_A, q())),  # the same SKU on two lines
        lambda: ((SKU_A, q()), (SKU_B, q())),
        lambda: ((SKU_B, q()), (SKU_A, q())),
        lambda: ((SKU_B, q()),),
        lambda: ((SKU_A, q()),),
        lambda: ((SKU_A, q()), (SKU_B, q()), (SKU_A, q())),
    ]
    customers = tuple(f"C{i:02d}" for i in range(n_customers))
    orders = tuple((customers[i % n_customers], shapes[i % len(shapes)]()) for i in range(n_orders))
    stock = {(wh, SKU_A): 10 for wh in NEAREST_FIRST} | {(wh, SKU_B): 4 for wh in NEAREST_FIRST}
    sc = Scenario(stock, (("PO-A", "MID", SKU_A, 6), ("PO-B", "FAR", SKU_B, 4)), customers, orders)
    assert all(sc.demand(s) > sc.supply(s) for s in (SKU_A, SKU_B)), "the scenario must be scarce"
    return sc


def build_world(env, sc: Scenario) -> None:
    from tests.factories import purchase, world

    world(env, skus=(SKU_A, SKU_B), stock=sc.stock, customers=sc.customers)
    for number, wh, sku, qty in sc.receipts:
        purchase(env, number, wh, [(sku, qty)], days_out=10)


def assign(sc: Scenario, n_clients: int) -> list[list[tuple[int, str, Lines]]]:
    """Order i goes to client i % n_clients: (index, customer, lines)."""
    jobs: list[list[tuple[int, str, Lines]]] = [[] for _ in range(n_clients)]
    for i, (customer, lines) in enumerate(sc.orders):
        jobs[i % n_clients].append((i, customer, lines))
    return jobs


@dataclass(frozen=True)
class Outcome:
    client: int
    index: int  # the order's index in the scenario
    order_id: int | None
    error: str | None
    started: float = 0.0  # time.time() around the placing call (comparable across processes)
    ended: float = 0.0


def peak_in_flight(outcomes: list[Outcome]) -> int:
    """The most placing calls that were under way at one instant: proof that the clients overlapped."""
    edges = sorted([(o.started, 1) for o in outcomes] + [(o.ended, -1) for o in outcomes])
    peak = now = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


# ---------------------------------------------------------------------------------------------- placers

def service_placer(engine: Engine, at: datetime):
    """Place through the service layer: its own unit of work, clock and settings on this engine."""
    from ordercare.clock import FixedClock
    from ordercare.config import Settings
    from ordercare.domain.access import SYSTEM
    from ordercare.domain.orders import Channel, RequestedLine
    from ordercare.services.intake import OrderRequest
    from ordercare.services.orders import place_order
    from ordercare.store.db import UnitOfWork

    uow, clock = UnitOfWork(engine), FixedClock(at)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))

    def place(customer: str, lines: Lines) -> int:
        req = OrderRequest(customer=customer, channel=Channel.API,
                           lines=[RequestedLine(s, q, None, i) for i, (s, q) in enumerate(lines)])
        order_id, _ = place_order(uow, clock, settings, SYSTEM, req)
        return order_id

    return place


@dataclass(frozen=True)
class Refs:
    """Ids the naive placer needs, read once before the race."""

    warehouses: tuple[int, ...]  # nearest first
    products: dict[str, int]
    customers: dict[str, tuple[int, int]]  # code -> (customer id, default ship-to id)


def load_refs(engine: Engine) -> Refs:
    with engine.connect() as c:
        wh = dict(c.execute(text("SELECT code, id FROM warehouses")).all())
        products = dict(c.execute(text("SELECT sku, id FROM products")).all())
        customers = {r.code: (r.id, r.ship_to) for r in c.execute(text(
            "SELECT c.code, c.id, MIN(s.id) AS ship_to FROM customers c JOIN ship_tos s ON s.customer_id = c.id "
            "GROUP BY c.code, c.id"))}
    return Refs(tuple(wh[code] for code in NEAREST_FIRST), products, customers)


_TYPED = {"at": DateTime(timezone=True), "avail": Date(), "ship": Date(), "deliver": Date(),
          "total": Numeric(14, 2), "amount": Numeric(14, 2)}


def _sql(sql: str, *typed: str):
    return text(sql).bindparams(*[bindparam(name, type_=_TYPED[name]) for name in typed])


def naive_placer(engine: Engine, refs: Refs, at: datetime, pause: float = 0.05):
    """The broken way: check in one transaction, act on what was read in another."""
    today: date = at.date()

    def place(customer: str, lines: Lines) -> int:
        merged: dict[str, int] = {}
        for sku, qty in lines:
            merged[sku] = merged.get(sku, 0) + qty
        customer_id, ship_to_id = refs.customers[customer]
        # 1. Check: a plain SELECT of free stock (no lock), in its own short transaction.
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as c, c.begin():
            seen = {(r.warehouse_id, r.product_id): (r.on_hand, r.reserved) for r in c.execute(text(
                "SELECT warehouse_id, product_id, on_hand, reserved FROM stock"))}
        plan = []  # (sku, pid, qty, [(warehouse, take, reserved as read)])
        for sku, qty in merged.items():
            pid, need, takes = refs.products[sku], qty, []
            for wh in refs.warehouses:
                on_hand, reserved = seen.get((wh, pid), (0, 0))
                take = min(need, on_hand - reserved)
                if take > 0:
                    takes.append((wh, take, reserved))
                    need -= take
            plan.append((sku, pid, qty, takes))
        time.sleep(pause)  # widen the window between check and act
        # 2. Act on what was read.
        promised = sum(t for *_, takes in plan for _, t, _ in takes)
        ordered = sum(merged.values())
        status = "backordered" if promised == 0 else "partially_allocated" if promised < ordered else "allocated"
        total = Decimal("10.00") * ordered
        with engine.begin() as c:
            order_id = c.execute(_sql(
                "INSERT INTO orders (customer_id, ship_to_id, channel, status, credit_hold, ship_complete, priority,"
                " currency, total_amount, created_at, created_by) VALUES (:cust, :ship_to, 'api', :status, :no,"
                " :no, 2, 'EUR', :total, :at, 'naive') RETURNING id", "at", "total"),
                {"cust": customer_id, "ship_to": ship_to_id, "status": status, "no": False, "total": total,
                 "at": at}).scalar_one()
            line_ids = [c.execute(_sql(
                "INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, amount,"
                " qty_backordered) VALUES (:o, :n, :p, :q, 10, :amount, :back) RETURNING id", "amount"),
                {"o": order_id, "n": line_no, "p": pid, "q": qty, "amount": Decimal("10.00") * qty,
                 "back": qty - sum(t for _, t, _ in takes)}).scalar_one()
                for line_no, (sku, pid, qty, takes) in enumerate(plan, start=1)]
            # Rows written in one fixed order: the control is about check-then-act, not about deadlocks.
            for wh, pid, take, reserved_read in sorted((wh, pid, take, r) for _, pid, _, takes in plan
                                                       for wh, take, r in takes):
                c.execute(text("UPDATE stock SET reserved = :value WHERE warehouse_id = :w AND product_id = :p"),
                          {"value": reserved_read + take, "w": wh, "p": pid})
            for line_id, (sku, pid, qty, takes) in zip(line_ids, plan):
                for wh, take, _ in takes:
                    c.execute(_sql(
                        "INSERT INTO allocations (order_line_id, order_id, warehouse_id, product_id, receipt_id, qty,"
                        " available_date, ship_date, delivery_date, created_at) VALUES (:l, :o, :w, :p, NULL, :q,"
                        " :avail, :ship, :deliver, :at)", "avail", "ship", "deliver", "at"),
                        {"l": line_id, "o": order_id, "w": wh, "p": pid, "q": take, "avail": today,
                         "ship": today + timedelta(days=1), "deliver": today + timedelta(days=2), "at": at})
            c.execute(_sql("INSERT INTO order_events (order_id, at, actor, kind) VALUES (:o, :at, 'naive', 'placed')",
                           "at"), {"o": order_id, "at": at})
        return order_id

    return place


def make_placer(kind: str, engine: Engine, at: datetime, refs: Refs | None = None):
    if kind == "service":
        return service_placer(engine, at)
    if kind == "naive":
        assert refs is not None
        return naive_placer(engine, refs, at)
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------- runners

def _client(k: int, jobs, place, barrier, out: list[Outcome]) -> None:
    barrier.wait(timeout=60)
    for index, customer, lines in jobs:
        started = time.time()
        try:
            order_id, error = place(customer, lines), None
        except Exception as exc:  # noqa: BLE001 - every error is an outcome the test looks at
            order_id, error = None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        out.append(Outcome(k, index, order_id, error, started, time.time()))


def run_threads(place, jobs: list[list[tuple[int, str, Lines]]], *, barrier=None, first_client: int = 0,
                timeout: float = 120) -> list[Outcome]:
    """One thread per client; all wait on the barrier (one for all of them unless given), then go."""
    barrier = barrier or threading.Barrier(len(jobs))
    out: list[Outcome] = []
    threads = [threading.Thread(target=_client, args=(first_client + k, j, place, barrier, out), daemon=True)
               for k, j in enumerate(jobs)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        raise AssertionError(f"{len(stuck)} clients still running after {timeout} s")
    return out


def _process_main(url: str, kind: str, at: datetime, refs: Refs | None, jobs, first_client: int, barrier,
                  results) -> None:
    """Entry point of one spawned process: its own engine from the URL, its clients as threads."""
    from ordercare.store.db import make_engine

    engine = make_engine(url)
    try:
        out = run_threads(make_placer(kind, engine, at, refs), jobs, barrier=barrier, first_client=first_client)
    except BaseException as exc:  # noqa: BLE001 - report, never hang the parent
        out = [Outcome(first_client, -1, None, f"process failed: {exc!r}\n{traceback.format_exc()}")]
    finally:
        engine.dispose()
    results.put(out)


def run_processes(url: str, kind: str, at: datetime, jobs, *, processes: int, refs: Refs | None = None,
                  timeout: float = 120) -> list[Outcome]:
    """Clients spread over `processes` spawned OS processes, threads inside each; one barrier for all clients."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    results = ctx.Queue()
    per = -(-len(jobs) // processes)
    procs = []
    for p in range(processes):
        chunk = jobs[p * per:(p + 1) * per]
        if chunk:
            procs.append(ctx.Process(target=_process_main, daemon=True,
                                     args=(url, kind, at, refs, chunk, p * per, barrier, results)))
    for pr in procs:
        pr.start()
    out: list[Outcome] = []
    deadline = time.monotonic() + timeout
    try:
        for _ in procs:
            out.extend(results.get(timeout=max(0.1, deadline - time.monotonic())))
    finally:
        for pr in procs:
            pr.join(timeout=10)
            if pr.is_alive():
                pr.terminate()
    return out


# ---------------------------------------------------------------------------------------------- reading back

def serial_replay_errors(conn, sc: Scenario) -> list[str]:
    """Walk the orders of each SKU in id order: each must have got min(its qty, what was left).

    Orders sharing a SKU are serialised by that SKU's locks, and the id is drawn while they are
    held, so id order is the order they took supply in (SQLite: writers are serial anyway).
    Every receipt is inside the promise horizon, so what is left is stock plus receipts.
    """
    errors = []
    for sku in (SKU_A, SKU_B):
        left = sc.supply(sku)
        rows = conn.execute(text(
            "SELECT l.order_id, l.qty, l.qty_backordered FROM order_lines l JOIN products p ON p.id = l.product_id"
            " WHERE p.sku = :sku ORDER BY l.order_id"), {"sku": sku}).all()
        for r in rows:
            want = min(r.qty, left)
            got = r.qty - r.qty_backordered
            if got != want:
                errors.append(f"{sku} order {r.order_id}: got {got} of {r.qty} units with {left} left")
            left -= got
    return errors


def event_errors(conn) -> list[str]:
    """Each order's timeline: one 'placed', one status change from 'new' to its status, 'backordered' iff short."""
    errors = []
    orders = conn.execute(text(
        "SELECT o.id, o.status, SUM(l.qty_backordered) AS short FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " GROUP BY o.id, o.status ORDER BY o.id")).all()
    events: dict[int, list] = {}
    for e in conn.execute(text("SELECT order_id, kind, from_status, to_status FROM order_events ORDER BY id")):
        events.setdefault(e.order_id, []).append((e.kind, e.from_status, e.to_status))
    for o in orders:
        kinds = [k for k, _, _ in events.get(o.id, [])]
        changes = [(f, t) for k, f, t in events.get(o.id, []) if k == "status_changed"]
        if kinds.count("placed") != 1:
            errors.append(f"order {o.id}: {kinds.count('placed')} 'placed' events")
        if changes != [("new", o.status)]:
            errors.append(f"order {o.id} ({o.status}): status changes {changes}")
        if (kinds.count("backordered") == 1) != bool(o.short) or kinds.count("backordered") > 1:
            errors.append(f"order {o.id}: {kinds.count('backordered')} 'backordered' events, {o.short} units short")
    return errors


def race_report(engine: Engine, sc: Scenario, outcomes: list[Outcome]) -> dict:
    """Everything a race test asserts on, gathered in one place (and printed on failure)."""
    from .checker import check_invariants, supply_totals

    with engine.connect() as c:
        statuses = dict(c.execute(text("SELECT id, status FROM orders")).all())
        return {
            "errors": [o for o in outcomes if o.error],
            "placed": sorted(o.order_id for o in outcomes if o.order_id is not None),
            "violations": check_invariants(c),
            "totals": supply_totals(c),
            "replay": serial_replay_errors(c, sc),
            "events": event_errors(c),
            "statuses": statuses,
            "peak_in_flight": peak_in_flight(outcomes),
        }
