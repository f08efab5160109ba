"""The KPI report's JSON as the API sends it (pydantic-core, api/json_body.py) against FastAPI's default path
(jsonable_encoder, then json.dumps), for the same report of a large slice, in one process:

    python bench/report_json.py --db /tmp/kpi-keep/1000000/kpi.db --slice customer --reps 3

The database is one kept by bench/kpi_report.py (--keep). Times are CPU seconds of this process (medians).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kpi_report import PERIODS, ours  # noqa: E402

from fastapi.encoders import jsonable_encoder  # noqa: E402

from ordercare.api.json_body import ReportJSON  # noqa: E402
from ordercare.store.db import UnitOfWork, make_engine  # noqa: E402


def _cpu(fn, reps: int) -> tuple[float, object]:
    spent, out = [], None
    for _ in range(reps):
        t = time.process_time()
        out = fn()
        spent.append(time.process_time() - t)
    return statistics.median(spent), out


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
    print(json.dumps({"slice": args.slice, "rows": len(report["rows"]), "report_cpu_s": round(report_s, 3),
                      "json_cpu_s": round(ours_s, 3), "jsonable_encoder_cpu_s": round(default_s, 3),
                      "ratio": round(ours_s / default_s, 3), "bytes": len(body)}))


if __name__ == "__main__":
    main()
