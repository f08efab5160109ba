"""Web sign-in: server-side sessions, sign-in attempts (for throttling), and background jobs with progress."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table

from .tables import TS, Id, metadata

# A session is a random token in an HttpOnly cookie; only its SHA-256 digest is stored, so a copy of the
# database does not sign anyone in. Server-side (not a signed cookie) so that sign-out and deactivating a
# user end the session at once, and no signing secret has to be configured and shared between workers.
web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("client", String(100), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
)

# Every sign-in attempt, kept in the database so that throttling survives a restart and holds across workers.
sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("id", Id, primary_key=True),
    Column("at", TS, nullable=False),
    Column("username", String(100), nullable=False),
    Column("client", String(100), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_sign_in_attempts_username_at", "username", "at"),
    Index("ix_sign_in_attempts_client_at", "client", "at"),
)

# Long operations (planning loads, later imports and simulations) run in the background; their progress row is
# what a page polls.
jobs = Table(
    "jobs", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # running, done, failed
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("step", String(200), nullable=False),
    Column("result", JSON, nullable=True),
    Column("error", JSON, nullable=True),  # {"code", "message", "field"} of a domain error; never a trace
    Column("user_id", Id, ForeignKey("users.id"), nullable=True, index=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("finished_at", TS, nullable=True),
)
