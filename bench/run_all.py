"""Run every benchmark once and write bench/results/latest.md (and latest.json): first a table of the ratios
(each measurement against its baseline, measured in the same run), then each benchmark's own table.

    python bench/run_all.py                 # short settings, both SQLite and PostgreSQL (at ORDERCARE_TEST_PG_URL)
    python bench/run_all.py --long          # the sizes bench/README.md reports (about half an hour more)
    python bench/run_all.py --backend sqlite

Not part of the test suite; nothing here asserts on timings. Each benchmark does check that the
books balance afterwards (the concurrency tests' invariant checker), so a fast wrong answer fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cost_to_serve
import http_orders
import inventory_policy
import kpi_report
import order_placement
import simulation
from common import PG_ADMIN_URL, machine, pg_version

RESULTS = Path(__file__).resolve().parent / "results"


def render(m: dict, placement: list[dict], http: list[dict]) -> str:
    out = [f"# Ordercare benchmarks — {m['when']}", "",
           (f"Machine: {m['nproc']} CPUs, {m['cpu']}; Python {m['python']}, SQLite {m['sqlite']}, "
            f"PostgreSQL {m.get('postgres', '?')}, SQLAlchemy {m['sqlalchemy']}."), "",
           "## Order placement (service layer vs raw SQL, one client, 5 lines, 3 warehouses)", "",
           ("| backend | time | service orders/s | raw SQL orders/s | service/raw | other time: ratio | target "
            "| statements/order (service/raw) | runs |"), "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in placement:
        other = "wall" if r["measure"] == "cpu" else "cpu"
        out.append(f"| {r['backend']} | {r['measure']} | {r['service_ops']:.0f} | {r['raw_ops']:.0f} "
                   f"| **{r['ratio']:.2f}** | {other}: {r['by_measure'][other]['ratio']:.2f} | >= 0.50 "
                   f"| {r['statements_per_order']['service']:.0f} / {r['statements_per_order']['raw']:.0f} "
                   f"| {r['reps']} x {r['orders_per_rep']} orders in blocks of {r['block']}, median |")
    out += ["", "## POST /api/v1/orders over HTTP (uvicorn, 1 worker, loopback)", "",
            "| backend | clients | orders | seconds | orders/s | p50 ms | p95 ms | p99 ms | non-201 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in http:
        out.append(f"| {r['backend']} | {r['clients']} | {r['ok']} | {r['seconds']:.1f} | {r['throughput']:.1f} "
                   f"| {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['failures'] or 'none'} |")
    out += ["", "Raw per-repetition rates: " + "; ".join(
        f"{r['backend']} service {[round(x) for x in r['service_runs']]} raw {[round(x) for x in r['raw_runs']]}"
        for r in placement), ""]
    return "\n".join(out)


def ratios(placement, policy, kpis, costs, sim, year) -> list[str]:
    """One row per benchmark and backend: what is measured, its baseline, and the ratio (above 1: faster)."""
    out = ["", "## Ratios (each against its baseline, same run)", "",
           "| benchmark | backend | measured | baseline | ratio | reads as |", "|---|---|---|---|---:|---|"]
    for r in placement:
        out.append(f"| order placement, 1 client | {r['backend']} | service {r['service_ops']:.0f} orders/s | raw SQL "
                   f"{r['raw_ops']:.0f} orders/s | **{r['ratio']:.2f}** "
                   f"| service / raw, {r['measure']} time (target >= 0.5) |")
    for b in policy["baselines"]:
        if b["available"]:
            out.append(f"| inventory policy, {policy['skus']:,} SKUs | - | vectorised {policy['vectorised_us_per_sku']:.2f} "
                       f"us/SKU | {b['name']} {b['us_per_sku']:.0f} us/SKU | **{b['ratio']:.0f}** | loop / vectorised |")
    for r in kpis:
        out.append(f"| KPI report, {r['lines']:,} lines, slice {r['slice']} | {r['backend']} | {r['ours_s']:.3f} s "
                   f"| DuckDB {r['duckdb_s']:.3f} s | **{r['ratio']:.2f}** | ours / DuckDB (below 1: faster) |")
    for r in costs:
        out.append(f"| cost-to-serve, {r['orders']:,} orders | {r['backend']} | {r['cost_to_serve_s']:.2f} s | "
                   f"row-by-row {r['baseline_s']:.2f} s | **{r['ratio']:.1f}** | baseline / ours |")
    b = sim["batched"]
    out.append(f"| simulation, {sim['customers']} customers, {sim['skus']} SKUs, {sim['days']} days | sqlite | "
               f"batched {b['days_per_s']:.3f} days/s | one at a time {sim['one_at_a_time']['days_per_s']:.3f} days/s "
               f"| **{sim['ratio']:.2f}** | batched / one at a time (CPU: {sim['cpu_ratio']:.2f}) |")
    if year:
        y = year["batched"]
        out.append(f"| simulation, a year | sqlite | {y['run_seconds'] / 60:.1f} min ({y['tally'].get('orders', 0)} "
                   f"orders) | target 5 min | **{5 / (y['run_seconds'] / 60):.2f}** | target / measured |")
    return out + [""]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long", action="store_true", help="the reported sizes instead of the short smoke settings")
    ap.add_argument("--sim-year", action="store_true",
                    help="also simulate a whole year (300 customers, 2,000 SKUs, batched only; 20-30 minutes)")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--kpi-10m", action="store_true",
                    help="also the KPI report over 10 million order lines on PostgreSQL (about 30 minutes more)")
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    quick = not args.long
    orders, reps, requests = (100, 3, 150) if quick else (300, 5, 600)
    m = machine() | {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    if "postgres" in kinds:
        m["postgres"] = pg_version(PG_ADMIN_URL)
    t0 = time.monotonic()
    placement = []
    for kind in kinds:
        r = order_placement.run(kind, orders=orders, reps=reps)
        print(f"placement {kind} ({r['measure']} time): service {r['service_ops']:.0f}/s raw {r['raw_ops']:.0f}/s"
              f" ratio {r['ratio']:.2f}", flush=True)
        placement.append(r)
    http = []
    for kind in kinds:
        r = http_orders.run(kind, clients=8, requests=requests, seconds=60)
        print(f"http {kind}: {r['throughput']:.1f} orders/s p50 {r['p50']:.1f} p95 {r['p95']:.1f} p99 {r['p99']:.1f} ms"
              f" failures {r['failures'] or 0}", flush=True)
        http.append(r)
    RESULTS.mkdir(exist_ok=True)
    policy = inventory_policy.run(skus=20_000 if quick else 100_000, sample=200 if quick else 1_000)
    print(f"inventory policy: {policy['skus']} SKUs in {policy['vectorised_s']:.2f} s", flush=True)
    kpis = [r for kind in kinds for r in kpi_report.run(kind, 100_000 if quick else 1_000_000,
                                                          ["segment", "customer", "product"], 3)]
    if args.kpi_10m:
        kpis += kpi_report.run("postgres", 10_000_000, ["segment", "customer", "product"], 3)
    costs = [cost_to_serve.run(kind, 5_000 if quick else 50_000, 1 if quick else 3) for kind in kinds]
    sim = simulation.run(days=3 if quick else 20)
    print(f"simulation: batched {sim['batched']['days_per_s']:.3f} days/s, ratio {sim['ratio']:.2f}", flush=True)
    year = simulation.run(days=365, baseline=False) if args.sim_year else None
    md = "\n".join([render(m, placement, http), *ratios(placement, policy, kpis, costs, sim, year),
                    *inventory_policy.render(policy), *kpi_report.render(kpis), "", *cost_to_serve.render(costs),
                    *simulation.render(sim), *(simulation.render(year) if year else [])])
    (RESULTS / "latest.md").write_text(md)
    (RESULTS / "latest.json").write_text(json.dumps({"machine": m, "placement": placement, "http": http,
                                                     "inventory_policy": policy, "kpi_report": kpis,
                                                     "cost_to_serve": costs, "simulation": sim, "simulation_year": year},
                                                    indent=2, default=str))
    print(md)
    print(f"(wrote {RESULTS / 'latest.md'} in {time.monotonic() - t0:.0f} s)")


if __name__ == "__main__":
    main()
