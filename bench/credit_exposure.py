"""The credit-exposure statement of the order-placement hot path, before and after billing.

Before billing: receivables + the total of every open order. After: receivables + open orders less the goods
value already invoiced (LEFT JOIN order_invoicing), so an invoiced order is not counted twice. Both are one
prebuilt statement; this times each, through SQLAlchemy as the service runs it, for customers with H orders
in open-for-credit statuses (half of them invoiced), and checks that the new one gives the expected figure.

    python bench/credit_exposure.py [--backend sqlite|postgres|both] [--history 20 200] [--runs 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, seed  # noqa: E402

CUSTOMERS = 20


def _statements():
    from sqlalchemy import bindparam, func, select

    from ordercare.domain.orders import OPEN_FOR_CREDIT
    from ordercare.services.orders import _EXPOSURE
    from ordercare.store.tables import orders, receivables

    before = select(
        select(func.coalesce(func.sum(receivables.c.amount), 0))
        .where(receivables.c.customer_id == bindparam("cid")).scalar_subquery(),
        select(func.coalesce(func.sum(orders.c.total_amount), 0))
        .where(orders.c.customer_id == bindparam("cid"), orders.c.status.in_([str(s) for s in OPEN_FOR_CREDIT]))
        .scalar_subquery())
    return before, _EXPOSURE


def _history(conn, customer_ids: list[int], per_customer: int) -> None:
    """Delivered orders of 100.00 each; every second one invoiced (order_invoicing) and in the ledger."""
    from sqlalchemy import insert, select

    from ordercare.store.billing_tables import order_invoicing
    from ordercare.store.tables import orders, receivables, ship_tos
    now = datetime(2026, 3, 1, tzinfo=UTC)
    for cid in customer_ids:
        ship_to = conn.execute(select(ship_tos.c.id).where(ship_tos.c.customer_id == cid).limit(1)).scalar_one()
        for n in range(per_customer):
            oid = conn.execute(insert(orders).values(
                customer_id=cid, ship_to_id=ship_to, channel="api", status="delivered", credit_hold=False,
                ship_complete=False, priority=2, currency="EUR", total_amount=100, created_at=now,
                created_by="bench").returning(orders.c.id)).scalar_one()
            if n % 2:
                conn.execute(insert(order_invoicing).values(order_id=oid, invoiced_amount=100))
                conn.execute(insert(receivables).values(customer_id=cid, kind="invoice", ref=f"B-{oid}",
                                                        amount=121, posted_on=now.date()))


def run(kind: str, history: int, runs: int) -> dict:
    from sqlalchemy import select

    from ordercare.store.db import make_engine
    from ordercare.store.tables import customers
    before, after = _statements()
    with fresh_database(kind) as url:
        seed(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            ids = conn.execute(select(customers.c.id).order_by(customers.c.id).limit(CUSTOMERS)).scalars().all()
            _history(conn, ids, history)
        timings = {"before": [], "after": []}
        with engine.connect() as conn:
            ar, open_orders = conn.execute(after, {"cid": ids[0]}).one()
            assert (ar, open_orders) == (121 * (history // 2), 100 * (history - history // 2)), (ar, open_orders)
            for rep in range(runs):
                cid = ids[rep % len(ids)]
                for name, stmt in (("before", before), ("after", after))[::1 if rep % 2 else -1]:
                    t0 = time.perf_counter()
                    conn.execute(stmt, {"cid": cid}).one()
                    timings[name].append(time.perf_counter() - t0)
        engine.dispose()
    med = {k: statistics.median(v) * 1e6 for k, v in timings.items()}
    return {"backend": kind, "history": history, "before_us": med["before"], "after_us": med["after"],
            "ratio": med["after"] / med["before"]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--history", type=int, nargs="+", default=[20, 200], help="open orders per customer")
    ap.add_argument("--runs", type=int, default=2000)
    args = ap.parse_args(argv)
    for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        for h in args.history:
            r = run(kind, h, args.runs)
            print(f"{kind:9s} {h:4d} open orders/customer: before {r['before_us']:7.1f} µs  after "
                  f"{r['after_us']:7.1f} µs  after/before {r['ratio']:.2f}")


if __name__ == "__main__":
    main()
