"""Signing in to the web pages: password check with throttling, server-side sessions, sign-out, passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from ..clock import Clock
from ..domain.access import Actor, Permission, Role
from ..domain.errors import NotFound, Unauthorized
from ..domain.sign_in import (
    DEFAULT_THROTTLE,
    SESSION_IDLE,
    SESSION_MAX,
    ThrottlePolicy,
    check_password_policy,
    check_throttle,
)
from ..store.db import UnitOfWork
from ..store.tables import users
from ..store.web_tables import sign_in_attempts, web_sessions
from .auth import hash_token
from .passwords import dummy_hash, hash_password, needs_rehash, verify_password

# last_seen_at is written at most this often (a write per page view would serialise SQLite readers' sessions).
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class WebSession:
    token: str | None  # only right after signing in (it goes into the cookie; the database keeps its digest)
    csrf_token: str
    actor: Actor


def _failures(conn: Connection, column, value: str, since) -> list:
    return list(conn.execute(select(sign_in_attempts.c.at).where(
        column == value, sign_in_attempts.c.at > since, sign_in_attempts.c.succeeded.is_(False))
        .order_by(sign_in_attempts.c.at)).scalars())


def sign_in(uow: UnitOfWork, clock: Clock, *, username: str, password: str, client: str,
            policy: ThrottlePolicy = DEFAULT_THROTTLE) -> WebSession:
    """Check the password (refused while throttled), record the attempt, open a session."""
    now = clock.now()
    username, client = username.strip()[:100], client[:100]
    with uow.read() as conn:
        since = now - policy.window
        last_success = conn.execute(select(func.max(sign_in_attempts.c.at)).where(
            sign_in_attempts.c.username == username, sign_in_attempts.c.succeeded.is_(True))).scalar()
        check_throttle(now=now, policy=policy,
                       user_failures=_failures(conn, sign_in_attempts.c.username, username,
                                               max(since, last_success) if last_success else since),
                       client_failures=_failures(conn, sign_in_attempts.c.client, client, since))
        user = conn.execute(select(users).where(users.c.username == username)).first()
    # Outside any transaction: Argon2 takes tens of milliseconds on purpose.
    ok = verify_password(password, user.password_hash if user is not None and user.password_hash else dummy_hash())
    ok = ok and user is not None and user.active and bool(user.password_hash)

    def record(conn: Connection) -> WebSession | None:
        conn.execute(insert(sign_in_attempts).values(at=now, username=username, client=client, succeeded=ok))
        if not ok:
            return None
        if needs_rehash(user.password_hash):
            conn.execute(update(users).where(users.c.id == user.id).values(password_hash=hash_password(password)))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        conn.execute(insert(web_sessions).values(
            token_hash=hash_token(token), user_id=user.id, csrf_token=csrf, client=client, created_at=now,
            last_seen_at=now, expires_at=now + SESSION_MAX))
        return WebSession(token, csrf, Actor(user.id, user.username, Role(user.role), user.customer_id))

    session = uow.run(record)
    if session is None:
        # One message for a wrong name, a wrong password and a disabled account: no account enumeration.
        raise Unauthorized("invalid_credentials", "password: the username or the password is wrong",
                           field="password")
    return session


def session_for(uow: UnitOfWork, clock: Clock, token: str) -> WebSession:
    """The signed-in user behind a session cookie; 401 when it is unknown, ended, idle too long or expired."""
    now = clock.now()
    with uow.read() as conn:
        row = conn.execute(
            select(web_sessions.c.id, web_sessions.c.csrf_token, web_sessions.c.last_seen_at,
                   web_sessions.c.expires_at, users.c.id.label("user_id"), users.c.username, users.c.role,
                   users.c.customer_id, users.c.active)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_hash == hash_token(token), web_sessions.c.ended_at.is_(None))).first()
    if row is None or not row.active or row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
        raise Unauthorized("signed_out", "your session has ended; sign in again")
    if (now - row.last_seen_at).total_seconds() >= TOUCH_EVERY_SECONDS:
        uow.run(lambda conn: conn.execute(update(web_sessions).where(web_sessions.c.id == row.id)
                                          .values(last_seen_at=now)))
    return WebSession(None, row.csrf_token, Actor(row.user_id, row.username, Role(row.role), row.customer_id))


def sign_out(uow: UnitOfWork, clock: Clock, token: str) -> None:
    uow.run(lambda conn: conn.execute(update(web_sessions).where(web_sessions.c.token_hash == hash_token(token),
                                                                 web_sessions.c.ended_at.is_(None))
                                      .values(ended_at=clock.now())))


def set_password(uow: UnitOfWork, clock: Clock, actor: Actor, username: str, password: str) -> None:
    """An administrator sets a user's password; the user's open sessions end."""
    actor.require(Permission.MANAGE_USERS)
    check_password_policy(password)
    digest = hash_password(password)

    def work(conn: Connection) -> None:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
        if user_id is None:
            raise NotFound("user_not_found", f"username: no user '{username}'", field="username")
        conn.execute(update(users).where(users.c.id == user_id).values(password_hash=digest))
        conn.execute(update(web_sessions).where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
                     .values(ended_at=clock.now()))

    uow.run(work)
