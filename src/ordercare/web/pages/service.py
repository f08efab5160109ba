"""Service desk: the case queue with SLA countdowns and breach colours, logging a case (any channel, with
customer search), and the case page that follows the procedure — for staff, and for a customer its own cases.

Every step calls the same service function as the API (services/cases.py, case_recovery.py); which steps a
case offers comes from the domain (domain/cases.desk_actions), its clocks from services/case_views.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.cases import CaseCategory, CaseChannel, CaseStatus, RecoveryKind, RootCause, case_number, desk_actions
from ...domain.cash import PaymentMethod
from ...domain.errors import DomainError
from ...domain.fulfilment import Department
from ...domain.sla import PRIORITIES
from ...services import case_recovery, case_views, cases, catalog, order_views, return_views
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, text
from ..registry import NavEntry, OrderPanel
from ..service_forms import case_id_of, history_for, record_ref, recovery_form, take_error

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_SERVICE))]
Opener = Annotated[Page, Depends(needs(P.OPEN_CASE))]
Worker = Annotated[Page, Depends(needs(P.WORK_CASES))]

DESK = frozenset({Role.ADMIN, Role.MANAGER, Role.CS_AGENT})
CUSTOMER = frozenset({Role.CUSTOMER})
NAV = [
    NavEntry("Cases", "/cases", P.READ_SERVICE, 40, "The case queue with SLA countdowns and breach colours; log a "
             "case and work it through the procedure.", roles=DESK),
    NavEntry("My cases", "/cases", P.READ_SERVICE, 40, "Tell us about a problem with an order, a delivery or an "
             "invoice, and follow its progress.", roles=CUSTOMER),
]
ORDER_PANELS = [
    OrderPanel("cases", "Cases", "service/_order_cases.html",
               lambda conn, actor, order_id, clock: case_views.cases_of_order(conn, clock, actor, order_id),
               P.READ_SERVICE, 30, timed=True),
]
PAGE_SIZE = 100
FILTERS = ("scope", "queue", "assigned_to", "status", "priority", "category", "breached", "customer")
# Case events a customer does not see on its own case: the desk's organisation and findings.
INTERNAL_EVENTS = ("assigned", "escalated", "root_cause", "recovery")


def _status(exc: DomainError) -> int:
    return 409 if exc.kind == "conflict" else 422


# --- the queue ----------------------------------------------------------------------------------------------------


def _queue(p: Page) -> tuple[dict, dict, FieldErrors, int]:
    q = p.request.query_params
    filters = {k: q.get(k, "").strip()[:60] for k in FILTERS}
    filters["scope"] = filters["scope"] or "open"
    offset = min(int(q["offset"]), 10_000_000) if q.get("offset", "").isdigit() and len(q["offset"]) < 10 else 0
    errors, page = FieldErrors(), {"total": 0, "items": []}
    try:
        page = case_views.list_cases(
            p.uow, p.clock, p.actor, status=filters["status"] or None, queue=filters["queue"] or None,
            assigned_to=filters["assigned_to"] or None, customer=filters["customer"] or None,
            priority=filters["priority"] or None, category=filters["category"] or None,
            open_only=filters["scope"] == "open", breached={"yes": True, "no": False}.get(filters["breached"]),
            sort="urgency", limit=PAGE_SIZE, offset=offset)
    except DomainError as exc:
        errors.take(exc)
    return page, filters, errors, offset


def _query(filters: dict) -> str:
    from urllib.parse import urlencode
    return urlencode({k: v for k, v in filters.items() if v})


@router.get("/cases")
def case_queue(p: Reader):
    page, filters, errors, offset = _queue(p)
    return p.html("service/queue.html", page=page, values=filters, errors=errors, query=_query(filters),
                  rows_query=_query({**filters, "offset": offset or ""}), limit=PAGE_SIZE, offset=offset,
                  choices=case_views.desk_choices(p.uow, p.actor),
                  statuses=[s.value for s in CaseStatus], priorities=list(PRIORITIES),
                  categories=[c.value for c in CaseCategory], can_open=p.allowed(P.OPEN_CASE))


@router.get("/cases/queue-rows")
def case_queue_rows(p: Reader):
    """The queue's rows again (htmx polls this, so the countdowns and colours move on their own)."""
    page, filters, _, offset = _queue(p)
    return p.html("service/_queue_rows.html", page=page, rows_query=_query({**filters, "offset": offset or ""}))


# --- logging a case -----------------------------------------------------------------------------------------------

CASE_FIELDS = ("customer", "channel", "category", "priority", "subject", "description", "contact_name",
               "contact_email", "contact_phone", "order_id", "shipment_id", "invoice_id", "return_id")


def _own_code(p: Page) -> str | None:
    return catalog.list_customers(p.uow, p.actor, limit=1)["items"][0]["code"] if p.actor.is_customer else None


def _new_case_page(p: Page, *, values: dict, errors: FieldErrors | None = None, status: int = 200):
    own = _own_code(p)
    customer = own or values.get("customer", "")
    return p.html("service/new_case.html", values=values, errors=errors or FieldErrors(), status=status,
                  own_customer=own, help=_customer_help(p, customer) if customer else None,
                  channels=[c.value for c in CaseChannel if c is not CaseChannel.PORTAL],
                  categories=[c.value for c in CaseCategory], priorities=list(PRIORITIES))


def _customer_help(p: Page, q: str) -> dict:
    """Customers matching what was typed; for an exact code, its recent orders and returns to link the case to."""
    found = catalog.list_customers(p.uow, p.actor, q=q[:100], limit=20)["items"]
    exact = next((c for c in found if c["code"].lower() == q.lower()), None)
    orders, returns = [], []
    if exact:
        orders = order_views.list_orders(p.uow, p.actor, customer=exact["code"], limit=30)["items"]
        returns = return_views.list_returns(p.uow, p.actor, customer=exact["code"], limit=30)["items"]
    return {"found": found, "exact": exact, "orders": orders, "returns": returns}


@router.get("/cases/new")
def new_case(p: Opener):
    q = p.request.query_params
    return _new_case_page(p, values={k: q.get(k, "")[:200] for k in CASE_FIELDS if q.get(k)})


@router.get("/cases/new/customer")
def customer_search(p: Opener, customer: str = ""):
    """htmx, while the customer is typed: suggestions, and the chosen customer's orders and returns."""
    return p.html("service/_customer_help.html", help=_customer_help(p, customer.strip()[:100]))


@router.post("/cases/new")
def open_case(p: Opener):
    f, errors = p.form, FieldErrors()
    customer = _own_code(p) or text(f, "customer", errors, required=True, max_length=40)
    links = {name: record_ref(f, name, errors) for name in ("order_id", "shipment_id", "invoice_id", "return_id")}
    values = {k: f.get(k) for k in CASE_FIELDS}
    if not errors:
        try:
            case_id = cases.open_case(p.uow, p.clock, p.actor, cases.CaseRequest(
                customer=customer, subject=f.get("subject"), category=f.get("category"),
                channel=f.get("channel") or CaseChannel.PHONE, priority=f.get("priority") or "normal",
                description=f.get("description") or None, contact_name=f.get("contact_name") or None,
                contact_email=f.get("contact_email") or None, contact_phone=f.get("contact_phone") or None,
                **links))
            return p.redirect(f"/cases/{case_number(case_id)}", flash=f"Case {case_number(case_id)} logged")
        except DomainError as exc:
            errors.take(exc)
    return _new_case_page(p, values=values, errors=errors, status=422)


# --- one case -----------------------------------------------------------------------------------------------------


def case_page(p: Page, case_id: int, *, errors: FieldErrors | None = None, form: str | None = None,
              status: int = 200):
    """`form` names the form the errors belong to (and whose typed values are shown again)."""
    case = case_views.get_case(p.uow, p.clock, p.actor, case_id)
    actions = tuple(a for a in desk_actions(case["status"])
                    if p.allowed(STEP_PERMISSIONS.get(a, P.WORK_CASES)))
    history = history_for(p.actor, case["history"], internal=INTERNAL_EVENTS)
    lines = None
    if "recovery" in actions and case["order_id"]:
        lines = return_views.returnable_lines(p.uow, p.clock, p.actor, case["order_id"])
    return p.html(
        "service/case.html", case=case, actions=actions, history=history, errors=errors or FieldErrors(),
        form=form, status=status, values=p.form.values if form else {}, order_lines=lines,
        choices=case_views.desk_choices(p.uow, p.actor) if "assign" in actions else None,
        root_causes=[r.value for r in RootCause], departments=[d.value for d in Department],
        recovery_kinds=[k.value for k in RecoveryKind], refund_methods=[m.value for m in PaymentMethod],
        can_see_shipments=p.allowed(P.READ_SHIPMENTS), can_see_invoices=p.allowed(P.READ_INVOICES),
        pending_survey=next((s for s in case["surveys"] if s["answered_at"] is None), None))


@router.get("/cases/{ref}")
def show_case(p: Reader, ref: str):
    return case_page(p, case_id_of(ref))


def _done(p: Page, case_id: int, flash: str):
    return p.redirect(f"/cases/{case_number(case_id)}", flash=flash)


def _refused(p: Page, case_id: int, exc: DomainError, form: str, errors: FieldErrors | None = None,
             rows: list[int] | None = None):
    errors = take_error(errors or FieldErrors(), exc, rows)
    # Closing without a root cause is shown where the root cause is entered.
    if exc.field in ("root_cause", "department"):
        form = "root_cause"
    return case_page(p, case_id, errors=errors, form=form, status=_status(exc))


# The steps of the procedure: (service call, what the page says once done). Each is one POST route.
STEP_CALLS = {
    "acknowledge": (lambda p, cid, f: cases.acknowledge(p.uow, p.clock, p.actor, cid, f.get("note")), "Acknowledged"),
    "investigate": (lambda p, cid, f: cases.investigate(p.uow, p.clock, p.actor, cid, f.get("note")),
                    "Investigation started"),
    "wait_on_customer": (lambda p, cid, f: cases.wait_on_customer(p.uow, p.clock, p.actor, cid, f.get("note")),
                         "Waiting on the customer: the SLA clocks are paused"),
    "resume": (lambda p, cid, f: cases.resume(p.uow, p.clock, p.actor, cid, f.get("note")),
               "Resumed: the SLA clocks run again"),
    "resolve": (lambda p, cid, f: cases.resolve(p.uow, p.clock, p.actor, cid, f.get("resolution")), "Resolved"),
    "follow_up": (lambda p, cid, f: cases.follow_up(p.uow, p.clock, p.actor, cid, f.get("note")),
                  "Followed up: a satisfaction survey was sent"),
    "close": (lambda p, cid, f: cases.close(p.uow, p.clock, p.actor, cid, f.get("note")), "Closed"),
    "reopen": (lambda p, cid, f: cases.reopen(p.uow, p.clock, p.actor, cid, f.get("note")), "Reopened"),
    "root_cause": (lambda p, cid, f: cases.record_root_cause(
        p.uow, p.clock, p.actor, cid, root_cause=f.get("root_cause"), department=f.get("department") or None,
        note=f.get("note")), "Root cause recorded"),
    "assign": (lambda p, cid, f: cases.assign(p.uow, p.clock, p.actor, cid, username=f.get("username") or None,
                                              queue=f.get("queue") or None), "Assigned"),
    # A message on the case (a customer's own too: its answer ends a wait on the customer).
    "note": (lambda p, cid, f: cases.add_note(p.uow, p.clock, p.actor, cid, f.get("note")), "Note added"),
}
STEP_PERMISSIONS = {"note": P.OPEN_CASE}  # every other step: work_cases


def _step_route(step: str):
    call, flash = STEP_CALLS[step]

    def step_handler(ref: str, p: Page = Depends(needs(STEP_PERMISSIONS.get(step, P.WORK_CASES)))):
        case_id = case_id_of(ref)
        try:
            call(p, case_id, p.form)
        except DomainError as exc:
            return _refused(p, case_id, exc, step)
        return _done(p, case_id, flash)

    step_handler.__name__ = f"case_{step}"
    router.add_api_route(f"/cases/{{ref}}/{step.replace('_', '-')}", step_handler, methods=["POST"],
                         name=f"case_{step}")


for _step in STEP_CALLS:
    _step_route(_step)


@router.post("/cases/{ref}/recovery")
def add_recovery(p: Worker, ref: str):
    case_id = case_id_of(ref)
    kind = p.form.get("kind")
    errors = FieldErrors()
    action, rows = recovery_form(p.form, errors)
    if action is None:
        return case_page(p, case_id, errors=errors, form=f"recovery_{kind}", status=422)
    try:
        case_recovery.add_recovery(p.uow, p.clock, p.settings, p.actor, case_id, action)
    except DomainError as exc:
        return _refused(p, case_id, exc, f"recovery_{kind}", rows=rows)
    return _done(p, case_id, f"Recovery recorded: {kind.replace('_', ' ')}")

