"""Service versus cost from the terminal: the inventory policy per SKU, the fill-rate curve, the cost of a stockout,
their data; and the lead-time offer rules of quotation."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

app = typer.Typer(help="Service versus cost: safety stock, fill rate, EOQ, stockout cost, per SKU.",
                  no_args_is_help=True)
offers_app = typer.Typer(help="Lead-time offer rules of quotation (faster at a premium, slower at a discount).",
                         no_args_is_help=True)

Csv = Annotated[Path | None, typer.Option("--csv", help="Also write every row (not only the page) to this CSV file")]
Weeks = Annotated[int | None, typer.Option(help="Demand window in whole weeks (default: the policy settings)")]
STEPS = ("demand history", "supplier lead times", "policy", "curve")


def _ctx():
    from .cli import _actor, _fail, _uow, console, err
    return _uow(), _actor(), console, err, _fail


def _number(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        from .cli import err
        err.print(f"[red]error[/red] \\[invalid_number] {name} {text!r}: a number")
        raise typer.Exit(2)
    return value


def _with_progress(console, run):
    """Run `run(progress)` under a bar that moves as the service reports its steps."""
    with Progress(TextColumn("{task.description:<22}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("reading", total=3)

        def progress(step: str) -> None:
            bar.update(task, description=step, advance=1)

        return run(progress)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["sku"], extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})


def _fmt(v) -> str:
    return "—" if v is None else str(v)


@app.command("policy")
def policy_cmd(target_fill_rate: Annotated[float | None, typer.Option(help="e.g. 0.98")] = None,
               target_csl: Annotated[float | None, typer.Option(help="cycle service level, e.g. 0.95")] = None,
               sku: Annotated[list[str] | None, typer.Option(help="Only these SKUs (repeat)")] = None,
               weeks: Weeks = None, limit: int = 50, offset: int = 0, csv_path: Csv = None) -> None:
    """Safety stock, reorder point, EOQ and investment per SKU for a target (neither: the profit-maximising level)."""
    from .services import inventory_policy as ip
    uow, actor, console, _, fail = _ctx()
    try:
        target = ip.target_from(target_fill_rate, target_csl)
        page = _with_progress(console, lambda p: ip.policy_report(uow, SystemClock(), actor, target=target,
                                                                  weeks=weeks, skus=sku, limit=limit, offset=offset,
                                                                  progress=p))
        if csv_path:
            everything = ip.policy_report(uow, SystemClock(), actor, target=target, weeks=weeks, skus=sku,
                                          limit=max(page["total"], 1))
            _write_csv(csv_path, everything["items"])
    except DomainError as exc:
        fail(exc)
    b, s = page["basis"], page["summary"]
    t = Table("sku", "demand/week", "lead time (days)", "EOQ", "safety", "ROP", "CSL", "fill", "investment",
              "cost/year", "best CSL", title=f"Inventory policy — target {b['target']} {b['target_value'] or ''} — "
              f"{b['window_start']} to {b['window_end']} ({b['weeks']} weeks)")
    for r in page["items"]:
        t.add_row(r["sku"], f"{r['demand_per_week']} ± {r['demand_sd_per_week']}",
                  f"{r['lead_time_days']} ± {r['lead_time_sd_days']} {r['lead_time_source']}", _fmt(r["order_qty"]),
                  _fmt(r["safety_stock"]), _fmt(r["reorder_point"]), _fmt(r["cycle_service_level"]),
                  _fmt(r["fill_rate"]), str(r["inventory_investment"]), str(r["total_cost_per_year"]),
                  _fmt(r["optimal_cycle_service_level"]))
    console.print(t)
    console.print(f"{s['skus']} SKUs ({s['skus_without_demand']} without demand: no policy), fill rate "
                  f"{_fmt(s['demand_weighted_fill_rate'])}, investment {s['total_inventory_investment']}, "
                  f"cost/yr {s['total_total_cost_per_year']} (at the profit-maximising level "
                  f"{s['total_optimal_total_cost_per_year']})" + (f"; wrote {csv_path}" if csv_path else ""))


@app.command("curve")
def curve_cmd(sku: Annotated[str | None, typer.Option(help="One SKU (default: the whole range)")] = None,
              from_rate: Annotated[float | None, typer.Option(help="Lowest fill rate")] = None,
              to_rate: Annotated[float | None, typer.Option(help="Highest fill rate")] = None,
              points: Annotated[int | None, typer.Option(help="Points between them")] = None,
              weeks: Weeks = None, csv_path: Csv = None) -> None:
    """Fill rate against inventory investment: what each extra point of fill rate costs."""
    from .services import inventory_policy as ip
    uow, actor, console, _, fail = _ctx()
    try:
        c = _with_progress(console, lambda p: ip.fill_rate_curve_report(
            uow, SystemClock(), actor, sku=sku, from_rate=from_rate, to_rate=to_rate, points=points, weeks=weeks,
            progress=p))
    except DomainError as exc:
        fail(exc)
    t = Table("fill rate", "achieved", "safety stock", "safety value", "investment", "holding/yr", "stockouts/yr",
              "total/yr", title=f"Fill-rate curve — {c['scope']} ({c['skus']} SKUs)")
    for p in c["points"]:
        t.add_row(str(p["fill_rate"]), str(p["achieved_fill_rate"]), str(p["safety_stock_units"]),
                  str(p["safety_stock_value"]), str(p["inventory_investment"]), str(p["holding_cost_per_year"]),
                  str(p["stockout_cost_per_year"]), str(p["total_cost_per_year"]))
    console.print(t)
    if csv_path:
        _write_csv(csv_path, c["points"])
        console.print(f"wrote {csv_path}")


@app.command("stockout-cost")
def stockout_cost_cmd(sku: Annotated[list[str] | None, typer.Option(help="Only these SKUs (repeat)")] = None,
                      weeks: Weeks = None, limit: int = 50, csv_path: Csv = None) -> None:
    """Expected cost of a unit short per SKU (by outcome) and the service level that maximises profit."""
    from .services import inventory_policy as ip
    uow, actor, console, _, fail = _ctx()
    try:
        r = ip.stockout_cost_report(uow, SystemClock(), actor, skus=sku, weeks=weeks, limit=limit)
    except DomainError as exc:
        fail(exc)
    console.print("outcomes: " + "; ".join(f"{o['code']} p={o['probability']} cost {o['cost_per_unit']} + "
                                           f"{o['margin_multiple']}× margin" for o in r["outcomes"]))
    codes = [o["code"] for o in r["outcomes"]]
    t = Table("sku", "margin", *codes, "per unit short", "best CSL", "best fill", "stockouts/yr", "holding/yr")
    for i in r["items"]:
        t.add_row(i["sku"], str(i["unit_margin"]), *(str(i["by_outcome"][c]) for c in codes),
                  str(i["cost_per_unit_short"]), _fmt(i["optimal_cycle_service_level"]), _fmt(i["optimal_fill_rate"]),
                  str(i["stockout_cost_per_year"]), str(i["holding_cost_per_year"]))
    console.print(t)
    if csv_path:
        _write_csv(csv_path, [{k: v for k, v in i.items() if k != "by_outcome"} | i["by_outcome"] for i in r["items"]])
        console.print(f"wrote {csv_path}")


@app.command("settings")
def settings_cmd(holding_rate: Annotated[str | None, typer.Option(help="Per year, fraction of unit cost")] = None,
                 order_cost: Annotated[str | None, typer.Option(help="Cost of one replenishment order")] = None,
                 lead_time_days: Annotated[str | None, typer.Option(help="Default supplier lead time")] = None,
                 lead_time_sd_days: Annotated[str | None, typer.Option(help="Its standard deviation")] = None,
                 history_weeks: Annotated[int | None, typer.Option(help="Demand window")] = None,
                 min_receipts: Annotated[int | None, typer.Option(help="Receipts before history is trusted")] = None):
    """Show the policy settings, or change the ones given."""
    from .services import policy_settings as ps
    uow, actor, console, _, fail = _ctx()
    changes = {k: v for k, v in {
        "holding_rate": _number(holding_rate, "--holding-rate"), "order_cost": _number(order_cost, "--order-cost"),
        "lead_time_days": _number(lead_time_days, "--lead-time-days"),
        "lead_time_sd_days": _number(lead_time_sd_days, "--lead-time-sd-days"), "history_weeks": history_weeks,
        "min_receipts": min_receipts}.items() if v is not None}
    try:
        s = ps.update_policy_settings(uow, actor, changes) if changes else ps.get_policy_settings(uow, actor)
    except DomainError as exc:
        fail(exc)
    console.print("  ".join(f"{k}={v}" for k, v in s.items()))


@app.command("lead-time")
def lead_time_cmd(sku: str, days: Annotated[str, typer.Option(help="Mean supplier lead time in days")],
                  sd: Annotated[str, typer.Option(help="Its standard deviation in days")] = "0",
                  order_cost: Annotated[str | None, typer.Option(help="This product's order cost")] = None):
    """Set a product's own lead time (used until it has enough receipts of its own)."""
    from .services import policy_settings as ps
    uow, actor, console, _, fail = _ctx()
    try:
        r = ps.set_product_lead_time(uow, actor, sku, lead_time_days=_number(days, "--days"),
                                     lead_time_sd_days=_number(sd, "--sd"),
                                     order_cost=_number(order_cost, "--order-cost"))
    except DomainError as exc:
        fail(exc)
    console.print(f"{sku}: lead time {r['lead_time_days']} ± {r['lead_time_sd_days']} days")


@app.command("outcomes")
def outcomes_cmd(set_: Annotated[list[str] | None, typer.Option(
        "--set", help="CODE=PROBABILITY,COST_PER_UNIT,MARGIN_MULTIPLE for each of the four outcomes")] = None):
    """Show the stockout outcomes, or replace all four (probabilities must add up to 1)."""
    from .analytics.stockout_cost import StockoutOutcome
    from .services import policy_settings as ps
    uow, actor, console, err, fail = _ctx()
    try:
        if set_:
            parsed = []
            for spec in set_:
                code, _, rest = spec.partition("=")
                parts = (rest.split(",") + ["0", "0"])[:3]
                p, c, m = (_number(x.strip() or "0", f"--set {code}") for x in parts)
                parsed.append(StockoutOutcome(code.strip(), p, c, m))
            rows = ps.set_stockout_outcomes(uow, actor, parsed)
        else:
            rows = ps.get_stockout_outcomes(uow, actor)
    except DomainError as exc:
        fail(exc)
    t = Table("outcome", "probability", "cost per unit short", "margins lost per unit short")
    for o in rows:
        t.add_row(o["code"], str(o["probability"]), str(o["cost_per_unit"]), str(o["margin_multiple"]))
    console.print(t)


@offers_app.command("list")
def offers_list_cmd():
    """The offer rules quotes apply to every line."""
    from .services import policy_settings as ps
    uow, actor, console, _, _ = _ctx()
    t = Table("code", "name", "basis", "days", "price %", "active")
    for r in ps.list_offer_rules(uow, actor):
        t.add_row(r["code"], r["name"], r["basis"], str(r["days"]), str(r["price_adjustment_pct"]),
                  "yes" if r["active"] else "no")
    console.print(t)


@offers_app.command("set")
def offers_set_cmd(code: str, name: Annotated[str, typer.Option(help="What the customer reads")],
                   days: Annotated[int, typer.Option(help="Days from the basis (negative: sooner)")],
                   price_pct: Annotated[str, typer.Option(help="Price adjustment in %: + premium, − discount")],
                   basis: Annotated[str, typer.Option(help="promise (the standard promise) or package")] = "promise",
                   inactive: Annotated[bool, typer.Option(help="Withdraw the rule")] = False):
    """Create or replace an offer rule."""
    from .domain.lead_time_offers import OfferBasis, OfferRule
    from .services import policy_settings as ps
    uow, actor, console, err, fail = _ctx()
    if basis not in {b.value for b in OfferBasis}:
        err.print(f"[red]error[/red] \\[unknown_basis] --basis {basis!r}: promise or package")
        raise typer.Exit(2)
    try:
        r = ps.put_offer_rule(uow, actor, OfferRule(code, name, OfferBasis(basis), days,
                                                   _number(price_pct, "--price-pct"), not inactive))
    except DomainError as exc:
        fail(exc)
    console.print(f"offer {r['code']}: {r['name']}, {r['days']:+d} days from the {r['basis']}, "
                  f"{r['price_adjustment_pct']:+}%" + ("" if r["active"] else " (inactive)"))
