"""Request context: the unit of work, clock, settings and the authenticated actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..clock import Clock
from ..config import Settings
from ..domain.access import Actor
from ..domain.errors import Unauthorized
from ..services.auth import authenticate
from ..store.db import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="API token (oc_…) issued by `ordercare token` or POST /users")


@dataclass
class Ctx:
    uow: UnitOfWork
    clock: Clock
    settings: Settings
    actor: Actor


def context(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Ctx:
    state = request.app.state
    if creds is None or not creds.credentials:
        raise Unauthorized("missing_token", "send an API token as 'Authorization: Bearer <token>'")
    with state.uow.read() as conn:
        actor = authenticate(conn, creds.credentials)
    return Ctx(state.uow, state.clock, state.settings, actor)


CtxDep = Annotated[Ctx, Depends(context)]
