"""`ordercare simulate` with the CPU seconds spent placing orders, without a profiler.

    PYTHONPATH=$PWD/src python bench/sim_placement.py simulate --days 15 --start 2026-03-02 --db /tmp/x.db --json
    PYTHONPATH=$PWD/src python bench/sim_placement.py --time ordercare.services.intake:take_in -- simulate ...

runs the CLI as usual and prints, on stderr at the end, the process CPU seconds (and calls) spent inside the
order-placement path the simulator drives: place_order (portal, API, phone, desk, web; with the idempotency
claim of API orders), receive_interchange (EDI 850s, with their 997 and 855s), and inside them write_order
(validate and write one order), record_placed_order (its measures) and acknowledge_in (an 855), and any
function named with --time. A nested figure is named by its callers (receive_interchange/write_order) and is
part of theirs. Run it with PYTHONPATH pointing at the tree to measure, and at the baseline's tree in a run
started at the same time (bench/README.md, "Order placement in the simulator").
"""

from __future__ import annotations

import atexit
import importlib
import json
import sys
import time

import ordercare.cli
from ordercare.services import edi_inbound, edi_outbound, measure_facts, orders

spent: dict[str, list] = {}
_outer: list[str] = []  # the timed calls under way


def _timed(fn, name: str):
    def wrapper(*args, **kwargs):
        _outer.append(name)
        path = "/".join(_outer)
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            cell = spent.setdefault(path, [0, 0.0])
            cell[0] += 1
            cell[1] += time.process_time() - t
            _outer.pop()
    return wrapper


def _instrument(extra: list[str]) -> None:
    """Replace the functions wherever a module imported them by name."""
    names = {orders.place_order: "place_order", edi_inbound.receive_interchange: "receive_interchange",
             orders.write_order: "write_order", measure_facts.record_placed_order: "record_placed_order",
             edi_outbound.acknowledge_in: "acknowledge_in"}
    for spec in extra:
        module, function = spec.split(":")
        names[getattr(importlib.import_module(module), function)] = function
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("ordercare"):
            for attr, value in list(vars(module).items()):
                if callable(value) and value in names:
                    setattr(module, attr, _timed(value, names[value]))


def _report() -> None:
    print(json.dumps({k: {"calls": n, "cpu_s": round(s, 2)} for k, (n, s) in sorted(spent.items())}, indent=1),
          file=sys.stderr)


if __name__ == "__main__":
    args, extra = sys.argv[1:], []
    while args and args[0] == "--time":
        extra.append(args[1])
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    _instrument(extra)
    atexit.register(_report)
    sys.argv = ["ordercare", *args]
    ordercare.cli.main()
