"""Receivables: the aging buckets as a table and a chart, DSO, overdue invoices with their reminder level, the
dunning run (a background job), the ledger check, and one customer's open items and credit (also in the
customer portal, for its own account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...domain.receivables import BUCKET_NAMES
from ...services import billing_views, catalog, jobs, ledger_check, receivables
from ..billing_forms import show
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, whole_number
from .billing import DUNNING_NAMES

router = APIRouter(route_class=WebRoute)
Reader = Annotated[Page, Depends(needs(P.READ_INVOICES))]
Follower = Annotated[Page, Depends(needs(P.READ_RECEIVABLES))]
Biller = Annotated[Page, Depends(needs(P.BILL))]


def aging_chart(aging: dict, title: str) -> dict:
    """What static/aging-chart.js draws: the open amount per bucket, in the buckets' order."""
    return {"title": title, "labels": list(BUCKET_NAMES), "values": [float(aging[b]) for b in BUCKET_NAMES]}


@router.get("/receivables")
def receivables_page(p: Follower, customer: str = "", days: str = "90"):
    values = {"customer": customer.strip()[:40], "days": days[:6]}
    errors = FieldErrors()
    window = whole_number(Form(list(values.items())), "days", errors, minimum=1, maximum=730) or 90
    aging = receivables.aging_report(p.uow, p.clock, p.actor, customer=values["customer"] or None)
    dso = None
    try:
        dso = receivables.dso_report(p.uow, p.clock, p.actor, days=window, customer=values["customer"] or None)
    except DomainError as exc:
        errors.take(exc)
    overdue = billing_views.list_invoices(p.uow, p.clock, p.actor, customer=values["customer"] or None, overdue=True,
                                          limit=100)
    return show(p, "billing/receivables.html", aging=aging, dso=dso, overdue=overdue, values=values, errors=errors,
                chart=aging_chart(aging["totals"], "Open receivables by days past due"),
                dunning_names=DUNNING_NAMES, can_bill=p.allowed(P.BILL))


@router.get("/receivables/ledger-check")
def ledger_check_result(p: Follower):
    """invoices − credit − payments − discounts = open items, and the ledger agrees: read on request (htmx loads
    it after the receivables page, as it reads every document)."""
    result = ledger_check.check_ledger(p.uow, p.actor)
    return show(p, "billing/_ledger_check.html" if p.is_htmx else "billing/ledger_check.html", check=result)


@router.post("/receivables/dunning")
def dunning_run(p: Biller):
    """Record the reminder level each overdue invoice reached today, in the background with progress."""
    uow, clock, actor = p.uow, p.clock, p.actor

    def work(progress):
        notices = receivables.run_dunning(uow, clock, actor,
                                          lambda done, total: progress(done, total, f"invoice {done} of {total}"))
        levels = {name: sum(1 for n in notices if n["notice"] == name) for name in DUNNING_NAMES.values()}
        return {"count": len(notices), "levels": levels, "notices": notices[:100]}

    job_id = jobs.start_job(uow, clock, actor, kind="dunning_run", title=f"Dunning run of {clock.today()}", work=work)
    return p.redirect(f"/jobs/{job_id}")


@router.get("/open-items")
def my_open_items(p: Reader):
    """The portal's link: a customer's own open items; staff go to the receivables."""
    if not p.actor.is_customer:
        return p.redirect("/receivables" if p.allowed(P.READ_RECEIVABLES) else "/invoices")
    code = catalog.list_customers(p.uow, p.actor, limit=1)["items"][0]["code"]
    return p.redirect(f"/customers/{code}/open-items")


@router.get("/customers/{code}/open-items")
def open_items(p: Reader, code: str):
    items = receivables.open_items(p.uow, p.clock, p.actor, code[:40])
    return show(p, "billing/open_items.html", oi=items, chart=aging_chart(items["aging"], "Open by days past due"),
                can_bill=p.allowed(P.BILL), dunning_names=DUNNING_NAMES)
