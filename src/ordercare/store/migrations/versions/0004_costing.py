"""cost-to-serve and profitability: activity rates, case minutes, zone thresholds; package delivery windows

Revision ID: 0004_costing
Revises: 0003_analytics
Create Date: 2026-11-30 12:00:00

Seeded with the default rates, case minutes, median thresholds and the delivery windows of packages A, B, C
(store/costing_tables.reference_rows).
"""
from alembic import op
import sqlalchemy as sa
import ordercare.store.tables


revision = '0004_costing'
down_revision = '0003_analytics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_rates',
    sa.Column('activity', sa.String(length=30), nullable=False),
    sa.Column('qualifier', sa.String(length=20), nullable=False),
    sa.Column('rate', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('pool_cost', ordercare.store.tables.MoneyCents(), nullable=True),
    sa.Column('driver_volume', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('updated_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint('rate >= 0 AND (pool_cost IS NULL OR pool_cost >= 0) AND (driver_volume IS NULL OR driver_volume > 0)', name=op.f('ck_activity_rates_values')),
    sa.PrimaryKeyConstraint('activity', 'qualifier', name=op.f('pk_activity_rates'))
    )
    op.create_table('case_minutes',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('minutes', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.CheckConstraint("kind IN ('category', 'event') AND minutes >= 0", name=op.f('ck_case_minutes_values')),
    sa.PrimaryKeyConstraint('kind', 'code', name=op.f('pk_case_minutes'))
    )
    op.create_table('costing_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value_threshold', ordercare.store.tables.MoneyCents(), nullable=True),
    sa.Column('cost_threshold', ordercare.store.tables.MoneyCents(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_costing_settings_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_costing_settings'))
    )
    op.create_table('package_delivery_windows',
    sa.Column('service_package', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('days_after', sa.Integer(), nullable=False),
    sa.CheckConstraint("basis IN ('day', 'week') AND days_before >= 0 AND days_after >= 0 AND days_before <= 60 AND days_after <= 60", name=op.f('ck_package_delivery_windows_values')),
    sa.ForeignKeyConstraint(['service_package'], ['service_packages.code'], name=op.f('fk_package_delivery_windows_service_package_service_packages')),
    sa.PrimaryKeyConstraint('service_package', name=op.f('pk_package_delivery_windows'))
    )

    from ordercare.store.costing_tables import reference_rows
    for table, rows in reference_rows():
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table('package_delivery_windows')
    op.drop_table('costing_settings')
    op.drop_table('case_minutes')
    op.drop_table('activity_rates')
