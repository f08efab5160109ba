"""The crash test: orders over HTTP while the server is killed (SIGKILL) and the database crashes.

Clients POST orders with an Idempotency-Key (also written as the order's customer_po, so the orders can be
traced without trusting the idempotency table) and retry the same request on connection errors, timeouts,
5xx and 409 "in progress" until they get an answer. Meanwhile the uvicorn server is killed with SIGKILL and
restarted on the same port, and — on a throwaway PostgreSQL cluster — the database is stopped the hard way
and restarted. Afterwards (`verify`): every order answered 2xx exists with the lines that were sent, no key
has two orders, no order exists that no client sent, and `ordercare check` finds nothing.

Used by tests/reliability/test_crash.py (short) and bench/crash_test.py (long).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

HOST = "127.0.0.1"
# Short, so a key whose request died with the server is taken over within the run (production: 60 s).
STALE_SECONDS = 2


@dataclass
class Company:
    url: str
    token: str
    skus: list[str]
    customers: list[str]


def seed(url: str, *, products: int = 12, customers: int = 6, stock: int = 60) -> Company:
    """Schema by the migrations, a small company through the services. Little stock: orders soon back-order,
    so reservations, back-orders and statuses are all exercised while the server dies."""
    from ordercare.clock import FixedClock
    from ordercare.config import Settings
    from ordercare.domain.access import SYSTEM
    from ordercare.services import auth
    from ordercare.services import master_data as md
    from ordercare.store.db import UnitOfWork, make_engine
    from ordercare.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    uow, clock, settings = UnitOfWork(engine), FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC)), Settings(
        database_url=url)
    for code, lat, lon in (("NEAR", 50.0, 4.0), ("MID", 50.0, 8.2), ("FAR", 50.0, 16.6)):
        md.create_warehouse(uow, SYSTEM, md.WarehouseData(code, f"{code} DC", "EU", code, lat, lon, 1))
    skus = [f"CR-{i:03d}" for i in range(products)]
    for sku in skus:
        md.create_product(uow, SYSTEM, md.ProductData(sku, f"Product {sku}", Decimal("1.5"), Decimal("0.01"),
                                                      Decimal("10.00"), Decimal("6.00")))
        for wh in ("NEAR", "FAR"):
            md.adjust_stock(uow, clock, settings, SYSTEM, warehouse=wh, sku=sku, delta=stock, reason="opening",
                            kind="initial")
    codes = [f"CR{i:02d}" for i in range(customers)]
    for code in codes:
        md.create_customer(uow, clock, SYSTEM, md.CustomerData(
            code=code, name=f"Customer {code}", credit_limit=None, service_package="B", segment="B",
            ship_tos=[md.ShipToData("MAIN", "Main", "Town", "BE", 50.0, 4.01, is_default=True)]))
    _, token = auth.add_user_with_token(uow, clock, SYSTEM, username="crash-client", role="cs_agent")
    engine.dispose()
    return Company(url, token, skus, codes)


# A parent process that has imported the app once and forks a fresh server process on demand: a restart then
# takes a fraction of a second instead of a cold start of Python and every import (seconds on a busy machine).
# It is single-threaded, so forking it is safe; each server builds its app, engine and pool after the fork.
_ZYGOTE = r"""
import os, sys
import uvicorn
from ordercare.api.app import create_app
warm = create_app()  # the imports create_app itself makes lazily, and uvicorn's protocol modules
warm.state.uow.engine.dispose()
uvicorn.Config(warm, host=sys.argv[1], port=0).load()
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        uvicorn.run(create_app(), host=sys.argv[1], port=int(line), log_level="warning", access_log=False)
        os._exit(0)
    print(pid, flush=True)
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
"""


def _dead(pid: int) -> bool:
    """Gone or a zombie (its parent, the zygote, reaps it later)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


def _wait_dead(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _dead(pid):
        time.sleep(0.01)


def _wait_port_free(port: int, timeout: float = 30) -> None:
    """Wait until a listener could bind the port again. The killed server's main thread can be a zombie while
    another of its threads (say, one in a disk write) has not exited yet: the process's sockets, the listening one
    too, are closed only when its last thread is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
            try:
                s.bind((HOST, port))
                return
            except OSError:
                time.sleep(0.02)


class Server:
    """uvicorn on a fixed port (clients keep their URL across restarts); each server is its own process,
    killed with SIGKILL."""

    def __init__(self, url: str, port: int):
        self.url, self.port, self.pid = url, port, None
        self.base = f"http://{HOST}:{port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        env = dict(os.environ, ORDERCARE_DATABASE_URL=url, ORDERCARE_IDEMPOTENCY_STALE_SECONDS=str(STALE_SECONDS))
        self.zygote = subprocess.Popen([sys.executable, "-c", _ZYGOTE, HOST], env=env, cwd=tempfile.gettempdir(),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)

    def start(self, timeout: float = 60, attempts: int = 3) -> None:
        """Fork a server and wait for its health check; a server that died at once (its port not free yet, see
        _wait_port_free) is forked again, up to `attempts` times."""
        deadline = time.monotonic() + timeout
        for _ in range(attempts):
            self._fork()
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                        return
                except httpx.HTTPError:
                    if _dead(self.pid):
                        break
                    time.sleep(0.05)
            _wait_port_free(self.port)
        raise RuntimeError(f"server not ready after {timeout} s: {self.output()}")

    def _fork(self) -> None:
        self.zygote.stdin.write(f"{self.port}\n")
        self.zygote.stdin.flush()
        line = self.zygote.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"server not started: {self.output()}")
        self.pid = int(line)

    def kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _wait_dead(self.pid)  # until then it still holds the port the next server binds
            _wait_port_free(self.port)
            self.pid = None

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def close(self) -> None:
        self.kill()
        self.zygote.stdin.close()
        try:
            self.zygote.wait(10)
        except subprocess.TimeoutExpired:
            self.zygote.kill()
        self.zygote.stdout.close()
        self.log.close()


@dataclass
class Tally:
    acked: dict[str, tuple[int, dict]] = field(default_factory=dict)  # key -> (order id, body sent)
    sent: dict[str, dict] = field(default_factory=dict)  # every key a client started, with its body
    answers: Counter = field(default_factory=Counter)  # "201", "200", "409", "500", "ConnectError", ...
    unexpected: list[str] = field(default_factory=list)  # 4xx other than 409: a valid order was refused
    gave_up: list[str] = field(default_factory=list)  # keys never answered 2xx before the hard deadline
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(base: str, company: Company, n: int, stop: threading.Event, hard_stop: float, tally: Tally) -> None:
    rnd = random.Random(n)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {company.token}"}, timeout=10) as http:
        i = 0
        while not stop.is_set():
            key = f"crash-{n}-{i}"
            i += 1
            body = {"customer": rnd.choice(company.customers), "customer_po": key, "channel": "api",
                    "lines": [{"sku": s, "qty": rnd.randint(1, 6)}
                              for s in rnd.sample(company.skus, rnd.randint(1, 3))]}
            with tally.lock:
                tally.sent[key] = body
            while True:  # the same request, until it is answered: the client does not know whether it landed
                if time.monotonic() > hard_stop:
                    with tally.lock:
                        tally.gave_up.append(key)
                    return
                try:
                    r = http.post("/api/v1/orders", json=body, headers={"Idempotency-Key": key})
                    answer = str(r.status_code)
                except httpx.TransportError as exc:
                    r, answer = None, type(exc).__name__
                with tally.lock:
                    tally.answers[answer] += 1
                if r is not None and r.status_code in (200, 201):
                    with tally.lock:
                        tally.acked[key] = (r.json()["id"], body)
                    break
                if r is not None and 400 <= r.status_code < 500 and r.status_code != 409:
                    with tally.lock:
                        tally.unexpected.append(f"{key}: {r.status_code} {r.text[:200]}")
                    break
                time.sleep(0.05 + rnd.random() * 0.2)


@dataclass
class Plan:
    seconds: float = 8
    clients: int = 8
    kills: int = 2
    db_restarts: int = 0  # needs `restart_database`


def run(company: Company, port: int, plan: Plan, *,
        restart_database: Callable[[], None] | None = None, progress: Callable[[str], None] = lambda _: None) -> dict:
    """Load, kills and database crashes as planned; returns the tally and the events, then `verify` it."""
    server = Server(company.url, port)
    server.start()
    stop, tally = threading.Event(), Tally()
    hard_stop = time.monotonic() + plan.seconds + 120  # time to finish the requests in flight
    threads = [threading.Thread(target=_client, args=(server.base, company, n, stop, hard_stop, tally), daemon=True)
               for n in range(plan.clients)]
    for t in threads:
        t.start()
    faults = ["kill"] * plan.kills + ["db"] * (plan.db_restarts if restart_database else 0)
    random.Random(0).shuffle(faults)
    events, t0 = [], time.monotonic()
    try:
        for i, fault in enumerate(faults):
            time.sleep(max(0.0, t0 + plan.seconds * (i + 1) / (len(faults) + 1) - time.monotonic()))
            if fault == "kill":
                server.kill()
                progress(f"killed the server (SIGKILL) at {time.monotonic() - t0:.1f} s")
                server.start()
            else:
                restart_database()
                progress(f"crashed and restarted the database at {time.monotonic() - t0:.1f} s")
            events.append((round(time.monotonic() - t0, 1), fault, len(tally.acked)))
        time.sleep(max(0.0, t0 + plan.seconds - time.monotonic()))
        stop.set()
        for t in threads:
            t.join(max(1.0, hard_stop - time.monotonic()))
        log = server.output()
    finally:
        stop.set()
        server.close()
    return {"tally": tally, "events": events, "seconds": time.monotonic() - t0, "server_log": log}


def verify(url: str, tally: Tally) -> list[str]:
    """Every 2xx order exists with what was sent, once; nothing unsent exists; the invariants hold."""
    from ordercare.services.invariants import find_violations
    from ordercare.store.db import make_engine
    from ordercare.store.tables import order_lines, orders, products

    problems = [f"refused: {u}" for u in tally.unexpected] + [f"never answered: {k}" for k in tally.gave_up]
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            by_po: dict[str, list[int]] = {}
            for oid, po in c.execute(select(orders.c.id, orders.c.customer_po)):
                by_po.setdefault(po, []).append(oid)
            lines: dict[int, dict[str, int]] = {}
            for oid, sku, qty in c.execute(select(order_lines.c.order_id, products.c.sku, order_lines.c.qty)
                                           .join(products, products.c.id == order_lines.c.product_id)):
                lines.setdefault(oid, {})[sku] = qty
            problems += [f"{po}: {len(ids)} orders {ids} for one key" for po, ids in by_po.items() if len(ids) > 1]
            problems += [f"order(s) {ids} with customer_po {po!r}: no client sent it" for po, ids in by_po.items()
                         if po not in tally.sent]
            for key, (oid, body) in tally.acked.items():
                if by_po.get(key) != [oid]:
                    problems.append(f"{key}: answered order {oid}, the database has {by_po.get(key)}")
                elif lines.get(oid) != {ln["sku"]: ln["qty"] for ln in body["lines"]}:
                    problems.append(f"{key}: order {oid} has lines {lines.get(oid)}, sent {body['lines']}")
            problems += [v.message for vs in find_violations(c).values() for v in vs]
            counted = c.execute(select(func.count()).select_from(orders)).scalar_one()
        if counted != len(tally.acked) and not tally.gave_up:
            problems.append(f"{counted} orders in the database, {len(tally.acked)} answered 2xx")
    finally:
        engine.dispose()
    return problems
