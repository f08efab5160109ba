"""Typed settings from environment variables prefixed ORDERCARE_."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERCARE_", extra="ignore")

    # SQLite file by default; e.g. postgresql+psycopg://user@127.0.0.1:5432/db for production.
    database_url: str = "sqlite:///ordercare.db"
    host: str = "127.0.0.1"
    port: int = 8000
    currency: str = "EUR"
    # Supply expected later than this many days ahead is not promised against: the line is back-ordered.
    promise_horizon_days: int = 120
    quote_validity_days: int = 14
    # An idempotency key left "in progress" longer than this (a crashed request) may be taken over.
    idempotency_stale_seconds: int = 60
    # Session cookies get the Secure flag when a request comes over https; set this behind a TLS proxy that
    # forwards plain http.
    secure_cookies: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
