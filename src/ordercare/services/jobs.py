"""Background jobs with a progress row: long operations (planning loads, imports, simulations) run in a worker
thread while a page polls their progress. A job belongs to the user who started it; others are told it does
not exist."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import insert, select, update

from ..clock import Clock
from ..domain.access import Actor
from ..domain.errors import DomainError, NotFound
from ..store.db import UnitOfWork
from ..store.web_tables import jobs

log = logging.getLogger("ordercare.jobs")
# Few workers: jobs are heavy (solvers, imports) and the machine's cores also serve requests.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ordercare-job")

Progress = Callable[[int, int, str], None]  # (done, total, what is happening now)
Work = Callable[[Progress], dict[str, Any]]


# Progress of the jobs running in this process, (done, total, step) by job id. SQLite has one writer at a time and a
# job's own work may hold a long write transaction (an all-or-nothing import), so on SQLite the progress lives here
# only (the server is one process there); elsewhere it is written to the job's row too, for every process to read.
_LIVE: dict[tuple[str, int], tuple[int, int, str]] = {}


def _key(uow: UnitOfWork, job_id: int) -> tuple[str, int]:
    return str(uow.engine.url), job_id


class _Reporter:
    """Records progress when the step or the whole percentage changes (not on every call)."""

    def __init__(self, uow: UnitOfWork, job_id: int):
        self.uow, self.job_id, self.last = uow, job_id, None
        self.in_row = uow.engine.dialect.name != "sqlite"

    def __call__(self, done: int, total: int, step: str) -> None:
        total = max(total, 1)
        key = (step, 100 * min(done, total) // total)
        if key == self.last:
            return
        self.last = key
        _LIVE[_key(self.uow, self.job_id)] = (min(done, total), total, step[:200])
        if self.in_row:
            self.uow.run(lambda conn: conn.execute(update(jobs).where(jobs.c.id == self.job_id).values(
                done=min(done, total), total=total, step=step[:200])))


def _finish(uow: UnitOfWork, clock: Clock, job_id: int, **values: Any) -> None:
    uow.run(lambda conn: conn.execute(update(jobs).where(jobs.c.id == job_id)
                                      .values(finished_at=clock.now(), **values)))


def _run(uow: UnitOfWork, clock: Clock, job_id: int, work: Work) -> None:
    try:
        _run_work(uow, clock, job_id, work)
    finally:
        _LIVE.pop(_key(uow, job_id), None)


def _run_work(uow: UnitOfWork, clock: Clock, job_id: int, work: Work) -> None:
    reporter = _Reporter(uow, job_id)
    try:
        result = work(reporter)
    except DomainError as exc:
        _finish(uow, clock, job_id, status="failed", error=exc.as_dict())
    except Exception:  # a job must end with a status whatever happens; the trace goes to the log
        log.exception("job %s failed", job_id)
        _finish(uow, clock, job_id, status="failed",
                error={"code": "internal_error", "message": "something went wrong on our side; it was logged"})
    else:
        total = _LIVE.get(_key(uow, job_id), (0, 1, ""))[1]
        _finish(uow, clock, job_id, status="done", done=total, total=total, result=result, step="done")


def start_job(uow: UnitOfWork, clock: Clock, actor: Actor, *, kind: str, title: str, work: Work) -> int:
    """Record the job and run `work(progress)` in the background; returns the job id at once.

    The caller checks permissions before (the work function's own service calls check them again).
    """
    job_id = uow.run(lambda conn: conn.execute(insert(jobs).values(
        kind=kind, title=title[:200], status="running", done=0, total=1, step="starting", user_id=actor.user_id,
        created_by=actor.username, created_at=clock.now()).returning(jobs.c.id)).scalar_one())
    _POOL.submit(_run, uow, clock, job_id, work)
    return job_id


def get_job(uow: UnitOfWork, actor: Actor, job_id: int) -> dict[str, Any]:
    with uow.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None or row.user_id != actor.user_id or row.created_by != actor.username:
        raise NotFound("job_not_found", f"job {job_id}: no such job", field="job_id")
    done, total, step = _LIVE.get(_key(uow, job_id), (row.done, row.total, row.step)) if row.status == "running" else (
        row.done, row.total, row.step)
    return {"id": row.id, "kind": row.kind, "title": row.title, "status": row.status, "done": done,
            "total": total, "percent": 100 * done // max(total, 1), "step": step,
            "result": row.result, "error": row.error, "created_at": row.created_at, "finished_at": row.finished_at}
