"""Persistence: SQLAlchemy Core tables, the unit of work, queries, migrations."""

from . import analytics_tables, billing_tables, costing_tables, edi_tables, fulfilment_tables, measure_tables, outbox_tables, service_tables, tables, web_tables  # noqa: F401 - every table is registered on one MetaData
