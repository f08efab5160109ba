"""The full service report over 1 or 10 million order lines: Ordercare (daily summaries) against DuckDB computing
the same report from the same facts exported to Parquet.

    python bench/kpi_report.py --backend both --lines 1000000 --keep /tmp/kpi-keep --periods whole unaligned
    python bench/kpi_report.py --backend postgres --lines 10000000 --keep /tmp/kpi-keep   # 10M: ~30 min set-up

Facts are generated with NumPy (bench/kpi_facts.py, seeded, in the shapes metrics/facts.py writes) into
order_facts and line_facts; the summaries are built by the product's own rebuild (INSERT ... SELECT). Neither is
timed. With --keep the loaded databases and Parquet files are kept and reused. DuckDB reads the same rows from
Parquet. Both sides compute, for the period: every counter of the total, of each value of the slice and of each
service package (the targets), the median and 95th percentile of both cycle times and the open orders past
their promise; every number of every block is compared before any time is reported. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kpi_facts import AS_OF, FIRST, prepared  # noqa: E402

from ordercare.clock import FixedClock  # noqa: E402
from ordercare.domain.access import SYSTEM  # noqa: E402
from ordercare.metrics.counters import COUNTERS, LINE_COUNTERS, LINE_DIMENSIONS, ORDER_COUNTERS  # noqa: E402
from ordercare.metrics.kpis import kpi_block  # noqa: E402
from ordercare.metrics.periods import ReportRequest  # noqa: E402
from ordercare.services.measure_report import kpi_report  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.migrate import upgrade  # noqa: E402

def _agg(col: str, agg: str, alias: str) -> str:
    return {"count": f"count({col})", "sq": f"coalesce(sum({col} * {col}), 0)",
            "sum": f"coalesce(sum({col}), 0)"}[agg] + f" AS {alias}"


Period = tuple[date, date]
WHOLE: Period = (FIRST, AS_OF - timedelta(days=1))  # 730 days: two calendar years
UNALIGNED: Period = (FIRST + timedelta(days=14), AS_OF - timedelta(days=12))  # no whole year: 22 months + days
PERIODS = {"whole": WHOLE, "unaligned": UNALIGNED}


def duck_report(con, tmp: Path, dim: str, period: Period = WHOLE) -> dict:
    """The same numbers, from Parquet: every counter, median and p95 per slice value, open past promise."""
    o, ln = f"read_parquet('{tmp}/order_facts.parquet')", f"read_parquet('{tmp}/line_facts.parquet')"
    days = f"BETWEEN DATE '{period[0]}' AND DATE '{period[1]}'"
    out = {}
    for d in ("total", dim, "package"):
        if d in LINE_DIMENSIONS:
            key = f"coalesce(CAST({LINE_DIMENSIONS[d]} AS VARCHAR), '')"
            sql = (f"SELECT {key} AS k, {', '.join(_agg(f, a, c) for c, f, a in LINE_COUNTERS)}, "
                   f"quantile_cont(ship_days, [0.5, 0.95]) AS qs, quantile_cont(deliver_days, [0.5, 0.95]) AS qd, "
                   f"count(*) FILTER (WHERE open = 1 AND first_promised_date < DATE '{AS_OF}') AS past "
                   f"FROM {ln} WHERE order_day {days} GROUP BY 1")
        else:
            key = "''" if d == "total" else f"CAST({'customer_id' if d == 'customer' else d} AS VARCHAR)"
            sql = (f"WITH l AS (SELECT order_id, {', '.join(_agg(f, a, c) for c, f, a in LINE_COUNTERS)} "
                   f"FROM {ln} WHERE order_day {days} GROUP BY order_id) "
                   f"SELECT {key} AS k, {', '.join(_agg('o.' + f, a, c) for c, f, a in ORDER_COUNTERS)}, "
                   f"{', '.join(f'coalesce(sum(l.{c}), 0) AS {c}' for c, _, _ in LINE_COUNTERS)}, "
                   f"quantile_cont(o.ship_days, [0.5, 0.95]) AS qs, quantile_cont(o.deliver_days, [0.5, 0.95]) AS qd, "
                   f"count(*) FILTER (WHERE o.open = 1 AND o.first_promised_date < DATE '{AS_OF}') AS past "
                   f"FROM {o} o LEFT JOIN l USING (order_id) WHERE o.order_day {days} GROUP BY 1")
        rows = con.execute(sql).fetchall()
        names = [x[0] for x in con.description]
        out[d] = {r[0]: dict(zip(names[1:], r[1:], strict=True)) for r in rows}
    return out


def ours(uow: UnitOfWork, dim: str, period: Period = WHOLE) -> dict:
    clock = FixedClock(datetime.combine(AS_OF, datetime.min.time(), UTC))
    return kpi_report(uow, clock, SYSTEM, ReportRequest(*period, slice=dim))


OWN_PARTS = ("key", "label", "cases", "csat", "dso", "inventory_turnover")  # not from the order facts


def _expected(want: dict, order_level: bool) -> dict:
    """The KPI block of DuckDB's counters, with DuckDB's percentiles: what the report must show, number for
    number."""
    block = kpi_block({c: int(want.get(c) or 0) for c in COUNTERS}, {}, order_level=order_level)
    block["volume"]["open_past_promise"] = want["past"]
    for name, q in (("ordered_to_shipped", "qs"), ("ordered_to_delivered", "qd")):
        block["cycle_time"][name]["median"], block["cycle_time"][name]["p95"] = want[q] or (None, None)
    return block


def _same(got, want, path: str) -> None:
    """Equal, except that percentiles may differ in the last bit (DuckDB interpolates in floating point, the
    report in exact fractions)."""
    if isinstance(want, dict):
        assert got.keys() == want.keys(), path
        for k in want:
            _same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{path}[{i}]")
    elif path.endswith((".median", ".p95")) and want is not None:
        assert got is not None and abs(got - want) < 1e-9, (path, got, want)
    else:
        assert got == want and type(got) is type(want), (path, got, want)


def compare(mine: dict, duck: dict, dim: str) -> int:
    """Every number of the total's and every slice value's block (volumes, fill, perfect order, timing, cycle time
    with median and p95, accuracy, returns, open past promise) and the packages' p95 must match DuckDB's."""
    checked = 0
    rows = {"total": {"": mine["total"]}}
    if dim != "total":
        rows[dim] = {r["key"]: r for r in mine["rows"]}
    for d, got in rows.items():
        assert set(got) == {k for k, v in duck[d].items() if any(v.get(c) for c in COUNTERS)}, d
        for k, r in got.items():
            order_level = r["fill"]["order"] is not None
            _same({p: v for p, v in r.items() if p not in OWN_PARTS}, _expected(duck[d][k], order_level), f"{d}[{k}]")
            checked += 1
    for t in mine["targets"]:
        assert t["lead_time_days"]["measured_p95"] == duck["package"][t["package"]]["qd"][1], t["package"]
    return checked


def server_cpu(uow: UnitOfWork) -> Callable[[], float]:
    """CPU seconds the PostgreSQL server processes of the bench's database have used so far (read from /proc:
    the server must run on this machine); always 0 for SQLite, whose work is in this process's CPU time."""
    if uow.engine.dialect.name != "postgresql":
        return lambda: 0.0
    with uow.read() as conn:
        pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
        pids = list(pids)
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick
    return used


def median_time(fn, reps: int, server: Callable[[], float] = lambda: 0.0) -> tuple[float, float, list[float]]:
    """(median seconds, median CPU seconds of this process - DuckDB's threads included - plus the database
    server's, every run's seconds)."""
    times, cpu = [], []
    for _ in range(reps):
        t0, c0, s0 = time.perf_counter(), time.process_time(), server()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0 + server() - s0)
    return statistics.median(times), statistics.median(cpu), times


def analyze(url: str) -> None:
    """Vacuum and planner statistics of the summaries a (kept) database's migrations or rebuild just rewrote, as
    autovacuum would do soon after: read right after the rebuild, PostgreSQL still sets hint bits and has no
    visibility map (one trial, customer slice: 1.3 s of CPU before a VACUUM, 0.8 after)."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("kpi_daily", "kpi_daily_cycle", "kpi_daily_failures"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    engine.dispose()


def run(kind: str, n_lines: int, slices: list[str], reps: int, keep: Path | None = None,
        rebuild: bool = False, periods: tuple[str, ...] = ("whole",)) -> list[dict]:
    import duckdb
    out = []
    with prepared(kind, n_lines, keep, rebuild) as db:
        tmp = db["facts"]
        upgrade(make_engine(db["url"]))  # a kept database: the summaries' migrations since it was made
        analyze(db["url"])
        print(json.dumps({"backend": kind, "lines": n_lines, "setup_s": db.get("setup_s"),
                          "summary_build_s": db.get("summary_build_s")}, default=lambda x: round(x, 1)),
              file=sys.stderr, flush=True)
        uow = UnitOfWork(make_engine(db["url"]))
        ours(uow, "total")
        server = server_cpu(uow)
        con = duckdb.connect()
        for dim in slices:
            for name in periods:
                period = PERIODS[name]
                ours(uow, dim, period)  # warm: caches, statement compilation
                duck_report(con, tmp, dim, period)
                checked = compare(ours(uow, dim, period), duck_report(con, tmp, dim, period), dim)
                mine_s, mine_cpu, mine_runs = median_time(lambda: ours(uow, dim, period), reps, server)
                duck_s, duck_cpu, duck_runs = median_time(lambda: duck_report(con, tmp, dim, period), reps)
                row = {"backend": kind, "lines": n_lines, "slice": dim, "period": name, "ours_s": mine_s,
                       "ours_cpu_s": mine_cpu, "duckdb_s": duck_s, "duckdb_cpu_s": duck_cpu, "ratio": mine_s / duck_s,
                       "checked_groups": checked, "ours_runs": mine_runs, "duckdb_runs": duck_runs,
                       "setup_s": db.get("setup_s"), "summary_build_s": db.get("summary_build_s"),
                       "load_avg": os.getloadavg()[0]}
                print(json.dumps(row, default=lambda x: round(x, 4)), flush=True)
                out.append(row)
        uow.engine.dispose()
    return out


def render(rows: list[dict]) -> list[str]:
    """Markdown lines for bench/results/latest.md."""
    out = ["## Service report against DuckDB (same facts, Parquet)", "",
           "| backend | order lines | slice | period | Ordercare s | DuckDB s | **ratio** | Ordercare CPU s "
           "| DuckDB CPU s | groups checked | load avg |",
           "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['backend']} | {r['lines']:,} | {r['slice']} | {r['period']} | {r['ours_s']:.3f} "
                   f"| {r['duckdb_s']:.3f} | **{r['ratio']:.2f}** | {r['ours_cpu_s']:.3f} | {r['duckdb_cpu_s']:.3f} "
                   f"| {r['checked_groups']} | {r['load_avg']:.1f} |")
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
    ap.add_argument("--periods", nargs="+", choices=list(PERIODS), default=["whole"],
                    help="whole: the 730 days (two calendar years); unaligned: 15 Jan to 20 Dec (months and days)")
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    slices = [] if args.setup_only else args.slices
    return [r for n in args.lines for k in kinds
            for r in run(k, n, slices, args.reps, args.keep, args.rebuild, tuple(args.periods))]


if __name__ == "__main__":
    main()
