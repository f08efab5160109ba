"""`ordercare simulate`: run the simulated distributor (ordercare.sim) for N days on a fresh SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .services.simulation_runs import fresh_sqlite  # noqa: F401 (cli.py imports it from here)


@contextmanager
def progress_bars(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich bar per step of a long build; yields the progress(step, done, total) callback the builders take."""
    with Progress(TextColumn("{task.description:<16}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console) as bar:
        tasks: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield progress


def simulate_cmd(days: Annotated[int, typer.Option(help="Days to simulate (1 to 3660)")] = 365,
                 seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same history")] = 7,
                 customers: Annotated[int, typer.Option(help="External customers (three internal sites come on "
                                                        "top)")] = 300,
                 skus: Annotated[int, typer.Option(help="Products in the range (24 to 100000)")] = 2000,
                 start: Annotated[str, typer.Option(help="First simulated day, YYYY-MM-DD")] = "2026-01-01",
                 db: Annotated[Path, typer.Option(help="SQLite file to (re)build")] = Path("ordercare-sim.db"),
                 as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False) -> None:
    """Run a distributor through the real services with a simulated clock: customers in segments with their
    own ordering habits and channels, seasonal demand, suppliers, pickers, carriers, complaints, returns and
    payments. Builds the company in a new SQLite file, then simulates day after day; deterministic for a seed."""
    from .cli import _fail, console, err
    from .config import Settings
    from .domain.errors import DomainError, ValidationFailed
    from .sim.run import simulate
    from .sim.scenario import Scenario
    from .store.db import UnitOfWork

    try:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise ValidationFailed("invalid_date", f"start: {start!r} is not a date (YYYY-MM-DD)",
                                   field="start") from None
        scenario = Scenario(days=days, seed=seed, customers=customers, skus=skus, start=first).check()
    except DomainError as exc:
        _fail(exc)
    url, engine = fresh_sqlite(db)
    out = console if not as_json else err
    with progress_bars(out) as progress:
        summary = simulate(UnitOfWork(engine), Settings(database_url=url), scenario, progress=progress)
    engine.dispose()
    if as_json:
        console.print_json(json.dumps(summary.as_dict()))
        return
    console.print(f"\n[bold green]Simulated[/bold green] {days} days from {scenario.start} (seed {seed}) in {db}: "
                  f"{summary.orders} orders in {summary.seconds:.0f} s "
                  f"({days / max(summary.seconds - summary.setup_seconds, 1e-9):.2f} days/s after "
                  f"{summary.setup_seconds:.0f} s of set-up)")
    table = Table("what happened", "count")
    for name, n in sorted(summary.tally.items()):
        table.add_row(name, str(n))
    console.print(table)
    if summary.refusals:
        refused = Table("a service said no (domain error)", "count")
        for name, n in sorted(summary.refusals.items()):
            refused.add_row(name, str(n))
        console.print(refused)
