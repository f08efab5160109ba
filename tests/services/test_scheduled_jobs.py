"""Scheduled jobs run by the worker on the injected clock: once per interval however many workers, failures
recorded; the outbox's housekeeping job forgets finished messages after the retention period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ordercare.domain.errors import Conflict
from ordercare.services.outbox_housekeeping import purge_finished_messages
from ordercare.services.scheduled_jobs import Job, JobContext, job_status, register_job, registered_jobs
from ordercare.store.outbox_tables import email_messages, outbox_messages
from ordercare.worker import Worker
from tests.factories import order, world


def test_a_job_runs_once_per_interval_whichever_worker_finds_it_due(env):
    runs = []
    job = Job("count_runs", timedelta(minutes=10), lambda ctx: runs.append(ctx.clock.now()))
    a = Worker(env.uow, env.clock, env.settings, jobs=[job], name="a")
    b = Worker(env.uow, env.clock, env.settings, jobs=[job], name="b")
    a.run_once()
    b.run_once()
    assert len(runs) == 1  # due at once when new, then not again before its interval
    env.clock.advance(minutes=9)
    b.run_once()
    a.run_once()
    assert len(runs) == 1
    env.clock.advance(minutes=1)
    b.run_once()
    a.run_once()
    assert len(runs) == 2 and runs[1] - runs[0] == timedelta(minutes=10)


def test_a_failing_job_is_recorded_and_runs_again_at_its_next_time(env):
    calls = []

    def flaky(ctx: JobContext):
        calls.append(1)
        if len(calls) == 1:
            raise Conflict("dunning_busy", "another run holds the ledger")

    job = register_job("flaky_for_test", timedelta(hours=1), flaky)
    try:
        w = Worker(env.uow, env.clock, env.settings, jobs=[job])
        w.run_once()
        status = {j["name"]: j for j in job_status(env.uow, env.actor)}["flaky_for_test"]
        assert (status["last_status"], status["last_error"], status["runs"]) == (
            "failed", "[dunning_busy] another run holds the ledger", 1)
        assert status["next_run_at"] == env.clock.now() + timedelta(hours=1)
        env.clock.advance(hours=1)
        w.run_once()
        status = {j["name"]: j for j in job_status(env.uow, env.actor)}["flaky_for_test"]
        assert (status["last_status"], status["last_error"], status["runs"]) == ("ok", None, 2)
    finally:
        from ordercare.services import scheduled_jobs
        scheduled_jobs._REGISTRY.pop("flaky_for_test")


def test_housekeeping_forgets_finished_messages_after_the_retention_period(env):
    world(env, stock={("NEAR", "SKU-A"): 10})
    order(env, [("SKU-A", 1)])
    Worker(env.uow, env.clock, env.settings, jobs=[]).run_once()  # dispatched; an e-mail waits (no address)
    assert "outbox_housekeeping" in {j.name for j in registered_jobs()}
    ctx = JobContext(env.uow, env.clock, env.settings, env.actor)
    env.clock.advance(days=env.settings.outbox_retention_days - 1)
    assert purge_finished_messages(ctx) == 0  # too recent
    env.clock.advance(days=2)
    assert purge_finished_messages(ctx) == 3
    with env.uow.read() as c:
        assert c.execute(select(func.count()).select_from(outbox_messages)).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(email_messages)).scalar_one() == 0
