"""Talking to the outside world: e-mail over SMTP, webhooks over HTTP, and the e-mail templates."""
