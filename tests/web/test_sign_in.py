"""Signing in: passwords (Argon2id, legacy scrypt rehashed), throttling kept in the database, sessions."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ordercare.domain.errors import Unauthorized
from ordercare.domain.sign_in import SESSION_IDLE, SignInThrottled, ThrottlePolicy
from ordercare.services.passwords import hash_password, needs_rehash, verify_password
from ordercare.services.sign_in import session_for, sign_in
from ordercare.store.tables import users
from ordercare.store.web_tables import web_sessions
from tests.web.conftest import PASSWORD, Web, csrf_of


def _scrypt(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_new_hashes_are_argon2id_and_old_scrypt_hashes_still_verify():
    h = hash_password("s3cret-enough")
    assert h.startswith("$argon2id$") and verify_password("s3cret-enough", h) and not verify_password("nope", h)
    old = _scrypt("s3cret-enough")
    assert verify_password("s3cret-enough", old) and not verify_password("nope", old) and needs_rehash(old)
    assert not needs_rehash(h) and not verify_password("x", "garbage") and not verify_password("x", None)


def test_a_scrypt_hash_is_replaced_by_argon2_at_the_next_sign_in(sqlite_web: Web):
    env = sqlite_web.env
    env.uow.run(lambda c: c.execute(update(users).where(users.c.username == "finance-user")
                                    .values(password_hash=_scrypt(PASSWORD))))
    sign_in(env.uow, env.clock, username="finance-user", password=PASSWORD, client="1.2.3.4")
    with env.uow.read() as c:
        stored = c.execute(select(users.c.password_hash).where(users.c.username == "finance-user")).scalar_one()
    assert stored.startswith("$argon2id$") and verify_password(PASSWORD, stored)


def test_failed_sign_ins_are_throttled_per_user_and_per_client_and_the_lock_passes(sqlite_web: Web):
    env = sqlite_web.env
    policy = ThrottlePolicy(window=timedelta(minutes=15), per_username=3, per_client=5)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            sign_in(env.uow, env.clock, username="admin-user", password="wrong", client="10.0.0.1", policy=policy)
    with pytest.raises(SignInThrottled) as exc:  # even the right password now waits
        sign_in(env.uow, env.clock, username="admin-user", password=PASSWORD, client="10.0.0.2", policy=policy)
    assert exc.value.data["retry_after_seconds"] > 0
    # Another user from another address is not affected; the same address soon is (5 failures per client).
    sign_in(env.uow, env.clock, username="manager-user", password=PASSWORD, client="10.0.0.2", policy=policy)
    for name in ("x1", "x2"):
        with pytest.raises(Unauthorized):
            sign_in(env.uow, env.clock, username=name, password="wrong", client="10.0.0.1", policy=policy)
    with pytest.raises(SignInThrottled):
        sign_in(env.uow, env.clock, username="manager-user", password=PASSWORD, client="10.0.0.1", policy=policy)
    env.clock.advance(minutes=16)  # the window slid past: the right password works again
    assert sign_in(env.uow, env.clock, username="admin-user", password=PASSWORD, client="10.0.0.1",
                   policy=policy).actor.role == "admin"


def test_the_sign_in_page_answers_429_when_throttled_and_never_echoes_the_password(sqlite_web: Web):
    browser = sqlite_web.anonymous()
    token = csrf_of(browser.get("/sign-in").text)
    for _ in range(5):
        r = browser.post("/sign-in", data={"username": "cs_agent-user", "password": "hunter2-wrong",
                                           "csrf_token": token})
        assert r.status_code == 401 and "hunter2-wrong" not in r.text
        assert "the username or the password is wrong" in r.text and 'value="cs_agent-user"' in r.text
    r = browser.post("/sign-in", data={"username": "cs_agent-user", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # The sign-in form itself refuses a post without its CSRF token.
    assert browser.post("/sign-in", data={"username": "x", "password": "y"}).status_code == 403


def test_sessions_end_on_sign_out_idle_time_and_deactivation(sqlite_web: Web):
    env, browser = sqlite_web.env, sqlite_web.anonymous()
    r = sqlite_web.sign_in(browser, "cs_agent")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" not in cookie
    token = browser.cookies.get("oc_session")
    with env.uow.read() as c:  # only the digest is stored
        assert token not in str(c.execute(select(web_sessions)).all())
    assert browser.get("/orders").status_code == 200
    assert browser.post("/sign-out", data={"csrf_token": csrf_of(browser.get("/").text)}).status_code == 303
    assert browser.get("/orders").headers["location"].startswith("/sign-in")
    with pytest.raises(Unauthorized):
        session_for(env.uow, env.clock, token)
    sqlite_web.sign_in(browser, "cs_agent")
    env.clock.advance(seconds=SESSION_IDLE.total_seconds() + 1)
    assert browser.get("/orders").status_code == 303
    sqlite_web.sign_in(browser, "cs_agent")
    env.uow.run(lambda c: c.execute(update(users).where(users.c.username == "cs_agent-user").values(active=False)))
    assert browser.get("/orders").status_code == 303


def test_next_after_sign_in_stays_on_this_site(sqlite_web: Web):
    browser = sqlite_web.anonymous()
    token = csrf_of(browser.get("/sign-in").text)
    for target, expected in (("/orders?status=allocated", "/orders?status=allocated"), ("//evil.example/", "/"),
                             ("https://evil.example/", "/")):
        r = browser.post("/sign-in", data={"username": "admin-user", "password": PASSWORD, "csrf_token": token,
                                           "next": target})
        assert r.headers["location"] == expected
