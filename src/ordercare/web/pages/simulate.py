"""The simulator from the browser (admin only): choose a scenario, and services/simulation_runs.run_simulation
builds a simulated company in a new SQLite file the server names (never the live database) and runs it day by
day as a background job; /jobs/{id} polls its progress and shows the summary at the end."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...services import jobs
from ...services.simulation_runs import WEB_LIMITS, check_web_scenario, run_simulation
from ...sim.scenario import Scenario
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, calendar_date, whole_number
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Admin = Annotated[Page, Depends(needs(P.RUN_SIMULATION, staff_only=True))]
NAV = [NavEntry("Simulator", "/simulate", P.RUN_SIMULATION, 70, "Run the simulated distributor for some days in a "
                "separate database, to try the product on a realistic history.")]
DEFAULTS = {"days": "30", "seed": "7", "customers": "40", "skus": "300", "start": "2026-01-01"}


def _form(p: Page, errors: FieldErrors | None = None, status: int = 200):
    return p.html("simulate/new.html", status=status, errors=errors or FieldErrors(),
                  values={**DEFAULTS, **p.form.values}, limits=WEB_LIMITS)


@router.get("/simulate")
def simulate_form(p: Admin):
    return _form(p)


@router.post("/simulate")
def start(p: Admin):
    errors = FieldErrors()
    days = whole_number(p.form, "days", errors, minimum=1, maximum=WEB_LIMITS["days"])
    seed = whole_number(p.form, "seed", errors, minimum=0, maximum=2**31)
    customers = whole_number(p.form, "customers", errors, minimum=1, maximum=WEB_LIMITS["customers"])
    skus = whole_number(p.form, "skus", errors, minimum=24, maximum=WEB_LIMITS["skus"])
    first = calendar_date(p.form, "start", errors, required=True)
    if not errors:
        try:
            scenario = check_web_scenario(p.actor, Scenario(days=days, seed=seed, customers=customers, skus=skus,
                                                            start=first or date(2026, 1, 1)))
        except DomainError as exc:
            errors.take_unless_missing(exc)
    if errors:
        return _form(p, errors, 422)
    settings, clock, actor = p.settings, p.clock, p.actor

    def work(progress) -> dict[str, Any]:
        return run_simulation(settings, clock, actor, scenario,
                              progress=lambda step, done, total: progress(done, total, f"{step}: {done} of {total}"))

    job_id = jobs.start_job(p.uow, clock, actor, kind="simulation",
                            title=f"Simulate {days} day(s) from {scenario.start} (seed {seed})", work=work)
    return p.redirect(f"/jobs/{job_id}")
