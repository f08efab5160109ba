"""The SLA escalation job on a schedule inside the server (ORDERCARE_SLA_INTERVAL_SECONDS > 0)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from ..domain.access import SYSTEM
from ..services.sla_escalation import EscalationLoop


def attach_sla_schedule(app, interval_seconds: float) -> None:
    """Start the loop with the app's lifespan and stop it at shutdown (wrapping any lifespan already set)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        loop = EscalationLoop(a.state.uow, a.state.clock, SYSTEM, interval_seconds)
        a.state.sla_loop = loop
        loop.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            loop.stop()

    app.router.lifespan_context = lifespan
