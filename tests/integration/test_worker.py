"""`ordercare worker` as real processes: killed between sending and recording (nothing lost, the same event id
sent again), stopped by SIGTERM, several at once on PostgreSQL (nothing sent twice), and inside the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ordercare.api.app import create_app
from ordercare.clock import SystemClock
from ordercare.services import webhook_subscriptions as subs
from ordercare.services.webhook_views import get_delivery, list_deliveries
from ordercare.store.outbox import publish
from ordercare.store.outbox_tables import webhook_attempts, webhook_deliveries
from tests.factories import add_customer, order, world
from tests.receivers import WebhookReceiver


def start_worker(url: str, **settings) -> subprocess.Popen:
    env = {**os.environ, "ORDERCARE_DATABASE_URL": url, "ORDERCARE_WORKER_POLL_SECONDS": "0.05",
           **{f"ORDERCARE_{k.upper()}": str(v) for k, v in settings.items()}}
    return subprocess.Popen([sys.executable, "-m", "ordercare.cli", "worker"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> str:
    """SIGTERM, and the worker must leave on its own, cleanly."""
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    return out


def test_a_worker_killed_between_sending_and_recording_loses_nothing(sqlite_env):
    env = sqlite_env
    env.clock.set(datetime.now(UTC))  # the worker processes run on the wall clock
    world(env, stock={("NEAR", "SKU-A"): 10})
    receiver = WebhookReceiver(script=[None])  # the first POST hangs: the worker is killed while it waits
    try:
        subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url,
                                 event_types=["order.placed"])
        order(env, [("SKU-A", 1)])
        fast = {"worker_batch": 1, "webhook_timeout_seconds": 3, "worker_lease_seconds": 1}
        first = start_worker(env.url, **fast)
        assert receiver.arrived.wait(30), first.stdout.read() if first.poll() is not None else "no delivery"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        [d] = list_deliveries(env.uow, env.actor)["items"]
        assert (d["state"], d["attempts"]) == ("sending", 1)  # sent, never recorded
        receiver.release.set()
        second = start_worker(env.url, **fast)
        wait_for(lambda: list_deliveries(env.uow, env.actor)["items"][0]["state"] == "delivered", 30,
                 "the delivery to be taken over once its lease ran out")
        out = stop(second)
        assert "stopped" in out
        assert len(receiver.received) == 2  # at least once: twice here, with one id for the receiver to dedupe
        assert len({r.event_id for r in receiver.received}) == 1 and receiver.received[0].body == \
            receiver.received[1].body
        history = get_delivery(env.uow, env.actor, d["id"])["history"]
        assert [h["status_code"] for h in history] == [200]  # the killed attempt left no record, only the resend
    finally:
        receiver.close()


@pytest.mark.postgres
def test_several_worker_processes_on_postgres_send_each_delivery_once(postgres_env):
    env = postgres_env
    env.clock.set(datetime.now(UTC))
    world(env, customers=("CUST1", "CUST2"))
    add_customer(env, "CUST3")
    receiver = WebhookReceiver(delay=0.002)
    procs = []
    try:
        subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url, event_types=["*"])
        subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url + "/second",
                                 event_types=["order.shipped"])
        messages = 150

        def write(conn):
            for i in range(messages):
                publish(conn, "order.shipped", at=env.clock.now(), actor="test", data={"n": i},
                        customer_id=1 + i % 3)
        env.uow.run(write)
        procs = [start_worker(env.url, worker_batch=4) for _ in range(3)]

        def done() -> bool:
            with env.uow.read() as c:
                return c.execute(select(func.count()).where(webhook_deliveries.c.state == "delivered")
                                 ).scalar_one() == 2 * messages
        wait_for(done, 90, "every delivery to be delivered")
        for p in procs:
            stop(p)
        procs = []
        keys = [(r.event_id, r.headers["Ordercare-Delivery"]) for r in receiver.received]
        assert len(keys) == 2 * messages and len(set(keys)) == 2 * messages  # nothing sent twice
        assert len({r.event_id for r in receiver.received}) == messages
        with env.uow.read() as c:
            per_worker = dict(c.execute(select(webhook_attempts.c.worker, func.count())
                                        .group_by(webhook_attempts.c.worker)).all())
        assert sum(per_worker.values()) == 2 * messages
        assert len(per_worker) >= 2, per_worker  # the work really was shared between processes
    finally:
        for p in procs:
            p.kill()
        receiver.close()


def test_the_server_runs_the_worker_in_a_thread_and_stops_it(sqlite_env):
    env = sqlite_env
    world(env, stock={("NEAR", "SKU-A"): 10})
    receiver = WebhookReceiver()
    try:
        subs.create_subscription(env.uow, env.clock, env.settings, env.actor, url=receiver.url,
                                 event_types=["order.confirmed"])
        settings = env.settings.model_copy(update={"run_worker": True, "worker_poll_seconds": 0.05})
        app = create_app(settings, uow=env.uow, clock=SystemClock())
        with TestClient(app):
            order(env, [("SKU-A", 1)])
            assert receiver.arrived.wait(20)
        threads = [t.name for t in __import__("threading").enumerate()]
        assert "ordercare-worker" not in threads  # stopped with the app
        assert [r.json["type"] for r in receiver.received] == ["order.confirmed"]
    finally:
        receiver.close()
