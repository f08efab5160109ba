"""EDI from the browser: paste or upload an X12 interchange (each 850 becomes an order; the 997 answers it), the
documents exchanged with each partner (in and out) with their raw text, and the trading partners. Thin over
services/edi_inbound.receive_interchange, edi_documents and edi_partners — what `POST /api/v1/edi/interchanges`
and the EDI CLI use. A broken interchange is shown on the form with its segment and element, the text kept."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...services import edi_documents, edi_partners
from ...services.edi_inbound import receive_interchange
from ..context import DbId, Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
Edi = Annotated[Page, Depends(needs(P.EXCHANGE_EDI, staff_only=True))]
NAV = [NavEntry("EDI", "/edi", P.EXCHANGE_EDI, 61, "Receive X12 purchase orders (850) and see the 997 answer; "
                "every document exchanged with each trading partner.")]
MAX_INTERCHANGE = 900_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _page(p: Page, *, errors: FieldErrors | None = None, status: int = 200, partner: str = "",
          direction: str = "", offset: int = 0):
    errors = errors or FieldErrors()
    filters = {"partner": partner[:40], "direction": direction if direction in ("in", "out") else ""}
    offset = max(0, min(offset, 10_000_000))
    docs = edi_documents.list_documents(p.uow, p.actor, partner=filters["partner"] or None,
                                        direction=filters["direction"] or None, limit=50, offset=offset)
    return p.html("edi/index.html", status=status, errors=errors, docs=docs, filters=filters, offset=offset,
                  limit=50, base=f"/edi?partner={filters['partner']}&direction={filters['direction']}",
                  partners=edi_partners.list_partners(p.uow, p.actor))


@router.get("/edi")
def edi_page(p: Edi, partner: str = "", direction: str = "", offset: int = 0):
    return _page(p, partner=partner, direction=direction, offset=offset)


def _interchange(p: Page, errors: FieldErrors) -> str:
    """The pasted text, or the uploaded file's (the file wins when both are given)."""
    upload = p.form.files.get("file")
    if upload is not None and upload.data:
        try:
            text = upload.data.decode("utf-8")
        except UnicodeDecodeError:
            errors.add("file", "not ASCII/UTF-8 text")
            return ""
        if _CONTROL.search(text):
            errors.add("file", "contains control characters")
            return ""
        p.form.values["content"] = text  # shown in the text area, as if pasted
    else:
        text = p.form.values.get("content", "")
    if not text.strip():
        errors.add("content", "paste an interchange (ISA … IEA) or choose a file")
    elif len(text) > MAX_INTERCHANGE:
        errors.add("content", f"at most {MAX_INTERCHANGE} characters")
    return text


@router.post("/edi/interchanges")
def receive(p: Edi):
    errors = FieldErrors()
    text = _interchange(p, errors)
    if not errors:
        try:
            result = receive_interchange(p.uow, p.clock, p.settings, p.actor, text)
        except DomainError as exc:
            if exc.kind == "not_found":
                raise
            errors.add("content", exc.message)  # "segment 3 (GS), element 06: …": the position is the message
        else:
            taken = sum(1 for t in result["transactions"] if t["order"])
            note = "received before: its earlier answer" if result["replayed"] else result["status"].replace("_", " ")
            return p.redirect(f"/edi/documents/{result['document_id']}",
                              flash=f"Interchange {result['control']} from {result['partner']}: {note}; "
                                    f"{taken} order(s)")
    return _page(p, errors=errors, status=422)


@router.get("/edi/documents/{document_id}")
def document(p: Edi, document_id: DbId):
    doc = edi_documents.get_document(p.uow, p.actor, document_id)
    answers = [edi_documents.get_document(p.uow, p.actor, a) for a in doc["acknowledged_by"]]
    return p.html("edi/document.html", doc=doc, answers=answers)


@router.get("/edi/documents/{document_id}/raw")
def raw(p: Edi, document_id: DbId):
    doc = edi_documents.get_document(p.uow, p.actor, document_id)
    name = f"{doc['partner']}-{doc['direction']}-{doc['set'].replace(',', '_')}-{doc['control']}.x12"
    return Response(doc["content"], media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9_.-]", "_", name)}"'})
