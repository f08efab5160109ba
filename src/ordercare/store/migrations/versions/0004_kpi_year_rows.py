"""service measurement: year rows of the large slices (customer, product) in the KPI summaries

Revision ID: 0004_kpi_year_rows
Revises: 0003_measures
Create Date: 2026-12-02 02:00:00

A report over whole calendar years reads one row per year and slice value instead of twelve month rows
(store/measure_summary.rollup_rows). No schema change: the year rows ("customer@year", day = 1 January) are
summed here from the month rows a database already holds, as the rebuild does.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_kpi_year_rows'
down_revision = '0003_measures'
branch_labels = None
depends_on = None

TABLES = ("kpi_daily", "kpi_daily_cycle", "kpi_daily_failures")
KEY = ("dimension", "day", "slice_key")
SUMMED = {"kpi_daily_cycle": ("n",), "kpi_daily_failures": ("n",)}  # kpi_daily: every counter column


def upgrade() -> None:
    bind = op.get_bind()
    year = "date_trunc('year', day)::date" if bind.dialect.name == "postgresql" else "date(day, 'start of year')"
    for table in TABLES:
        columns = [c["name"] for c in sa.inspect(bind).get_columns(table)]
        sums = SUMMED.get(table) or tuple(c for c in columns if c not in KEY)
        extra = [c for c in columns if c not in KEY and c not in sums]
        listed = ", ".join(["dimension", "slice_key", "day", *extra, *sums])
        op.execute(f"INSERT INTO {table} ({listed}) "
                   f"SELECT replace(dimension, '@month', '@year'), slice_key, {year}, "
                   f"{''.join(c + ', ' for c in extra)}{', '.join(f'sum({c})' for c in sums)} FROM {table} "
                   f"WHERE dimension IN ('customer@month', 'product@month') "
                   f"GROUP BY dimension, slice_key, {year}{''.join(', ' + c for c in extra)}")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE dimension IN ('customer@year', 'product@year')")
