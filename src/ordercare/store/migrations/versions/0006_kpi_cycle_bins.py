"""service measurement: the common cycle times' histogram bins as columns of the daily KPI rows

Revision ID: 0006_kpi_cycle_bins
Revises: 0005_kpi_bigint_sum
Create Date: 2026-12-02 13:00:00

A report of a large slice read, beside each slice value's daily (month, year) row, about a dozen histogram rows
(measure, days, n): 5,000 customers' report over two years read 10,000 rows and 111,000 histogram rows. The bins
of 0 to 15 days become 32 columns of the daily row (ship_d0 .. ship_d15, deliver_d0 .. deliver_d15, see
metrics/counters.BINS); the histogram table keeps only the times outside them. Moved here, exactly: every
histogram row of a binned time is added to its daily row's column (a daily row missing for it is made, all
zeros) and deleted.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_kpi_cycle_bins'
down_revision = '0005_kpi_bigint_sum'
branch_labels = None
depends_on = None

MEASURES = ("ship", "deliver")
BIN_DAYS = 16
KEY = ("dimension", "day", "slice_key")
SAME_ROW = " AND ".join(f"kpi_daily.{k} = p.{k}" for k in KEY)


def _bins(measure: str) -> list[str]:
    return [f"{measure}_d{d}" for d in range(BIN_DAYS)]


def upgrade() -> None:
    bind = op.get_bind()
    counters = [c["name"] for c in sa.inspect(bind).get_columns("kpi_daily") if c["name"] not in KEY]
    for measure in MEASURES:
        for name in _bins(measure):
            op.add_column("kpi_daily", sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
    binned = f"kpi_daily_cycle.days BETWEEN 0 AND {BIN_DAYS - 1}"
    op.execute(f"INSERT INTO kpi_daily ({', '.join(KEY)}, {', '.join(counters)}) "
               f"SELECT DISTINCT {', '.join('kpi_daily_cycle.' + k for k in KEY)}{', 0' * len(counters)} "
               f"FROM kpi_daily_cycle WHERE {binned} AND NOT EXISTS (SELECT 1 FROM kpi_daily p WHERE "
               + " AND ".join(f"p.{k} = kpi_daily_cycle.{k}" for k in KEY) + ")")
    for measure in MEASURES:
        sums = ", ".join(f"sum(CASE WHEN days = {d} THEN n ELSE 0 END) AS d{d}" for d in range(BIN_DAYS))
        op.execute(f"UPDATE kpi_daily SET {', '.join(f'{c} = p.d{d}' for d, c in enumerate(_bins(measure)))} "
                   f"FROM (SELECT {', '.join(KEY)}, {sums} FROM kpi_daily_cycle "
                   f"WHERE measure = '{measure}' AND {binned} GROUP BY {', '.join(KEY)}) AS p WHERE {SAME_ROW}")
    op.execute(f"DELETE FROM kpi_daily_cycle WHERE {binned}")


def downgrade() -> None:
    for measure in MEASURES:
        for d, name in enumerate(_bins(measure)):
            op.execute(f"INSERT INTO kpi_daily_cycle ({', '.join(KEY)}, measure, days, n) "
                       f"SELECT {', '.join(KEY)}, '{measure}', {d}, {name} FROM kpi_daily WHERE {name} != 0")
    with op.batch_alter_table("kpi_daily") as table:
        for measure in MEASURES:
            for name in _bins(measure):
                table.drop_column(name)
