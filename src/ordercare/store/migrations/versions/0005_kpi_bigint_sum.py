"""service measurement: an exact bigint sum on PostgreSQL for reading the KPI summaries

Revision ID: 0005_kpi_bigint_sum
Revises: 0004_kpi_year_rows
Create Date: 2026-12-02 09:00:00

PostgreSQL's sum(bigint) adds in 128 bits and returns numeric: the report casts it back to bigint, and for the
70 counters of 5,000 customers the numeric arithmetic was most of the server's time. bigint_sum(bigint) adds
bigints with int8pl: the same sums, exact; a sum that does not fit in a bigint is an error ("bigint out of
range"), as the cast back to bigint was (here already when a running sum does not fit). Nulls are skipped and
no rows give NULL, as for sum (int8pl is strict). No table changes; SQLite sums integers as integers already
(store/measure_sums._signed_sum).
"""
from alembic import op


revision = '0005_kpi_bigint_sum'
down_revision = '0004_kpi_year_rows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE AGGREGATE bigint_sum(bigint) (SFUNC = int8pl, STYPE = bigint, COMBINEFUNC = int8pl, "
                   "PARALLEL = SAFE)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP AGGREGATE bigint_sum(bigint)")
