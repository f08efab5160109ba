"""Request bodies of the EDI and file import routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .schemas import Code, In

EnvelopeId = Annotated[str, Field(min_length=1, max_length=15)]


class PartnerIn(In):
    code: Code
    customer: Code
    isa_qualifier: Annotated[str, Field(min_length=2, max_length=2)]
    isa_id: EnvelopeId
    gs_id: Annotated[str, Field(max_length=15)] = ""
    our_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    our_id: EnvelopeId = "ORDERCARE"
    our_gs_id: Annotated[str, Field(max_length=15)] = ""
    version: Annotated[str, Field(max_length=5)] = "00401"
    usage: Literal["P", "T"] = "P"


class PartnerPatch(In):
    gs_id: EnvelopeId | None = None
    our_qualifier: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    our_id: EnvelopeId | None = None
    our_gs_id: EnvelopeId | None = None
    version: Annotated[str, Field(max_length=5)] | None = None
    usage: Literal["P", "T"] | None = None
    active: bool | None = None


class ItemRefIn(In):
    kind: Literal["BP", "UP"]
    value: Annotated[str, Field(min_length=1, max_length=80)]
    sku: Annotated[str, Field(min_length=1, max_length=64)]


class ItemRefsIn(In):
    items: Annotated[list[ItemRefIn], Field(min_length=1, max_length=5000)]


class LocationIn(In):
    code: Annotated[str, Field(min_length=1, max_length=80)]
    ship_to: Code


class InterchangeIn(In):
    """The interchange as JSON, for clients that cannot send text/plain."""

    content: Annotated[str, Field(min_length=1, max_length=1_000_000)]


class FileIn(In):
    """A file as JSON: `content` for CSV text, `content_base64` for Excel (or any bytes)."""

    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content: Annotated[str, Field(max_length=1_000_000)] | None = None
    content_base64: Annotated[str, Field(max_length=1_400_000)] | None = None
