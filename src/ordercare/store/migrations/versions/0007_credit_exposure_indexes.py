"""covering indexes for the credit exposure: orders (customer, status, total), receivables (customer, amount)

Revision ID: 0007_credit_exposure_indexes
Revises: 0006_kpi_cycle_bins
Create Date: 2026-12-02 16:00:00

Every order placed sums the customer's ledger and open orders (services/orders.credit_exposure). Through the
single-column customer indexes each summed row was a lookup in the table, and a customer's history grows all
year (delivered orders stay in the sum, at 0 once invoiced): after 120 simulated days the statement took
~100 us per customer, ~27 us with these indexes, which replace the customer-only ones (same leading column).
"""
from alembic import op


revision = '0007_credit_exposure_indexes'
down_revision = '0006_kpi_cycle_bins'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_customer_status', 'orders', ['customer_id', 'status', 'total_amount'], unique=False)
    op.drop_index('ix_orders_customer_id', table_name='orders')
    op.create_index('ix_receivables_customer_amount', 'receivables', ['customer_id', 'amount'], unique=False)
    op.drop_index('ix_receivables_customer_id', table_name='receivables')


def downgrade() -> None:
    op.create_index('ix_receivables_customer_id', 'receivables', ['customer_id'], unique=False)
    op.drop_index('ix_receivables_customer_amount', table_name='receivables')
    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'], unique=False)
    op.drop_index('ix_orders_customer_status', table_name='orders')
