"""indexes on shipments.load_id and shipments.pick_list_id

Revision ID: 0005_shipment_wave_indexes
Revises: 0004_lookup_indexes
Create Date: 2026-12-02 09:40:00

Shipping a load marks it shipped once none of its shipments is left (NOT EXISTS a shipment of the load not
yet shipped), and a wave is closed once none of its shipments is still being picked: without an index each
was a scan of every shipment ever made, per load or wave (40-90 ms per statement after 45 simulated days,
growing with the history).
"""
from alembic import op


revision = '0005_shipment_wave_indexes'
down_revision = '0004_lookup_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_shipments_load_id', 'shipments', ['load_id'], unique=False)
    op.create_index('ix_shipments_pick_list_id', 'shipments', ['pick_list_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_shipments_pick_list_id', table_name='shipments')
    op.drop_index('ix_shipments_load_id', table_name='shipments')
