"""fulfilment: index shipment_lines.allocation_id

Revision ID: 0004_shipment_line_allocation
Revises: 0002
Create Date: 2026-12-02 05:45:00

Shipping and cancelling delete allocations; the foreign key from shipment lines (ON DELETE SET NULL) makes
the database look up the shipment lines that point at each deleted allocation. Without an index that is a
scan of every shipment line ever written, per allocation: in a simulated year it was the largest single cost
of a warehouse's afternoon, growing with the history.
"""
from alembic import op


revision = '0004_shipment_line_allocation'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_shipment_lines_allocation_id', 'shipment_lines', ['allocation_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_shipment_lines_allocation_id', table_name='shipment_lines')
