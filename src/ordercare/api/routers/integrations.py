"""EDI (partners, interchanges in, 855/856/810 out, documents) and file import/export.

Uploads come as the request body: an interchange as text/plain (or JSON {"content"}), a file as raw bytes
(text/csv, the Excel media type, application/octet-stream) with ?filename=, or as JSON {"filename", "content" |
"content_base64"}. The server's body limit (1 MB) applies: bigger files go through `ordercare import`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from ...domain.errors import NotFound, ValidationFailed
from ...domain.orders import parse_order_number
from ...services import edi_documents, edi_inbound, edi_invoice, edi_outbound, edi_partners, file_exports, file_imports
from ..deps import CtxDep
from ..schemas import ERROR_RESPONSES
from ..schemas_integrations import FileIn, InterchangeIn, ItemRefsIn, LocationIn, PartnerIn, PartnerPatch
from .billing import invoice_id

router = APIRouter(responses=ERROR_RESPONSES)
DbId = Annotated[int, Path(ge=1, le=2**62)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT_BODY = {"requestBody": {"required": True, "content": {
    "text/plain": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object", "required": ["content"],
                                    "properties": {"content": {"type": "string"}}}}}}}
_FILE_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                     "format": "binary"}},
    "application/json": {"schema": {"type": "object", "required": ["filename"], "properties": {
        "filename": {"type": "string"}, "content": {"type": "string"}, "content_base64": {"type": "string"}}}}}}}


def _json_body(raw: bytes, model):
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        problem = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": "not valid JSON"}
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        raise ValidationFailed("invalid_request", f"{where}: {problem['msg']}", field=where) from None


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"


async def _interchange_text(request: Request) -> str:
    raw = await request.body()
    if _is_json(request):
        return _json_body(raw, InterchangeIn).content
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("invalid_encoding", "body: the interchange is not ASCII/UTF-8 text",
                               field="body") from None
    if not text.strip():
        raise ValidationFailed("empty_body", "body: send the interchange as text/plain", field="body")
    if _CONTROL.search(text):
        raise ValidationFailed("invalid_characters", "body: contains control characters", field="body")
    return text


@router.post("/edi/interchanges", status_code=201, tags=["edi"], openapi_extra=_TEXT_BODY,
             responses={200: {"description": "the same interchange was received before: its earlier answer"}})
async def receive_interchange(ctx: CtxDep, request: Request, response: Response) -> dict[str, Any]:
    """Receive an X12 interchange: each 850 becomes an order; the 997 answering it is in the reply."""
    text = await _interchange_text(request)
    result = await run_in_threadpool(edi_inbound.receive_interchange, ctx.uow, ctx.clock, ctx.settings, ctx.actor,
                                     text)
    if result["replayed"]:
        response.status_code = 200
    return result


@router.get("/edi/documents", tags=["edi"])
def list_documents(ctx: CtxDep, partner: str | None = None, direction: str | None = None,
                   set_code: Annotated[str | None, Query(alias="set", max_length=3)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    return edi_documents.list_documents(ctx.uow, ctx.actor, partner=partner, direction=direction, set_code=set_code,
                                        limit=limit, offset=offset)


@router.get("/edi/documents/{document_id}", tags=["edi"])
def get_document(ctx: CtxDep, document_id: DbId) -> dict[str, Any]:
    return edi_documents.get_document(ctx.uow, ctx.actor, document_id)


@router.post("/orders/{order_ref}/edi/855", status_code=201, tags=["edi"])
def acknowledge_order(ctx: CtxDep, order_ref: str) -> dict[str, Any]:
    """Generate and store the 855 acknowledgment of an order (promised quantities and dates per line)."""
    order_id = parse_order_number(order_ref)
    if order_id is None:
        raise NotFound("order_not_found", f"order {order_ref}: no such order", field="order_id")
    return edi_outbound.acknowledge_order(ctx.uow, ctx.clock, ctx.actor, order_id)


@router.post("/shipments/{shipment_id}/edi/856", status_code=201, tags=["edi"])
def ship_notice(ctx: CtxDep, shipment_id: DbId) -> dict[str, Any]:
    """Generate and store the 856 ship notice of a shipped shipment."""
    return edi_outbound.send_ship_notice(ctx.uow, ctx.clock, ctx.actor, shipment_id)


@router.post("/invoices/{invoice_ref}/edi/810", status_code=201, tags=["edi"])
def invoice_out(ctx: CtxDep, invoice_ref: str) -> dict[str, Any]:
    """Generate and store the 810 of an invoice (sent by itself when issued; this one is marked a duplicate, or
    the cancellation of a cancelled invoice)."""
    return edi_invoice.send_invoice(ctx.uow, ctx.clock, ctx.actor, invoice_id(invoice_ref))


@router.get("/edi/partners", tags=["edi"])
def list_partners(ctx: CtxDep) -> list[dict[str, Any]]:
    return edi_partners.list_partners(ctx.uow, ctx.actor)


@router.post("/edi/partners", status_code=201, tags=["edi"])
def create_partner(ctx: CtxDep, body: PartnerIn) -> dict[str, Any]:
    edi_partners.create_partner(ctx.uow, ctx.clock, ctx.actor, edi_partners.PartnerData(**body.model_dump()))
    return edi_partners.get_partner(ctx.uow, ctx.actor, body.code)


@router.get("/edi/partners/{code}", tags=["edi"])
def get_partner(ctx: CtxDep, code: str) -> dict[str, Any]:
    return edi_partners.get_partner(ctx.uow, ctx.actor, code)


@router.patch("/edi/partners/{code}", tags=["edi"])
def update_partner(ctx: CtxDep, code: str, body: PartnerPatch) -> dict[str, Any]:
    edi_partners.update_partner(ctx.uow, ctx.actor, code, body.model_dump(exclude_none=True))
    return edi_partners.get_partner(ctx.uow, ctx.actor, code)


@router.post("/edi/partners/{code}/items", tags=["edi"])
def set_items(ctx: CtxDep, code: str, body: ItemRefsIn) -> dict[str, Any]:
    """Add or re-point the partner's buyer part numbers (BP) and UPC/GTINs (UP)."""
    edi_partners.set_item_references(ctx.uow, ctx.actor, code, [
        edi_partners.ItemReference(i.kind, i.value, i.sku) for i in body.items])
    return edi_partners.get_partner(ctx.uow, ctx.actor, code)


@router.delete("/edi/partners/{code}/items/{kind}/{value}", tags=["edi"])
def remove_item(ctx: CtxDep, code: str, kind: str, value: str) -> dict[str, Any]:
    edi_partners.remove_item_reference(ctx.uow, ctx.actor, code, kind, value)
    return edi_partners.get_partner(ctx.uow, ctx.actor, code)


@router.post("/edi/partners/{code}/locations", tags=["edi"])
def set_location(ctx: CtxDep, code: str, body: LocationIn) -> dict[str, Any]:
    edi_partners.set_location(ctx.uow, ctx.actor, code, body.code, body.ship_to)
    return edi_partners.get_partner(ctx.uow, ctx.actor, code)


async def _file(request: Request, filename: str | None) -> tuple[bytes, str]:
    raw = await request.body()
    if _is_json(request):
        f = _json_body(raw, FileIn)
        if (f.content is None) == (f.content_base64 is None):
            raise ValidationFailed("invalid_request", "content: send either content or content_base64",
                                   field="content")
        if f.content is not None:
            return f.content.encode("utf-8"), f.filename
        try:
            return base64.b64decode(f.content_base64, validate=True), f.filename
        except binascii.Error:
            raise ValidationFailed("invalid_request", "content_base64: not base64", field="content_base64") from None
    if not raw:
        raise ValidationFailed("empty_body", "body: send the file as the request body", field="body")
    if filename is None:
        xlsx = request.headers.get("content-type", "").startswith("application/vnd.openxmlformats")
        filename = "upload.xlsx" if xlsx else "upload.csv"
    return raw, filename


@router.post("/imports/{kind}", status_code=201, tags=["files"], openapi_extra=_FILE_BODY,
             responses={200: {"description": "dry run: the report, nothing written"}})
async def import_file(ctx: CtxDep, request: Request, response: Response,
                      kind: Annotated[str, Path(pattern="^(orders|customers|products|stock|receipts)$")],
                      filename: Annotated[str | None, Query(max_length=200)] = None, dry_run: bool = False,
                      valid_only: bool = False) -> dict[str, Any]:
    """Import a CSV or Excel file (layouts in docs/integrations.md). Nothing is written unless every row is valid,
    or valid_only is set; dry_run reports every bad row and writes nothing."""
    data, name = await _file(request, filename)
    report = await run_in_threadpool(file_imports.import_file, ctx.uow, ctx.clock, ctx.settings, ctx.actor, kind,
                                     data, name, dry_run=dry_run, valid_only=valid_only)
    if dry_run:
        response.status_code = 200
    return report


@router.get("/exports/{name}", tags=["files"], response_class=Response,
            responses={200: {"content": {"text/csv": {}, file_exports.MEDIA_TYPES["xlsx"]: {}}}})
def export(ctx: CtxDep, name: Annotated[str, Path(max_length=40)],
           format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv", date_from: date | None = None,
           date_to: date | None = None, customer: Annotated[str | None, Query(max_length=40)] = None,
           status: Annotated[str | None, Query(max_length=30)] = None) -> Response:
    data, filename = file_exports.export(ctx.uow, ctx.actor, name, format, file_exports.ExportFilter(
        date_from, date_to, customer, status))
    return Response(data, media_type=file_exports.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
