"""The invoice run against the invoiced history: how long finding what is still to bill takes as the history grows.

    python bench/invoice_run.py                         # SQLite and PostgreSQL, 0 to 20,000 invoiced shipments
    python bench/invoice_run.py --sizes 0 5000 --backends sqlite

One company (tests.factories: 3 warehouses, 3 SKUs, a customer), a shipment of three lines shipped and invoiced
through the services, then cloned as history: each clone a shipped shipment with its three lines and its own
invoice (three goods lines and the freight), as `invoice_shipment_in` writes them. At each history size a
weekly customer ships one new shipment through the services and its week ends; measured on the same database:

- **scan** (the baseline): the query the run used before the `invoiced` marker, each shipped line checked
  against the invoice lines (kept here verbatim as it was in services/invoicing.py);
- **marker**: the run's query today, `invoicing.customers_to_bill` (`shipment_lines.invoiced`, partial index
  ix_shipment_lines_uninvoiced);
- the whole `run_invoicing`, once with its two look-ups swapped for the scans (the run's query above and
  uninvoiced_goods as it was) and once as it is, each billing one new shipment of the weekly customer (checked:
  that shipment only). The history is that customer's own, so the per-customer look-up has it to read too.

Best of 5 per query, milliseconds; ratio scan / marker. PostgreSQL tables are ANALYZEd after cloning (as
autovacuum would); SQLite runs without statistics, as ordercare does.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import START, fresh_database, machine  # noqa: E402  (common puts the repository on sys.path)

from sqlalchemy import and_, exists, insert, select  # noqa: E402

from ordercare.clock import FixedClock  # noqa: E402
from ordercare.config import Settings  # noqa: E402
from ordercare.domain.access import SYSTEM  # noqa: E402
from ordercare.services import billing_setup, invoicing  # noqa: E402
from ordercare.store.billing_tables import invoice_lines, invoices  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.fulfilment_tables import shipment_lines, shipments  # noqa: E402
from ordercare.store.migrate import upgrade  # noqa: E402
from tests.factories import carriers, shipment_at, world  # noqa: E402

SKUS = ("SKU-A", "SKU-B", "SKU-C")
CHUNK = 500


def scan_pending(conn, through: date) -> list[int]:
    """The invoice run's query before the marker (services/invoicing.py as of main, 2026-12-02)."""
    billed = and_(invoice_lines.c.invoice_id == invoices.c.id, invoices.c.status != "cancelled")
    return conn.execute(select(shipments.c.customer_id).distinct().join(
        shipment_lines, shipment_lines.c.shipment_id == shipments.c.id).where(
        shipments.c.status.in_(invoicing.SHIPPED), shipment_lines.c.qty_shipped > 0,
        shipments.c.shipped_at < invoicing._midnight(through + timedelta(days=1)),
        ~exists().where(invoice_lines.c.shipment_line_id == shipment_lines.c.id, billed))
        .order_by(shipments.c.customer_id)).scalars().all()


def scan_goods(conn, customer_id: int, *, shipment_id=None, shipped_before=None, line_ids=None) -> list:
    """uninvoiced_goods before the marker (services/invoicing.py as of main, 2026-12-02): the customer's every
    shipped line checked against the invoice lines."""
    from ordercare.store.service_tables import no_charge_orders
    from ordercare.store.tables import order_lines, products
    billed = and_(invoice_lines.c.invoice_id == invoices.c.id, invoices.c.status != "cancelled")
    q = (select(shipment_lines.c.id, shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                shipment_lines.c.order_line_id, shipment_lines.c.product_id, shipment_lines.c.qty_shipped,
                order_lines.c.unit_price, products.c.sku, products.c.name, shipments.c.shipped_at)
         .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
         .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
         .join(products, products.c.id == shipment_lines.c.product_id)
         .where(shipments.c.customer_id == customer_id, shipments.c.status.in_(invoicing.SHIPPED),
                shipment_lines.c.qty_shipped > 0,
                ~exists().where(invoice_lines.c.shipment_line_id == shipment_lines.c.id, billed),
                ~exists().where(no_charge_orders.c.order_id == shipment_lines.c.order_id)))
    if shipment_id is not None:
        q = q.where(shipments.c.id == shipment_id)
    if shipped_before is not None:
        q = q.where(shipments.c.shipped_at < invoicing._midnight(shipped_before))
    if line_ids is not None:
        q = q.where(shipment_lines.c.id.in_(sorted(line_ids)))
    return conn.execute(q.order_by(shipment_lines.c.shipment_id, shipment_lines.c.order_id,
                                   order_lines.c.line_no, shipment_lines.c.id)).all()


@contextmanager
def scanning():
    """The invoice run as it was: its two look-ups swapped for the scans above (issuing is today's code)."""
    saved = invoicing.customers_to_bill, invoicing.uninvoiced_goods
    invoicing.customers_to_bill, invoicing.uninvoiced_goods = scan_pending, scan_goods
    try:
        yield
    finally:
        invoicing.customers_to_bill, invoicing.uninvoiced_goods = saved


def company(url: str) -> tuple[SimpleNamespace, int]:
    engine = make_engine(url)
    upgrade(engine)
    env = SimpleNamespace(uow=UnitOfWork(engine), clock=FixedClock(START), settings=Settings(database_url=url),
                          actor=SYSTEM)
    world(env, skus=SKUS, stock={("NEAR", s): 10**7 for s in SKUS})
    carriers(env)
    billing_setup.set_tax_rate(env.uow, env.actor, rate=Decimal("21"), name="standard")
    # CUST1's history: billed as it shipped (per shipment, the default); from now on CUST1 is billed weekly.
    template = shipment_at(env, "NEAR", [(s, 1) for s in SKUS], "shipped")
    billing_setup.set_billing(env.uow, env.clock, env.actor, "CUST1", invoicing="weekly", charge_freight=False)
    return env, template


def clone_history(env, template: int, n: int) -> None:
    """n more shipped, invoiced shipments like the template, each with its own invoice."""
    with env.uow.read() as c:
        ship = dict(c.execute(select(shipments).where(shipments.c.id == template)).one()._mapping)
        lines = [dict(r._mapping) for r in c.execute(select(shipment_lines).where(
            shipment_lines.c.shipment_id == template).order_by(shipment_lines.c.id))]
        inv_id = c.execute(select(invoice_lines.c.invoice_id).where(invoice_lines.c.shipment_id == template)
                           ).scalars().first()
        inv = dict(c.execute(select(invoices).where(invoices.c.id == inv_id)).one()._mapping)
        inv_lines = [dict(r._mapping) for r in c.execute(select(invoice_lines).where(
            invoice_lines.c.invoice_id == inv_id).order_by(invoice_lines.c.line_no))]
    for p in (ship, inv, *lines, *inv_lines):
        p.pop("id")
    for start in range(0, n, CHUNK):
        k = min(CHUNK, n - start)

        def work(c, k=k):
            sids = c.execute(insert(shipments).returning(shipments.c.id, sort_by_parameter_order=True),
                             [ship] * k).scalars().all()
            iids = c.execute(insert(invoices).returning(invoices.c.id, sort_by_parameter_order=True),
                             [inv] * k).scalars().all()
            line_rows = [{**ln, "shipment_id": s} for s in sids for ln in lines]
            lids = c.execute(insert(shipment_lines).returning(shipment_lines.c.id, sort_by_parameter_order=True),
                             line_rows).scalars().all()
            rows = []
            for j, (s, i) in enumerate(zip(sids, iids)):
                own = iter(lids[j * len(lines):(j + 1) * len(lines)])
                for il in inv_lines:
                    rows.append({**il, "invoice_id": i, "shipment_id": s,
                                 "shipment_line_id": next(own) if il["kind"] == "goods" else None})
            c.execute(insert(invoice_lines), rows)
        env.uow.run(work)


def best_ms(env, fn, through: date, reps: int = 5) -> tuple[float, list]:
    best, out = float("inf"), None
    for _ in range(reps):
        with env.uow.read() as c:
            t = time.perf_counter()
            out = fn(c, through)
            best = min(best, time.perf_counter() - t)
    return best * 1000, out


def timed_run(env, new: int) -> float:
    """One invoice run (it bills the week's one new shipment, and nothing else), in milliseconds."""
    t = time.perf_counter()
    issued = invoicing.run_invoicing(env.uow, env.clock, SYSTEM)
    whole = (time.perf_counter() - t) * 1000
    with env.uow.read() as c:
        billed = set(c.execute(select(invoice_lines.c.shipment_id).where(
            invoice_lines.c.invoice_id.in_(issued))).scalars())
    assert billed == {new}, billed
    return whole


def run(kind: str, sizes: list[int]) -> list[dict]:
    rows = []
    with fresh_database(kind) as url:
        env, template = company(url)
        history = 1
        for size in sizes:
            clone_history(env, template, size - history)
            history = max(history, size)
            if kind == "postgres":
                with env.uow.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("ANALYZE")
            new = shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
            env.clock.advance(days=7)
            through = env.clock.today()
            scan, before = best_ms(env, scan_pending, through)
            marker, after = best_ms(env, invoicing.customers_to_bill, through)
            assert before == after == [1], (before, after)
            with scanning():
                run_scan = timed_run(env, new)
            new = shipment_at(env, "NEAR", [("SKU-A", 2)], "shipped")
            env.clock.advance(days=7)
            run_marker = timed_run(env, new)
            rows.append({"backend": kind, "invoiced shipments": history, "scan ms": scan, "marker ms": marker,
                         "run scan ms": run_scan, "run marker ms": run_marker})
            print(f"{kind:8} {history:>7,} invoiced shipments: query scan {scan:7.2f} ms, marker {marker:5.2f} ms, "
                  f"ratio {scan / marker:6.1f}; run_invoicing scan {run_scan:7.1f} ms, marker {run_marker:6.1f} ms, "
                  f"ratio {run_scan / run_marker:5.1f}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 1000, 5000, 20000])
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = ap.parse_args()
    print(machine())
    for kind in args.backends:
        run(kind, sorted(args.sizes))


if __name__ == "__main__":
    main()
