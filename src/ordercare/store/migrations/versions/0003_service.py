"""post-sale service: SLA calendars and policies, cases, returns and dispositions, non-sellable stock, CSAT

Revision ID: 0003_service
Revises: 0002
Create Date: 2026-11-24 09:00:00

Invoices and credit notes are referred to by plain integer ids: billing has its own branch.
"""
from alembic import op
import sqlalchemy as sa
import ordercare.store.tables


revision = '0003_service'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_calendars',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_business_calendars'))
    )
    op.create_table('return_policies',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('warranty_days', sa.Integer(), nullable=False),
    sa.Column('allowed_reasons', sa.JSON(), nullable=False),
    sa.Column('restocking_fee_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.CheckConstraint('window_days >= 0 AND warranty_days >= 0 AND restocking_fee_pct >= 0 AND restocking_fee_pct <= 100', name=op.f('ck_return_policies_terms')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_return_policies'))
    )
    op.create_table('calendar_holidays',
    sa.Column('calendar_code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['calendar_code'], ['business_calendars.code'], name=op.f('fk_calendar_holidays_calendar_code_business_calendars')),
    sa.PrimaryKeyConstraint('calendar_code', 'day', name=op.f('pk_calendar_holidays'))
    )
    op.create_table('nonsellable_moves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bucket', sa.String(length=30), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_nonsellable_moves_product_id_products')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_nonsellable_moves_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonsellable_moves'))
    )
    with op.batch_alter_table('nonsellable_moves', schema=None) as batch_op:
        batch_op.create_index('ix_nonsellable_moves_wh_product', ['warehouse_id', 'product_id'], unique=False)

    op.create_table('nonsellable_stock',
    sa.Column('warehouse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bucket', sa.String(length=30), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty >= 0', name=op.f('ck_nonsellable_stock_qty')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_nonsellable_stock_product_id_products')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_nonsellable_stock_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('warehouse_id', 'product_id', 'bucket', name=op.f('pk_nonsellable_stock'))
    )
    op.create_table('sla_policies',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('service_package', sa.String(length=20), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('calendar_code', sa.String(length=40), nullable=False),
    sa.Column('escalation', sa.JSON(), nullable=False),
    sa.CheckConstraint('first_response_minutes > 0 AND resolution_minutes >= first_response_minutes', name=op.f('ck_sla_policies_targets')),
    sa.ForeignKeyConstraint(['calendar_code'], ['business_calendars.code'], name=op.f('fk_sla_policies_calendar_code_business_calendars')),
    sa.ForeignKeyConstraint(['service_package'], ['service_packages.code'], name=op.f('fk_sla_policies_service_package_service_packages')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sla_policies'))
    )
    op.create_table('account_reps',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assigned_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_account_reps_customer_id_customers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_reps_user_id_users')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_account_reps'))
    )
    with op.batch_alter_table('account_reps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_reps_user_id'), ['user_id'], unique=False)

    op.create_table('no_charge_orders',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('original_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=40), nullable=False),
    sa.Column('created_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_no_charge_orders_order_id_orders')),
    sa.ForeignKeyConstraint(['original_order_id'], ['orders.id'], name=op.f('fk_no_charge_orders_original_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_no_charge_orders'))
    )
    op.create_table('returns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('policy_code', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('requested_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('policy_override', sa.Boolean(), nullable=False),
    sa.Column('warehouse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resolution', sa.String(length=30), nullable=True),
    sa.Column('resolved_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('replacement_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('credit_note_id', sa.BigInteger(), nullable=True),
    sa.Column('refund_id', sa.BigInteger(), nullable=True),
    sa.Column('restocking_fee', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('anonymised_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_returns_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_returns_order_id_orders')),
    sa.ForeignKeyConstraint(['replacement_order_id'], ['orders.id'], name=op.f('fk_returns_replacement_order_id_orders')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_returns_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns'))
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_returns_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_status'), ['status'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=4000), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=50), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('invoice_id', sa.BigInteger(), nullable=True),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('queue', sa.String(length=30), nullable=False),
    sa.Column('assigned_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sla_policy', sa.String(length=40), nullable=True),
    sa.Column('calendar_code', sa.String(length=40), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('escalation', sa.JSON(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('opened_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('root_cause', sa.String(length=40), nullable=True),
    sa.Column('department', sa.String(length=40), nullable=True),
    sa.Column('root_cause_note', sa.String(length=1000), nullable=True),
    sa.Column('resolution', sa.String(length=2000), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('anonymised_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_user_id'], ['users.id'], name=op.f('fk_cases_assigned_user_id_users')),
    sa.ForeignKeyConstraint(['calendar_code'], ['business_calendars.code'], name=op.f('fk_cases_calendar_code_business_calendars')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_cases_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_cases_order_id_orders')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_cases_return_id_returns')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_cases_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_queue'), ['queue'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('return_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_events_return_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_events'))
    )
    with op.batch_alter_table('return_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_events_return_id'), ['return_id'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('unit_price', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('fee_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('restocking_fee', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('qty_received', sa.Integer(), nullable=False),
    sa.Column('qty_disposed', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0 AND qty_received >= 0 AND qty_received <= qty AND qty_disposed >= 0 AND qty_disposed <= qty_received', name=op.f('ck_return_lines_qty')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_return_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_return_lines_product_id_products')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_lines_return_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_lines'))
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_return_id'), ['return_id'], unique=False)

    op.create_table('case_escalations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clock', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('due_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_escalations_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_escalations')),
    sa.UniqueConstraint('case_id', 'clock', 'level', name='uq_case_escalations_case_clock_level')
    )
    op.create_table('case_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_case_events_kind', ['kind'], unique=False)

    op.create_table('case_pauses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_pauses_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_pauses'))
    )
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_pauses_case_id'), ['case_id'], unique=False)

    op.create_table('csat_responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('touchpoint', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('requested_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint('score IS NULL OR (score >= 1 AND score <= 5)', name=op.f('ck_csat_responses_score')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_csat_responses_case_id_cases')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_csat_responses_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_csat_responses_order_id_orders')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_csat_responses_return_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_csat_responses'))
    )
    with op.batch_alter_table('csat_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csat_responses_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_csat_responses_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_csat_touchpoint', ['touchpoint', 'answered_at'], unique=False)

    op.create_table('recovery_actions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('cost', ordercare.store.tables.MoneyCents(), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('credit_note_id', sa.BigInteger(), nullable=True),
    sa.Column('refund_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.CheckConstraint('cost >= 0', name=op.f('ck_recovery_actions_cost')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_recovery_actions_case_id_cases')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_recovery_actions_order_id_orders')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_recovery_actions_return_id_returns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_actions'))
    )
    with op.batch_alter_table('recovery_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_actions_case_id'), ['case_id'], unique=False)

    op.create_table('return_dispositions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('return_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('disposition', sa.String(length=30), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('at', ordercare.store.tables.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_return_dispositions_qty')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_return_dispositions_product_id_products')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_dispositions_return_id_returns')),
    sa.ForeignKeyConstraint(['return_line_id'], ['return_lines.id'], name=op.f('fk_return_dispositions_return_line_id_return_lines')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_return_dispositions_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_dispositions'))
    )
    with op.batch_alter_table('return_dispositions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_dispositions_return_id'), ['return_id'], unique=False)

    # The defaults a new database starts with (an office-hours calendar, SLA policies, a returns policy).
    from ordercare.store.service_tables import reference_rows
    for table, rows in reference_rows():
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('return_dispositions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_dispositions_return_id'))

    op.drop_table('return_dispositions')
    with op.batch_alter_table('recovery_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_actions_case_id'))

    op.drop_table('recovery_actions')
    with op.batch_alter_table('csat_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_csat_touchpoint')
        batch_op.drop_index(batch_op.f('ix_csat_responses_customer_id'))
        batch_op.drop_index(batch_op.f('ix_csat_responses_case_id'))

    op.drop_table('csat_responses')
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_pauses_case_id'))

    op.drop_table('case_pauses')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_kind')
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    op.drop_table('case_escalations')
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_order_line_id'))

    op.drop_table('return_lines')
    with op.batch_alter_table('return_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_events_return_id'))

    op.drop_table('return_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_queue'))
        batch_op.drop_index(batch_op.f('ix_cases_order_id'))
        batch_op.drop_index(batch_op.f('ix_cases_customer_id'))

    op.drop_table('cases')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_returns_status'))
        batch_op.drop_index(batch_op.f('ix_returns_order_id'))
        batch_op.drop_index(batch_op.f('ix_returns_customer_id'))

    op.drop_table('returns')
    op.drop_table('no_charge_orders')
    with op.batch_alter_table('account_reps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_reps_user_id'))

    op.drop_table('account_reps')
    op.drop_table('sla_policies')
    op.drop_table('nonsellable_stock')
    with op.batch_alter_table('nonsellable_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_nonsellable_moves_wh_product')

    op.drop_table('nonsellable_moves')
    op.drop_table('calendar_holidays')
    op.drop_table('return_policies')
    op.drop_table('business_calendars')
