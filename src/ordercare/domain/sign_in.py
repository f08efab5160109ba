"""Sign-in rules: password policy, failed-attempt throttling, session lifetimes (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import DomainError, ValidationFailed

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # argon2 takes any length; a bound keeps a sign-in from being a CPU sink

# A session ends after this long without a request, and in any case this long after signing in.
SESSION_IDLE = timedelta(hours=2)
SESSION_MAX = timedelta(hours=12)


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most `per_username` failures for one username (since its last success) and `per_client` failures
    from one client address within `window`; then sign-in is refused until the window has slid past."""

    window: timedelta = timedelta(minutes=15)
    per_username: int = 5
    per_client: int = 20


DEFAULT_THROTTLE = ThrottlePolicy()


class SignInThrottled(DomainError):
    """Too many failed attempts: try again later (the web answers 429 with Retry-After)."""

    kind = "unauthorized"


def check_password_policy(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("password_too_short", f"{field}: at least {MIN_PASSWORD_LENGTH} characters",
                               field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("password_too_long", f"{field}: at most {MAX_PASSWORD_LENGTH} characters",
                               field=field)


def blocked_until(failures: list[datetime], limit: int, window: timedelta) -> datetime | None:
    """With failures sorted oldest first: the moment fewer than `limit` of them fall inside the window,
    or None if that is already so."""
    if len(failures) < limit:
        return None
    return failures[-limit] + window


def check_throttle(*, now: datetime, user_failures: list[datetime], client_failures: list[datetime],
                   policy: ThrottlePolicy = DEFAULT_THROTTLE) -> None:
    """Raise SignInThrottled while either count is at its limit; the data says how long to wait."""
    until = max(filter(None, [blocked_until(sorted(user_failures), policy.per_username, policy.window),
                              blocked_until(sorted(client_failures), policy.per_client, policy.window)]),
                default=None)
    if until is not None and until > now:
        wait = int((until - now).total_seconds()) + 1
        raise SignInThrottled("too_many_attempts", f"password: too many failed sign-ins; try again in "
                              f"{(wait + 59) // 60} minute(s)", field="password", retry_after_seconds=wait)
