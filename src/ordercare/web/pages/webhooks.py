"""Webhook subscriptions from the browser (staff): create one (its signing secret is shown once, on the page
that answers the creation, as the API shows it once), deactivate or reactivate it, send a ping, and read each
subscription's deliveries with every attempt; redeliver one. Thin over services/webhook_subscriptions and
webhook_views, the functions behind /api/v1/webhooks/…. The service has no delete: a subscription is
deactivated and its delivery history kept. A customer manages its own webhooks through the API only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.access import Role
from ...domain.errors import DomainError
from ...services import webhook_subscriptions as subs
from ...services import webhook_views as views
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, text
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Hooks = Annotated[Page, Depends(needs(P.MANAGE_WEBHOOKS, staff_only=True))]
NAV = [NavEntry("Webhooks", "/webhooks", P.MANAGE_WEBHOOKS, 62, "Subscriptions of other systems to our events, "
                "and every delivery with its attempts.", roles=frozenset({Role.ADMIN, Role.MANAGER}))]


def _list(p: Page, errors: FieldErrors | None = None, status: int = 200):
    values = {**p.form.values, "event_types": p.form.getlist("event_types")}
    return p.html("webhooks/index.html", status=status, errors=errors or FieldErrors(), values=values,
                  subscriptions=views.list_subscriptions(p.uow, p.actor),
                  event_types=[e["type"] for e in views.event_types(p.actor)])


@router.get("/webhooks")
def webhooks(p: Hooks):
    return _list(p)


@router.post("/webhooks")
def create(p: Hooks):
    errors = FieldErrors()
    url = text(p.form, "url", errors, required=True, max_length=2000)
    customer = text(p.form, "customer", errors, max_length=40) or None
    description = text(p.form, "description", errors, max_length=500)
    types = p.form.getlist("event_types")
    if not types:
        errors.add("event_types", "choose at least one event type")
    if not errors:
        try:
            sub = subs.create_subscription(p.uow, p.clock, p.settings, p.actor, url=url, event_types=types,
                                           customer=customer, description=description)
        except DomainError as exc:
            if exc.field and exc.field.startswith("event_types"):
                exc.field = "event_types"
            errors.take_unless_missing(exc)
        else:  # the secret is in this answer only: no redirect, no cookie carries it
            return _show(p, sub["id"], secret=sub["secret"], status=201)
    return _list(p, errors, 422)


def _show(p: Page, subscription_id: int, *, secret: str | None = None, status: int = 200, state: str = ""):
    sub = views.get_subscription(p.uow, p.actor, subscription_id)
    deliveries = views.list_deliveries(p.uow, p.actor, subscription_id=subscription_id,
                                       state=state if state in views.DELIVERY_STATES else None, limit=100)
    return p.html("webhooks/show.html", status=status, sub=sub, secret=secret, deliveries=deliveries,
                  states=views.DELIVERY_STATES, state=state)


@router.get("/webhooks/{subscription_id}")
def subscription(p: Hooks, subscription_id: DbId, state: str = ""):
    return _show(p, subscription_id, state=state[:20])


@router.post("/webhooks/{subscription_id}/active")
def set_active(p: Hooks, subscription_id: DbId):
    active = p.form.get("active") == "true"
    subs.update_subscription(p.uow, p.settings, p.actor, subscription_id, active=active)
    return p.redirect(f"/webhooks/{subscription_id}", flash="Subscription " + ("reactivated" if active else
                                                                               "deactivated"))


@router.post("/webhooks/{subscription_id}/ping")
def ping(p: Hooks, subscription_id: DbId):
    delivery = subs.send_ping(p.uow, p.clock, p.actor, subscription_id)
    return p.redirect(f"/webhooks/{subscription_id}", flash=f"Ping queued as delivery {delivery}")


@router.get("/webhooks/deliveries/{delivery_id}")
def delivery(p: Hooks, delivery_id: DbId):
    return p.html("webhooks/delivery.html", d=views.get_delivery(p.uow, p.actor, delivery_id))


@router.post("/webhooks/deliveries/{delivery_id}/redeliver")
def redeliver(p: Hooks, delivery_id: DbId):
    subs.redeliver(p.uow, p.clock, p.actor, delivery_id)
    return p.redirect(f"/webhooks/deliveries/{delivery_id}", flash="Queued to be sent again")
