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
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, libpq_url  # noqa: E402

from ordercare.clock import FixedClock  # noqa: E402
from ordercare.domain.access import SYSTEM  # noqa: E402
from ordercare.metrics.counters import COUNTERS, LINE_COUNTERS, LINE_DIMENSIONS, ORDER_COUNTERS  # noqa: E402
from ordercare.metrics.facts import LINE_COLUMNS, ORDER_COLUMNS  # noqa: E402
from ordercare.metrics.periods import ReportRequest  # noqa: E402
from ordercare.services.measure_report import kpi_report  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.measure_summary import rebuild_summaries  # noqa: E402
from ordercare.store.migrate import upgrade  # noqa: E402

FIRST = date(2025, 1, 1)
DAYS = 730
AS_OF = FIRST + timedelta(days=DAYS)
N_CUSTOMERS, N_PRODUCTS = 5000, 2000
DEPARTMENTS = np.array(["replenishment", "picking", "transport", "billing", "inventory_control", "packing"])
CHANNELS = np.array(["desk", "phone", "web", "portal", "api", "file", "edi"])


def generate(n_lines: int, seed: int = 1) -> tuple[dict, dict]:
    """Column arrays of order facts and line facts (None -> NaN-free: masked with -1 and turned into NULLs)."""
    rng = np.random.default_rng(seed)
    per_order = rng.integers(1, 10, size=n_lines // 4 + 100)  # 1-9 lines, mean 5
    ends = np.cumsum(per_order)
    n_orders = int(np.searchsorted(ends, n_lines, side="left")) + 1
    per_order = per_order[:n_orders]
    per_order[-1] -= int(ends[n_orders - 1] - n_lines)
    order_id = np.arange(1, n_orders + 1)
    day = np.sort(rng.integers(0, DAYS, n_orders))
    customer = rng.integers(1, N_CUSTOMERS + 1, n_orders)
    segment = np.array(["A", "B", "C"])[np.digitize(customer % 20, [3, 10])]
    lead = np.where(segment == "A", 3, np.where(segment == "B", 7, 14))
    kind = np.where(customer % 33 == 0, "internal", "external")
    cancelled = rng.random(n_orders) < 0.01
    recent = day > DAYS - 12
    open_ = ~cancelled & recent & (rng.random(n_orders) < 0.6)
    line_order = np.repeat(np.arange(n_orders), per_order)
    L = n_lines

    def flag(p_yes: float, known: np.ndarray) -> np.ndarray:  # 1, 0 or -1 (NULL)
        return np.where(known, (rng.random(L) < p_yes).astype(np.int64), -1)

    lcancel, lopen = cancelled[line_order], open_[line_order]
    counted = ~lcancel
    settled = counted & ~lopen
    qty = rng.integers(1, 20, L)
    from_stock = np.where(rng.random(L) < 0.04, rng.integers(0, 20, L) % qty, qty)
    filled = np.where(~counted, -1, np.where(from_stock < qty, 0, flag(0.97, settled | (rng.random(L) < 0.5))))
    filled_p = np.where(settled, flag(0.98, settled), -1)
    ship_days = np.where(settled | (lopen & (rng.random(L) < 0.3)), rng.integers(0, 6, L), -1)
    deliver_days = np.where(settled, np.maximum(ship_days, 0) + rng.integers(1, 7, L), -1)
    requested = rng.random(L) < 0.4
    comp = {"complete": flag(0.99, settled), "on_time": flag(0.93, settled), "damage_free": flag(0.99, settled),
            "doc_ok": flag(0.995, settled), "accurate": flag(0.99, settled)}
    on_req = np.where(settled & requested, flag(0.9, settled), -1)
    perfect = np.where(settled, comp["complete"] & comp["on_time"] & comp["damage_free"] & comp["doc_ok"], -1)
    otif = np.where(settled, comp["complete"] & comp["on_time"], -1)
    otif_req = np.where(on_req >= 0, on_req & comp["complete"], -1)
    within = np.where(settled, (deliver_days <= lead[line_order]).astype(np.int64), -1)
    shipped_units = np.where(ship_days >= 0, qty, 0)
    u_fill_n = np.where((ship_days >= 0) | (from_stock == 0), qty, 0) * counted
    lines = {
        "order_line_id": np.arange(1, L + 1), "order_id": order_id[line_order], "order_day": day[line_order],
        "product_id": rng.integers(1, N_PRODUCTS + 1, L), "warehouse_id": rng.integers(1, 4, L),
        "carrier_id": np.where(ship_days >= 0, rng.integers(1, 5, L), -1), "counted": counted.astype(np.int64),
        "open": (counted & lopen).astype(np.int64), "qty": qty, "units_ordered": qty * counted,
        "qty_from_stock": from_stock, "requested_date": np.where(requested, day[line_order] + 4, -1),
        "first_promised_ship": day[line_order] + 1, "first_promised_date": day[line_order] + 3,
        "u_fill_n": u_fill_n, "u_filled": np.where(u_fill_n > 0, np.where(filled == 1, qty, from_stock // 2), 0),
        "filled": filled, "u_fillp_n": np.where(filled_p >= 0, qty, 0),
        "u_fillp": np.where(filled_p == 1, qty, np.where(filled_p == 0, qty // 2, 0)), "filled_p": filled_p,
        "settled": settled.astype(np.int64), **comp, "on_time_req": on_req, "perfect": perfect, "otif": otif,
        "otif_req": otif_req, "within_lead": within, "ship_days": ship_days, "deliver_days": deliver_days,
        "units_shipped": shipped_units, "units_delivered": np.where(settled, qty, 0),
        "units_damaged": np.where(comp["damage_free"] == 0, 1, 0), "units_wrong": np.where(comp["accurate"] == 0, 1, 0),
        "units_short": np.where(comp["complete"] == 0, 1, 0),
        **{f"ret_{r}": np.where(settled & (rng.random(L) < p), 1, 0) for r, p in
           [("damaged", .004), ("wrong_item", .002), ("defective", .003), ("not_as_described", .001),
            ("not_needed", .01), ("ordered_by_mistake", .003), ("warranty", .001), ("other", .001)]},
    }
    starts = np.concatenate([[0], np.cumsum(per_order)[:-1]])

    def all_of(col: str, known: np.ndarray) -> np.ndarray:
        return np.where(known, np.minimum.reduceat(lines[col], starts), -1)

    o_settled = ~cancelled & ~open_
    o_filled = np.minimum.reduceat(np.where(filled < 0, 2, filled), starts)
    orders = {
        "order_id": order_id, "order_day": day, "customer_id": customer, "segment": segment, "package": segment,
        "customer_kind": kind, "channel": CHANNELS[rng.integers(0, 7, n_orders)], "lead_time_days": lead,
        "counted": (~cancelled).astype(np.int64), "cancelled": cancelled.astype(np.int64),
        "open": open_.astype(np.int64), "credit_held": (rng.random(n_orders) < 0.02).astype(np.int64),
        "first_promised_date": day + 3, "lines": np.where(cancelled, 0, per_order),
        "units": np.where(cancelled, 0, np.add.reduceat(qty, starts)),
        "filled": np.where(cancelled | (o_filled == 2), -1, o_filled),
        "filled_p": all_of("filled_p", o_settled), "settled": o_settled.astype(np.int64),
        **{c: all_of(c, o_settled) for c in ("complete", "on_time", "damage_free", "doc_ok", "accurate",
                                               "perfect", "otif", "within_lead")},
        "on_time_req": np.where(o_settled & (np.maximum.reduceat(on_req, starts) >= 0),
                                np.minimum.reduceat(np.where(on_req < 0, 1, on_req), starts), -1),
        "ship_days": np.where(o_settled, np.maximum.reduceat(ship_days, starts), -1),
        "deliver_days": np.where(o_settled, np.maximum.reduceat(deliver_days, starts), -1),
    }
    orders["otif_req"] = np.where(orders["on_time_req"] >= 0, orders["on_time_req"] & orders["complete"], -1)
    for kind_ in ("not_filled", "late", "incomplete", "damaged", "inaccurate", "documentation"):
        col = {"not_filled": "filled", "late": "on_time", "incomplete": "complete", "damaged": "damage_free",
               "inaccurate": "accurate", "documentation": "doc_ok"}[kind_]
        orders[f"fail_{kind_}"] = np.where(orders[col] == 0, DEPARTMENTS[rng.integers(0, 6, n_orders)], None)
    return orders, lines


DATES = {"order_day", "requested_date", "first_promised_ship", "first_promised_date"}


def frame(cols: dict, names: tuple[str, ...]):
    """A pandas frame with NULLs where the arrays hold -1 (or None) and real dates."""
    import pandas as pd
    out = {}
    for name in names:
        a = cols[name]
        if name in DATES:
            out[name] = pd.Series(np.where(a < 0, np.datetime64("NaT"), np.datetime64(FIRST) + a.astype(
                "timedelta64[D]"))).dt.date.where(a >= 0, None)
        elif a.dtype.kind in "iu":
            out[name] = pd.array(np.where(a < 0, 0, a), dtype="Int64")
            out[name][a < 0] = pd.NA
        else:
            out[name] = a
    return pd.DataFrame(out)


def write_parquet_and_csv(orders, lines, tmp: Path):
    import duckdb
    con = duckdb.connect()
    of, lf = frame(orders, ORDER_COLUMNS), frame(lines, LINE_COLUMNS)
    for name, df in (("order_facts", of), ("line_facts", lf)):
        con.register("df", df)
        con.execute(f"COPY df TO '{tmp / name}.parquet' (FORMAT parquet)")
        con.execute(f"COPY df TO '{tmp / name}.csv' (FORMAT csv, HEADER false)")
        con.unregister("df")
    return of, lf


def load(url: str, kind: str, tmp: Path, of, lf) -> None:
    engine = make_engine(url)
    upgrade(engine)
    if kind == "postgres":
        import psycopg
        with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
            for name, cols in (("order_facts", ORDER_COLUMNS), ("line_facts", LINE_COLUMNS)):
                with open(tmp / f"{name}.csv", "rb") as fh, cur.copy(
                        f"COPY {name} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            conn.commit()
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE order_facts")
            cur.execute("VACUUM ANALYZE line_facts")
    else:
        import sqlite3
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        for name, df, cols in (("order_facts", of, ORDER_COLUMNS), ("line_facts", lf, LINE_COLUMNS)):
            rows = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
            db.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                           ((*(v.isoformat() if isinstance(v, date) else v for v in r),) for r in rows))
        db.commit()
        db.execute("ANALYZE")
        db.close()
    t0 = time.perf_counter()
    UnitOfWork(engine).run(rebuild_summaries)
    engine.dispose()
    return time.perf_counter() - t0


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


def run(kind: str, n_lines: int, slices: list[str], reps: int) -> list[dict]:
    import duckdb
    t0 = time.perf_counter()
    orders, lines = generate(n_lines)
    out = []
    with tempfile.TemporaryDirectory(prefix="ordercare-kpi-") as d, fresh_database(kind) as url:
        tmp = Path(d)
        of, lf = write_parquet_and_csv(orders, lines, tmp)
        del orders, lines
        summaries = load(url, kind, tmp, of, lf)
        del of, lf
        setup = time.perf_counter() - t0
        uow = UnitOfWork(make_engine(url))
        con = duckdb.connect()
        for dim in slices:
            ours(uow, dim)  # warm: caches, statement compilation
            duck_report(con, tmp, dim)
            checked = compare(ours(uow, dim), duck_report(con, tmp, dim), dim)
            mine_s, mine_runs = median_time(lambda: ours(uow, dim), reps)
            duck_s, duck_runs = median_time(lambda: duck_report(con, tmp, dim), reps)
            row = {"backend": kind, "lines": n_lines, "slice": dim, "ours_s": mine_s, "duckdb_s": duck_s,
                   "ratio": mine_s / duck_s, "checked_groups": checked, "ours_runs": mine_runs,
                   "duckdb_runs": duck_runs, "setup_s": setup, "summary_build_s": summaries}
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
    args = ap.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    return [r for n in args.lines for k in kinds for r in run(k, n, args.slices, args.reps)]


if __name__ == "__main__":
    main()
