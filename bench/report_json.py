"""The KPI report's JSON as the API sends it (pydantic-core, api/json_body.py) against FastAPI's default path
(jsonable_encoder, then json.dumps), for the same report of a large slice, in one process; and the whole
GET /api/v1/reports/kpis as a manager makes it (in-process ASGI client: routing, authentication, the report,
the JSON), against the report alone:

    python bench/report_json.py --db /tmp/kpi-keep/1000000/kpi.db --slice customer --reps 3

The database is one kept by bench/kpi_report.py (--keep); a manager user is added to it once. Times are CPU
seconds of this process (medians), and the GET's wall seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kpi_facts import AS_OF  # noqa: E402
from kpi_report import PERIODS, ours  # noqa: E402

from fastapi.encoders import jsonable_encoder  # noqa: E402

from ordercare.api.app import create_app  # noqa: E402
from ordercare.api.json_body import ReportJSON  # noqa: E402
from ordercare.clock import FixedClock  # noqa: E402
from ordercare.config import Settings  # noqa: E402
from ordercare.services.auth import create_user, issue_token  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402
from ordercare.store.tables import users  # noqa: E402


def _cpu(fn, reps: int) -> tuple[float, object]:
    spent, out = [], None
    for _ in range(reps):
        t = time.process_time()
        out = fn()
        spent.append(time.process_time() - t)
    return statistics.median(spent), out


def _manager_token(uow: UnitOfWork, clock: FixedClock) -> str:
    from sqlalchemy import select

    def work(conn):
        uid = conn.execute(select(users.c.id).where(users.c.username == "bench-manager")).scalar()
        if uid is None:
            uid = create_user(conn, clock, username="bench-manager", role="manager")
        return issue_token(conn, clock, uid)
    return uow.run(work)


def _get(url: str, period, slice_: str, reps: int) -> tuple[float, float, int]:
    """(median CPU s, median wall s, bytes) of the API's GET of the report."""
    from fastapi.testclient import TestClient
    clock = FixedClock(datetime.combine(AS_OF, datetime.min.time(), UTC))
    uow = UnitOfWork(make_engine(url))
    client = TestClient(create_app(Settings(database_url=url), uow=uow, clock=clock))
    headers = {"Authorization": f"Bearer {_manager_token(uow, clock)}"}
    path = f"/api/v1/reports/kpis?from={period[0]}&to={period[1]}&slice={slice_}"
    assert client.get(path, headers=headers).status_code == 200
    cpu, wall = [], []
    for _ in range(reps):
        t, w = time.process_time(), time.perf_counter()
        r = client.get(path, headers=headers)
        cpu.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
        assert r.status_code == 200, r.text[:200]
    return statistics.median(cpu), statistics.median(wall), len(r.content)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLite file or database URL")
    ap.add_argument("--slice", default="customer")
    ap.add_argument("--period", choices=list(PERIODS), default="whole")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    url = args.db if "://" in args.db else f"sqlite:///{args.db}"
    uow = UnitOfWork(make_engine(url))
    report_s, report = _cpu(lambda: ours(uow, args.slice, PERIODS[args.period]), args.reps)
    ours_s, body = _cpu(lambda: ReportJSON(report).body, args.reps)
    default_s, default_body = _cpu(lambda: json.dumps(jsonable_encoder(report)).encode(), args.reps)
    assert len(json.loads(body)["rows"]) == len(json.loads(default_body)["rows"]) == len(report["rows"])
    get_cpu, get_wall, size = _get(url, PERIODS[args.period], args.slice, args.reps)
    print(json.dumps({"slice": args.slice, "period": args.period, "rows": len(report["rows"]),
                      "report_cpu_s": round(report_s, 3), "json_cpu_s": round(ours_s, 3),
                      "jsonable_encoder_cpu_s": round(default_s, 3), "json_ratio": round(ours_s / default_s, 3),
                      "bytes": len(body), "get_cpu_s": round(get_cpu, 3), "get_wall_s": round(get_wall, 3),
                      "get_bytes": size, "get_over_report": round(get_cpu / report_s, 2)}))


if __name__ == "__main__":
    main()
