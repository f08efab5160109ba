"""Progress of background jobs: a page that polls (htmx every second; a meta refresh without JavaScript)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...services.jobs import get_job
from ..context import DbId, Page, needs
from ..errors import WebRoute

router = APIRouter(route_class=WebRoute)
AnyUser = Annotated[Page, Depends(needs(None))]


@router.get("/jobs/{job_id}")
def job_page(p: AnyUser, job_id: DbId):
    return p.html("jobs/show.html", job=get_job(p.uow, p.actor, job_id))


@router.get("/jobs/{job_id}/progress")
def job_progress(p: AnyUser, job_id: DbId):
    return p.html("jobs/_progress.html", job=get_job(p.uow, p.actor, job_id))
