"""ASGI entry point for uvicorn (settings from ORDERCARE_ environment variables)."""

from .app import create_app

app = create_app()
