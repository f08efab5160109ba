"""The facts of the KPI benchmark: generated with NumPy (seeded), written to Parquet (DuckDB's side) and CSV, loaded
into order_facts and line_facts (COPY on PostgreSQL, executemany on SQLite), then the product's own
rebuild_summaries. With a keep directory the loaded database and the Parquet files stay for the next run, so the
report can be timed again (after a code change) without the set-up, which takes minutes per million lines.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from common import PG_ADMIN_URL, fresh_database, libpq_url

from ordercare.metrics.facts import LINE_COLUMNS, ORDER_COLUMNS
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.measure_summary import rebuild_summaries
from ordercare.store.migrate import upgrade

FIRST = date(2025, 1, 1)
DAYS = 730
AS_OF = FIRST + timedelta(days=DAYS)
N_CUSTOMERS, N_PRODUCTS = 5000, 2000
DEPARTMENTS = np.array(["replenishment", "picking", "transport", "billing", "inventory_control", "packing"])
CHANNELS = np.array(["desk", "phone", "web", "portal", "api", "file", "edi"])
DATES = {"order_day", "requested_date", "first_promised_ship", "first_promised_date"}
TABLES = (("order_facts", ORDER_COLUMNS), ("line_facts", LINE_COLUMNS))


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



def _typed(name: str, a: np.ndarray) -> str:
    """DuckDB's expression for one generated column: -1 is NULL, days since FIRST are dates."""
    if a.dtype.kind not in "iu":
        return f'"{name}"'
    if name in DATES:
        return f"CASE WHEN \"{name}\" < 0 THEN NULL ELSE DATE '{FIRST}' + CAST(\"{name}\" AS INTEGER) END AS \"{name}\""
    return f'CASE WHEN "{name}" < 0 THEN NULL ELSE "{name}" END AS "{name}"'


def write_facts(orders: dict, lines: dict, out: Path) -> None:
    """<table>.parquet (DuckDB reads it) and <table>.csv (COPY reads it), converted by DuckDB from the arrays."""
    import duckdb
    import pandas as pd
    con = duckdb.connect()
    for (name, cols), arrays in zip(TABLES, (orders, lines), strict=True):
        df = pd.DataFrame({c: arrays[c] for c in cols}, copy=False)
        con.register("df", df)
        con.execute(f"COPY (SELECT {', '.join(_typed(c, arrays[c]) for c in cols)} FROM df) "
                    f"TO '{out / name}.parquet' (FORMAT parquet)")
        con.unregister("df")
        del df
        con.execute(f"COPY (SELECT * FROM read_parquet('{out / name}.parquet')) TO '{out / name}.csv' "
                    "(FORMAT csv, HEADER false)")
    con.close()


def load_facts(url: str, kind: str, out: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    if kind == "postgres":
        import psycopg
        with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
            for name, cols in TABLES:
                with open(out / f"{name}.csv", "rb") as fh, cur.copy(
                        f"COPY {name} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            conn.commit()
            conn.autocommit = True
            for name, _ in TABLES:
                cur.execute(f"VACUUM ANALYZE {name}")
        return
    import duckdb
    con = duckdb.connect()
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    for name, cols in TABLES:  # dates as ISO text, as SQLAlchemy stores them in SQLite
        rows = con.execute(f"SELECT {', '.join(f'CAST({c} AS VARCHAR)' if c in DATES else c for c in cols)} "
                           f"FROM read_parquet('{out / name}.parquet')")
        insert = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        while batch := rows.fetchmany(100_000):
            db.executemany(insert, batch)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    con.close()


def build_summaries(url: str) -> float:
    """The product's own rebuild (after the migrations, for a kept database); seconds taken."""
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    UnitOfWork(engine).run(rebuild_summaries)
    engine.dispose()
    return time.perf_counter() - t0


def _progress(what: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:7.0f} s] {what}", file=sys.stderr, flush=True)


@contextmanager
def _database(kind: str, keep: Path | None, n_lines: int) -> Iterator[tuple[str, bool]]:
    """(url, whether it already holds the facts): a kept one (made once, named for the line count), or a fresh
    one dropped afterwards."""
    if keep is None:
        with fresh_database(kind) as url:
            yield url, False
        return
    loaded = (keep / f"{kind}.json").exists()
    if kind == "sqlite":
        if not loaded:
            (keep / "kpi.db").unlink(missing_ok=True)
        yield f"sqlite:///{keep}/kpi.db", loaded
        return
    import psycopg
    name = f"oc_kpi_bench_{n_lines}"
    if not loaded:
        with psycopg.connect(libpq_url(PG_ADMIN_URL), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", loaded


@contextmanager
def prepared(kind: str, n_lines: int, keep: Path | None = None, rebuild: bool = False) -> Iterator[dict]:
    """{"url", "facts" (the directory with the Parquet files), "setup_s", "summary_build_s"} of a database holding
    n_lines generated order lines and their summaries. keep: a directory per line count that outlives the run
    (the facts are generated and loaded once; rebuild=True sums the summaries again, e.g. after a schema change)."""
    if keep is not None:
        keep = keep / str(n_lines)
        keep.mkdir(parents=True, exist_ok=True)
    tmp = None if keep is not None else Path(tempfile.mkdtemp(prefix="ordercare-kpi-"))
    facts = keep or tmp
    try:
        with _database(kind, keep, n_lines) as (url, loaded):
            t0 = time.perf_counter()
            if keep is None or not (facts / "line_facts.parquet").exists():
                orders, lines = generate(n_lines)
                write_facts(orders, lines, facts)
                del orders, lines
                _progress(f"{n_lines:,} lines generated and written", t0)
            state = {} if keep is None or not loaded else json.loads((keep / f"{kind}.json").read_text())
            if not loaded:
                load_facts(url, kind, facts)
                _progress(f"{kind}: facts loaded", t0)
            if not loaded or rebuild:
                state["summary_build_s"] = build_summaries(url)
                state["setup_s"] = time.perf_counter() - t0
                if keep is not None:
                    (keep / f"{kind}.json").write_text(json.dumps(state))
            yield {"url": url, "facts": facts, **state}
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
