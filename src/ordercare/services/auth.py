"""Users and API tokens. Tokens are random and stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, insert, select

from ..clock import Clock
from ..domain.access import Actor, Permission, Role
from ..domain.errors import Conflict, Unauthorized, ValidationFailed
from ..store.db import UnitOfWork
from ..store.tables import api_tokens, customers, users

TOKEN_PREFIX = "oc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(conn: Connection, clock: Clock, *, username: str, role: str, customer_code: str | None = None) -> int:
    try:
        role_enum = Role(role)
    except ValueError:
        raise ValidationFailed("unknown_role", f"role: '{role}' is not one of {[r.value for r in Role]}",
                               field="role") from None
    customer_id = None
    if role_enum is Role.CUSTOMER:
        if not customer_code:
            raise ValidationFailed("customer_required", "customer: a customer user must be bound to a customer",
                                   field="customer")
        customer_id = conn.execute(select(customers.c.id).where(customers.c.code == customer_code)).scalar()
        if customer_id is None:
            raise ValidationFailed("unknown_customer", f"customer: no customer with code '{customer_code}'",
                                   field="customer")
    elif customer_code:
        raise ValidationFailed("customer_not_allowed", "customer: only customer users are bound to a customer",
                               field="customer")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise Conflict("duplicate_username", f"username: '{username}' is taken", field="username")
    return conn.execute(insert(users).values(username=username, role=role_enum.value, customer_id=customer_id,
                                             active=True, created_at=clock.now()).returning(users.c.id)).scalar_one()


def issue_token(conn: Connection, clock: Clock, user_id: int, name: str = "api") -> str:
    """Returns the token once; only its digest is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(api_tokens).values(user_id=user_id, name=name, token_hash=hash_token(token),
                                           created_at=clock.now()))
    return token


def add_user_with_token(uow: UnitOfWork, clock: Clock, actor: Actor, *, username: str, role: str,
                        customer: str | None = None) -> tuple[int, str]:
    actor.require(Permission.MANAGE_USERS)
    return uow.run(lambda conn: _add(conn, clock, username, role, customer))


def _add(conn: Connection, clock: Clock, username: str, role: str, customer: str | None) -> tuple[int, str]:
    user_id = create_user(conn, clock, username=username, role=role, customer_code=customer)
    return user_id, issue_token(conn, clock, user_id)


def authenticate(conn: Connection, token: str) -> Actor:
    row = conn.execute(
        select(users.c.id, users.c.username, users.c.role, users.c.customer_id, users.c.active)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == hash_token(token), api_tokens.c.revoked_at.is_(None))).first()
    if row is None or not row.active:
        raise Unauthorized("invalid_token", "the API token is missing, unknown or revoked")
    return Actor(row.id, row.username, Role(row.role), row.customer_id)
