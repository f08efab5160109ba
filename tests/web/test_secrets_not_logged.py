"""Tokens and passwords never end up in a log, in the database in clear, in an outbox message, a webhook body or an
e-mail: through sign-in (right and wrong passwords, unknown users), token use (good and mistyped), user creation,
a password change and a webhook subscription, with every logger at DEBUG (SQLAlchemy's statements and their
parameters included)."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from ordercare.domain.access import SYSTEM
from ordercare.services.outbox_dispatch import dispatch_pending
from ordercare.services.sign_in import set_password
from ordercare.store.outbox_tables import webhook_subscriptions
from ordercare.store.tables import metadata
from tests.web.conftest import PASSWORD, Web, csrf_of, username

NEW_PASSWORD = "a brand new passphrase 42"
WRONG_PASSWORD = "not my password at all 17"


def _dump(web: Web, *, skip: set[tuple[str, str]]) -> str:
    """Every row of every table as text, but for the columns that hold a secret on purpose."""
    parts = []
    with web.env.uow.read() as conn:
        for t in metadata.sorted_tables:
            for row in conn.execute(select(t)):
                parts.append(json.dumps({k: v for k, v in row._mapping.items() if (t.name, k) not in skip},
                                        default=str))
    return "\n".join(parts)


def test_no_secret_is_logged_stored_or_sent(sqlite_web: Web, caplog):
    web = sqlite_web
    api = web.api
    caplog.set_level(logging.DEBUG)
    secrets = {PASSWORD: "the sign-in password", NEW_PASSWORD: "the changed password",
               WRONG_PASSWORD: "a mistyped password"}

    # Sign-in: right, wrong, and for nobody.
    browser = web.anonymous()
    assert web.sign_in(browser, "cs_agent").status_code == 303
    secrets[browser.cookies.get("oc_session") or next(iter(browser.cookies.values()))] = "the session cookie"
    assert web.sign_in(web.anonymous(), "cs_agent", WRONG_PASSWORD).status_code != 303
    page = browser.get("/sign-in")
    web.anonymous().post("/sign-in", data={"username": "nobody", "password": WRONG_PASSWORD,
                                           "csrf_token": csrf_of(page.text), "next": "/"})

    # Tokens: every role's in use, a new user's token, and a mistyped one.
    for who, token in api.tokens.items():
        secrets[token] = f"{who}'s API token"
        assert api.get(who, "/api/v1/me").status_code == 200
    created = api.post("admin", "/api/v1/users", json={"username": "new-agent", "role": "cs_agent"})
    assert created.status_code == 201
    new_token = created.json()["token"]
    secrets[new_token] = "a new user's token"
    mistyped = new_token[:-4] + "zzzz"
    secrets[mistyped] = "a mistyped token"
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_token}"}).status_code == 200
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {mistyped}"}).status_code == 401

    # A password change, then signing in with it; a webhook subscription (its signing secret is shown once).
    set_password(web.env.uow, web.env.clock, SYSTEM, username("cs_agent"), NEW_PASSWORD)
    assert web.sign_in(web.anonymous(), "cs_agent", NEW_PASSWORD).status_code == 303
    sub = api.post("cust1", "/api/v1/webhooks/subscriptions",
                   json={"url": "https://hooks.cust1.example/in", "event_types": ["*"]})
    assert sub.status_code == 201, sub.text
    webhook_secret = sub.json()["secret"]
    # Things happen, and the outbox turns them into webhook deliveries and e-mails.
    api.place("cust1", customer="CUST1")
    api.place("cs_agent", customer="CUST2")
    dispatch_pending(web.env.uow, web.env.clock, web.env.settings)

    logged = caplog.text
    assert "POST" in logged or "SELECT" in logged or caplog.records, "nothing was captured: the test proves nothing"
    in_logs = [what for secret, what in secrets.items() if secret in logged]
    in_logs += ["the webhook signing secret"] if webhook_secret in logged else []
    assert not in_logs, f"in the logs: {in_logs}"
    stored = _dump(web, skip={("webhook_subscriptions", "secret")})  # kept readable to sign: by design
    in_db = [what for secret, what in secrets.items() if secret in stored or secret.removeprefix("oc_") in stored]
    in_db += ["the webhook signing secret"] if webhook_secret in stored else []
    assert not in_db, f"stored in clear (outbox, webhooks, e-mails, events…): {in_db}"
    with web.env.uow.read() as conn:
        assert conn.execute(select(webhook_subscriptions.c.secret)).scalars().all() == [webhook_secret]
