"""Downloads of the file exports (services/file_exports.export, as `GET /api/v1/exports/{name}` and `ordercare
export`): orders, shipments, invoices, the service KPI report, … as CSV or Excel, linked from the pages that list
them (templates/_exports.html) with the filters of the list. Staff only: a customer user downloads its invoices
from the invoice pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from ...domain.access import Permission as P
from ...domain.errors import ValidationFailed
from ...services import file_exports
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors, Form, calendar_date

router = APIRouter(route_class=WebRoute)
Exporter = Annotated[Page, Depends(needs(P.EXPORT_DATA, staff_only=True))]


@router.get("/exports/{export}")
def download(p: Exporter, export: Annotated[str, Path(max_length=40)], format: str = "csv", date_from: str = "",
             date_to: str = "", customer: str = "", status: str = ""):
    errors = FieldErrors()
    dates = Form([("date_from", date_from), ("date_to", date_to)])
    lo, hi = calendar_date(dates, "date_from", errors), calendar_date(dates, "date_to", errors)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationFailed("invalid_date", f"{name}: {message}", field=name)
    data, filename = file_exports.export(p.uow, p.actor, export, format, file_exports.ExportFilter(
        lo, hi, customer.strip()[:40] or None, status.strip()[:30] or None))
    return Response(data, media_type=file_exports.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
