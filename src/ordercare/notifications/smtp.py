"""Sending one e-mail over SMTP (smtplib), with STARTTLS and login when configured."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from ..config import Settings


@dataclass(frozen=True)
class MailOutcome:
    ok: bool
    error: str | None = None
    permanent: bool = False  # the server refused for good (5xx): retrying will not help


def build_message(settings: Settings, *, to: str, subject: str, text: str, html: str | None, message_id: str,
                  at: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    # Stable per e-mail: a retry after a crash carries the same id, so mail systems can drop the copy.
    msg["Message-ID"] = message_id
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def send_mail(settings: Settings, msg: EmailMessage) -> MailOutcome:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as s:
            if settings.smtp_starttls:
                s.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                s.login(settings.smtp_user, settings.smtp_password)
            s.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return MailOutcome(False, f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes))
    except smtplib.SMTPResponseException as exc:
        return MailOutcome(False, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500], permanent=exc.smtp_code >= 500)
    except (OSError, smtplib.SMTPException) as exc:  # connection refused, timeout, TLS, protocol
        return MailOutcome(False, f"{type(exc).__name__}: {exc}"[:500])
    return MailOutcome(True)
