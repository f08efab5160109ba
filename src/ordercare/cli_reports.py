"""`ordercare report …`: the service report and the root-cause Pareto as Rich tables or files; rebuild the facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError, ValidationFailed

app = typer.Typer(help="Service measurement: KPI report, root-cause Pareto, rebuild.", no_args_is_help=True)

From = Annotated[str | None, typer.Option("--from", help="first order day, YYYY-MM-DD (default: 30 days to --to)")]
To = Annotated[str | None, typer.Option("--to", help="last order day, YYYY-MM-DD (default: today)")]
Customer = Annotated[str | None, typer.Option(help="one customer's report (its code)")]
FileOut = Annotated[Path | None, typer.Option("--csv", help="also write the table to FILE (.csv, or .xlsx)")]


def _ctx():
    from .cli import _actor, _fail, _uow, console
    return _uow(), _actor(), console, _fail


def _period(date_from: str | None, date_to: str | None) -> tuple[date, date]:
    from .cli_fulfilment import _date
    from .metrics.periods import default_from
    to = _date(date_to, "--to") or SystemClock().today()
    return _date(date_from, "--from") or default_from(to), to


def pct(r: dict[str, Any] | float | None) -> str:
    value = r["rate"] if isinstance(r, dict) else r
    return "n/a" if value is None else f"{value * 100:.1f} %"


def num(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _days(s: dict[str, Any]) -> str:
    return "n/a" if not s["n"] else f"{num(s['mean'])} ± {num(s['std'])} · {num(s['median'])} · {num(s['p95'])}"


def _rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [report["total"], *report["rows"], *([report["others"]] if report.get("others") else [])]


def _write(path: Path, data_for) -> None:
    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    path.write_bytes(data_for(fmt))


def show_report(console, report: dict[str, Any]) -> None:
    p, rule = report["period"], report["fill_rule"].replace("_", " ")
    head = f"orders placed {p['from']} – {p['to']} · slice {report['slice']} · filled: {rule}"
    if report["customer"]:
        head += f" · customer {report['customer']}"
    a = Table("", "orders", "open", "past promise", "unit fill", "line fill", "order fill", "perfect order",
              "product of 4", "perfect line", title=f"Availability and the perfect order — {head}")
    t = Table("", "on time (promised)", "on time (requested)", "OTIF", "ordered→shipped d", "ordered→delivered d",
              "within lead time", "order accuracy", "billing accuracy", "returns",
              title="Time and dependability (days: mean ± std · median · p95)")
    s = Table("", "cases", "per 100 orders", "1st response SLA", "resolution SLA", "hours to resolve",
              "failure cost", "CSAT", "+ / ~ / −", "DSO", "turns", title="Post-sale service and money")
    for row in _rows(report):
        v, fill, po, timing = row["volume"], row["fill"], row["perfect_order"], row["on_time"]
        level = "order" if po["order"] else "line"
        a.add_row(row["label"], str(v["orders"] if v["orders"] is not None else "n/a"),
                  str(v["open_orders"] if v["open_orders"] is not None else v["open_lines"]),
                  str(v["open_past_promise"]), pct(fill["unit"]), pct(fill["line"]), pct(fill["order"]),
                  pct(po["order"]["measured"]) if po["order"] else "n/a",
                  pct(po[level]["product_of_components"]), pct(po["line"]["measured"]))
        cyc = row["cycle_time"]
        t.add_row(row["label"], pct(timing[level]["vs_promised"]), pct(timing[level]["vs_requested"]),
                  pct(timing[level]["otif"]), _days(cyc["ordered_to_shipped"]), _days(cyc["ordered_to_delivered"]),
                  pct(cyc["within_lead_time"]), pct(row["accuracy"][level]), pct(row["accuracy"]["billing"]),
                  pct(row["returns"]["rate"]))
        if row["cases"] is not None:
            c, csat = row["cases"], row["csat"]["all"]
            s.add_row(row["label"], str(c["cases"]), num(c["per_100_orders"]), pct(c["first_response_sla"]),
                      pct(c["resolution_sla"]), num(c["mean_hours_to_resolve"]), str(c["cost_of_service_failures"]),
                      pct(csat["csat"]), f"{csat['positive']} / {csat['neutral']} / {csat['negative']}",
                      num(row["dso"]["dso"]) if row["dso"] else "—",
                      num((row["inventory_turnover"] or {}).get("turns"), 2) if row["inventory_turnover"] else "—")
    if report.get("others"):
        a.caption = (f"{len(report['rows'])} of {report['slice_values']:,} {report['slice']} values by "
                     f"{report['sort'].replace('_', ' ')}; the other {report['others']['slice_values']:,} added up in "
                     "the last row (--limit 0 for all, --csv for a file with all)")
    console.print(a)
    console.print(t)
    if s.row_count:
        console.print(s)
    g = Table("package", "order fill target", "measured", "gap", "lead time target d", "mean d", "p95 d",
              "within target", title="Service-package targets against performance")
    for x in report["targets"]:
        f, lt = x["order_fill_rate"], x["lead_time_days"]
        g.add_row(x["package"], pct(f["target"]), pct(f["measured"]),
                  "n/a" if f["gap"] is None else f"{f['gap'] * 100:+.1f} pt", str(lt["target"]),
                  num(lt["measured_mean"]), num(lt["measured_p95"]), pct(lt["within_target"]))
    console.print(g)
    if report["series"]:
        tr = Table("from", "to", "orders", "order fill", "perfect order", "OTIF", "delivery days p95",
                   title=f"By {report['trend']}")
        for b in report["series"]:
            tr.add_row(str(b["from"]), str(b["to"]), str(b["volume"]["orders"]), pct(b["fill"]["order"]),
                       pct(b["perfect_order"]["order"]["measured"]), pct(b["on_time"]["order"]["otif"]),
                       num(b["cycle_time"]["ordered_to_delivered"]["p95"]))
        console.print(tr)


@app.command("kpis")
def kpis_cmd(date_from: From = None, date_to: To = None,
             slice: Annotated[str, typer.Option(help="total, customer, segment, package, product, warehouse, "
                                                     "carrier, channel or customer_kind")] = "total",
             fill_rule: Annotated[str, typer.Option(help="first_shipment or promised_date")] = "first_shipment",
             trend: Annotated[str | None, typer.Option(help="week or month: a series per bucket")] = None,
             customer: Customer = None, csv: FileOut = None,
             limit: Annotated[int, typer.Option(help="at most this many slice values on screen, the rest added up "
                                                     "in one row (0: all); the --csv file has all")] = 50,
             sort: Annotated[str | None, typer.Option(help="label, volume (the default with a limit), or worst "
                                                           "first: order_fill, line_fill, otif, "
                                                           "perfect_order")] = None):
    """Every service KPI of the orders placed in the period (fill rates, perfect order, OTIF, cycle time and
    its spread, accuracy, returns, cases, CSAT, DSO, turnover) with the packages' targets."""
    from .metrics.periods import ReportRequest
    from .services.measure_exports import kpi_table
    from .services.measure_report import kpi_report
    uow, actor, console, fail = _ctx()
    lo, hi = _period(date_from, date_to)
    if limit < 0:
        fail(ValidationFailed("invalid_limit", "--limit: 0 (all) or more", field="limit"))
    ask = ReportRequest(lo, hi, slice=slice, fill_rule=fill_rule, trend=trend, customer=customer,
                        limit=limit or None, sort=sort)
    try:
        report = kpi_report(uow, SystemClock(), actor, ask)
        whole = report if report["others"] is None or csv is None else kpi_report(
            uow, SystemClock(), actor, replace(ask, limit=None))
    except DomainError as exc:
        fail(exc)
    show_report(console, report)
    if csv is not None:
        _write(csv, lambda fmt: kpi_table(whole, fmt))
        console.print(f"written to {csv}")


@app.command("pareto")
def pareto_cmd(date_from: From = None, date_to: To = None,
               slice: Annotated[str, typer.Option(help="an order-level slice to narrow to, with --key")] = "total",
               key: Annotated[str | None, typer.Option(help="the slice value (e.g. segment A)")] = None,
               customer: Customer = None, csv: FileOut = None):
    """Failures of the period's orders by the department charged with them, most first, with the cases and
    recovery cost each department's errors caused."""
    from .metrics.periods import ReportRequest
    from .services.measure_exports import pareto_table
    from .services.measure_report import pareto_report
    uow, actor, console, fail = _ctx()
    lo, hi = _period(date_from, date_to)
    try:
        report = pareto_report(uow, SystemClock(), actor, ReportRequest(lo, hi, slice=slice, customer=customer),
                               key=key)
    except DomainError as exc:
        fail(exc)
    t = Table("department", "failures", "share", "cumulative", "by kind", "cases", "recovery cost",
              title=f"Root causes of failed orders {lo} – {hi} ({report['failures']} failures)")
    for d in report["departments"]:
        t.add_row(d["department"], str(d["failures"]), pct(d["share"]), pct(d["cumulative_share"]),
                  ", ".join(f"{k} {n}" for k, n in sorted(d["by_kind"].items())), str(d["cases"]),
                  str(d["recovery_cost"]))
    console.print(t)
    if csv is not None:
        _write(csv, lambda fmt: pareto_table(report, fmt))
        console.print(f"written to {csv}")


@app.command("rebuild")
def rebuild_cmd():
    """Recompute every order's and case's facts and every summary from the records (after upgrading a database
    that already held orders). Run it when nothing else writes."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .services.measure_rebuild import rebuild_measures
    uow, actor, console, fail = _ctx()
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as bar:
        tasks: dict[str, Any] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done)
        try:
            result = rebuild_measures(uow, actor, progress)
        except DomainError as exc:
            fail(exc)
    console.print(f"{result['orders']} orders ({result['orders_changed']} corrected), {result['cases']} cases; "
                  "summaries rebuilt")
