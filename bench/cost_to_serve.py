"""Cost-to-serve and the profitability matrix for every customer over a year of ~50,000 orders, against a baseline
that reads the same records row by row and sums them per customer in Python.

    python bench/cost_to_serve.py --backend sqlite --orders 50000
    python bench/cost_to_serve.py --backend both --orders 50000 --reps 3

The records are generated with a seeded RNG straight into the tables (orders, lines, quotes, shipments with
freight, credit holds, invoices and payments, returns, cases): building 50,000 orders through the services
would take the better part of an hour and is not what is measured. Timed: `cost_to_serve_report` (every
customer, the whole year) and `profitability_report` (the year and the year before, zones, recommendations).
The baseline computes order entry by channel, lines picked, shipments, freight and money-days outstanding by
fetching every row; both answers are compared customer by customer before any time is reported. Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from ordercare.clock import FixedClock  # noqa: E402
from ordercare.domain.access import SYSTEM  # noqa: E402
from ordercare.services.cost_to_serve import cost_to_serve_report  # noqa: E402
from ordercare.services.profitability import profitability_report  # noqa: E402
from ordercare.store.billing_tables import applications, invoices  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.fulfilment_tables import shipment_lines, shipments  # noqa: E402
from ordercare.store.migrate import upgrade  # noqa: E402
from ordercare.store.service_tables import case_events, cases, recovery_actions, return_events, returns  # noqa: E402
from ordercare.store.tables import (  # noqa: E402
    customers,
    order_events,
    order_lines,
    orders,
    products,
    quotes,
    ship_tos,
    warehouses,
)

FIRST = date(2025, 1, 1)
LAST = date(2025, 12, 31)
CHANNELS = ["desk", "phone", "web", "portal", "api", "file", "edi"]
D = Decimal


def _ts(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def generate(uow: UnitOfWork, n_orders: int, n_customers: int = 500, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = _ts(FIRST)
    days = (LAST - FIRST).days + 1

    def batch(conn, table, rows):
        for i in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[i:i + 5000])

    def work(conn):
        batch(conn, warehouses, [{"id": 1, "code": "RTM", "name": "Rotterdam", "region": "NL", "city": "Rotterdam",
                                  "lat": 51.9, "lon": 4.5, "handling_days": 1, "active": True}])
        batch(conn, products, [{"id": p, "sku": f"P{p:04d}", "name": f"Product {p}", "unit": "ea",
                                "weight_kg": D("1.5"), "volume_m3": D("0.01"), "list_price": D("20.00"),
                                "unit_cost": D("12.00"), "category": "", "needs_installation": False, "active": True}
                               for p in range(1, 201)])
        pkgs = ["A", "B", "C"]
        batch(conn, customers, [{"id": c, "code": f"C{c:04d}", "name": f"Customer {c}", "kind": "external",
                                 "active": True, "segment": pkgs[c % 3], "service_package": pkgs[c % 3],
                                 "sourcing_policy": "nearest", "ship_complete": False, "created_at": now}
                                for c in range(1, n_customers + 1)])
        batch(conn, ship_tos, [{"id": c, "customer_id": c, "code": "MAIN", "name": "Main", "city": "X",
                                "country": "NL", "lat": 52.0, "lon": 5.0, "is_default": True}
                               for c in range(1, n_customers + 1)])
        o_rows, l_rows, s_rows, sl_rows, ev_rows, inv_rows, app_rows, q_rows = [], [], [], [], [], [], [], []
        line_id = 0
        for o in range(1, n_orders + 1):
            c = 1 + int(rng.paretovariate(1.2)) % n_customers  # a few big customers, many small
            day = FIRST + timedelta(days=rng.randrange(days))
            n_lines = rng.randint(1, 6)
            total = D(0)
            for k in range(n_lines):
                line_id += 1
                qty = rng.randint(1, 10)
                amount = D("19.00") * qty
                total += amount
                l_rows.append({"id": line_id, "order_id": o, "line_no": k + 1, "product_id": rng.randint(1, 200),
                               "qty": qty, "unit_price": D("19.00"), "amount": amount, "qty_backordered": 0,
                               "qty_shipped": qty, "qty_delivered": qty,
                               "requested_date": day + timedelta(days=rng.randint(1, 10)) if k == 0 and
                               rng.random() < 0.3 else None})
                sl_rows.append({"shipment_id": o, "order_id": o, "order_line_id": line_id,
                                "product_id": l_rows[-1]["product_id"], "qty": qty, "qty_picked": qty,
                                "qty_shipped": qty, "qty_delivered": qty})
            o_rows.append({"id": o, "customer_id": c, "ship_to_id": c, "channel": rng.choice(CHANNELS),
                           "status": "delivered", "credit_hold": False, "ship_complete": False, "priority": 2,
                           "currency": "EUR", "total_amount": total, "created_at": _ts(day), "created_by": "bench"})
            ship_day = day + timedelta(days=1)
            s_rows.append({"id": o, "warehouse_id": 1, "customer_id": c, "ship_to_id": c,
                           "planned_ship_date": ship_day, "status": "delivered", "weight_kg": D("10"),
                           "volume_m3": D("0.1"), "distance_km": 100.0, "freight_cost": D(rng.randint(750, 9000)) / 100,
                           "shipped_at": _ts(ship_day, 15), "created_at": _ts(day)})
            if rng.random() < 0.02:
                ev_rows.append({"order_id": o, "at": _ts(day, 11), "actor": "bench", "kind": "status_changed",
                                "from_status": "new", "to_status": "credit_hold"})
            inv_rows.append({"id": o, "customer_id": c, "kind": "invoice", "status": "open", "issued_on": ship_day,
                             "due_on": ship_day + timedelta(days=30), "discount_until": ship_day + timedelta(days=10),
                             "discount_pct": D("2"), "terms": "2/10 net 30", "currency": "EUR", "net_amount": total,
                             "tax_amount": D(0), "total": total, "credited": D(0), "paid": D(0),
                             "discount_taken": D(0), "open_amount": total, "bill_to": {}, "dunning_level": 0,
                             "created_at": _ts(ship_day), "created_by": "bench"})
            if rng.random() < 0.85:
                early = rng.random() < 0.4
                paid_on = ship_day + timedelta(days=rng.randint(2, 10) if early else rng.randint(11, 60))
                disc = (total * D("0.02")).quantize(D("0.01")) if early else D(0)
                app_rows.append({"invoice_id": o, "credit_note_id": None, "payment_id": None, "amount": total - disc,
                                 "discount": disc, "applied_on": paid_on, "at": _ts(paid_on), "actor": "bench"})
            if rng.random() < 0.2:
                q_rows.append({"customer_id": c, "ship_to_id": c, "channel": rng.choice(CHANNELS), "status": "open",
                               "valid_until": day + timedelta(days=14), "currency": "EUR", "total_amount": total,
                               "created_at": _ts(day, 9), "created_by": "bench"})
        for table, rows in [(orders, o_rows), (order_lines, l_rows), (shipments, s_rows),
                            (shipment_lines, sl_rows), (order_events, ev_rows), (invoices, inv_rows), (quotes, q_rows)]:
            batch(conn, table, rows)
        # applications need a payment or a credit note: one payment per application is enough for the costing
        from ordercare.store.billing_tables import payments
        batch(conn, payments, [{"id": i + 1, "customer_id": o_rows[a["invoice_id"] - 1]["customer_id"],
                                "received_on": a["applied_on"], "amount": a["amount"], "currency": "EUR",
                                "method": "bank_transfer", "reference": f"B{i}", "unapplied": D(0), "refunded": D(0),
                                "status": "posted", "created_at": a["at"], "created_by": "bench"}
                               for i, a in enumerate(app_rows)])
        batch(conn, applications, [{**a, "payment_id": i + 1} for i, a in enumerate(app_rows)])
        case_rows, ce_rows, ra_rows, r_rows, re_rows = [], [], [], [], []
        for k in range(1, n_orders // 50 + 1):
            o = o_rows[rng.randrange(len(o_rows))]
            opened = o["created_at"] + timedelta(days=3)
            case_rows.append({"id": k, "customer_id": o["customer_id"], "channel": "phone", "priority": "normal",
                              "category": rng.choice(["late_delivery", "damaged_goods", "billing_error"]),
                              "status": "closed", "subject": "x", "queue": "general", "calendar_code": "STANDARD",
                              "first_response_minutes": 480, "resolution_minutes": 2400, "escalation": [],
                              "opened_at": opened, "created_by": "bench", "order_id": o["id"]})
            ce_rows += [{"case_id": k, "at": opened, "actor": "bench", "kind": kind}
                        for kind in ("logged", "note", "recovery")]
            ra_rows.append({"case_id": k, "kind": "goodwill", "cost": D("15.00"), "at": opened, "actor": "bench"})
            if k % 2:
                r_rows.append({"id": k, "customer_id": o["customer_id"], "order_id": o["id"], "status": "received",
                               "policy_code": "STANDARD", "channel": "portal", "requested_at": opened,
                               "requested_by": "bench"})
                re_rows.append({"return_id": k, "at": opened + timedelta(days=2), "actor": "bench",
                                "kind": "received"})
        for table, rows in [(cases, case_rows), (case_events, ce_rows), (recovery_actions, ra_rows),
                            (returns, r_rows), (return_events, re_rows)]:
            batch(conn, table, rows)

    uow.run(work)


def baseline(uow: UnitOfWork) -> dict[int, tuple]:
    """Row by row: orders by channel, lines picked, shipments and freight, money-days within the year."""
    lo, hi = _ts(FIRST, 0), _ts(LAST + timedelta(days=1), 0)
    out: dict[int, list] = defaultdict(lambda: [defaultdict(int), 0, 0, D(0), D(0)])
    period = (LAST - FIRST).days + 1

    def days_from(d: date) -> int:
        return period if d < FIRST else (LAST - d).days + 1

    with uow.read() as conn:
        for c, ch, at in conn.execute(select(orders.c.customer_id, orders.c.channel, orders.c.created_at)):
            if lo <= at < hi:
                out[c][0][ch] += 1
        ship = {}
        for sid, c, freight, at in conn.execute(select(shipments.c.id, shipments.c.customer_id,
                                                       shipments.c.freight_cost, shipments.c.shipped_at)):
            if at is not None and lo <= at < hi:
                ship[sid] = c
                out[c][2] += 1
                out[c][3] += freight or 0
        for sid, qty in conn.execute(select(shipment_lines.c.shipment_id, shipment_lines.c.qty_shipped)):
            if sid in ship and qty > 0:
                out[ship[sid]][1] += 1
        inv = {}
        for iid, c, total, issued, status in conn.execute(select(invoices.c.id, invoices.c.customer_id,
                                                                 invoices.c.total, invoices.c.issued_on,
                                                                 invoices.c.status)):
            if status != "cancelled" and issued <= LAST:
                inv[iid] = c
                out[c][4] += total * days_from(issued)
        for iid, amount, disc, on, rev in conn.execute(select(applications.c.invoice_id, applications.c.amount,
                                                              applications.c.discount, applications.c.applied_on,
                                                              applications.c.reversed_at)):
            if iid in inv and rev is None and on <= LAST:
                out[inv[iid]][4] -= (amount + disc) * days_from(on)
    return {c: (dict(v[0]), v[1], v[2], v[3], v[4]) for c, v in out.items()}


def check(report: dict, base: dict[int, tuple], uow: UnitOfWork) -> None:
    with uow.read() as conn:
        codes = dict(conn.execute(select(customers.c.code, customers.c.id)).all())
    got = {codes[i["customer"]]: (i["drivers"]["orders"], i["drivers"]["lines_picked"], i["drivers"]["shipments"],
                                  i["drivers"]["freight"], i["drivers"]["money_days"]) for i in report["items"]}
    want = {c: v for c, v in base.items() if v[0] or v[2] or v[4]}
    assert set(got) >= set(want), "customers missing from the report"
    for c, v in want.items():
        assert got[c] == v, (c, got[c], v)


def run(kind: str, n_orders: int, reps: int) -> dict:
    with fresh_database(kind) as url:
        engine = make_engine(url)
        upgrade(engine)
        uow = UnitOfWork(engine)
        t0 = time.perf_counter()
        generate(uow, n_orders)
        if kind == "postgres":  # fresh bulk-loaded tables: give the planner its statistics, as autovacuum would
            with engine.connect() as c:
                c.exec_driver_sql("ANALYZE")
                c.commit()
        setup = time.perf_counter() - t0
        clock = FixedClock(_ts(LAST + timedelta(days=1)))
        cts, cts_cpu, prof, base_t = [], [], [], []
        for _ in range(reps):
            t, cpu = time.perf_counter(), time.process_time()
            report = cost_to_serve_report(uow, clock, SYSTEM, date_from=FIRST, date_to=LAST)
            cts.append(time.perf_counter() - t)
            cts_cpu.append(time.process_time() - cpu)
            t = time.perf_counter()
            zones = profitability_report(uow, clock, SYSTEM, date_from=FIRST, date_to=LAST)
            prof.append(time.perf_counter() - t)
            t = time.perf_counter()
            base = baseline(uow)
            base_t.append(time.perf_counter() - t)
        check(report, base, uow)
        engine.dispose()
    med = statistics.median
    return {"backend": kind, "orders": n_orders, "customers": len(report["items"]), "setup_s": setup,
            "cost_to_serve_s": med(cts), "cost_to_serve_cpu_s": med(cts_cpu), "profitability_s": med(prof),
            "baseline_s": med(base_t),
            "ratio": med(base_t) / med(cts), "zones": {z["zone"]: z["customers"] for z in zones["zones"]},
            "reps": reps}


def render(costs: list[dict]) -> list[str]:
    """Markdown lines for bench/results/latest.md."""
    out = ["## Cost-to-serve and profitability against a row-by-row baseline", "",
           "| backend | orders | customers | cost-to-serve s | profitability s | row-by-row s | ratio |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in costs:
        out.append(f"| {r['backend']} | {r['orders']:,} | {r['customers']} | {r['cost_to_serve_s']:.2f} | "
                   f"{r['profitability_s']:.2f} | {r['baseline_s']:.2f} | **{r['ratio']:.1f}** |")
    return out + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    ap.add_argument("--orders", type=int, default=50_000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    kinds = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    for kind in kinds:
        r = run(kind, a.orders, a.reps)
        print(json.dumps(r, default=str))
        print(f"{kind}: {r['orders']} orders, {r['customers']} customers: cost-to-serve {r['cost_to_serve_s']:.2f} s "
              f"(CPU of this process {r['cost_to_serve_cpu_s']:.2f} s), profitability (two periods) "
              f"{r['profitability_s']:.2f} s; row-by-row baseline {r['baseline_s']:.2f} s (x{r['ratio']:.1f}); "
              f"setup {r['setup_s']:.0f} s")


if __name__ == "__main__":
    main()
