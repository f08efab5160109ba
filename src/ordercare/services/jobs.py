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


class _Reporter:
    """Writes progress when the step or the whole percentage changes (not on every call)."""

    def __init__(self, uow: UnitOfWork, job_id: int):
        self.uow, self.job_id, self.last = uow, job_id, None

    def __call__(self, done: int, total: int, step: str) -> None:
        total = max(total, 1)
        key = (step, 100 * min(done, total) // total)
        if key == self.last:
            return
        self.last = key
        self.uow.run(lambda conn: conn.execute(update(jobs).where(jobs.c.id == self.job_id).values(
            done=min(done, total), total=total, step=step[:200])))


def _finish(uow: UnitOfWork, clock: Clock, job_id: int, **values: Any) -> None:
    uow.run(lambda conn: conn.execute(update(jobs).where(jobs.c.id == job_id)
                                      .values(finished_at=clock.now(), **values)))


def _run(uow: UnitOfWork, clock: Clock, job_id: int, work: Work) -> None:
    try:
        result = work(_Reporter(uow, job_id))
    except DomainError as exc:
        _finish(uow, clock, job_id, status="failed", error=exc.as_dict())
    except Exception:  # a job must end with a status whatever happens; the trace goes to the log
        log.exception("job %s failed", job_id)
        _finish(uow, clock, job_id, status="failed",
                error={"code": "internal_error", "message": "something went wrong on our side; it was logged"})
    else:
        row = uow.run(lambda conn: conn.execute(select(jobs.c.total).where(jobs.c.id == job_id)).scalar_one())
        _finish(uow, clock, job_id, status="done", done=row, total=row, result=result, step="done")


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
    return {"id": row.id, "kind": row.kind, "title": row.title, "status": row.status, "done": row.done,
            "total": row.total, "percent": 100 * row.done // max(row.total, 1), "step": row.step,
            "result": row.result, "error": row.error, "created_at": row.created_at, "finished_at": row.finished_at}
