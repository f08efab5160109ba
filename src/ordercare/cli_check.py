"""`ordercare check`: the invariant checker over the configured database (ORDERCARE_DATABASE_URL)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table


def check_cmd(only: Annotated[list[str], typer.Option(
                  "--only", help="Run only this check (repeatable): stock_conservation, stock_levels, "
                  "receipt_promises, returned_units, order_quantities, allocation_links, order_statuses, "
                  "receivables_ledger, invoiced_marks, outbox_leases")] = [],  # noqa: B006 - Typer reads the default
              as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
              limit: Annotated[int, typer.Option(help="Rows shown per check in the table (--json shows all)")] = 50,
              ) -> None:
    """Check that stock, returns, orders and the receivables ledger balance. Exits 1 and lists the offending
    rows when an invariant is broken (0 when all hold). See docs/reliability.md."""
    from .cli import _actor, _fail, _settings, _uow, console
    from .clock import SystemClock
    from .domain.errors import DomainError
    from .services.invariants import run_checks
    try:
        report = run_checks(_uow(_settings()), SystemClock(), _actor(), only=only or None)
    except DomainError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        summary = Table("check", "proves", "violations", title="Invariants")
        for c in report["checks"]:
            n = c["violations"]
            summary.add_row(c["name"], c["proves"], "[green]0[/green]" if not n else f"[red]{n}[/red]")
        console.print(summary)
        for c in report["checks"]:
            rows = [v for v in report["violations"] if v["check"] == c["name"]]
            if not rows:
                continue
            t = Table("subject", "expected", "found", "problem", title=f"{c['name']}: {len(rows)} violation(s)")
            for v in rows[:limit]:
                t.add_row(escape(v["subject"]), escape(v["expected"]), escape(v["found"]), escape(v["message"]))
            if len(rows) > limit:
                t.caption = f"{len(rows) - limit} more (use --json for all)"
            console.print(t)
        total = len(report["violations"])
        console.print("[green]all invariants hold[/green]" if not total else f"[red]{total} violation(s)[/red]")
    if report["violations"]:
        raise typer.Exit(1)
