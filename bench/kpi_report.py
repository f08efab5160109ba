"""The full service report over 1 or 10 million order lines: Ordercare (daily summaries) against DuckDB computing
the same report from the same facts exported to Parquet.

    python bench/kpi_report.py --backend postgres --lines 1000000
    python bench/kpi_report.py --backend both --lines 1000000 10000000     # 10M: about 25 minutes to set up

Facts are generated with NumPy (seeded, in the shapes metrics/facts.py writes) straight into order_facts and
line_facts (COPY on PostgreSQL, executemany on SQLite); the summaries are then built by the product's own
rebuild (INSERT ... SELECT). Neither is timed in the ratio. DuckDB reads the same rows from Parquet written from
the same arrays. Both sides compute, for the whole period: every counter of the total, of each value of the
slice and of each service package (the targets), the median and 95th percentile of both cycle times, the
failures by department, and the open orders past their promise; the two answers are compared number by number
before any time is reported. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kpi_facts import AS_OF, FIRST, prepared  # noqa: E402

from ordercare.clock import FixedClock  # noqa: E402
from ordercare.domain.access import SYSTEM  # noqa: E402
from ordercare.metrics.counters import COUNTERS, LINE_COUNTERS, LINE_DIMENSIONS, ORDER_COUNTERS  # noqa: E402
from ordercare.metrics.periods import ReportRequest  # noqa: E402
from ordercare.services.measure_report import kpi_report  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.migrate import upgrade  # noqa: E402

def _agg(col: str, agg: str, alias: str) -> str:
    return {"count": f"count({col})", "sq": f"coalesce(sum({col} * {col}), 0)",
            "sum": f"coalesce(sum({col}), 0)"}[agg] + f" AS {alias}"


def duck_report(con, tmp: Path, dim: str) -> dict:
    """The same numbers, from Parquet: counters, median and p95 per slice value, failures, open past promise."""
    o, ln = f"read_parquet('{tmp}/order_facts.parquet')", f"read_parquet('{tmp}/line_facts.parquet')"
    out = {}
    for d in ("total", dim, "package"):
        if d in LINE_DIMENSIONS:
            key = f"coalesce(CAST({ {'product': 'product_id', 'warehouse': 'warehouse_id', 'carrier': 'carrier_id'}[d]} AS VARCHAR), '')"
            sql = (f"SELECT {key} AS k, {', '.join(_agg(f, a, c) for c, f, a in LINE_COUNTERS)}, "
                   f"quantile_cont(ship_days, [0.5, 0.95]) AS qs, quantile_cont(deliver_days, [0.5, 0.95]) AS qd, "
                   f"count(*) FILTER (WHERE open = 1 AND first_promised_date < DATE '{AS_OF}') AS past "
                   f"FROM {ln} GROUP BY 1")
        else:
            key = "''" if d == "total" else f"CAST({'customer_id' if d == 'customer' else d} AS VARCHAR)"
            sql = (f"WITH l AS (SELECT order_id, {', '.join(_agg(f, a, c) for c, f, a in LINE_COUNTERS)} "
                   f"FROM {ln} GROUP BY order_id) "
                   f"SELECT {key} AS k, {', '.join(_agg('o.' + f, a, c) for c, f, a in ORDER_COUNTERS)}, "
                   f"{', '.join(f'coalesce(sum(l.{c}), 0) AS {c}' for c, _, _ in LINE_COUNTERS)}, "
                   f"quantile_cont(o.ship_days, [0.5, 0.95]) AS qs, quantile_cont(o.deliver_days, [0.5, 0.95]) AS qd, "
                   f"count(*) FILTER (WHERE o.open = 1 AND o.first_promised_date < DATE '{AS_OF}') AS past "
                   f"FROM {o} o LEFT JOIN l USING (order_id) GROUP BY 1")
        rows = con.execute(sql).fetchall()
        names = [x[0] for x in con.description]
        out[d] = {r[0]: dict(zip(names[1:], r[1:], strict=True)) for r in rows}
    fails = " UNION ALL ".join(f"SELECT '{k}' AS kind, fail_{k} AS dept, count(*) AS n FROM {o} "
                               f"WHERE fail_{k} IS NOT NULL GROUP BY 2" for k in
                               ("not_filled", "late", "incomplete", "damaged", "inaccurate", "documentation"))
    out["failures"] = con.execute(fails).fetchall()
    return out


def ours(uow: UnitOfWork, dim: str) -> dict:
    clock = FixedClock(datetime.combine(AS_OF, datetime.min.time(), UTC))
    return kpi_report(uow, clock, SYSTEM, ReportRequest(FIRST, AS_OF - timedelta(days=1), slice=dim))


def compare(mine: dict, duck: dict, dim: str) -> int:
    """Every counter, median and p95 of every slice value (and the package rows of the targets) must match."""
    checked = 0
    rows = {"total": {"": mine["total"]}, dim: {r["key"]: r for r in mine["rows"]}}
    for d in ("total", dim):
        assert set(rows[d]) == {k for k, v in duck[d].items() if any(v.get(c) for c in COUNTERS)}, d
        for k, r in rows[d].items():
            want = duck[d][k]
            level = "order" if r["fill"]["order"] is not None else "line"
            c = r["cycle_time"]
            for name, q in (("ordered_to_shipped", "qs"), ("ordered_to_delivered", "qd")):
                got = [c[name]["median"], c[name]["p95"]]
                exp = want[q] or [None, None]
                assert all((a is None and b is None) or abs(a - b) < 1e-9 for a, b in zip(got, exp)), (d, k, name)
            assert r["volume"]["lines"] == want["lines"] and r["volume"]["units"] == want["units"]
            assert r["fill"]["line"]["count"] == want["l_filled"] and r["fill"]["unit"]["of"] == want["u_fill_n"]
            assert r["perfect_order"]["line"]["measured"]["count"] == want["l_perfect"]
            assert r["volume"]["open_past_promise"] == want["past"]
            if level == "order":
                assert r["perfect_order"]["order"]["measured"]["count"] == want["o_perfect"]
                assert r["on_time"]["order"]["otif"]["of"] == want["o_settled"]
                assert r["cycle_time"]["ordered_to_delivered"]["n"] == want["o_settled"]
            checked += 1
    for t in mine["targets"]:
        assert t["lead_time_days"]["measured_p95"] == duck["package"][t["package"]]["qd"][1], t["package"]
    return checked


def median_time(fn, reps: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def run(kind: str, n_lines: int, slices: list[str], reps: int, keep: Path | None = None,
        rebuild: bool = False) -> list[dict]:
    import duckdb
    out = []
    with prepared(kind, n_lines, keep, rebuild) as db:
        tmp = db["facts"]
        upgrade(make_engine(db["url"]))  # a kept database: the summaries' migrations since it was made
        print(json.dumps({"backend": kind, "lines": n_lines, "setup_s": db.get("setup_s"),
                          "summary_build_s": db.get("summary_build_s")}, default=lambda x: round(x, 1)),
              file=sys.stderr, flush=True)
        uow = UnitOfWork(make_engine(db["url"]))
        con = duckdb.connect()
        for dim in slices:
            ours(uow, dim)  # warm: caches, statement compilation
            duck_report(con, tmp, dim)
            checked = compare(ours(uow, dim), duck_report(con, tmp, dim), dim)
            mine_s, mine_runs = median_time(lambda: ours(uow, dim), reps)
            duck_s, duck_runs = median_time(lambda: duck_report(con, tmp, dim), reps)
            row = {"backend": kind, "lines": n_lines, "slice": dim, "ours_s": mine_s, "duckdb_s": duck_s,
                   "ratio": mine_s / duck_s, "checked_groups": checked, "ours_runs": mine_runs,
                   "duckdb_runs": duck_runs, "setup_s": db.get("setup_s"),
                   "summary_build_s": db.get("summary_build_s"), "load_avg": os.getloadavg()[0]}
            print(json.dumps(row, default=lambda x: round(x, 4)), flush=True)
            out.append(row)
        uow.engine.dispose()
    return out


def render(rows: list[dict]) -> list[str]:
    """Markdown lines for bench/results/latest.md."""
    out = ["## Service report against DuckDB (same facts, Parquet)", "",
           "| backend | order lines | slice | Ordercare s | DuckDB s | **ratio** | groups checked | summary build s |",
           "|---|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['backend']} | {r['lines']:,} | {r['slice']} | {r['ours_s']:.3f} | {r['duckdb_s']:.3f} "
                   f"| **{r['ratio']:.2f}** | {r['checked_groups']} | {r['summary_build_s']:.0f} |")
    return out


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="postgres")
    ap.add_argument("--lines", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--slices", nargs="+", default=["segment", "customer", "product"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep the facts (Parquet) and the loaded databases in this directory "
                    "and reuse them on the next run: the set-up happens once per line count and backend")
    ap.add_argument("--rebuild", action="store_true", help="with --keep: sum the summaries again (schema change)")
    ap.add_argument("--setup-only", action="store_true", help="prepare the (kept) databases, time nothing")
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    slices = [] if args.setup_only else args.slices
    return [r for n in args.lines for k in kinds for r in run(k, n, slices, args.reps, args.keep, args.rebuild)]


if __name__ == "__main__":
    main()
