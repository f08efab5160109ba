"""The simulator under cProfile with a CPU-time clock, and the CPU seconds of chosen functions.

`python -m cProfile` times with a wall clock: on a shared machine a function's figure then grows with the load.
This profiles with time.process_time, so two runs (this branch's code and main's, side by side) can be compared
function by function. Usage (from a worktree; PYTHONPATH picks whose code runs):

    PYTHONPATH=$PWD/src python bench/sim_cpu_profile.py /tmp/mine.prof -- simulate --days 10 --start 2026-03-02 \
        --db /tmp/mine.db --json > /tmp/mine.json
    python bench/sim_cpu_profile.py --report /tmp/mine.prof /tmp/main.prof

The report prints, per function of the billing and outbound EDI path (or the file:function pairs given with
--only), its calls and cumulative CPU seconds in each profile.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time

FUNCTIONS = [
    ("shipping.py", "_ship_in"), ("invoicing.py", "run_invoicing"), ("invoicing.py", "invoice_customer_in"),
    ("invoicing.py", "invoice_shipment_in"), ("invoicing.py", "invoice"), ("invoicing.py", "issue_invoice_in"),
    ("invoicing.py", "uninvoiced_goods"), ("invoicing.py", "customers_to_bill"),
    ("edi_invoice.py", "on_invoice_issued"), ("edi_outbound.py", "ship_notice_in"),
    ("edi_outbound.py", "acknowledge_in"), ("edi_documents.py", "send"), ("envelopes.py", "build_interchange"),
]


def profile(out: str, argv: list[str]) -> None:
    sys.argv = ["ordercare", *argv]
    from ordercare.cli import main

    prof = cProfile.Profile(time.process_time)
    try:
        prof.runcall(main)
    except SystemExit:
        pass
    finally:
        prof.dump_stats(out)


def report(paths: list[str], functions: list[tuple[str, str]]) -> None:
    found = []
    for path in paths:
        seen: dict[tuple[str, str], tuple[int, float]] = {}
        for (file, _, name), (_, calls, _, cum, _) in pstats.Stats(path).stats.items():
            for f, n in functions:
                if file.endswith("/" + f) and name == n:
                    c, t = seen.get((f, n), (0, 0.0))
                    seen[(f, n)] = (c + calls, t + cum)
        found.append(seen)
    print(f"{'function':45s}" + "".join(f"{p[-28:]:>32s}" for p in paths))
    for key in functions:
        cells = [f"{s[key][0]:>10d} calls {s[key][1]:8.2f} s" if key in s else f"{'-':>32s}" for s in found]
        print(f"{key[0] + ' ' + key[1]:45s}" + "".join(f"{c:>32s}" for c in cells))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":
        ap = argparse.ArgumentParser()
        ap.add_argument("--report", nargs="+", required=True)
        ap.add_argument("--only", nargs="*", help="file.py:function pairs")
        args = ap.parse_args()
        report(args.report, [tuple(x.split(":", 1)) for x in args.only] if args.only else FUNCTIONS)
    else:
        if len(sys.argv) < 3 or sys.argv[2] != "--":
            sys.exit(__doc__)
        profile(sys.argv[1], sys.argv[3:])
