"""Running the simulator on behalf of a user (the web page's "Run the simulator"), never on the live data.

The simulated company is built in a new SQLite file that the server names, in `settings.simulation_dir` (by
default `ordercare-simulations/` in the system's temporary directory): the user chooses the scenario, not the
file, so no form can point the simulator at the live database or overwrite another file. A file that would
resolve to the live SQLite database is refused all the same. The summary names the file; open it with
`ORDERCARE_DATABASE_URL=sqlite:///<file> ordercare serve` to look around the simulated company.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor, Permission
from ..domain.errors import Conflict, ValidationFailed
from ..sim.scenario import Scenario

# What a browser may ask for: the simulator runs in the server's job pool, next to the requests it serves.
WEB_LIMITS = {"days": 366, "customers": 2000, "skus": 20_000}
Progress = Callable[[str, int, int], None]  # (step, done, total), as sim.run.simulate reports it


def fresh_sqlite(db: Path):
    """Delete the SQLite file (and its WAL) and migrate a new one; returns (url, engine)."""
    from ..store.db import make_engine
    from ..store.migrate import upgrade
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db.resolve()}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


def check_web_scenario(actor: Actor, scenario: Scenario) -> Scenario:
    """The simulator's own limits, then the smaller ones of a run started from a page (each field named)."""
    actor.require(Permission.RUN_SIMULATION)
    scenario.check()
    for name, high in WEB_LIMITS.items():
        if getattr(scenario, name) > high:
            raise ValidationFailed(f"invalid_{name}", f"{name}: at most {high} from the web page (the command "
                                   "`ordercare simulate` runs bigger ones)", field=name, maximum=high)
    return scenario


def simulation_file(settings: Settings, clock: Clock) -> Path:
    """A new file in the simulation directory, named by the server: never an existing file, never the live one."""
    folder = Path(settings.simulation_dir or Path(tempfile.gettempdir()) / "ordercare-simulations")
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / f"sim-{clock.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.db").resolve()
    live = settings.database_url
    if live.startswith("sqlite:///") and Path(live.removeprefix("sqlite:///")).resolve() == path:
        raise Conflict("live_database", "the simulation file would be the live database", field="db")
    return path


def run_simulation(settings: Settings, clock: Clock, actor: Actor, scenario: Scenario, *,
                   progress: Progress) -> dict[str, Any]:
    """Build the company and simulate the days in a new SQLite file; the summary and where the file is."""
    from ..sim.run import simulate
    from ..store.db import UnitOfWork
    check_web_scenario(actor, scenario)
    path = simulation_file(settings, clock)
    url, engine = fresh_sqlite(path)
    try:
        summary = simulate(UnitOfWork(engine), Settings(database_url=url), scenario, progress=progress)
    finally:
        engine.dispose()
    return {**summary.as_dict(), "orders": summary.orders, "file": str(path)}
