"""service measurement: per-order, per-line and per-case facts; daily KPI summaries by slice

Revision ID: 0003_measures
Revises: 0002
Create Date: 2026-12-01 22:00:00

Derived tables without foreign keys (they are rebuilt from the orders, shipments, returns, disputes and cases).
A database that already holds orders gets its facts with `ordercare report rebuild` after the upgrade: the
tables of the other 0003 branches it reads may not exist yet while this revision runs.
"""
from alembic import op
import sqlalchemy as sa
import ordercare.store.tables


revision = '0003_measures'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_facts',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('segment', sa.String(length=20), nullable=False),
    sa.Column('package', sa.String(length=20), nullable=False),
    sa.Column('customer_kind', sa.String(length=20), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('opened_day', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=True),
    sa.Column('first_response_met', sa.SmallInteger(), nullable=True),
    sa.Column('resolution_met', sa.SmallInteger(), nullable=True),
    sa.Column('first_response_due', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolve_minutes', sa.BigInteger(), nullable=True),
    sa.Column('recovery_cost', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts'))
    )
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.create_index('ix_case_facts_customer_day', ['customer_id', 'opened_day'], unique=False)
        batch_op.create_index('ix_case_facts_day', ['opened_day'], unique=False)

    op.create_table('kpi_daily',
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slice_key', sa.String(length=64), nullable=False),
    sa.Column('orders', sa.BigInteger(), nullable=False),
    sa.Column('orders_cancelled', sa.BigInteger(), nullable=False),
    sa.Column('o_open', sa.BigInteger(), nullable=False),
    sa.Column('o_fill_n', sa.BigInteger(), nullable=False),
    sa.Column('o_filled', sa.BigInteger(), nullable=False),
    sa.Column('o_fillp_n', sa.BigInteger(), nullable=False),
    sa.Column('o_fillp', sa.BigInteger(), nullable=False),
    sa.Column('o_settled', sa.BigInteger(), nullable=False),
    sa.Column('o_req_n', sa.BigInteger(), nullable=False),
    sa.Column('o_complete', sa.BigInteger(), nullable=False),
    sa.Column('o_on_time', sa.BigInteger(), nullable=False),
    sa.Column('o_damage_free', sa.BigInteger(), nullable=False),
    sa.Column('o_doc_ok', sa.BigInteger(), nullable=False),
    sa.Column('o_accurate', sa.BigInteger(), nullable=False),
    sa.Column('o_perfect', sa.BigInteger(), nullable=False),
    sa.Column('o_otif', sa.BigInteger(), nullable=False),
    sa.Column('o_within_lead', sa.BigInteger(), nullable=False),
    sa.Column('o_on_time_req', sa.BigInteger(), nullable=False),
    sa.Column('o_otif_req', sa.BigInteger(), nullable=False),
    sa.Column('o_ship_n', sa.BigInteger(), nullable=False),
    sa.Column('o_ship_sum', sa.BigInteger(), nullable=False),
    sa.Column('o_ship_sq', sa.BigInteger(), nullable=False),
    sa.Column('o_deliver_sum', sa.BigInteger(), nullable=False),
    sa.Column('o_deliver_sq', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.BigInteger(), nullable=False),
    sa.Column('l_open', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('u_fill_n', sa.BigInteger(), nullable=False),
    sa.Column('u_filled', sa.BigInteger(), nullable=False),
    sa.Column('u_fillp_n', sa.BigInteger(), nullable=False),
    sa.Column('u_fillp', sa.BigInteger(), nullable=False),
    sa.Column('l_fill_n', sa.BigInteger(), nullable=False),
    sa.Column('l_filled', sa.BigInteger(), nullable=False),
    sa.Column('l_fillp_n', sa.BigInteger(), nullable=False),
    sa.Column('l_fillp', sa.BigInteger(), nullable=False),
    sa.Column('l_settled', sa.BigInteger(), nullable=False),
    sa.Column('l_req_n', sa.BigInteger(), nullable=False),
    sa.Column('l_complete', sa.BigInteger(), nullable=False),
    sa.Column('l_on_time', sa.BigInteger(), nullable=False),
    sa.Column('l_damage_free', sa.BigInteger(), nullable=False),
    sa.Column('l_doc_ok', sa.BigInteger(), nullable=False),
    sa.Column('l_accurate', sa.BigInteger(), nullable=False),
    sa.Column('l_perfect', sa.BigInteger(), nullable=False),
    sa.Column('l_otif', sa.BigInteger(), nullable=False),
    sa.Column('l_within_lead', sa.BigInteger(), nullable=False),
    sa.Column('l_on_time_req', sa.BigInteger(), nullable=False),
    sa.Column('l_otif_req', sa.BigInteger(), nullable=False),
    sa.Column('l_ship_n', sa.BigInteger(), nullable=False),
    sa.Column('l_ship_sum', sa.BigInteger(), nullable=False),
    sa.Column('l_ship_sq', sa.BigInteger(), nullable=False),
    sa.Column('l_deliver_sum', sa.BigInteger(), nullable=False),
    sa.Column('l_deliver_sq', sa.BigInteger(), nullable=False),
    sa.Column('units_shipped', sa.BigInteger(), nullable=False),
    sa.Column('units_delivered', sa.BigInteger(), nullable=False),
    sa.Column('units_damaged', sa.BigInteger(), nullable=False),
    sa.Column('units_wrong', sa.BigInteger(), nullable=False),
    sa.Column('units_short', sa.BigInteger(), nullable=False),
    sa.Column('ret_damaged', sa.BigInteger(), nullable=False),
    sa.Column('ret_wrong_item', sa.BigInteger(), nullable=False),
    sa.Column('ret_defective', sa.BigInteger(), nullable=False),
    sa.Column('ret_not_as_described', sa.BigInteger(), nullable=False),
    sa.Column('ret_not_needed', sa.BigInteger(), nullable=False),
    sa.Column('ret_ordered_by_mistake', sa.BigInteger(), nullable=False),
    sa.Column('ret_warranty', sa.BigInteger(), nullable=False),
    sa.Column('ret_other', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'day', 'slice_key', name='pk_kpi_daily')
    )
    op.create_table('kpi_daily_cycle',
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slice_key', sa.String(length=64), nullable=False),
    sa.Column('measure', sa.String(length=10), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'day', 'slice_key', 'measure', 'days', name='pk_kpi_daily_cycle')
    )
    op.create_table('kpi_daily_failures',
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slice_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'day', 'slice_key', 'kind', 'department', name='pk_kpi_daily_failures')
    )
    op.create_table('line_facts',
    sa.Column('order_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_day', sa.Date(), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('carrier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('units_ordered', sa.Integer(), nullable=False),
    sa.Column('qty_from_stock', sa.Integer(), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=True),
    sa.Column('first_promised_ship', sa.Date(), nullable=True),
    sa.Column('first_promised_date', sa.Date(), nullable=True),
    sa.Column('u_fill_n', sa.Integer(), nullable=False),
    sa.Column('u_filled', sa.Integer(), nullable=False),
    sa.Column('filled', sa.SmallInteger(), nullable=True),
    sa.Column('u_fillp_n', sa.Integer(), nullable=False),
    sa.Column('u_fillp', sa.Integer(), nullable=False),
    sa.Column('filled_p', sa.SmallInteger(), nullable=True),
    sa.Column('settled', sa.Integer(), nullable=False),
    sa.Column('complete', sa.SmallInteger(), nullable=True),
    sa.Column('on_time', sa.SmallInteger(), nullable=True),
    sa.Column('on_time_req', sa.SmallInteger(), nullable=True),
    sa.Column('damage_free', sa.SmallInteger(), nullable=True),
    sa.Column('doc_ok', sa.SmallInteger(), nullable=True),
    sa.Column('accurate', sa.SmallInteger(), nullable=True),
    sa.Column('perfect', sa.SmallInteger(), nullable=True),
    sa.Column('otif', sa.SmallInteger(), nullable=True),
    sa.Column('otif_req', sa.SmallInteger(), nullable=True),
    sa.Column('within_lead', sa.SmallInteger(), nullable=True),
    sa.Column('ship_days', sa.Integer(), nullable=True),
    sa.Column('deliver_days', sa.Integer(), nullable=True),
    sa.Column('units_shipped', sa.Integer(), nullable=False),
    sa.Column('units_delivered', sa.Integer(), nullable=False),
    sa.Column('units_damaged', sa.Integer(), nullable=False),
    sa.Column('units_wrong', sa.Integer(), nullable=False),
    sa.Column('units_short', sa.Integer(), nullable=False),
    sa.Column('ret_damaged', sa.Integer(), nullable=False),
    sa.Column('ret_wrong_item', sa.Integer(), nullable=False),
    sa.Column('ret_defective', sa.Integer(), nullable=False),
    sa.Column('ret_not_as_described', sa.Integer(), nullable=False),
    sa.Column('ret_not_needed', sa.Integer(), nullable=False),
    sa.Column('ret_ordered_by_mistake', sa.Integer(), nullable=False),
    sa.Column('ret_warranty', sa.Integer(), nullable=False),
    sa.Column('ret_other', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('order_line_id', name=op.f('pk_line_facts'))
    )
    with op.batch_alter_table('line_facts', schema=None) as batch_op:
        batch_op.create_index('ix_line_facts_day', ['order_day'], unique=False)
        batch_op.create_index('ix_line_facts_open', ['order_day'], unique=False, sqlite_where=sa.text('open = 1'), postgresql_where=sa.text('open = 1'))
        batch_op.create_index('ix_line_facts_order', ['order_id'], unique=False)

    op.create_table('order_facts',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('order_day', sa.Date(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('segment', sa.String(length=20), nullable=False),
    sa.Column('package', sa.String(length=20), nullable=False),
    sa.Column('customer_kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('credit_held', sa.Integer(), nullable=False),
    sa.Column('first_promised_date', sa.Date(), nullable=True),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('filled', sa.SmallInteger(), nullable=True),
    sa.Column('filled_p', sa.SmallInteger(), nullable=True),
    sa.Column('settled', sa.Integer(), nullable=False),
    sa.Column('complete', sa.SmallInteger(), nullable=True),
    sa.Column('on_time', sa.SmallInteger(), nullable=True),
    sa.Column('on_time_req', sa.SmallInteger(), nullable=True),
    sa.Column('damage_free', sa.SmallInteger(), nullable=True),
    sa.Column('doc_ok', sa.SmallInteger(), nullable=True),
    sa.Column('accurate', sa.SmallInteger(), nullable=True),
    sa.Column('perfect', sa.SmallInteger(), nullable=True),
    sa.Column('otif', sa.SmallInteger(), nullable=True),
    sa.Column('otif_req', sa.SmallInteger(), nullable=True),
    sa.Column('within_lead', sa.SmallInteger(), nullable=True),
    sa.Column('ship_days', sa.Integer(), nullable=True),
    sa.Column('deliver_days', sa.Integer(), nullable=True),
    sa.Column('fail_not_filled', sa.String(length=40), nullable=True),
    sa.Column('fail_late', sa.String(length=40), nullable=True),
    sa.Column('fail_incomplete', sa.String(length=40), nullable=True),
    sa.Column('fail_damaged', sa.String(length=40), nullable=True),
    sa.Column('fail_inaccurate', sa.String(length=40), nullable=True),
    sa.Column('fail_documentation', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_facts'))
    )
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.create_index('ix_order_facts_customer_day', ['customer_id', 'order_day'], unique=False)
        batch_op.create_index('ix_order_facts_day', ['order_day'], unique=False)
        batch_op.create_index('ix_order_facts_open', ['order_day'], unique=False, sqlite_where=sa.text('open = 1'), postgresql_where=sa.text('open = 1'))


def downgrade() -> None:
    with op.batch_alter_table('order_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_order_facts_open', sqlite_where=sa.text('open = 1'), postgresql_where=sa.text('open = 1'))
        batch_op.drop_index('ix_order_facts_day')
        batch_op.drop_index('ix_order_facts_customer_day')

    op.drop_table('order_facts')
    with op.batch_alter_table('line_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_line_facts_order')
        batch_op.drop_index('ix_line_facts_open', sqlite_where=sa.text('open = 1'), postgresql_where=sa.text('open = 1'))
        batch_op.drop_index('ix_line_facts_day')

    op.drop_table('line_facts')
    op.drop_table('kpi_daily_failures')
    op.drop_table('kpi_daily_cycle')
    op.drop_table('kpi_daily')
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_facts_day')
        batch_op.drop_index('ix_case_facts_customer_day')

    op.drop_table('case_facts')
