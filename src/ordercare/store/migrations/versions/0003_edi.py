"""edi: trading partners, cross-references, interchanges, import batches

Revision ID: 0003_edi
Revises: 0002
Create Date: 2026-12-01 21:35:45.822655
"""
from alembic import op
import sqlalchemy as sa
import ordercare.store.tables


revision = '0003_edi'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('import_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=4), nullable=False),
    sa.Column('valid_only', sa.Boolean(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('created_ids', sa.JSON(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('created_at', ordercare.store.tables.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_table('trading_partners',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('isa_qualifier', sa.String(length=2), nullable=False),
    sa.Column('isa_id', sa.String(length=15), nullable=False),
    sa.Column('gs_id', sa.String(length=15), nullable=False),
    sa.Column('our_qualifier', sa.String(length=2), nullable=False),
    sa.Column('our_id', sa.String(length=15), nullable=False),
    sa.Column('our_gs_id', sa.String(length=15), nullable=False),
    sa.Column('version', sa.String(length=5), nullable=False),
    sa.Column('usage', sa.String(length=1), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_control', sa.Integer(), nullable=False),
    sa.Column('created_at', ordercare.store.tables.UtcDateTime(), nullable=False),
    sa.CheckConstraint("usage IN ('P', 'T') AND last_control >= 0 AND last_control <= 999999999", name=op.f('ck_trading_partners_envelope')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_trading_partners_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_partners')),
    sa.UniqueConstraint('code', name=op.f('uq_trading_partners_code')),
    sa.UniqueConstraint('isa_qualifier', 'isa_id', name='uq_trading_partners_isa')
    )
    with op.batch_alter_table('trading_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_partners_customer_id'), ['customer_id'], unique=False)

    op.create_table('partner_items',
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=2), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("kind IN ('BP', 'UP')", name=op.f('ck_partner_items_kind')),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'], name=op.f('fk_partner_items_partner_id_trading_partners')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_partner_items_product_id_products')),
    sa.PrimaryKeyConstraint('partner_id', 'kind', 'value', name=op.f('pk_partner_items'))
    )
    op.create_table('partner_locations',
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('ship_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'], name=op.f('fk_partner_locations_partner_id_trading_partners')),
    sa.ForeignKeyConstraint(['ship_to_id'], ['ship_tos.id'], name=op.f('fk_partner_locations_ship_to_id_ship_tos')),
    sa.PrimaryKeyConstraint('partner_id', 'code', name=op.f('pk_partner_locations'))
    )
    op.create_table('edi_documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('set_code', sa.String(length=3), nullable=False),
    sa.Column('control', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('invoice_ref', sa.String(length=60), nullable=True),
    sa.Column('responds_to', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', ordercare.store.tables.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_edi_documents_direction')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_edi_documents_order_id_orders')),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'], name=op.f('fk_edi_documents_partner_id_trading_partners')),
    sa.ForeignKeyConstraint(['responds_to'], ['edi_documents.id'], name=op.f('fk_edi_documents_responds_to_edi_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edi_documents')),
    sa.UniqueConstraint('partner_id', 'direction', 'control', name='uq_edi_documents_control')
    )
    with op.batch_alter_table('edi_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_edi_documents_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_edi_documents_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('edi_transactions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_control', sa.String(length=9), nullable=False),
    sa.Column('set_code', sa.String(length=3), nullable=False),
    sa.Column('set_control', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error_code', sa.String(length=50), nullable=True),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('po_number', sa.String(length=60), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['edi_documents.id'], name=op.f('fk_edi_transactions_document_id_edi_documents')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_edi_transactions_order_id_orders')),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partners.id'], name=op.f('fk_edi_transactions_partner_id_trading_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edi_transactions'))
    )
    with op.batch_alter_table('edi_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_edi_transactions_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_edi_transactions_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_edi_transactions_po', ['partner_id', 'po_number'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('edi_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_edi_transactions_po')
        batch_op.drop_index(batch_op.f('ix_edi_transactions_order_id'))
        batch_op.drop_index(batch_op.f('ix_edi_transactions_document_id'))

    op.drop_table('edi_transactions')
    with op.batch_alter_table('edi_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_edi_documents_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_edi_documents_order_id'))

    op.drop_table('edi_documents')
    op.drop_table('partner_locations')
    op.drop_table('partner_items')
    with op.batch_alter_table('trading_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_partners_customer_id'))

    op.drop_table('trading_partners')
    op.drop_table('import_batches')

