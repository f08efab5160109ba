"""The crash test, long version: orders over HTTP for N minutes while the server is killed (SIGKILL) and, on
PostgreSQL, the database crashes (immediate stop) and restarts, again and again. Then every order answered 2xx
must exist with its lines, once; no order may exist that no client sent; `ordercare check` must pass; no
request may have got a 500. Exit code 1 otherwise. The harness is tests/reliability/crash.py (the suite runs a
short version of it: tests/reliability/test_crash.py); docs/reliability.md explains what it proves.

PostgreSQL runs as a throwaway cluster in a temporary directory on a free port (initdb/pg_ctl from
/usr/lib/postgresql/*/bin, as the `postgres` user when run as root), never the shared server on 5432.

    python bench/crash_test.py --minutes 10 [--backend sqlite|postgres|both] [--clients 16]
                               [--kill-every 15] [--db-restart-every 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console
from rich.table import Table

from tests.reliability import crash
from tests.reliability.throwaway_pg import ThrowawayPostgres, free_port

console = Console()


def _one(kind: str, args) -> tuple[dict, list[str]]:
    seconds = args.minutes * 60
    plan = crash.Plan(seconds=seconds, clients=args.clients, kills=max(1, int(seconds // args.kill_every)),
                      db_restarts=int(seconds // args.db_restart_every) if kind == "postgres" else 0)
    say = lambda msg: console.print(f"[dim]{kind}[/dim] {msg}")
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="oc-crash-") as tmp:
            url = f"sqlite:///{tmp}/crash.db"
            company = crash.seed(url, products=args.products, stock=args.stock)
            result = crash.run(company, free_port(), plan, progress=say)
            return result, crash.verify(url, result["tally"])
    with ThrowawayPostgres() as pg:
        company = crash.seed(pg.url, products=args.products, stock=args.stock)
        result = crash.run(company, free_port(), plan, restart_database=pg.crash_restart, progress=say)
        return result, crash.verify(pg.url, result["tally"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5, help="load time per backend")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--kill-every", type=float, default=15, help="seconds between server kills")
    ap.add_argument("--db-restart-every", type=float, default=60, help="seconds between database crashes (PG)")
    ap.add_argument("--products", type=int, default=40)
    ap.add_argument("--stock", type=int, default=200, help="units per product in two of the three warehouses")
    args = ap.parse_args(argv)
    t = Table("backend", "seconds", "kills", "db crashes", "orders (2xx)", "replayed (200)", "retries",
              "503", "500", "problems", title="Crash test")
    failed = False
    for kind in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        started = time.monotonic()
        result, problems = _one(kind, args)
        tally, kinds = result["tally"], [e[1] for e in result["events"]]
        retries = sum(tally.answers.values()) - len(tally.acked) - len(tally.unexpected)
        if tally.answers["500"]:
            problems.append(f"{tally.answers['500']} requests answered 500")
        failed |= bool(problems)
        t.add_row(kind, f"{time.monotonic() - started:.0f}", str(kinds.count("kill")), str(kinds.count("db")),
                  str(len(tally.acked)), str(tally.answers["200"]), str(retries), str(tally.answers["503"]),
                  str(tally.answers["500"]), "[green]none[/green]" if not problems else f"[red]{len(problems)}[/red]")
        for p in problems[:50]:
            console.print(f"[red]{kind}[/red] {p}")
    console.print(t)
    console.print("[red]FAILED[/red]" if failed else "[green]every acknowledged order is there, once; the books "
                  "balance[/green]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
