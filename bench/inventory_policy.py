"""Safety stock, reorder point and the fill-rate curve for 100,000 SKUs: vectorised against per-SKU loops.

- vectorised: ``ordercare.analytics.policy_plan.plan`` (target fill rate 98 %: safety stock, reorder point, CSL,
  fill rate, costs, the profit-maximising level) and ``fill_rate_curve`` (12 target fill rates), all SKUs at once;
- stockpyl loop (when stockpyl is importable; it is not a project dependency): per SKU, ``normal_loss`` from
  ``stockpyl.loss_functions`` inside SciPy's ``brentq`` for the safety stock of each target fill rate, and
  ``scipy.stats.norm`` for the CSL — the way one would call the library SKU by SKU;
- SciPy loop (always): the same per-SKU computation with ``scipy.stats.norm`` and ``brentq`` only.

The loops are slow, so they run on a sample of SKUs and are reported per SKU; the ratio is loop time per SKU
divided by vectorised time per SKU, both measured in this run. Every loop result is compared with the vectorised
one (safety stock within 0.01 units), so a fast wrong answer fails instead of being reported.

    python bench/inventory_policy.py                       # 100,000 SKUs, loop sample 1,000
    python bench/inventory_policy.py --skus 20000 --sample 300
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from ordercare.analytics.policy_plan import SkuInputs, Target, fill_rate_curve, plan

RATES = (0.80, 0.85, 0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999)
TARGET = 0.98


def make_skus(n: int, seed: int = 1) -> SkuInputs:
    """A distributor's range: log-normal demand levels, coefficient of variation 0.2-1.2, lead times 3-42 days."""
    rng = np.random.default_rng(seed)
    mean = np.exp(rng.normal(3.0, 1.5, n))  # units per week, median 20
    return SkuInputs(demand_mean=mean, demand_sd=mean * rng.uniform(0.2, 1.2, n),
                     lead_time=rng.uniform(3, 42, n) / 7, lead_time_sd=rng.uniform(0, 7, n) / 7,
                     unit_cost=np.exp(rng.normal(3.0, 1.0, n)), order_cost=rng.uniform(20, 150, n),
                     holding_rate=np.full(n, 0.25), stockout_cost=np.exp(rng.normal(2.0, 1.0, n)))


def vectorised(inp: SkuInputs) -> tuple[np.ndarray, np.ndarray]:
    p = plan(inp, Target("fill_rate", TARGET))
    c = fill_rate_curve(inp, RATES)
    return p["safety_stock"], c["safety_stock"]


def _per_sku(loss, inp: SkuInputs, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-SKU baseline: lead-time demand, EOQ, then one root-finding per target fill rate."""
    from scipy.optimize import brentq
    from scipy.stats import norm
    q_all = inp.order_qty()
    ss_out, curve_out = [], []
    for i in idx:
        d, sd, lt, slt = (float(inp.demand_mean[i]), float(inp.demand_sd[i]), float(inp.lead_time[i]),
                          float(inp.lead_time_sd[i]))
        mu, sigma = d * lt, math.sqrt(lt * sd * sd + d * d * slt * slt)
        q = float(q_all[i])

        def ss_for(rate: float) -> float:
            def gap(ss: float) -> float:
                return loss(mu + ss, mu, sigma) - (1 - rate) * q
            if gap(0.0) <= 0:  # cycle stock alone meets the target
                return 0.0
            return brentq(gap, 0.0, 8 * sigma, xtol=1e-9)

        ss = ss_for(TARGET)
        norm.cdf(ss / sigma)  # the CSL the report shows
        ss_out.append(ss)
        curve_out.append([ss_for(r) for r in RATES])
    return np.array(ss_out), np.array(curve_out).T


def scipy_loss(x: float, mu: float, sigma: float) -> float:
    from scipy.stats import norm
    z = (x - mu) / sigma
    return sigma * (norm.pdf(z) - z * norm.sf(z))


def stockpyl_loss():
    try:
        from stockpyl.loss_functions import normal_loss
    except ImportError:
        return None
    return lambda x, mu, sigma: normal_loss(x, mu, sigma)[0]


def _check(name: str, got: tuple, want: tuple, idx: np.ndarray) -> float:
    worst = max(float(np.max(np.abs(got[0] - want[0][idx]))), float(np.max(np.abs(got[1] - want[1][:, idx]))))
    assert worst < 0.01, f"{name} disagrees with the vectorised safety stock by {worst:.4f} units"
    return worst


def run(skus: int = 100_000, sample: int = 1_000, reps: int = 3, seed: int = 1) -> dict:
    inp = make_skus(skus, seed)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        want = vectorised(inp)
        times.append(time.perf_counter() - t0)
    vec = min(times)
    idx = np.random.default_rng(seed + 1).choice(skus, size=min(sample, skus), replace=False)
    out = {"skus": skus, "points": len(RATES), "vectorised_s": vec, "vectorised_us_per_sku": vec / skus * 1e6,
           "sample": len(idx), "baselines": []}
    for name, loss in (("stockpyl loop", stockpyl_loss()), ("SciPy loop", scipy_loss)):
        if loss is None:
            out["baselines"].append({"name": name, "available": False})
            continue
        t0 = time.perf_counter()
        got = _per_sku(loss, inp, idx)
        t = time.perf_counter() - t0
        per_sku = t / len(idx) * 1e6
        out["baselines"].append({"name": name, "available": True, "us_per_sku": per_sku,
                                 "extrapolated_s": per_sku * skus / 1e6,
                                 "ratio": per_sku / out["vectorised_us_per_sku"],
                                 "max_diff_units": _check(name, got, want, idx)})
    return out


def render(r: dict) -> list[str]:
    lines = [f"## Inventory policy: {r['skus']:,} SKUs, safety stock at 98 % fill rate + a {r['points']}-point "
             "fill-rate curve", "",
             "| method | µs per SKU | time for all SKUs | vectorised speed-up | max |Δ safety stock| |",
             "|---|---:|---:|---:|---:|",
             f"| vectorised (NumPy/SciPy) | {r['vectorised_us_per_sku']:.2f} | {r['vectorised_s']:.2f} s | — | — |"]
    for b in r["baselines"]:
        if not b["available"]:
            lines.append(f"| {b['name']} | not installed | | | |")
            continue
        lines.append(f"| {b['name']} (sample of {r['sample']:,}) | {b['us_per_sku']:.0f} | "
                     f"{b['extrapolated_s']:.0f} s (extrapolated) | **{b['ratio']:.0f}×** | "
                     f"{b['max_diff_units']:.1e} |")
    return lines + [""]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skus", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=1_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print("\n".join(render(run(args.skus, args.sample, args.reps, args.seed))))


if __name__ == "__main__":
    main()
