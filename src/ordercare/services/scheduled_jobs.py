"""Periodic jobs run by `ordercare worker`: a name, an interval and a callable.

To add one, register it in your feature's module and list that module in JOB_MODULES:

    from datetime import timedelta
    from ordercare.services.scheduled_jobs import register_job

    register_job("sla_escalations", timedelta(minutes=5),
                 lambda ctx: run_sla_escalations(ctx.uow, ctx.clock, ctx.actor))

Whichever worker finds the job due claims it with a conditional update (next_run_at moves on by the
interval and a lease is taken in the same statement), so with several workers a job runs once per
interval. Time is the worker's injected clock. A job that raises is recorded as failed with its error
and runs again at its next time; a worker that dies mid-run leaves the lease to expire.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import Clock
from ..config import Settings
from ..domain.access import SYSTEM, Actor, Permission
from ..domain.errors import DomainError
from ..store.db import UnitOfWork
from ..store.outbox_tables import scheduled_jobs

log = logging.getLogger("ordercare.worker")

# Modules that register jobs when imported; add yours here (one line).
JOB_MODULES: list[str] = ["ordercare.services.outbox_housekeeping", "ordercare.services.sla_escalation"]


@dataclass(frozen=True)
class JobContext:
    uow: UnitOfWork
    clock: Clock
    settings: Settings
    actor: Actor  # the system actor: jobs act for nobody in particular


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[JobContext], Any]


_REGISTRY: dict[str, Job] = {}


def register_job(name: str, every: timedelta, run: Callable[[JobContext], Any]) -> Job:
    if every <= timedelta(0):
        raise ValueError(f"job {name}: the interval must be positive")
    job = Job(name, every, run)
    _REGISTRY[name] = job
    return job


def registered_jobs() -> list[Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return sorted(_REGISTRY.values(), key=lambda j: j.name)


def run_due_jobs(uow: UnitOfWork, clock: Clock, settings: Settings, worker: str, jobs: list[Job]) -> int:
    """Run each job whose time has come and that no other worker holds; returns how many ran."""
    ran = 0
    for job in jobs:
        _ensure_row(uow, clock, job)
        if uow.run(lambda conn, job=job: _claim(conn, clock, settings, worker, job)):
            _run(uow, clock, settings, worker, job)
            ran += 1
    return ran


def _ensure_row(uow: UnitOfWork, clock: Clock, job: Job) -> None:
    """A new job is due at once."""
    def work(conn: Connection) -> None:
        if conn.execute(select(scheduled_jobs.c.name).where(scheduled_jobs.c.name == job.name)).first() is None:
            conn.execute(insert(scheduled_jobs).values(name=job.name, next_run_at=clock.now(), runs=0))
    try:
        uow.run(work)
    except IntegrityError:
        pass  # another worker registered it at the same moment


def _claim(conn: Connection, clock: Clock, settings: Settings, worker: str, job: Job) -> bool:
    now = clock.now()
    j = scheduled_jobs.c
    res = conn.execute(update(scheduled_jobs).where(
        j.name == job.name, j.next_run_at <= now, or_(j.lease_until.is_(None), j.lease_until < now)).values(
        next_run_at=now + job.every, lease_until=now + timedelta(seconds=settings.worker_lease_seconds),
        claimed_by=worker, last_started_at=now))
    return res.rowcount == 1


def _run(uow: UnitOfWork, clock: Clock, settings: Settings, worker: str, job: Job) -> None:
    status, error = "ok", None
    try:
        job.run(JobContext(uow, clock, settings, SYSTEM))
    except DomainError as exc:
        status, error = "failed", f"[{exc.code}] {exc.message}"
    except Exception as exc:  # noqa: BLE001 - a job's bug must not stop the worker; it is logged and recorded
        log.exception("scheduled job %s failed", job.name)
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    uow.run(lambda conn: conn.execute(update(scheduled_jobs).where(
        scheduled_jobs.c.name == job.name, scheduled_jobs.c.claimed_by == worker).values(
        lease_until=None, last_finished_at=clock.now(), last_status=status, last_error=(error or None) and error[:500],
        runs=scheduled_jobs.c.runs + 1)))


def job_status(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_OUTBOX)
    known = {j.name: j for j in registered_jobs()}
    with uow.read() as conn:
        rows = {r.name: r for r in conn.execute(select(scheduled_jobs))}
    return [{"name": name, "every_seconds": int(job.every.total_seconds()),
             "next_run_at": rows[name].next_run_at if name in rows else None,
             "last_started_at": rows[name].last_started_at if name in rows else None,
             "last_status": rows[name].last_status if name in rows else None,
             "last_error": rows[name].last_error if name in rows else None,
             "runs": rows[name].runs if name in rows else 0} for name, job in known.items()]
