"""`ordercare simulate`: a small distributor run through the real services with a simulated clock. The same seed
writes the same history, another seed another one; the books balance afterwards; bad arguments are CLI errors
that write nothing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ordercare.cli import app
from ordercare.domain.access import SYSTEM
from ordercare.services.invariants import run_checks
from ordercare.sim.run import simulate
from ordercare.sim.scenario import Scenario
from ordercare.store.billing_tables import invoices, payments
from ordercare.store.db import UnitOfWork, make_engine
from ordercare.store.fulfilment_tables import shipment_lines, shipments
from ordercare.store.service_tables import cases
from ordercare.store.tables import allocations, order_lines, orders, receipts, stock, stock_moves

runner = CliRunner()
SMALL = ["--days", "12", "--customers", "12", "--skus", "48"]
HISTORY = [orders, order_lines, allocations, shipments, shipment_lines, receipts, stock, stock_moves, invoices,
           payments, cases]


def _digest(url: str) -> dict[str, str]:
    """A fingerprint per table of everything the history wrote, row by row in id order."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as c:
        for table in HISTORY:
            key = table.c.id if "id" in table.c else list(table.primary_key.columns)
            rows = c.execute(select(table).order_by(*([key] if not isinstance(key, list) else key))).all()
            out[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16] + \
                f" ({len(rows)} rows)"
    engine.dispose()
    return out


def _run(tmp_path, name: str, seed: int, hash_seed: str | None = None) -> tuple[dict, dict]:
    """The command in this process, or (hash_seed given) in a process of its own with that PYTHONHASHSEED, so
    that no iteration over a set of strings can make two runs of one seed differ."""
    db = tmp_path / f"{name}.db"
    args = ["simulate", *SMALL, "--seed", str(seed), "--db", str(db), "--json"]
    if hash_seed is None:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        out = res.stdout
    else:
        done = subprocess.run([sys.executable, "-c", "from ordercare.cli import app; app()", *args],
                              capture_output=True, text=True, env=os.environ | {"PYTHONHASHSEED": hash_seed})
        assert done.returncode == 0, done.stderr
        out = done.stdout
    summary = json.loads(out[out.index("{"):])
    return summary, _digest(f"sqlite:///{db}")


def test_the_same_seed_gives_the_same_history_and_another_seed_another(tmp_path):
    first, history = _run(tmp_path, "a", 3, hash_seed="1")
    again, history_again = _run(tmp_path, "b", 3, hash_seed="2")
    other, other_history = _run(tmp_path, "c", 4)
    assert first["tally"]["orders"] > 30 and first["tally"]["shipments"] > 0 and first["tally"]["invoices"] > 0
    assert history == history_again and first["tally"] == again["tally"]
    assert other["tally"] != first["tally"]
    assert all(other_history[t] != history[t] for t in ("orders", "order_lines", "shipments"))


@pytest.mark.parametrize("args, code", [
    (["--days", "0"], "invalid_days"),
    (["--days", "4000"], "invalid_days"),
    (["--customers", "0"], "invalid_customers"),
    (["--skus", "5"], "invalid_skus"),
    (["--start", "2026-02-30"], "invalid_date"),
])
def test_bad_arguments_are_cli_errors_and_write_nothing(tmp_path, args, code):
    db = tmp_path / "never.db"
    res = runner.invoke(app, ["simulate", *args, "--db", str(db)])
    assert res.exit_code == 2 and f"[{code}]" in res.output and "Traceback" not in res.output
    assert not db.exists()


def test_the_simulation_runs_on_postgres_and_the_books_balance(postgres_env):
    env = postgres_env
    summary = simulate(env.uow, env.settings, Scenario(days=10, customers=10, skus=48, seed=5))
    assert summary.orders > 20 and summary.tally["shipments"] > 0
    report = run_checks(UnitOfWork(make_engine(env.url)), env.clock, SYSTEM)
    assert report["ok"], report["violations"][:5]
