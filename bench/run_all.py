"""Run every benchmark once and write bench/results/latest.md (and latest.json).

    python bench/run_all.py            # both SQLite and PostgreSQL (PostgreSQL at ORDERCARE_TEST_PG_URL)
    python bench/run_all.py --quick    # fewer orders and requests, for a smoke run

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
import http_orders
import inventory_policy
import kpi_report
import order_placement
from common import PG_ADMIN_URL, machine, pg_version

RESULTS = Path(__file__).resolve().parent / "results"


def render(m: dict, placement: list[dict], http: list[dict]) -> str:
    out = [f"# Ordercare benchmarks — {m['when']}", "",
           (f"Machine: {m['nproc']} CPUs, {m['cpu']}; Python {m['python']}, SQLite {m['sqlite']}, "
            f"PostgreSQL {m.get('postgres', '?')}, SQLAlchemy {m['sqlalchemy']}."), "",
           "## Order placement (service layer vs raw SQL, one client, 5 lines, 3 warehouses)", "",
           ("| backend | service orders/s | raw SQL orders/s | service/raw | target | statements/order (service/raw) "
            "| runs |"), "|---|---:|---:|---:|---:|---:|---|"]
    for r in placement:
        out.append(f"| {r['backend']} | {r['service_ops']:.0f} | {r['raw_ops']:.0f} | **{r['ratio']:.2f}** | >= 0.50 "
                   f"| {r['statements_per_order']['service']:.0f} / {r['statements_per_order']['raw']:.0f} "
                   f"| {r['reps']} x {r['orders_per_rep']} orders, median |")
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--kpi-10m", action="store_true",
                    help="also the KPI report over 10 million order lines on PostgreSQL (about 30 minutes more)")
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    orders, reps, requests = (100, 3, 150) if args.quick else (300, 5, 600)
    m = machine() | {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    if "postgres" in kinds:
        m["postgres"] = pg_version(PG_ADMIN_URL)
    t0 = time.monotonic()
    placement = []
    for kind in kinds:
        r = order_placement.run(kind, orders=orders, reps=reps)
        print(f"placement {kind}: service {r['service_ops']:.0f}/s raw {r['raw_ops']:.0f}/s ratio {r['ratio']:.2f}",
              flush=True)
        placement.append(r)
    http = []
    for kind in kinds:
        r = http_orders.run(kind, clients=8, requests=requests, seconds=60)
        print(f"http {kind}: {r['throughput']:.1f} orders/s p50 {r['p50']:.1f} p95 {r['p95']:.1f} p99 {r['p99']:.1f} ms"
              f" failures {r['failures'] or 0}", flush=True)
        http.append(r)
    RESULTS.mkdir(exist_ok=True)
    policy = inventory_policy.run(skus=20_000 if args.quick else 100_000, sample=200 if args.quick else 1_000)
    print(f"inventory policy: {policy['skus']} SKUs in {policy['vectorised_s']:.2f} s", flush=True)
    kpis = [r for kind in kinds for r in kpi_report.run(kind, 100_000 if args.quick else 1_000_000,
                                                          ["segment", "customer", "product"], 3)]
    if args.kpi_10m:
        kpis += kpi_report.run("postgres", 10_000_000, ["segment", "customer", "product"], 3)
    md = (render(m, placement, http) + "\n".join(["", *inventory_policy.render(policy)])
          + "\n".join(["", *kpi_report.render(kpis)]))
    (RESULTS / "latest.md").write_text(md)
    (RESULTS / "latest.json").write_text(json.dumps({"machine": m, "placement": placement, "http": http,
                                                     "inventory_policy": policy, "kpi_report": kpis},
                                                    indent=2, default=str))
    print(md)
    print(f"(wrote {RESULTS / 'latest.md'} in {time.monotonic() - t0:.0f} s)")


if __name__ == "__main__":
    main()
