"""`ordercare simulate` with the CPU seconds spent in the measure refreshes, without a profiler.

    PYTHONPATH=$PWD/src python bench/sim_measures.py simulate --days 10 --start 2026-03-02 --db /tmp/x.db --json

runs the CLI as usual and prints, on stderr at the end, the process CPU seconds spent inside
refresh_order_facts (the simulator's midnight refresh of the orders a day touched; the calls while refreshes are
held only collect ids) and refresh_case_facts (every case step), and in the warehouse day's service calls
(warehouse_run, the afternoon of one warehouse, and within it release, pick list, picks, rating, loads, shipping;
deliveries apart). Run it with PYTHONPATH pointing at the tree to
measure, and at the baseline's tree in a run started at the same time (bench/README.md, "The measure refresh").
"""

from __future__ import annotations

import atexit
import json
import sys
import time

import ordercare.cli
from ordercare.services import measure_cases, measure_facts, picking, release, shipping, transport
from ordercare.sim import warehouse

spent: dict[str, float] = {}


def _timed(fn, name: str):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - t
    return wrapper


def _instrument() -> None:
    """Replace the functions wherever a module imported them by name."""
    names = {measure_facts.refresh_order_facts: "refresh_order_facts",
             measure_cases.refresh_case_facts: "refresh_case_facts", warehouse.warehouse_run: "warehouse_run",
             release.release_to_warehouse: "release", picking.create_pick_list: "pick list",
             picking.confirm_pick_list: "picks", transport.rate_shipments: "rate", transport.plan_loads: "loads",
             shipping.ship_shipments: "ship", shipping.deliver_shipments: "deliveries"}
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("ordercare"):
            for attr, value in list(vars(module).items()):
                if callable(value) and value in names:
                    setattr(module, attr, _timed(value, names[value]))


if __name__ == "__main__":
    _instrument()
    atexit.register(lambda: print(json.dumps({k: round(v, 2) for k, v in spent.items()}), file=sys.stderr))
    sys.argv = ["ordercare", *sys.argv[1:]]
    ordercare.cli.main()
