"""Post-sale service commands: cases, the SLA set-up and escalation run, CSAT, personal data.
Returns are in cli_returns.py."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

case_app = typer.Typer(help="Complaint and service cases: open, work through the procedure, recover, close.",
                       no_args_is_help=True)
sla_app = typer.Typer(help="SLA: run the escalation job, show and set calendars, policies and account reps.",
                      no_args_is_help=True)
csat_app = typer.Typer(help="Customer satisfaction: CSAT per touchpoint, surveys.", no_args_is_help=True)
privacy_app = typer.Typer(help="Data protection: export or erase a customer's personal data in service records.",
                          no_args_is_help=True)


def ctx():
    from .cli import _actor, _settings, _uow, console
    return _uow(), SystemClock(), _settings(), _actor(), console


def run(call):
    """Call a service; a business error is printed as `error [code] message` and exits 2."""
    from .cli import _fail
    try:
        return call()
    except DomainError as exc:
        _fail(exc)


def bad(code: str, message: str):
    from rich.markup import escape

    from .cli import err
    err.print(f"[red]error[/red] {escape(f'[{code}]')} {escape(message)}")
    raise typer.Exit(2)


def parts(spec: str, n: int, option: str, shape: str) -> list[str]:
    items = spec.split(":", n - 1)
    if len(items) != n or not all(items):
        bad("invalid_option", f"{option} {spec!r}: write {shape}")
    return items


def number(text: str, option: str) -> int:
    if not (text.isascii() and text.lstrip("-").isdigit()):
        bad("invalid_number", f"{option} {text!r}: a whole number")
    return int(text)


def case_ref(ref: str) -> int:
    from .domain.cases import parse_ref
    found = parse_ref(ref, "CS")
    if found is None:
        bad("case_not_found", f"case {ref}: no such case")
    return found


def _clock(c: dict) -> str:
    due = c["due_at"].strftime("%a %d %b %H:%M") if c["due_at"] else "—"
    return f"{c['state']} (due {due})"


def show_case(console, v: dict) -> None:
    console.print(f"[bold]{v['number']}[/bold] {v['customer']}  {v['status']}  {v['category']}  {v['priority']}  "
                  f"via {v['channel']}  queue {v['queue']}  → {v['assigned_to'] or 'unassigned'}")
    console.print(f"  {v['subject']}   order {v['order'] or '—'}   return {v['return'] or '—'}")
    console.print(f"  first response: {_clock(v['sla']['first_response'])}   "
                  f"resolution: {_clock(v['sla']['resolution'])}   escalation level {v['escalation_level']}")
    console.print(f"  root cause: {v['root_cause'] or '—'} ({v['department'] or '—'})   "
                  f"failure cost: {v['failure_cost']}")
    t = Table("at", "who", "event", "status", "note / data")
    for e in v["history"]:
        t.add_row(e["at"].strftime("%Y-%m-%d %H:%M"), e["actor"], e["kind"],
                  f"{e['from_status'] or ''}→{e['to_status']}" if e["to_status"] else "",
                  e["note"] or (json.dumps(e["data"], default=str) if e["data"] else ""))
    console.print(t)


def _after(ref: str, step) -> None:
    uow, clock, settings, actor, console = ctx()
    cid = case_ref(ref)
    run(lambda: step(uow, clock, settings, actor, cid))
    from .services.case_views import get_case
    show_case(console, run(lambda: get_case(uow, clock, actor, cid)))


@case_app.command("open")
def case_open(customer: Annotated[str, typer.Option(help="Customer code")],
              subject: Annotated[str, typer.Option()], category: Annotated[str, typer.Option(
                  help="late_delivery, damaged_goods, wrong_item, short_shipment, billing_error, product_question, "
                       "technical_support, installation, return_request, other")],
              channel: Annotated[str, typer.Option(help="phone, email, chat, portal, in_person, internal")] = "phone",
              priority: Annotated[str, typer.Option(help="urgent, high, normal, low")] = "normal",
              order: Annotated[str | None, typer.Option(help="SO-… the case is about")] = None,
              description: str | None = None, contact_name: str | None = None,
              contact_email: str | None = None, contact_phone: str | None = None) -> None:
    """Log a case: it is routed (dedicated rep, queue or portal queue) and its SLA clocks start."""
    from .domain.orders import parse_order_number
    from .services import cases
    order_id = None
    if order:
        order_id = parse_order_number(order) or bad("unknown_order", f"--order {order!r}: not an order number")
    uow, clock, _, actor, console = ctx()
    cid = run(lambda: cases.open_case(uow, clock, actor, cases.CaseRequest(
        customer, subject, category, channel, priority, description, contact_name, contact_email, contact_phone,
        order_id)))
    _after(str(cid), lambda *a: None)


@case_app.command("list")
def case_list(status: str | None = None, queue: str | None = None, assigned_to: str | None = None,
              customer: str | None = None, open_only: Annotated[bool, typer.Option("--open")] = False,
              breached: Annotated[bool, typer.Option("--breached", help="Only cases past an SLA due time")] = False,
              limit: int = 50) -> None:
    """The case queue, oldest first, with SLA state."""
    from .services.case_views import list_cases
    uow, clock, _, actor, console = ctx()
    page = run(lambda: list_cases(uow, clock, actor, status=status, queue=queue, assigned_to=assigned_to,
                                  customer=customer, open_only=open_only, breached=True if breached else None,
                                  limit=limit))
    t = Table("case", "customer", "status", "category", "prio", "queue", "assigned", "first response",
              "resolution", title=f"{page['total']} cases")
    for c in page["items"]:
        t.add_row(c["number"], c["customer"], c["status"], c["category"], c["priority"], c["queue"],
                  c["assigned_to"] or "", _clock(c["sla"]["first_response"]), _clock(c["sla"]["resolution"]),
                  style="red" if c["breached"] else None)
    console.print(t)


@case_app.command("show")
def case_show(ref: str) -> None:
    """One case with its SLA clocks, root cause, cost and history."""
    _after(ref, lambda *a: None)


@case_app.command("ack")
def case_ack(ref: str, note: Annotated[str | None, typer.Option(help="The first answer to the customer")] = None):
    """Acknowledge: the first-response clock stops."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.acknowledge(u, c, a, cid, note))


@case_app.command("investigate")
def case_investigate(ref: str, note: str | None = None) -> None:
    """Start the investigation (root cause, responsible department)."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.investigate(u, c, a, cid, note))


@case_app.command("wait")
def case_wait(ref: str, note: Annotated[str, typer.Option(help="What the customer is asked for")]) -> None:
    """Wait on the customer: the SLA clocks pause."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.wait_on_customer(u, c, a, cid, note))


@case_app.command("resume")
def case_resume(ref: str, note: str | None = None) -> None:
    """Back to work after waiting on the customer: the clocks run again."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.resume(u, c, a, cid, note))


@case_app.command("note")
def case_note(ref: str, text: str) -> None:
    """Add a note to the case."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.add_note(u, c, a, cid, text))


@case_app.command("root-cause")
def case_root_cause(ref: str, cause: Annotated[str, typer.Option(help="e.g. carrier_damage, picking_error")],
                    department: Annotated[str | None, typer.Option(help="Charged department (default: usual)")] = None,
                    note: str | None = None) -> None:
    """Record the root cause and the department the failure is charged to."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.record_root_cause(u, c, a, cid, root_cause=cause,
                                                                department=department, note=note))


def _money(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        bad("invalid_amount", f"{option} {text!r}: write an amount such as 12.50")


@case_app.command("recover")
def case_recover(ref: str, kind: Annotated[str, typer.Option(
                     help="reship, credit_note, refund, return_authorisation, goodwill, apology")],
                 note: str | None = None, cost: Annotated[str | None, typer.Option(help="Goodwill cost")] = None,
                 amount: Annotated[str | None, typer.Option(help="Credit or refund amount")] = None,
                 line: Annotated[list[str], typer.Option(help="Reship SKU:QTY")] = [],  # noqa: B006
                 return_line: Annotated[list[str], typer.Option(help="Return LINE_NO:QTY:REASON")] = [],  # noqa: B006
                 refund_method: str | None = None, refund_reference: str | None = None) -> None:
    """Take a recovery action on the case; its cost is recorded."""
    from .services.case_recovery import Recovery, add_recovery
    from .services.returns import ReturnLineRequest
    reship = [(s, number(q, "--line")) for s, q in (parts(x, 2, "--line", "SKU:QTY") for x in line)]
    back = [ReturnLineRequest(number(n, "--return-line"), number(q, "--return-line"), r)
            for n, q, r in (parts(x, 3, "--return-line", "LINE_NO:QTY:REASON") for x in return_line)]
    action = Recovery(kind, note, _money(cost, "--cost"), _money(amount, "--amount"), reship, back, refund_method,
                      refund_reference)
    _after(ref, lambda u, c, s, a, cid: add_recovery(u, c, s, a, cid, action))


@case_app.command("resolve")
def case_resolve(ref: str, resolution: Annotated[str, typer.Option(help="What was done for the customer")]):
    """Resolve: the resolution clock stops."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.resolve(u, c, a, cid, resolution))


@case_app.command("follow-up")
def case_follow_up(ref: str, note: str | None = None) -> None:
    """Tell the customer and send a CSAT survey."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.follow_up(u, c, a, cid, note))


@case_app.command("close")
def case_close(ref: str, note: str | None = None) -> None:
    """Close a followed-up case (refused without a root cause)."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.close(u, c, a, cid, note))


@case_app.command("assign")
def case_assign(ref: str, user: str | None = None, queue: str | None = None) -> None:
    """Give the case to a service user, or put it in a queue."""
    from .services import cases
    _after(ref, lambda u, c, s, a, cid: cases.assign(u, c, a, cid, username=user, queue=queue))


@sla_app.command("run")
def sla_run() -> None:
    """Escalate every breached SLA clock now; running it again escalates nothing twice."""
    from .services.sla_escalation import run_sla_escalations
    uow, clock, _, actor, console = ctx()
    summary = run(lambda: run_sla_escalations(uow, clock, actor))
    t = Table("case", "clock", "level", "role", "due", "customer", title=f"{summary['checked']} open cases checked, "
              f"{len(summary['escalated'])} escalation(s)")
    for e in summary["escalated"]:
        t.add_row(e["case"], e["clock"], str(e["level"]), e["role"], e["due_at"] or "", e["customer"])
    console.print(t)


@sla_app.command("show")
def sla_show() -> None:
    """Calendars, SLA policies and returns policies."""
    from .services.service_setup import service_setup
    uow, _, _, actor, console = ctx()
    setup = run(lambda: service_setup(uow, actor))
    for c in setup["calendars"]:
        console.print(f"calendar [bold]{c['code']}[/bold] {c['timezone']} {c['hours']} holidays: "
                      f"{', '.join(str(h['day']) for h in c['holidays']) or '—'}")
    t = Table("policy", "package", "priority", "first response (min)", "resolution (min)", "calendar", "escalation")
    for p in setup["sla_policies"]:
        t.add_row(p["code"], p["service_package"] or "any", p["priority"], str(p["first_response_minutes"]),
                  str(p["resolution_minutes"]), p["calendar"],
                  " → ".join(f"{e['role']}+{e['after_minutes']}" for e in p["escalation"]))
    console.print(t)
    for r in setup["return_policies"]:
        console.print(f"returns policy [bold]{r['code']}[/bold]{' (default)' if r['is_default'] else ''}: "
                      f"{r['window_days']} days, warranty {r['warranty_days']} days, fee {r['restocking_fee_pct']} %")


@sla_app.command("calendar")
def sla_calendar(code: str, timezone: Annotated[str, typer.Option(help="IANA zone, e.g. Europe/Amsterdam")],
                 hours: Annotated[list[str], typer.Option(help="DAY=HH:MM-HH:MM[,HH:MM-HH:MM], e.g. mon=09:00-17:00")],
                 holiday: Annotated[list[str], typer.Option(help="YYYY-MM-DD:name")] = [],  # noqa: B006
                 name: str | None = None) -> None:
    """Create or replace a business calendar."""
    from .services.service_setup import CalendarData, set_calendar
    spec: dict[str, list[str]] = {}
    for h in hours:
        day, _, periods = h.partition("=")
        spec[day] = periods.split(",") if periods else bad("invalid_hours", f"--hours {h!r}: write mon=09:00-17:00")
    days = []
    for h in holiday:
        d, n = parts(h, 2, "--holiday", "YYYY-MM-DD:name") if h.count(":") else bad("invalid_holiday", h)
        try:
            days.append((date.fromisoformat(d), n))
        except ValueError:
            bad("invalid_date", f"--holiday {h!r}: use YYYY-MM-DD:name")
    uow, _, _, actor, console = ctx()
    run(lambda: set_calendar(uow, actor, CalendarData(code, name or code, timezone, spec, days)))
    console.print(f"calendar {code} set")


@sla_app.command("policy")
def sla_policy(code: str, priority: str, response: Annotated[int, typer.Option(help="First-response minutes")],
               resolution: Annotated[int, typer.Option(help="Resolution minutes")], calendar: str = "STANDARD",
               package: Annotated[str | None, typer.Option(help="Service package (default: any)")] = None,
               escalate: Annotated[list[str], typer.Option(help="LEVEL:ROLE:MINUTES_AFTER_DUE")] = []) -> None:  # noqa: B006
    """Create or replace the SLA policy of a (package, priority), counted in business minutes."""
    from .domain.sla import EscalationLevel, SlaPolicy
    from .services.service_setup import set_sla_policy
    levels = tuple(EscalationLevel(number(lv, "--escalate"), role, number(m, "--escalate"))
                   for lv, role, m in (parts(e, 3, "--escalate", "LEVEL:ROLE:MINUTES") for e in escalate))
    uow, _, _, actor, console = ctx()
    run(lambda: set_sla_policy(uow, actor, SlaPolicy(code, package, priority, response, resolution, calendar,
                                                     levels)))
    console.print(f"SLA policy {code} set")


@sla_app.command("account-rep")
def sla_account_rep(customer: str, user: str) -> None:
    """Make a service user the customer's dedicated rep (its new cases go to that user)."""
    from .services.service_setup import assign_account_rep
    uow, clock, _, actor, console = ctx()
    run(lambda: assign_account_rep(uow, clock, actor, customer, user))
    console.print(f"{customer}: account rep {user}")


@csat_app.command("report")
def csat_report() -> None:
    """CSAT per touchpoint: answers, average and share of 4-5 scores."""
    from .services.csat import csat_by_touchpoint
    uow, _, _, actor, console = ctx()
    t = Table("touchpoint", "surveys sent", "answers", "average", "CSAT (4-5)", "1", "2", "3", "4", "5")
    for r in run(lambda: csat_by_touchpoint(uow, actor)):
        t.add_row(r["touchpoint"], str(r["surveys_sent"]), str(r["answers"]), str(r["average"] or "—"),
                  f"{r['csat']:.0%}" if r["csat"] is not None else "—", *(str(v) for v in r["scores"].values()))
    console.print(t)


@privacy_app.command("export")
def privacy_export(customer: str) -> None:
    """Print the customer's personal data in cases, returns and CSAT as JSON."""
    from .services.personal_data import export_personal_data
    uow, _, _, actor, console = ctx()
    data: dict[str, Any] = run(lambda: export_personal_data(uow, actor, customer))
    console.print_json(json.dumps(data, default=str))


@privacy_app.command("erase")
def privacy_erase(customer: str, reason: Annotated[str, typer.Option(help="The request this answers")]) -> None:
    """Anonymise the customer's personal data; counts, costs and root causes stay."""
    from .services.personal_data import erase_personal_data
    uow, clock, _, actor, console = ctx()
    r = run(lambda: erase_personal_data(uow, clock, actor, customer, reason))
    console.print(f"{customer}: erased personal data of {r['cases']} case(s), {r['returns']} return(s), "
                  f"{r['csat_comments']} comment(s)")


SERVICE_APPS = [(case_app, "case"), (sla_app, "sla"), (csat_app, "csat"), (privacy_app, "personal-data")]
