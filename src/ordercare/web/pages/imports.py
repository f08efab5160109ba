"""File imports from the browser: a CSV or Excel file of orders, customers, products, stock or receipts, checked
(dry run) or imported (all or nothing, or the valid rows only) by services/file_imports.import_file — the same
function as `POST /api/v1/imports/{kind}` and `ordercare import` — as a background job whose progress
/jobs/{id} polls; the job page lists every bad row with its line and column. The column layouts are on
/imports/layouts, read from integrations/files/layouts.py (the same table docs/integrations.md describes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ...domain.access import Permission as P
from ...domain.errors import DomainError
from ...integrations.files.layouts import LAYOUTS
from ...integrations.files.tabular import format_of, read_table
from ...services import jobs
from ...services.file_imports import import_file
from ..context import Page, needs
from ..errors import WebRoute
from ..forms import FieldErrors
from ..registry import NavEntry

router = APIRouter(route_class=WebRoute)
# Customers and products come with orders, so the page is for those who may import every kind (admin, manager);
# the service checks each kind's own permission again.
Importer = Annotated[Page, Depends(needs(P.IMPORT_DATA, staff_only=True))]
NAV = [NavEntry("Imports", "/imports", P.IMPORT_DATA, 60, "Orders, customers, products, stock counts and "
                "purchase receipts from CSV or Excel files: check them first, then import.")]
MODES = {"dry_run": "Check only (dry run): nothing is written",
         "all": "Import, all or nothing: nothing is written if any row is bad",
         "valid_only": "Import the valid rows; report the others"}


def _form(p: Page, errors: FieldErrors | None = None, status: int = 200):
    values = {"kind": "orders", "mode": "dry_run", **p.form.values}
    return p.html("imports/new.html", status=status, errors=errors or FieldErrors(), values=values,
                  kinds=[(k, k) for k in LAYOUTS], modes=list(MODES.items()))


@router.get("/imports")
def import_form(p: Importer):
    return _form(p)


@router.get("/imports/layouts")
def layouts(p: Importer):
    return p.html("imports/layouts.html", layouts=LAYOUTS)


@router.post("/imports")
def start_import(p: Importer):
    errors = FieldErrors()
    kind, mode, upload = p.form.get("kind"), p.form.get("mode"), p.form.files.get("file")
    if kind not in LAYOUTS:
        errors.add("kind", f"one of {', '.join(LAYOUTS)}")
    if mode not in MODES:
        errors.add("mode", "choose what to do with the file")
    if upload is None or not upload.filename:
        errors.add("file", "choose a CSV or Excel (.xlsx) file")
    elif not upload.data:
        errors.add("file", f"'{upload.filename}' is empty")
    else:
        try:  # an unreadable file is told here, on its field, before a job is started
            read_table(upload.data, format_of(upload.filename, upload.data))
        except DomainError as exc:
            errors.take(exc)
    if errors:
        return _form(p, errors, 422)
    uow, clock, settings, actor = p.uow, p.clock, p.settings, p.actor
    verb = "Checking" if mode == "dry_run" else "Importing"

    def work(progress) -> dict[str, Any]:
        report = import_file(uow, clock, settings, actor, kind, upload.data, upload.filename,
                             dry_run=mode == "dry_run", valid_only=mode == "valid_only",
                             progress=lambda done, total: progress(done, total, f"{verb} row {done} of {total}"))
        return {**report, "mode": mode}

    job_id = jobs.start_job(uow, clock, actor, kind="file_import",
                            title=f"{verb} {kind} from {upload.filename}", work=work)
    return p.redirect(f"/jobs/{job_id}")
