"""Outbox commands: `ordercare worker`, `ordercare webhook …` (subscriptions, deliveries) and
`ordercare outbox …` (status, messages, e-mails, contact preferences, scheduled jobs)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .clock import SystemClock
from .domain.errors import DomainError

webhook_app = typer.Typer(help="Webhook subscriptions and their deliveries.", no_args_is_help=True)
outbox_app = typer.Typer(help="The outbox: status, messages, e-mails, contact preferences, scheduled jobs.",
                         no_args_is_help=True)


def _ctx():
    from .cli import _actor, _fail, _settings, _uow, console
    return _uow(), _settings(), _actor(), console, _fail


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def worker_command(once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
                   poll: Annotated[float, typer.Option(help="Seconds between idle polls (default: settings)")] = 0,
                   ) -> None:
    """Run the outbox worker: dispatch messages, send webhooks and e-mails, run scheduled jobs.

    Runs until SIGTERM or Ctrl-C (it finishes the delivery in hand first). Several workers may run at
    once on PostgreSQL; each message is still sent once (at least once if a worker dies mid-send).
    """
    import logging

    from .worker import Worker, run_until_signalled
    uow, settings, _, console, _ = _ctx()
    if poll:
        settings = settings.model_copy(update={"worker_poll_seconds": poll})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    worker = Worker(uow, SystemClock(), settings)
    if once:
        console.print(f"{worker.run_once()} item(s) done")
        return
    console.print(f"worker {worker.name}: {len(worker.jobs)} scheduled job(s); "
                  f"SMTP {'at ' + settings.smtp_host if settings.smtp_host else 'not configured (e-mails wait)'}")
    run_until_signalled(worker)


def _print_subscription(console, s: dict) -> None:
    console.print(f"[bold]subscription {s['id']}[/bold] {s['scope']}{' ' + s['customer'] if s['customer'] else ''}"
                  f"  {s['url']}  types: {', '.join(s['event_types'])}  {'active' if s['active'] else 'inactive'}")
    if "secret" in s:
        console.print(f"signing secret (shown once): [bold]{s['secret']}[/bold]")


@webhook_app.command("add")
def webhook_add(url: str, event: Annotated[list[str], typer.Option(help="Event type (repeat); '*' or 'order.*'")],
                customer: Annotated[str | None, typer.Option(help="Customer code; none: global")] = None,
                description: str = "") -> None:
    """Register a URL for event types; prints the signing secret once."""
    from .services.webhook_subscriptions import create_subscription
    uow, settings, actor, console, fail = _ctx()
    try:
        _print_subscription(console, create_subscription(uow, SystemClock(), settings, actor, url=url,
                                                         event_types=event, customer=customer,
                                                         description=description))
    except DomainError as exc:
        fail(exc)


@webhook_app.command("list")
def webhook_list(customer: str | None = None) -> None:
    """Subscriptions with their scope, URL and event types."""
    from .services.webhook_views import list_subscriptions
    uow, _, actor, console, _ = _ctx()
    t = Table("id", "scope", "customer", "url", "event types", "active", "secret")
    for s in list_subscriptions(uow, actor, customer=customer):
        t.add_row(str(s["id"]), s["scope"], s["customer"] or "", s["url"], ", ".join(s["event_types"]),
                  "yes" if s["active"] else "no", s["secret_hint"])
    console.print(t)


def _update(subscription_id: int, **changes) -> None:
    from .services.webhook_subscriptions import update_subscription
    uow, settings, actor, console, fail = _ctx()
    try:
        _print_subscription(console, update_subscription(uow, settings, actor, subscription_id, **changes))
    except DomainError as exc:
        fail(exc)


@webhook_app.command("disable")
def webhook_disable(subscription_id: int) -> None:
    """Stop sending to a subscription; its pending deliveries wait until it is enabled again."""
    _update(subscription_id, active=False)


@webhook_app.command("enable")
def webhook_enable(subscription_id: int) -> None:
    """Send to a subscription again."""
    _update(subscription_id, active=True)


@webhook_app.command("rotate-secret")
def webhook_rotate(subscription_id: int) -> None:
    """Give a subscription a new signing secret (printed once)."""
    from .services.webhook_subscriptions import rotate_secret
    uow, _, actor, console, fail = _ctx()
    try:
        _print_subscription(console, rotate_secret(uow, actor, subscription_id))
    except DomainError as exc:
        fail(exc)


@webhook_app.command("ping")
def webhook_ping(subscription_id: int) -> None:
    """Queue a signed test message to one subscription (the worker sends it)."""
    from .services.webhook_subscriptions import send_ping
    uow, _, actor, console, fail = _ctx()
    try:
        console.print(f"delivery {send_ping(uow, SystemClock(), actor, subscription_id)} queued")
    except DomainError as exc:
        fail(exc)


@webhook_app.command("deliveries")
def webhook_deliveries(state: Annotated[str | None, typer.Option(help="pending, sending, delivered, failed")] = None,
                       subscription: int | None = None, event_type: str | None = None, limit: int = 30) -> None:
    """Delivery history, newest first (failed = dead letters)."""
    from .services.webhook_views import list_deliveries
    uow, _, actor, console, fail = _ctx()
    try:
        page = list_deliveries(uow, actor, subscription_id=subscription, state=state, event_type=event_type,
                               limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("id", "sub", "event", "order", "state", "tries", "last", "next try", "error",
              title=f"{page['total']} deliveries")
    for d in page["items"]:
        t.add_row(str(d["id"]), str(d["subscription_id"]), d["event_type"], str(d["order_id"] or ""), d["state"],
                  str(d["attempts"]), str(d["last_status"] or ""), _when(d["next_attempt_at"]), d["last_error"] or "")
    console.print(t)


@webhook_app.command("delivery")
def webhook_delivery(delivery_id: int) -> None:
    """One delivery with every attempt."""
    from .services.webhook_views import get_delivery
    uow, _, actor, console, fail = _ctx()
    try:
        d = get_delivery(uow, actor, delivery_id)
    except DomainError as exc:
        fail(exc)
    console.print(f"[bold]delivery {d['id']}[/bold] {d['event_type']} id {d['event_id']} → {d['url']}: {d['state']}")
    t = Table("at", "worker", "status", "ms", "error / answer")
    for h in d["history"]:
        t.add_row(_when(h["at"]), h["worker"], str(h["status_code"] or "—"), str(h["duration_ms"]),
                  h["error"] or h["response_excerpt"] or "")
    console.print(t)


@webhook_app.command("redeliver")
def webhook_redeliver(delivery_id: int) -> None:
    """Send a delivery again (same event id, same body)."""
    from .services.webhook_subscriptions import redeliver
    uow, _, actor, console, fail = _ctx()
    try:
        redeliver(uow, SystemClock(), actor, delivery_id)
    except DomainError as exc:
        fail(exc)
    console.print(f"delivery {delivery_id}: queued again")


@webhook_app.command("types")
def webhook_types() -> None:
    """The event types a subscription can name, and the e-mails each triggers."""
    from .services.webhook_views import event_types
    _, _, actor, console, _ = _ctx()
    t = Table("event type", "e-mail touchpoints")
    for e in event_types(actor):
        t.add_row(e["type"], ", ".join(e["emails"]))
    console.print(t)


@outbox_app.command("status")
def outbox_status() -> None:
    """Counts by state; the age of the oldest message not dispatched yet (is a worker running?)."""
    from .services.outbox_views import outbox_status as status
    uow, _, actor, console, _ = _ctx()
    s = status(uow, SystemClock(), actor)
    t = Table("what", "state", "count")
    for what in ("messages", "webhook_deliveries", "emails"):
        for state, n in sorted(s[what].items()):
            t.add_row(what, state, str(n))
    console.print(t)
    console.print(f"oldest pending message: {s['oldest_pending_seconds'] or 0} s")


@outbox_app.command("messages")
def outbox_messages(state: str | None = None, event_type: str | None = None, order_id: int | None = None,
                    limit: int = 30) -> None:
    """Outbox messages, newest first."""
    from .services.outbox_views import list_messages
    uow, _, actor, console, fail = _ctx()
    try:
        page = list_messages(uow, actor, state=state, event_type=event_type, order_id=order_id, limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("id", "event", "customer", "order", "occurred", "state", "event id", title=f"{page['total']} messages")
    for m in page["items"]:
        t.add_row(str(m["id"]), m["event_type"], m["customer"] or "", m["order"] or "", _when(m["occurred_at"]),
                  m["state"], m["event_id"] or "")
    console.print(t)


@outbox_app.command("emails")
def outbox_emails(state: str | None = None, customer: str | None = None, touchpoint: str | None = None,
                  limit: int = 30) -> None:
    """E-mails produced by the outbox, newest first."""
    from .services.outbox_views import list_emails
    uow, _, actor, console, fail = _ctx()
    try:
        page = list_emails(uow, actor, state=state, customer=customer, touchpoint=touchpoint, limit=limit)
    except DomainError as exc:
        fail(exc)
    t = Table("id", "touchpoint", "customer", "to", "subject", "state", "tries", "error",
              title=f"{page['total']} e-mails")
    for e in page["items"]:
        t.add_row(str(e["id"]), e["touchpoint"], e["customer"] or "staff", e["to"] or "—", e["subject"], e["state"],
                  str(e["attempts"]), e["last_error"] or "")
    console.print(t)


@outbox_app.command("resend")
def outbox_resend(email_id: int, to: Annotated[str | None, typer.Option(help="Another address")] = None) -> None:
    """Send an e-mail again (failed, skipped for want of an address, or lost)."""
    from .services.outbox_views import resend_email
    uow, _, actor, console, fail = _ctx()
    try:
        resend_email(uow, SystemClock(), actor, email_id, to=to)
    except DomainError as exc:
        fail(exc)
    console.print(f"e-mail {email_id}: queued again")


@outbox_app.command("prefs")
def outbox_prefs(customer: str,
                 touchpoint: Annotated[str | None, typer.Argument(help="Touchpoint to change")] = None,
                 on: Annotated[bool | None, typer.Option("--on/--off", help="Send this touchpoint or not")] = None,
                 address: Annotated[str | None, typer.Option(help="Send it here ('' = the customer's)")] = None,
                 ) -> None:
    """Show a customer's e-mail preferences, or change one touchpoint's."""
    from .services import contact_preferences as prefs
    uow, _, actor, console, fail = _ctx()
    try:
        view = (prefs.set_preference(uow, actor, customer, touchpoint, enabled=on, address=address) if touchpoint
                else prefs.get_preferences(uow, actor, customer))
    except DomainError as exc:
        fail(exc)
    t = Table("touchpoint", "what", "on", "sends to", title=f"{view['customer']} ({view['email'] or 'no e-mail'})")
    for p in view["touchpoints"]:
        t.add_row(p["touchpoint"], p["description"], "yes" if p["enabled"] else "no", p["sends_to"] or "—")
    console.print(t)


@outbox_app.command("jobs")
def outbox_jobs() -> None:
    """Scheduled jobs: interval, next run, last outcome."""
    from .services.scheduled_jobs import job_status
    uow, _, actor, console, _ = _ctx()
    t = Table("job", "every s", "next run", "last start", "last", "runs", "error")
    for j in job_status(uow, actor):
        t.add_row(j["name"], str(j["every_seconds"]), _when(j["next_run_at"]), _when(j["last_started_at"]),
                  j["last_status"] or "—", str(j["runs"]), j["last_error"] or "")
    console.print(t)
