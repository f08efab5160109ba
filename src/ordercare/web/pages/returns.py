"""Returns (RMA): the list, requesting a return for delivered lines (desk and portal, the policy shown), the
return page (authorise or refuse under the policy, receive at a warehouse, inspect with a disposition per unit,
resolve), the order page's returns panel, and the non-sellable stock. Thin over services/returns*.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.cash import PaymentMethod
from ...domain.errors import DomainError
from ...domain.orders import order_number, parse_order_number
from ...domain.returns import Disposition, Resolution, ReturnReason, ReturnStatus, rma_number
from ...services import catalog, order_views, return_resolution, return_views, returns
from ...services import return_handling as rh
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, text, whole_number
from ..registry import NavEntry, OrderPanel
from ..service_forms import MAX_ROWS, history_for, return_id_of, return_rows, take_error

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_SERVICE))]
Requester = Annotated[Page, Depends(needs(P.REQUEST_RETURN))]
Authoriser = Annotated[Page, Depends(needs(P.AUTHORISE_RETURN))]
Receiver = Annotated[Page, Depends(needs(P.RECEIVE_RETURN))]
StockReader = Annotated[Page, Depends(needs(P.READ_STOCK))]

NAV = [
    NavEntry("Returns", "/returns", P.READ_SERVICE, 41, "Return requests: authorise under the policy, receive, "
             "inspect with a disposition per unit, resolve.",
             roles=frozenset({Role.ADMIN, Role.MANAGER, Role.CS_AGENT, Role.WAREHOUSE})),
    NavEntry("My returns", "/returns", P.READ_SERVICE, 41, "Send back delivered goods and follow your return.",
             roles=frozenset({Role.CUSTOMER})),
]


def _panel(conn, actor, order_id):
    """The order's returns; shown too when units were delivered (a return can be asked for)."""
    found = return_views.returns_of_order(conn, order_id)
    return {"returns": found} if found or return_views.delivered_units(conn, order_id) else None


ORDER_PANELS = [OrderPanel("returns", "Returns", "returns/_order_returns.html", _panel, P.READ_SERVICE, 31)]
PAGE_SIZE = 100


def _warehouses(p: Page) -> list[str]:
    return [w["code"] for w in catalog.list_warehouses(p.uow, p.actor)]


def _status(exc: DomainError) -> int:
    return 409 if exc.kind == "conflict" else 422


@router.get("/returns")
def return_list(p: Reader, status: str = "", reason: str = "", warehouse: str = "", customer: str = "",
                offset: int = 0):
    filters = {"status": status[:30], "reason": reason[:30], "warehouse": warehouse.strip()[:30],
               "customer": "" if p.actor.is_customer else customer.strip()[:40]}
    offset, errors, page = max(0, min(offset, 10_000_000)), FieldErrors(), {"total": 0, "items": []}
    try:
        page = return_views.list_returns(p.uow, p.actor, status=filters["status"] or None,
                                         reason=filters["reason"] or None, warehouse=filters["warehouse"] or None,
                                         customer=filters["customer"] or None, limit=PAGE_SIZE, offset=offset)
    except DomainError as exc:
        errors.take(exc)
    from urllib.parse import urlencode
    return p.html("returns/list.html", page=page, values=filters, errors=errors, limit=PAGE_SIZE, offset=offset,
                  base="/returns?" + urlencode({k: v for k, v in filters.items() if v}),
                  statuses=[s.value for s in ReturnStatus], reasons=[r.value for r in ReturnReason],
                  warehouses=[] if p.actor.is_customer else _warehouses(p),
                  can_request=p.allowed(P.REQUEST_RETURN), can_see_stock=p.allowed(P.READ_STOCK))


# --- requesting a return ------------------------------------------------------------------------------------------


def _request_page(p: Page, ref: str, *, errors: FieldErrors | None = None, status: int = 200):
    """Without an order: pick one. With an order: its delivered lines, what may still come back, the policy."""
    errors = errors or FieldErrors()
    lines = None
    if ref:
        order_id = parse_order_number(ref)
        if not order_id:
            errors.add("order", "not an order number (SO-…)")
        else:
            lines = return_views.returnable_lines(p.uow, p.clock, p.actor, order_id)
    recent = [] if lines else order_views.list_orders(p.uow, p.actor, limit=50)["items"]
    return p.html("returns/new.html", lines=lines, recent=recent, errors=errors, status=status,
                  values=p.form.values if p.form.values else {"order": ref})


@router.get("/returns/new")
def new_return(p: Requester, order: str = ""):
    return _request_page(p, order.strip()[:30])


@router.post("/returns/new")
def request_return(p: Requester):
    ref = p.form.get("order")[:30]
    order_id = parse_order_number(ref)
    if not order_id:
        return _request_page(p, ref, status=422)
    errors = FieldErrors()
    parsed = return_rows(p.form, errors)
    note = text(p.form, "note", errors, max_length=2000) or None
    if not errors:
        try:
            rid = returns.request_return(p.uow, p.clock, p.actor, order_id, parsed.lines, note=note)
            return p.redirect(f"/returns/{rma_number(rid)}", flash=f"Return {rma_number(rid)} requested")
        except DomainError as exc:
            take_error(errors, exc, parsed.rows)
            return _request_page(p, ref, errors=errors, status=_status(exc))
    return _request_page(p, ref, errors=errors, status=422)


# --- one return ---------------------------------------------------------------------------------------------------


def return_page(p: Page, return_id: int, *, errors: FieldErrors | None = None, form: str | None = None,
                status: int = 200, problems: list[str] | None = None):
    """`form` names the form the errors belong to; `problems` are the policy's reasons for refusing."""
    ret = return_views.get_return(p.uow, p.actor, return_id)
    check = return_views.policy_check(p.uow, p.clock, p.actor, return_id) \
        if ret["status"] == ReturnStatus.REQUESTED else None
    history = history_for(p.actor, ret["history"])
    can = {name: p.allowed(perm) for name, perm in (("authorise", P.AUTHORISE_RETURN),
                                                    ("receive", P.RECEIVE_RETURN))}
    return p.html("returns/show.html", ret=ret, check=check, history=history, errors=errors or FieldErrors(),
                  form=form, status=status, problems=problems or [], values=p.form.values if form else {},
                  can=can, warehouses=_warehouses(p) if can["receive"] else [],
                  dispositions=[d.value for d in Disposition],
                  resolutions=[r.value for r in Resolution], refund_methods=[m.value for m in PaymentMethod])


@router.get("/returns/{ref}")
def show_return(p: Reader, ref: str):
    return return_page(p, return_id_of(ref))


def _refused(p: Page, return_id: int, exc: DomainError, form: str, errors: FieldErrors | None = None,
             rows: list[int] | None = None, prefix: str = "lines"):
    errors = take_error(errors or FieldErrors(), exc, rows, prefix)
    return return_page(p, return_id, errors=errors, form=form, status=_status(exc),
                       problems=exc.data.get("problems") if exc.code == "outside_return_policy" else None)


def _act(p: Page, return_id: int, form: str, call, flash, *, rows: list[int] | None = None,
         prefix: str = "lines"):
    """One step of the return: the service call, then the return page with `flash(result)`, or the refusal on
    the form it came from."""
    try:
        result = call()
    except DomainError as exc:
        return _refused(p, return_id, exc, form, rows=rows, prefix=prefix)
    return p.redirect(f"/returns/{rma_number(return_id)}", flash=flash(result))


def _authorised(result: dict) -> str:
    fee = result["restocking_fee"]
    return "Return authorised" + (f", restocking fee {fee}" if fee else "") \
        + (" (policy overridden)" if result["policy_problems"] else "")


@router.post("/returns/{ref}/authorise")
def authorise(p: Authoriser, ref: str):
    rid = return_id_of(ref)
    return _act(p, rid, "authorise", lambda: returns.authorise_return(
        p.uow, p.clock, p.actor, rid, override=p.form.get("override") == "yes", note=p.form.get("note") or None),
        _authorised)


@router.post("/returns/{ref}/refuse")
def refuse(p: Authoriser, ref: str):
    rid = return_id_of(ref)
    return _act(p, rid, "refuse", lambda: returns.refuse_return(p.uow, p.clock, p.actor, rid, p.form.get("reason")),
                lambda _: "Return refused")


def _rows(form: Form, errors: FieldErrors, prefix: str, id_name: str) -> tuple[list[tuple[int, int, int]], list[int]]:
    """(row, return line id, qty) of the rows with a quantity; the rest are left for later."""
    out, rows = [], []
    for i in range(MAX_ROWS):
        line = form.get(f"{prefix}[{i}].{id_name}")
        if not line:
            break
        if not form.get(f"{prefix}[{i}].qty"):
            continue
        qty = whole_number(form, f"{prefix}[{i}].qty", errors, minimum=1, maximum=10**9)
        if qty and line.isdigit() and len(line) < 18:
            out.append((i, int(line), qty))
            rows.append(i)
    if not out and not errors:
        errors.add(f"{prefix}[0].qty", "enter the units on at least one line")
    return out, rows


@router.post("/returns/{ref}/receive")
def receive(p: Receiver, ref: str):
    rid, errors = return_id_of(ref), FieldErrors()
    found, rows = _rows(p.form, errors, "lines", "line_id")
    if errors:
        return return_page(p, rid, errors=errors, form="receive", status=422)
    return _act(p, rid, "receive", lambda: rh.receive_return(
        p.uow, p.clock, p.actor, rid, [rh.ReceivedLine(line, qty) for _, line, qty in found],
        warehouse=p.form.get("warehouse") or None),
        lambda result: f"Received {result['received']} unit(s): they wait for inspection", rows=rows)


@router.post("/returns/{ref}/inspect")
def inspect(p: Receiver, ref: str):
    rid, errors = return_id_of(ref), FieldErrors()
    found, rows = _rows(p.form, errors, "dispositions", "line_id")
    if errors:
        return return_page(p, rid, errors=errors, form="inspect", status=422)
    lines = [rh.DispositionLine(line, p.form.get(f"dispositions[{i}].disposition")[:40], qty,
                                p.form.get(f"dispositions[{i}].note")[:500] or None) for i, line, qty in found]
    return _act(p, rid, "inspect", lambda: rh.inspect_return(p.uow, p.clock, p.settings, p.actor, rid, lines),
                lambda result: f"Inspected: {result['awaiting_inspection']} unit(s) still wait for inspection"
                if result["awaiting_inspection"] else "Inspected: every received unit has its disposition",
                rows=rows, prefix="dispositions")


@router.post("/returns/{ref}/resolve")
def resolve(p: Authoriser, ref: str):
    rid = return_id_of(ref)
    return _act(p, rid, "resolve", lambda: return_resolution.resolve_return(
        p.uow, p.clock, p.settings, p.actor, rid, p.form.get("resolution"),
        refund_method=p.form.get("refund_method") or None, refund_reference=p.form.get("refund_reference") or None),
        _resolved)


def _resolved(result: dict) -> str:
    made = f", order {order_number(result['replacement_order_id'])}" if result.get("replacement_order_id") else ""
    return f"Resolved: {result['resolution'].replace('_', ' ')}{made}"


@router.get("/nonsellable-stock")
def nonsellable_stock(p: StockReader, warehouse: str = ""):
    rows = return_views.nonsellable(p.uow, p.actor, warehouse=warehouse.strip()[:30] or None)
    return p.html("returns/nonsellable.html", rows=rows, values={"warehouse": warehouse.strip()[:30]},
                  warehouses=_warehouses(p))
