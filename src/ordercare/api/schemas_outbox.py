"""Request bodies of the webhook, outbox and contact-preference routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .schemas import Code, In

Url = Annotated[str, Field(min_length=1, max_length=500)]
EventTypes = Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=50)]
Description = Annotated[str, Field(max_length=200)]
Address = Annotated[str, Field(max_length=200)]


class SubscriptionIn(In):
    url: Url
    event_types: EventTypes
    customer: Code | None = None  # staff: None is a global subscription; a customer user: its own account
    description: Description = ""


class SubscriptionPatch(In):
    url: Url | None = None
    event_types: EventTypes | None = None
    active: bool | None = None
    description: Description | None = None


class PreferenceIn(In):
    enabled: bool | None = None
    address: Address | None = None  # "" goes back to the customer's own address


class ResendIn(In):
    to: Address | None = None
