"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from .. import __version__
from ..clock import Clock, SystemClock
from ..config import Settings, get_settings
from ..store.db import UnitOfWork, make_engine
from ..web import mount_web
from . import errors
from .guards import RequestGuard
from .routers import analytics  # service versus cost, lead-time offer rules
from .routers import billing, cash
from .routers import cases, returns, service_admin  # post-sale service
from .routers import costing  # cost-to-serve, profitability, service gaps
from .routers import fulfilment, integrations, inventory, master_data, orders, outbox
from .routers import reports  # service measurement

def create_app(settings: Settings | None = None, *, uow: UnitOfWork | None = None,
               clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    # No /docs: Swagger UI would load its assets from a CDN, and the product must work offline.
    app = FastAPI(title="Ordercare", version=__version__, docs_url=None, redoc_url=None,
                  description="Order-to-cash and customer service: honest available-to-promise, atomic reservation.")
    app.state.settings = settings
    app.state.uow = uow or UnitOfWork(make_engine(settings.database_url))
    app.state.clock = clock or SystemClock()
    errors.install(app)

    app.add_middleware(RequestGuard)

    for r in (orders.router, master_data.router, inventory.router, fulfilment.router, outbox.router,
              integrations.router):
        app.include_router(r, prefix="/api/v1")
    app.include_router(analytics.router, prefix="/api/v1")

    for r in (billing.router, cash.router):  # invoices, credit notes, payments, receivables
        app.include_router(r, prefix="/api/v1")
    for r in (cases.router, returns.router, service_admin.router):  # post-sale service
        app.include_router(r, prefix="/api/v1")
    app.include_router(reports.router, prefix="/api/v1")
    app.include_router(costing.router, prefix="/api/v1")

    @app.get("/api/v1/health", tags=["system"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # The pages: sign-in at /sign-in, the start page at /, every section of web/pages/.
    mount_web(app)

    if settings.run_worker:  # `ordercare serve --with-worker`, the demo: the outbox worker as a thread
        from ..worker import attach_worker
        attach_worker(app)

    if settings.sla_interval_seconds > 0:  # the SLA escalation job on a schedule, in the server
        from .sla_schedule import attach_sla_schedule
        attach_sla_schedule(app, settings.sla_interval_seconds)

    return app
