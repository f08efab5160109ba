"""`ordercare analytics cost-to-serve | profitability | what-if | service-gaps` and the costing data
(`cost-rates`, `case-minutes`, `thresholds`, `delivery-window`): Rich tables, --csv FILE (.csv or .xlsx)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

From = Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD (default: 30 days up to --to)")]
To = Annotated[str | None, typer.Option("--to", help="last day, included, YYYY-MM-DD (default: today)")]
Customer = Annotated[str | None, typer.Option(help="one customer (its code)")]
FileOut = Annotated[Path | None, typer.Option("--csv", help="also write every row to FILE (.csv, or .xlsx)")]


def _ctx():
    from .cli import _actor, _fail, _uow, console
    return _uow(), _actor(), console, _fail


def _dates(date_from: str | None, date_to: str | None):
    from .cli_fulfilment import _date
    return _date(date_from, "--from"), _date(date_to, "--to")


def _amount(text: str | None, name: str) -> Decimal | None:
    from .cli_analytics import _number
    return _number(text, name)


def _na(value) -> str:
    return "n/a" if value is None else str(value)


def _write(path: Path, table_for) -> None:
    path.write_bytes(table_for("xlsx" if path.suffix.lower() == ".xlsx" else "csv"))


def _run(console, fail, what: str, call):
    try:
        with console.status(f"reading {what}…"):
            return call()
    except DomainError as exc:
        fail(exc)


def cost_to_serve_cmd(date_from: From = None, date_to: To = None, customer: Customer = None,
                      csv_path: FileOut = None) -> None:
    """Net sales value, cost-to-serve and profit per customer, least profitable first; with --customer the
    cost of each activity (volume × rate)."""
    from .services.cost_to_serve import cost_to_serve_report
    from .services.costing_exports import cost_table
    uow, actor, console, fail = _ctx()
    lo, hi = _dates(date_from, date_to)
    r = _run(console, fail, "the period's activities", lambda: cost_to_serve_report(
        uow, SystemClock(), actor, date_from=lo, date_to=hi, customer=customer))
    p = r["period"]
    t = Table("customer", "segment", "orders", "net sales value", "cost-to-serve", "profit", "cost/order",
              "cost % of revenue", title=f"Cost-to-serve {p['from']} – {p['to']} ({r['total']['customers']} customers)")
    for i in r["items"]:
        t.add_row(i["customer"], i["segment"], str(i["orders"]), str(i["net_sales"]["net_sales_value"]),
                  str(i["cost_to_serve"]), str(i["profit"]), _na(i["cost_per_order"]),
                  _na(i["cost_to_serve_pct_of_revenue"]))
    console.print(t)
    if customer and r["items"]:
        a = Table("activity", "volume", "rate", "cost", "detail", title=f"{customer}: cost by activity")
        for x in r["items"][0]["activities"]:
            detail = ", ".join(f"{d['qualifier'] or '-'} {d['volume']}" + (f" × {d['rate']}" if "rate" in d else
                                                                           f" × {d['minutes_each']} min")
                               for d in x["detail"])
            a.add_row(x["activity"], str(x["volume"]), "by channel" if x["rate"] is None else str(x["rate"]),
                      str(x["cost"]), detail)
        console.print(a)
    tot = r["total"]
    console.print(f"total: net sales value {tot['net_sales']['net_sales_value']}, cost-to-serve "
                  f"{tot['cost_to_serve']}, profit {tot['profit']}")
    if csv_path:
        _write(csv_path, lambda fmt: cost_table(r, fmt))
        console.print(f"wrote {csv_path}")


def profitability_cmd(date_from: From = None, date_to: To = None, customer: Customer = None,
                      value_threshold: Annotated[str | None, typer.Option(help="net sales value threshold "
                                                                                "(default: configured, else median)")]
                      = None,
                      cost_threshold: Annotated[str | None, typer.Option(help="cost-to-serve threshold")] = None,
                      csv_path: FileOut = None) -> None:
    """Each customer's zone (Protect, Build, Cost Engineer, Danger Zone), its movement since the previous period
    of the same length, and what to do."""
    from .services.costing_exports import zone_table
    from .services.profitability import profitability_report
    uow, actor, console, fail = _ctx()
    lo, hi = _dates(date_from, date_to)
    value, cost = _amount(value_threshold, "--value-threshold"), _amount(cost_threshold, "--cost-threshold")
    r = _run(console, fail, "both periods", lambda: profitability_report(
        uow, SystemClock(), actor, date_from=lo, date_to=hi, value_threshold=value, cost_threshold=cost,
        customer=customer))
    th, p = r["thresholds"], r["period"]
    t = Table("customer", "zone", "was", "movement", "net sales value", "cost-to-serve", "profit", "first action",
              title=f"Profitability {p['from']} – {p['to']} · thresholds: value {_na(th['net_sales_value'])} "
                    f"({th['value_source']}), cost {_na(th['cost_to_serve'])} ({th['cost_source']})")
    for x in r["points"]:
        recs = x["recommendations"]
        first = recs[1] if len(recs) > 1 else (recs[0] if recs else None)
        t.add_row(x["customer"], _na(x["zone_name"]), _na((x["previous"] or {}).get("zone")), x["movement"],
                  str(x["x"]), str(x["y"]), str(x["profit"]),
                  "" if first is None else first["action"] + (f" (~{first['estimate']})" if first["estimate"] else ""))
    console.print(t)
    console.print("  ".join(f"{z['name']}: {z['customers']}" for z in r["zones"]))
    if csv_path:
        _write(csv_path, lambda fmt: zone_table(r, fmt))
        console.print(f"wrote {csv_path}")


def what_if_cmd(customer: Annotated[str, typer.Argument(help="the customer's code")], date_from: From = None,
                date_to: To = None,
                channel: Annotated[str | None, typer.Option(help="order through this channel (portal, edi, …)")]
                = None,
                frequency: Annotated[str | None, typer.Option(help="daily, weekly, biweekly or monthly")] = None,
                orders: Annotated[int | None, typer.Option(help="this many orders in the period")] = None,
                order_value: Annotated[str | None, typer.Option(help="average order value")] = None,
                no_expedites: Annotated[bool, typer.Option("--no-expedites", help="and no expedites")] = False
                ) -> None:
    """If this customer ordered differently (e.g. monthly through the portal), what would it cost to serve?"""
    from .analytics.what_if import Scenario
    from .services.profitability import what_if_report
    uow, actor, console, fail = _ctx()
    lo, hi = _dates(date_from, date_to)
    scenario = Scenario(channel, frequency, orders, _amount(order_value, "--order-value"), not no_expedites)
    r = _run(console, fail, "the period", lambda: what_if_report(uow, SystemClock(), actor, customer=customer,
                                                                 scenario=scenario, date_from=lo, date_to=hi))
    t = Table("", "now", "what if", title=f"{customer} {r['period']['from']} – {r['period']['to']}")
    now, then = r["current"], r["what_if"]
    for label, key in [("orders", "orders"), ("lines picked", "lines_picked"), ("shipments", "shipments"),
                       ("expedites", "expedites"), ("credit checks", "credit_checks")]:
        t.add_row(label, str(now[key]), str(then[key]))
    for activity, cost in now["activities"].items():
        t.add_row(f"  {activity}", str(cost), str(then["activities"][activity]))
    t.add_row("cost-to-serve", str(now["cost_to_serve"]), str(then["cost_to_serve"]))
    t.add_row("profit", str(now["profit"]), str(then["profit"]))
    t.add_row("zone", _na(now["zone"]), _na(then["zone"]))
    console.print(t)
    console.print(r["statement"])


def service_gaps_cmd(date_from: From = None, date_to: To = None,
                     slice_: Annotated[str, typer.Option("--slice", help="segment or package")] = "segment") -> None:
    """The six gaps of customer satisfaction (knowledge, standards, performance, communication, perception,
    satisfaction) per segment or package, each between its two measures."""
    from .services.service_gaps import gap_report
    uow, actor, console, fail = _ctx()
    lo, hi = _dates(date_from, date_to)
    r = _run(console, fail, "the period", lambda: gap_report(uow, SystemClock(), actor, date_from=lo, date_to=hi,
                                                             slice=slice_))
    for row in r["rows"]:
        t = Table("gap", "A", "value", "B", "value", "B − A", title=f"{slice_} {row['label']} · {row['orders']} "
                  f"orders · {r['period']['from']} – {r['period']['to']}")
        for g in row["gaps"]:
            t.add_row(g["name"], g["a"]["measure"], _pct(g["a"]["value"]), g["b"]["measure"], _pct(g["b"]["value"]),
                      _pct(g["gap"]))
        console.print(t)
    if not r["rows"]:
        console.print("no orders in the period: every gap is n/a")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f} %"


def cost_rates_cmd(set_: Annotated[list[str] | None, typer.Option(
        "--set", help="ACTIVITY[:CHANNEL]=RATE, e.g. order_entry:phone=15.00")] = None,
                   pool: Annotated[list[str] | None, typer.Option(
                       help="ACTIVITY[:CHANNEL]=COST/VOLUME: the rate from a cost pool, e.g. "
                            "credit_check=3000/150")] = None) -> None:
    """Show the activity rates, or set some (directly, or from a cost pool and its driver volume)."""
    from .services import costing_setup as cs
    uow, actor, console, fail = _ctx()
    changes: dict[str, list[cs.RateIn]] = {}
    for spec, is_pool in [*((s, False) for s in set_ or []), *((s, True) for s in pool or [])]:
        target, _, value = spec.partition("=")
        activity, _, qualifier = target.partition(":")
        if is_pool:
            cost, _, volume = value.partition("/")
            changes.setdefault(activity, []).append(cs.RateIn(qualifier, pool_cost=_amount(cost, "--pool"),
                                                              driver_volume=_amount(volume or None, "--pool")))
        else:
            changes.setdefault(activity, []).append(cs.RateIn(qualifier, rate=_amount(value, "--set")))
    try:
        for activity, rates in changes.items():
            cs.set_rates(uow, SystemClock(), actor, activity, rates)
        data = cs.costing_data(uow, actor)
    except DomainError as exc:
        fail(exc)
    t = Table("activity", "channel", "rate", "cost pool", "driver volume", "set by")
    for r in data["rates"]:
        t.add_row(r["activity"], r["qualifier"] or "(default)", str(r["rate"]), _na(r["pool_cost"]),
                  _na(r["driver_volume"]), r["updated_by"] or "default")
    console.print(t)


def case_minutes_cmd(set_: Annotated[list[str] | None, typer.Option(
        "--set", help="category:CODE=MINUTES or event:KIND=MINUTES (empty code: any other)")] = None) -> None:
    """Show or set the minutes of work per case category and per case event."""
    from .services import costing_setup as cs
    uow, actor, console, fail = _ctx()
    entries = []
    for spec in set_ or []:
        target, _, minutes = spec.partition("=")
        kind, _, code = target.partition(":")
        entries.append((kind, code, _amount(minutes, "--set")))
    try:
        rows = cs.set_case_minutes(uow, actor, entries) if entries else cs.costing_data(uow, actor)["case_minutes"]
    except DomainError as exc:
        fail(exc)
    t = Table("kind", "code", "minutes")
    for r in rows:
        t.add_row(r["kind"], r["code"] or "(any other)", str(r["minutes"]))
    console.print(t)


def thresholds_cmd(value: Annotated[str | None, typer.Option(help="net sales value threshold")] = None,
                   cost: Annotated[str | None, typer.Option(help="cost-to-serve threshold")] = None,
                   median: Annotated[bool, typer.Option("--median", help="back to the period's medians")] = False
                   ) -> None:
    """Show or set the profitability thresholds (none set: the medians of the period)."""
    from .services import costing_setup as cs
    uow, actor, console, fail = _ctx()
    changes: dict[str, Any] = {"value_threshold": None, "cost_threshold": None} if median else {}
    if value is not None:
        changes["value_threshold"] = _amount(value, "--value")
    if cost is not None:
        changes["cost_threshold"] = _amount(cost, "--cost")
    try:
        s = cs.set_thresholds(uow, actor, changes) if changes else cs.costing_data(uow, actor)["settings"]
    except DomainError as exc:
        fail(exc)
    console.print(f"value threshold {s['value_threshold'] or 'median'}, cost threshold "
                  f"{s['cost_threshold'] or 'median'}")


def delivery_window_cmd(package: Annotated[str, typer.Argument(help="service package code")],
                        basis: Annotated[str, typer.Option(help="day (the requested day) or week (its week)")],
                        days_before: int = 0, days_after: int = 0) -> None:
    """Set a service package's delivery window around the requested date."""
    from .services import costing_setup as cs
    uow, actor, console, fail = _ctx()
    try:
        w = cs.set_delivery_window(uow, actor, package, basis=basis, days_before=days_before, days_after=days_after)
    except DomainError as exc:
        fail(exc)
    console.print(f"package {package}: delivery {w['means']}")


def register(app: typer.Typer) -> None:
    """Add the commands to `ordercare analytics`."""
    for name, fn in [("cost-to-serve", cost_to_serve_cmd), ("profitability", profitability_cmd),
                     ("what-if", what_if_cmd), ("service-gaps", service_gaps_cmd), ("cost-rates", cost_rates_cmd),
                     ("case-minutes", case_minutes_cmd), ("thresholds", thresholds_cmd),
                     ("delivery-window", delivery_window_cmd)]:
        app.command(name)(fn)
