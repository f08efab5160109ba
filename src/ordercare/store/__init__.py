"""Persistence: SQLAlchemy Core tables, the unit of work, queries, migrations."""

from . import fulfilment_tables, service_tables, tables, web_tables  # noqa: F401 - every table is registered on one MetaData
