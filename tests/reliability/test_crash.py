"""The crash test, short version (the long one: `python bench/crash_test.py --minutes N`, docs/reliability.md).

Orders over real HTTP from concurrent clients that retry with their Idempotency-Key, while the server is killed
with SIGKILL twice — and, on PostgreSQL, the database crashes (immediate stop) and restarts once. Afterwards every
order answered 2xx exists with its lines, no key has two orders, nothing was invented, the invariants hold, and
no request got a 500. PostgreSQL runs as a throwaway cluster of this test's own (the shared server on 5432 is
never touched).
"""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.reliability import crash
from tests.reliability.throwaway_pg import ThrowawayPostgres, free_port, unavailable_reason

CLIENTS = 6


def _assert_survived(result: dict, url: str, *, kills: int, db_restarts: int = 0) -> None:
    tally = result["tally"]
    report = (f"{len(tally.acked)} orders, answers {dict(tally.answers)}, events {result['events']}\n"
              f"server log: {result['server_log'][-1500:]}")
    assert [e[1] for e in result["events"]].count("kill") == kills, report
    assert [e[1] for e in result["events"]].count("db") == db_restarts, report
    assert len(tally.acked) >= 10, report  # the load was real (a busy machine places few orders)
    assert tally.answers["500"] == 0, report  # an outage is a 503 to retry, never an internal error
    transport_errors = sum(n for a, n in tally.answers.items() if not a.isdigit())
    assert transport_errors > 0, report  # the kills did cut clients off
    problems = crash.verify(url, tally)
    assert problems == [], "\n".join(problems[:30]) + "\n" + report


def test_orders_survive_server_kills_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/crash.db"
    company = crash.seed(url)
    result = crash.run(company, free_port(), crash.Plan(seconds=10, clients=CLIENTS, kills=2))
    _assert_survived(result, url, kills=2)


def test_orders_survive_server_kills_and_a_database_crash_on_postgres():
    reason = unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"the crash test needs its own PostgreSQL cluster in CI: {reason}")
        pytest.skip(f"cannot start a throwaway PostgreSQL cluster here: {reason}")
    with ThrowawayPostgres() as pg:
        company = crash.seed(pg.url)
        result = crash.run(company, free_port(), crash.Plan(seconds=12, clients=CLIENTS, kills=2, db_restarts=1),
                           restart_database=pg.crash_restart)
        _assert_survived(result, pg.url, kills=2, db_restarts=1)
