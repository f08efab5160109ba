"""Persistence: SQLAlchemy Core tables, the unit of work, queries, migrations."""
