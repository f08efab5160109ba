"""Webhook subscriptions and deliveries, the outbox and its e-mails, contact preferences, scheduled jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from ...services import contact_preferences as prefs
from ...services import outbox_views, scheduled_jobs
from ...services import webhook_subscriptions as subs
from ...services import webhook_views as views
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_outbox import PreferenceIn, ResendIn, SubscriptionIn, SubscriptionPatch

router = APIRouter(responses=ERROR_RESPONSES)
DbId = Annotated[int, Path(ge=1, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Short = Annotated[str | None, Query(max_length=60)]
W, O = ["webhooks"], ["outbox"]


@router.get("/webhooks/event-types", tags=W)
def event_types(ctx: CtxDep) -> list[dict[str, Any]]:
    """Every event type a subscription can name, with the e-mail touchpoints it triggers."""
    return views.event_types(ctx.actor)


@router.post("/webhooks/subscriptions", status_code=201, tags=W)
def create_subscription(ctx: CtxDep, body: SubscriptionIn) -> dict[str, Any]:
    """Register a URL for event types; the answer carries the signing secret, shown this once."""
    return subs.create_subscription(ctx.uow, ctx.clock, ctx.settings, ctx.actor, url=body.url,
                                    event_types=body.event_types, customer=body.customer,
                                    description=body.description)


@router.get("/webhooks/subscriptions", tags=W)
def list_subscriptions(ctx: CtxDep, customer: Short = None, active: bool | None = None) -> list[dict[str, Any]]:
    return views.list_subscriptions(ctx.uow, ctx.actor, customer=customer, active=active)


@router.get("/webhooks/subscriptions/{subscription_id}", tags=W)
def get_subscription(ctx: CtxDep, subscription_id: DbId) -> dict[str, Any]:
    return views.get_subscription(ctx.uow, ctx.actor, subscription_id)


@router.patch("/webhooks/subscriptions/{subscription_id}", tags=W)
def update_subscription(ctx: CtxDep, subscription_id: DbId, body: SubscriptionPatch) -> dict[str, Any]:
    """Change the URL, the types or the description; `active: false` holds deliveries until it is on again."""
    return subs.update_subscription(ctx.uow, ctx.settings, ctx.actor, subscription_id, **body.model_dump(
        exclude_unset=True))


@router.post("/webhooks/subscriptions/{subscription_id}/rotate-secret", tags=W)
def rotate_secret(ctx: CtxDep, subscription_id: DbId) -> dict[str, Any]:
    return subs.rotate_secret(ctx.uow, ctx.actor, subscription_id)


@router.post("/webhooks/subscriptions/{subscription_id}/ping", status_code=202, tags=W)
def ping(ctx: CtxDep, subscription_id: DbId) -> dict[str, Any]:
    """Queue a signed `ping` to this subscription alone, to test the receiver."""
    return {"delivery_id": subs.send_ping(ctx.uow, ctx.clock, ctx.actor, subscription_id)}


@router.get("/webhooks/deliveries", tags=W)
def list_deliveries(ctx: CtxDep, subscription: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                    state: Short = None, event_type: Short = None, limit: Limit = 50,
                    offset: Offset = 0) -> dict[str, Any]:
    return views.list_deliveries(ctx.uow, ctx.actor, subscription_id=subscription, state=state,
                                 event_type=event_type, limit=limit, offset=offset)


@router.get("/webhooks/deliveries/{delivery_id}", tags=W)
def get_delivery(ctx: CtxDep, delivery_id: DbId) -> dict[str, Any]:
    """The delivery, the exact body it sends, and every attempt with its status code or error."""
    return views.get_delivery(ctx.uow, ctx.actor, delivery_id)


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", status_code=202, tags=W)
def redeliver(ctx: CtxDep, delivery_id: DbId) -> dict[str, Any]:
    subs.redeliver(ctx.uow, ctx.clock, ctx.actor, delivery_id)
    return views.get_delivery(ctx.uow, ctx.actor, delivery_id)


@router.get("/outbox/messages", tags=O)
def list_messages(ctx: CtxDep, state: Short = None, event_type: Short = None,
                  order_id: Annotated[int | None, Query(ge=1, le=2**62)] = None, limit: Limit = 50,
                  offset: Offset = 0) -> dict[str, Any]:
    return outbox_views.list_messages(ctx.uow, ctx.actor, state=state, event_type=event_type, order_id=order_id,
                                      limit=limit, offset=offset)


@router.get("/outbox/status", tags=O)
def outbox_status(ctx: CtxDep) -> dict[str, Any]:
    """Counts by state and the age of the oldest undispatched message (is a worker running?)."""
    return outbox_views.outbox_status(ctx.uow, ctx.clock, ctx.actor)


@router.get("/outbox/emails", tags=O)
def list_emails(ctx: CtxDep, customer: Short = None, touchpoint: Short = None, state: Short = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return outbox_views.list_emails(ctx.uow, ctx.actor, customer=customer, touchpoint=touchpoint, state=state,
                                    limit=limit, offset=offset)


@router.get("/outbox/emails/{email_id}", tags=O)
def get_email(ctx: CtxDep, email_id: DbId) -> dict[str, Any]:
    return outbox_views.get_email(ctx.uow, ctx.actor, email_id)


@router.post("/outbox/emails/{email_id}/resend", status_code=202, tags=O)
def resend_email(ctx: CtxDep, email_id: DbId, body: ResendIn) -> dict[str, Any]:
    outbox_views.resend_email(ctx.uow, ctx.clock, ctx.actor, email_id, to=body.to)
    return outbox_views.get_email(ctx.uow, ctx.actor, email_id)


@router.get("/scheduled-jobs", tags=O)
def list_scheduled_jobs(ctx: CtxDep) -> list[dict[str, Any]]:
    return scheduled_jobs.job_status(ctx.uow, ctx.actor)


@router.get("/customers/{code}/contact-preferences", tags=["customers"])
def get_contact_preferences(ctx: CtxDep, code: str) -> dict[str, Any]:
    return prefs.get_preferences(ctx.uow, ctx.actor, code)


@router.put("/customers/{code}/contact-preferences/{touchpoint}", tags=["customers"])
def set_contact_preference(ctx: CtxDep, code: str, touchpoint: str, body: PreferenceIn) -> dict[str, Any]:
    """Switch one touchpoint's e-mail on or off, or send it to another address."""
    return prefs.set_preference(ctx.uow, ctx.actor, code, touchpoint, enabled=body.enabled, address=body.address)
