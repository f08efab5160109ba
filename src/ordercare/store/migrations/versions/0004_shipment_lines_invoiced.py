"""shipment_lines.invoiced: billing's marker, with a partial index over the lines still to invoice

Revision ID: 0004_shipment_lines_invoiced
Revises: 0003_billing
Create Date: 2026-12-02 06:30:00

The invoice run looked for customers with uninvoiced goods by checking every shipped line ever written against
the invoice lines: a scan growing with the history, on every run. The marker is set when a live invoice carries
the line (and cleared when that invoice is cancelled); the partial index holds only the shipped lines not yet
invoiced. Existing data is backfilled from the invoices as they stand: a line is invoiced if an invoice that is
not cancelled carries it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0004_shipment_lines_invoiced'
down_revision = '0003_billing'
branch_labels = None
depends_on = None

# As the table declares it (store/fulfilment_tables.py): SQLite has no boolean literal of its own.
WHERE = {"postgresql_where": sa.text("invoiced = false AND qty_shipped > 0"),
         "sqlite_where": sa.text("invoiced = 0 AND qty_shipped > 0")}


def upgrade() -> None:
    with op.batch_alter_table('shipment_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoiced', sa.Boolean(), server_default='0', nullable=False))
    op.execute("UPDATE shipment_lines SET invoiced = true WHERE EXISTS (SELECT 1 FROM invoice_lines "
               "JOIN invoices ON invoices.id = invoice_lines.invoice_id WHERE invoice_lines.shipment_line_id = "
               "shipment_lines.id AND invoices.status != 'cancelled')")
    op.create_index('ix_shipment_lines_uninvoiced', 'shipment_lines', ['shipment_id'], unique=False, **WHERE)


def downgrade() -> None:
    op.drop_index('ix_shipment_lines_uninvoiced', table_name='shipment_lines', **WHERE)
    # A plain ALTER TABLE DROP COLUMN (SQLite 3.35+): a batch would recreate shipment_lines, which invoice lines
    # and others reference.
    op.drop_column('shipment_lines', 'invoiced')
