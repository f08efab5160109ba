"""Simulation speed: simulated days per second for the simulator's distributor (ordercare.sim) on SQLite.

    python bench/simulation.py                    # 300 customers, 2,000 SKUs, 5 days: batched vs one at a time
    python bench/simulation.py --days 20          # longer runs, steadier figures
    python bench/simulation.py --year             # the target: 365 days, batched only (about 50,000 orders)

Two runs of the same scenario (same seed, same company, from a Monday in March), each on a fresh database:

- **batched**: the simulator as it is - a warehouse's afternoon confirms its whole pick list, rates, ships and
  hands over its shipments with one service call each (picking.confirm_pick_list, transport.rate_shipments,
  shipping.ship_shipments, shipping.deliver_shipments);
- **one at a time** (the baseline): the same afternoon through the one-shipment services (confirm_picks,
  rate_shipment, ship, deliver) in a loop, one transaction per shipment, as the demo did before the batch
  services existed. Everything else (orders, purchasing, cases, billing) is the same code in both runs; both
  hold the measures' refreshes through a simulated day and make them once at midnight (sim/run.py).

Reported: simulated days per second after the company's set-up (wall and CPU seconds: the machine is shared,
and SQLite runs in this process, so CPU seconds are the steadier measure), orders per second, where the
time went (seconds per kind of agenda item), and the year extrapolated from the per-day rate. Every run ends
with the invariant checker (`ordercare check`'s services.invariants) on its database: a fast wrong run fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from pathlib import Path
from time import process_time

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, machine

START = date(2026, 3, 2)  # a Monday in an ordinary month (January starts with the quiet holiday week)


@contextmanager
def one_at_a_time():
    """Swap the simulator's batch calls for loops over the one-shipment services (the baseline)."""
    from ordercare.domain.errors import DomainError
    from ordercare.services import picking, shipping, transport
    from ordercare.sim import warehouse as sim_warehouse
    from ordercare.store.fulfilment_tables import shipment_lines, shipments
    from sqlalchemy import select

    def confirm_pick_list(uow, clock, settings, actor, pick_list_id, shorts=None):
        short = {s.line_id: s for s in shorts or []}
        with uow.read() as conn:
            rows = conn.execute(select(shipment_lines.c.shipment_id, shipment_lines.c.id, shipment_lines.c.qty)
                                .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                                .where(shipments.c.pick_list_id == pick_list_id, shipments.c.status == "picking",
                                       shipment_lines.c.qty_picked.is_(None))
                                .order_by(shipment_lines.c.shipment_id, shipment_lines.c.id)).all()
        per: dict[int, list] = {}
        for sid, line_id, qty in rows:
            per.setdefault(sid, []).append(short.get(line_id) or picking.PickConfirmation(line_id, qty))
        for sid, picks in per.items():
            picking.confirm_picks(uow, clock, settings, actor, sid, picks)

    def rate_shipments(uow, actor, ids):
        for sid in ids:
            try:
                transport.rate_shipment(uow, actor, sid)
            except DomainError:
                pass
        return {"rated": [], "not_rated": []}

    def ship_shipments(uow, clock, settings, actor, ids):
        out = {"shipped": [], "not_shipped": [], "held": []}
        for sid in ids:
            try:
                out["shipped"].append(shipping.ship(uow, clock, settings, actor, sid))
            except DomainError as exc:
                out["not_shipped"].append({"shipment_id": sid, "code": exc.code})
        return out

    def deliver_shipments(uow, clock, actor, proofs):
        return [shipping.deliver(uow, clock, actor, p.shipment_id, received_by=p.received_by,
                                 exceptions=p.exceptions) for p in proofs]

    swaps = [(picking, "confirm_pick_list", confirm_pick_list), (transport, "rate_shipments", rate_shipments),
             (shipping, "ship_shipments", ship_shipments), (shipping, "deliver_shipments", deliver_shipments)]
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in swaps]
    assert sim_warehouse.picking is picking and sim_warehouse.shipping is shipping  # the simulator calls these
    try:
        for mod, name, fn in swaps:
            setattr(mod, name, fn)
        yield
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)


def run_once(days: int, customers: int, skus: int, seed: int, *, batched: bool) -> dict:
    from ordercare.clock import FixedClock
    from ordercare.config import Settings
    from ordercare.domain.access import SYSTEM
    from ordercare.services.invariants import run_checks
    from ordercare.sim.run import simulate
    from ordercare.sim.scenario import Scenario
    from ordercare.store.db import UnitOfWork, make_engine
    from ordercare.store.migrate import upgrade

    scenario = Scenario(days=days, customers=customers, skus=skus, seed=seed, start=START)
    day_ends: list[float] = []  # process CPU at the end of each simulated day (the set-up comes before day 1)

    def progress(step: str, done: int, _total: int) -> None:
        if step == "simulated days":
            day_ends.append(process_time())

    with fresh_database("sqlite") as url:
        engine = make_engine(url)
        upgrade(engine)
        uow = UnitOfWork(engine)
        if batched:
            summary = simulate(uow, Settings(database_url=url), scenario, progress=progress)
        else:
            with one_at_a_time():
                summary = simulate(uow, Settings(database_url=url), scenario, progress=progress)
        clock = FixedClock(datetime.combine(scenario.end, time(6), tzinfo=timezone.utc))
        report = run_checks(uow, clock, SYSTEM)
        engine.dispose()
    if not report["ok"]:
        raise SystemExit(f"invariants broken after the simulation: {report['violations'][:5]}")
    out = summary.as_dict()
    run_s = summary.seconds - summary.setup_seconds
    cpu_s = summary.cpu_seconds - summary.setup_cpu_seconds
    out |= {"mode": "batched" if batched else "one at a time", "run_seconds": round(run_s, 2),
            "run_cpu_seconds": round(cpu_s, 2), "days_per_s": days / run_s, "days_per_cpu_s": days / cpu_s,
            "orders_per_s": summary.orders / run_s, "year_minutes": 365 / (days / run_s) / 60,
            "year_cpu_minutes": 365 / (days / cpu_s) / 60, "cpu_per_day_by_month": _by_month(day_ends)}
    return out


def _by_month(day_ends: list[float]) -> list[float]:
    """CPU seconds per simulated day, averaged over each 30 days: a cost growing with the history shows here."""
    per_day = [b - a for a, b in zip(day_ends, day_ends[1:])]
    return [round(sum(per_day[i:i + 30]) / len(per_day[i:i + 30]), 2) for i in range(0, len(per_day), 30)]


def run(days: int = 5, customers: int = 300, skus: int = 2000, seed: int = 7, *, baseline: bool = True) -> dict:
    batched = run_once(days, customers, skus, seed, batched=True)
    result = {"days": days, "customers": customers, "skus": skus, "batched": batched}
    if baseline:
        single = run_once(days, customers, skus, seed, batched=False)
        result["one_at_a_time"] = single
        result["ratio"] = batched["days_per_s"] / single["days_per_s"]
        result["cpu_ratio"] = batched["days_per_cpu_s"] / single["days_per_cpu_s"]
    return result


def render(r: dict) -> list[str]:
    out = [f"## Simulation speed ({r['customers']} customers, {r['skus']} SKUs, {r['days']} days from {START}, SQLite)",
           "", "| run | orders | set-up s | run s wall / CPU | days/s wall / CPU | orders/s (wall) "
           "| a year at this rate, wall / CPU |", "|---|---:|---:|---:|---:|---:|---:|"]
    for key in ("batched", "one_at_a_time"):
        if key in r:
            b = r[key]
            out.append(f"| {b['mode']} | {b['tally'].get('orders', 0)} | {b['setup_seconds']:.1f} | "
                       f"{b['run_seconds']:.1f} / {b['run_cpu_seconds']:.1f} | {b['days_per_s']:.3f} / "
                       f"{b['days_per_cpu_s']:.3f} | {b['orders_per_s']:.1f} | {b['year_minutes']:.0f} / "
                       f"{b['year_cpu_minutes']:.0f} min |")
    if "ratio" in r:
        out += ["", f"batched / one at a time, days per second: **{r['ratio']:.2f}** wall, "
                f"**{r['cpu_ratio']:.2f}** CPU"]
    kinds = r["batched"]["seconds_by_kind"]
    total = sum(kinds.values()) or 1
    out += ["", "Where the batched run's time went (wall seconds per kind of agenda item): " + ", ".join(
        f"{k} {v:.1f} ({v / total:.0%})" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]), ""]
    months = r["batched"]["cpu_per_day_by_month"]
    if len(months) > 1:
        out += ["CPU seconds per simulated day, by 30 days: " + ", ".join(f"{m:.2f}" for m in months), ""]
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--skus", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--year", action="store_true", help="365 days, batched only (the 5-minute target)")
    args = ap.parse_args(argv)
    days = 365 if args.year else args.days
    r = run(days, args.customers, args.skus, args.seed, baseline=not args.year)
    print(json.dumps({"machine": machine(), **r}, indent=2, default=str))
    print("\n".join(render(r)))


if __name__ == "__main__":
    main()
