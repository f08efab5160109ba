"""`ordercare worker`: drives the outbox (fan-out, webhooks, e-mail) and the scheduled jobs.

One pass does a batch of each kind of work; the loop sleeps only when a pass found nothing to do. Due
times are read from the injected clock; the sleep between idle polls is the only wall-clock wait.
SIGTERM/SIGINT (or the stop event, inside the server) end the loop after the current send is recorded.
Several workers may run at once (see store/work_queue.py).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from contextlib import asynccontextmanager

from .clock import Clock
from .config import Settings
from .notifications.smtp import send_mail
from .notifications.webhook_post import post
from .services.email_delivery import send_due_emails
from .services.outbox_dispatch import dispatch_pending
from .services.scheduled_jobs import Job, registered_jobs, run_due_jobs
from .services.webhook_delivery import deliver_due_webhooks
from .store.db import UnitOfWork

log = logging.getLogger("ordercare.worker")


class Worker:
    def __init__(self, uow: UnitOfWork, clock: Clock, settings: Settings, *, name: str | None = None,
                 jobs: list[Job] | None = None, poster=post, sender=send_mail):
        self.uow, self.clock, self.settings = uow, clock, settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.jobs = registered_jobs() if jobs is None else jobs
        self.poster, self.sender = poster, sender

    def run_once(self) -> int:
        """One pass over every kind of work; returns how much was done (0: idle)."""
        s = self.settings
        done = dispatch_pending(self.uow, self.clock, s, limit=s.worker_batch)  # short write transactions
        done += deliver_due_webhooks(self.uow, self.clock, s, self.name, poster=self.poster)
        done += send_due_emails(self.uow, self.clock, s, self.name, sender=self.sender)
        done += run_due_jobs(self.uow, self.clock, s, self.name, self.jobs)
        return done

    def run(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # e.g. the database restarting: log, wait, go on
                log.exception("worker %s: pass failed", self.name)
                busy = 0
            if not busy:
                stop.wait(self.settings.worker_poll_seconds)
        log.info("worker %s stopped", self.name)


def start_in_background(uow: UnitOfWork, clock: Clock, settings: Settings) -> tuple[threading.Thread,
                                                                                     threading.Event]:
    """The worker as a daemon thread of the server process (`ordercare serve --with-worker`, the demo)."""
    stop = threading.Event()
    worker = Worker(uow, clock, settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="ordercare-worker", daemon=True)
    thread.start()
    return thread, stop


def attach_worker(app) -> None:
    """Start the worker thread with the app's lifespan and stop it (after its current step) at shutdown."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        thread, stop = start_in_background(a.state.uow, a.state.clock, a.state.settings)
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            thread.join(timeout=a.state.settings.webhook_timeout_seconds + 5)

    app.router.lifespan_context = lifespan


def run_until_signalled(worker: Worker) -> None:
    """The foreground worker process: SIGTERM and SIGINT ask it to stop after the current step."""
    stop = threading.Event()

    def _stop(signum, _frame):
        log.info("worker %s: signal %s, stopping", worker.name, signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run(stop)
