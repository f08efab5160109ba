"""Load building and routing solvers against their baselines (no database).

Loads: 10,000 shipments in 50 warehouse-day groups (sizes 100-300, mean 200), each group packed
onto 24 t / 80 m³ trucks by ``build_loads`` (FFD, then CP-SAT when FFD misses the lower bound).
Two shipment mixes, both with weights 5-2,000 kg and volumes 0.02-6 m³:

- mixed:   weight log-uniform (many parcels, few heavy pallets), volume = weight / density with
           density 120-450 kg/m³, clipped to 0.02-6 m³;
- pallets: weight and volume independently uniform (bulky, near-full-pallet freight).

Quality is the vehicles used, as a ratio to first-fit-decreasing alone and to the lower bound.

Routing: one day of stops scattered around Lyon (normal, σ ≈ 25 km), depot at the Lyon DC,
planned by ``plan_route`` and compared with the nearest-neighbour tour (lengths include the way
back to the depot).

Every plan is checked (each shipment once, no load over a limit; each stop once), so a fast
wrong answer fails instead of being reported. Nothing in tests/ asserts on these timings.

    python bench/fulfilment_solvers.py                 # the full run, ~1 min
    python bench/fulfilment_solvers.py --seed 2 --time-limit 2 --stops 200
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import time
from decimal import Decimal

from ordercare.domain.loads import LoadItem, LoadPlan, Vehicle, build_loads, first_fit_decreasing
from ordercare.domain.routing import Stop, nearest_neighbour_route, plan_route

TRUCK = Vehicle("T24", Decimal(24_000), Decimal(80))
LYON_DC = (45.7640, 4.8357)
SHIPMENTS, GROUPS = 10_000, 50


def group_sizes(rng: random.Random) -> list[int]:
    raw = [rng.uniform(100, 300) for _ in range(GROUPS)]
    sizes = [round(x * SHIPMENTS / sum(raw)) for x in raw]
    sizes[sizes.index(max(sizes))] += SHIPMENTS - sum(sizes)
    return sizes


def shipment(rng: random.Random, sid: int, mix: str) -> LoadItem:
    if mix == "mixed":
        w = math.exp(rng.uniform(math.log(5), math.log(2000)))
        v = min(6.0, max(0.02, w / rng.uniform(120, 450)))
    else:
        w, v = rng.uniform(5, 2000), rng.uniform(0.02, 6)
    return LoadItem(sid, Decimal(f"{w:.1f}"), Decimal(f"{v:.3f}"))


def check(plan: LoadPlan, items: list[LoadItem]) -> None:
    placed = sorted(s for ld in plan.loads for s in ld.shipment_ids)
    assert placed == sorted(it.shipment_id for it in items), "a shipment is missing or placed twice"
    for ld in plan.loads:
        assert ld.weight_kg <= TRUCK.max_weight_kg and ld.volume_m3 <= TRUCK.max_volume_m3, ld


def bench_loads(mix: str, seed: int, time_limit: float) -> dict:
    rng = random.Random(f"{seed}-{mix}")
    sid, used, ffd, bound, proved, solved, spent, worst = 0, 0, 0, 0, 0, 0, 0.0, 0.0
    for size in group_sizes(rng):
        items = [shipment(rng, sid + k, mix) for k in range(size)]
        sid += size
        t = time.perf_counter()
        plan = build_loads(items, TRUCK, time_limit_s=time_limit)
        dt = time.perf_counter() - t
        check(plan, items)
        spent, worst = spent + dt, max(worst, dt)
        used, bound = used + len(plan.loads), bound + plan.lower_bound
        ffd += len(first_fit_decreasing(items, TRUCK).loads)
        proved += plan.optimal
        solved += plan.solver == "cp-sat"
    return {"mix": mix, "vehicles": used, "ffd": ffd, "bound": bound, "proved": proved, "solved": solved,
            "seconds": spent, "worst": worst}


def bench_route(n: int, seed: int, time_limit: float) -> dict:
    rng = random.Random(f"{seed}-route-{n}")
    km_lat, km_lon = 111.19, 111.19 * math.cos(math.radians(LYON_DC[0]))
    stops = [Stop(i + 1, LYON_DC[0] + rng.gauss(0, 25) / km_lat, LYON_DC[1] + rng.gauss(0, 25) / km_lon)
             for i in range(n)]
    t = time.perf_counter()
    nn = nearest_neighbour_route(LYON_DC, stops)
    t_nn = time.perf_counter() - t
    t = time.perf_counter()
    route = plan_route(LYON_DC, stops, time_limit_s=time_limit)
    dt = time.perf_counter() - t
    assert sorted(route.sequence) == list(range(1, n + 1)), "a stop is missing or visited twice"
    return {"stops": n, "limit": time_limit, "nn_km": nn.distance_km, "km": route.distance_km,
            "nn_seconds": t_nn, "seconds": dt, "solver": route.solver}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=2.0, help="per group / per route, seconds")
    ap.add_argument("--stops", type=int, default=200)
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, seed {args.seed}, "
          f"time limit {args.time_limit:g} s per group / route\n")

    print(f"Load building: {SHIPMENTS:,} shipments, {GROUPS} warehouse-days, truck 24 t / 80 m³")
    print("| mix | vehicles | FFD | lower bound | vs FFD | vs bound | groups proved optimal | solver ran "
          "| total s | worst group s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mix in ("mixed", "pallets"):
        r = bench_loads(mix, args.seed, args.time_limit)
        print(f"| {mix} | {r['vehicles']} | {r['ffd']} | {r['bound']} | {r['vehicles'] / r['ffd']:.3f} "
              f"| {r['vehicles'] / r['bound']:.3f} | {r['proved']}/{GROUPS} | {r['solved']} | {r['seconds']:.2f} "
              f"| {r['worst']:.2f} |")

    print("\nRouting around Lyon (lengths include the way back to the depot)")
    print("| stops | time limit s | nearest neighbour km | plan_route km | vs NN | solver | seconds |")
    print("|---:|---:|---:|---:|---:|---|---:|")
    for n, limit in ((args.stops, args.time_limit), (args.stops, 5 * args.time_limit), (50, args.time_limit)):
        r = bench_route(n, args.seed, limit)
        print(f"| {n} | {limit:g} | {r['nn_km']:.1f} | {r['km']:.1f} | {r['km'] / r['nn_km']:.3f} | {r['solver']} "
              f"| {r['seconds']:.2f} |")


if __name__ == "__main__":
    main()
