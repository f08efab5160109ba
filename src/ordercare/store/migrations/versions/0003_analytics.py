"""service versus cost: inventory-policy settings, product lead times, stockout outcomes; lead-time offers

Revision ID: 0003_analytics
Revises: 0002
Create Date: 2026-11-24 12:00:00

Seeded with the default settings, stockout outcomes and offer rules (store/analytics_tables.reference_rows).
"""
from alembic import op
import sqlalchemy as sa
import ordercare.store.tables


revision = '0003_analytics'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inventory_policy_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holding_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('order_cost', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('lead_time_days', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('lead_time_sd_days', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('history_weeks', sa.Integer(), nullable=False),
    sa.Column('min_receipts', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1 AND holding_rate >= 0 AND order_cost >= 0 AND lead_time_days >= 0 AND lead_time_sd_days >= 0 AND history_weeks >= 2 AND history_weeks <= 520 AND min_receipts >= 2', name=op.f('ck_inventory_policy_settings_values')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_policy_settings'))
    )
    op.create_table('product_lead_times',
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_time_days', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('lead_time_sd_days', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('order_cost', ordercare.store.tables.MoneyCents(), nullable=True),
    sa.CheckConstraint('lead_time_days >= 0 AND lead_time_sd_days >= 0 AND (order_cost IS NULL OR order_cost >= 0)', name=op.f('ck_product_lead_times_values')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_lead_times_product_id_products')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_lead_times'))
    )
    op.create_table('stockout_outcomes',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('probability', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('cost_per_unit', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('margin_multiple', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.CheckConstraint('probability >= 0 AND probability <= 1 AND cost_per_unit >= 0 AND margin_multiple >= 0', name=op.f('ck_stockout_outcomes_values')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_stockout_outcomes'))
    )
    op.create_table('offer_rules',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('price_adjustment_pct', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("basis IN ('promise', 'package') AND price_adjustment_pct >= -90 AND price_adjustment_pct <= 500", name=op.f('ck_offer_rules_rule')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_offer_rules'))
    )
    op.create_table('quote_line_terms',
    sa.Column('quote_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('service_package', sa.String(length=20), nullable=False),
    sa.Column('package_lead_time_days', sa.Integer(), nullable=False),
    sa.Column('package_date', sa.Date(), nullable=False),
    sa.Column('earliest_date', sa.Date(), nullable=True),
    sa.Column('expedite', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['quote_line_id'], ['quote_lines.id'], name=op.f('fk_quote_line_terms_quote_line_id_quote_lines')),
    sa.PrimaryKeyConstraint('quote_line_id', name=op.f('pk_quote_line_terms'))
    )
    op.create_table('quote_line_offers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quote_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('delivery_date', sa.Date(), nullable=False),
    sa.Column('price_adjustment_pct', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('unit_price', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('amount', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.ForeignKeyConstraint(['quote_line_id'], ['quote_lines.id'], name=op.f('fk_quote_line_offers_quote_line_id_quote_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_line_offers')),
    sa.UniqueConstraint('quote_line_id', 'code', name='uq_quote_line_offers_line_code')
    )
    with op.batch_alter_table('quote_line_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_line_offers_quote_line_id'), ['quote_line_id'], unique=False)

    from ordercare.store.analytics_tables import reference_rows
    for table, rows in reference_rows():
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('quote_line_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_line_offers_quote_line_id'))

    op.drop_table('quote_line_offers')
    op.drop_table('quote_line_terms')
    op.drop_table('offer_rules')
    op.drop_table('stockout_outcomes')
    op.drop_table('product_lead_times')
    op.drop_table('inventory_policy_settings')
