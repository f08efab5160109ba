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

    # Outbox worker, webhooks and e-mail (docs/integrations.md).
    smtp_host: str = ""  # empty: e-mails are rendered and kept pending, not sent
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Ordercare <noreply@ordercare.invalid>"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10
    staff_email: str = ""  # where staff touchpoints (case escalations) go
    company_name: str = "Ordercare"  # signs the e-mails
    public_url: str = ""  # where customers reach the portal; links in e-mails (none when empty)
    email_max_attempts: int = 5
    webhook_timeout_seconds: float = 10
    webhook_max_attempts: int = 8  # then the delivery is failed (dead letter) until redelivered by hand
    webhook_backoff_base_seconds: float = 30
    webhook_backoff_cap_seconds: float = 3600
    webhook_allow_private_urls: bool = False  # customers' endpoints on loopback/private addresses
    worker_poll_seconds: float = 2
    worker_lease_seconds: float = 120  # a claim older than this is taken over (its worker died)
    worker_batch: int = 20
    run_worker: bool = False  # run the worker inside the server process (serve --with-worker)
    outbox_retention_days: int = 90  # finished messages, deliveries and e-mails older than this are purged
    # > 0: the server runs the SLA escalation job this often (ordercare sla run does it on demand).
    sla_interval_seconds: float = 0
    # Where the simulator page builds its SQLite files (empty: ordercare-simulations/ in the temp directory).
    simulation_dir: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
