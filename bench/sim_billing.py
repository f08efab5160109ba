"""`ordercare simulate` with the CPU seconds of the evening's billing, per simulated day, without a profiler.

    PYTHONPATH=$PWD/src python bench/sim_billing.py simulate --days 20 --start 2026-03-02 --db /tmp/x.db --json

runs the CLI as usual and prints, on stderr at the end, the process CPU seconds of each day's billing agenda item
(sim/billing.py billing_day) and, within it, of the invoice run, the payments, raising and resolving disputes
and the dunning run; then the totals and the process's CPU. (`seconds_by_kind` in the JSON is wall-clock time,
which grows with the machine's load.) Run it with PYTHONPATH pointing at the tree to measure, and at the
baseline's tree close in time (bench/README.md, "The evening's billing").
"""

from __future__ import annotations

import atexit
import sys
import time
from collections import defaultdict

import ordercare.cli
from ordercare.sim import billing

per_day: dict = defaultdict(lambda: defaultdict(float))
today: list = [None]


def _timed(owner, name: str, label: str) -> None:
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            per_day[today[0]][label] += time.process_time() - t

    setattr(owner, name, wrapper)


_timed(billing.invoicing, "run_invoicing", "invoice run")
_timed(billing.payments, "record_payment", "payments")
_timed(billing.receivables, "run_dunning", "dunning")
_timed(billing, "_dispute", "disputes")
_timed(billing, "_resolve_disputes", "disputes")
_day = billing.billing_day


def _billing_day(world) -> None:
    today[0] = world.clock.today()
    t = time.process_time()
    _day(world)
    per_day[today[0]]["billing"] += time.process_time() - t


billing.billing_day = _billing_day  # sim/run.py looks it up when the evening comes


@atexit.register
def _report() -> None:
    total: dict[str, float] = defaultdict(float)
    for day, spent in sorted(per_day.items()):
        print(f"{day} {day:%a} " + " ".join(f"{k}={v:.3f}" for k, v in spent.items()), file=sys.stderr)
        for k, v in spent.items():
            total[k] += v
    print("total " + " ".join(f"{k}={v:.2f}" for k, v in total.items())
          + f" process_cpu={time.process_time():.2f}", file=sys.stderr)


if __name__ == "__main__":
    sys.argv = ["ordercare", *sys.argv[1:]]
    sys.exit(ordercare.cli.main())
