"""Schema migrations with Alembic, callable from the CLI and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the given revision (runs on the engine's own connection settings).

    "heads": features may add their revisions side by side (branches from a common parent), so
    the default is every head, not one.
    """
    cfg = alembic_config()
    with engine.connect() as conn:
        # Plain DDL transaction: not the BEGIN IMMEDIATE write path.
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The database's revisions, comma-separated and sorted (one per branch head), or None if empty."""
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def script_heads() -> str:
    """The revisions a fully upgraded database is at, in the form of current_revision()."""
    from alembic.script import ScriptDirectory
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))
