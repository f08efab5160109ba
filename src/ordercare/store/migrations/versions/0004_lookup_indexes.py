"""indexes for look-ups that scanned a growing table: shipment_lines.allocation_id, edi_documents.responds_to

Revision ID: 0004_lookup_indexes
Revises: 0003_edi
Create Date: 2026-12-02 05:45:00

- Shipping and cancelling delete allocations; the foreign key from shipment lines (ON DELETE SET NULL) makes the
  database look up the shipment lines that point at each deleted allocation. Without an index that was a scan
  of every shipment line ever written, per allocation: the largest single cost of a simulated warehouse
  afternoon, growing with the history.
- Receiving an interchange looks up the acknowledgement (997) that answers it by responds_to: a scan of every
  EDI document (with its text) without the index.
"""
from alembic import op


revision = '0004_lookup_indexes'
down_revision = '0003_edi'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_shipment_lines_allocation_id', 'shipment_lines', ['allocation_id'], unique=False)
    op.create_index('ix_edi_documents_responds_to', 'edi_documents', ['responds_to'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_edi_documents_responds_to', table_name='edi_documents')
    op.drop_index('ix_shipment_lines_allocation_id', table_name='shipment_lines')
