"""closed accounts; a statement line keeps a category and the top-up it shows, not the rail's Details

Revision ID: 8d4e6f1a2b37
Revises: c3a7e2f9b503
Create Date: 2026-11-30 21:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '8d4e6f1a2b37'
down_revision = 'c3a7e2f9b503'
branch_labels = None
depends_on = None

CATEGORY = """CASE
    WHEN outcome = 'FEE' THEN 'charge'
    WHEN outcome = 'REVERSAL' THEN 'reversal'
    WHEN outcome IN ('MATCHED', 'AMOUNT_MISMATCH', 'DUPLICATE', 'MISSING_FROM_STATEMENT') THEN 'payment'
    WHEN paid_in > 0 AND lower(details) LIKE '%transfer from bank%' THEN 'top-up'
    ELSE 'other' END"""


def upgrade():
    op.create_table(
        'closed_accounts',
        sa.Column('account', sa.String(length=200), primary_key=True),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('closed_by', sa.String(length=80), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False))
    with op.batch_alter_table('statement_items') as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('transfer_reference', sa.String(length=60), nullable=True))
        batch_op.create_index('ix_statement_items_transfer_reference', ['transfer_reference'])
    op.execute(f"UPDATE statement_items SET category = {CATEGORY}")
    with op.batch_alter_table('statement_items') as batch_op:
        batch_op.alter_column('category', existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_column('details')


def downgrade():
    with op.batch_alter_table('statement_items') as batch_op:
        batch_op.add_column(sa.Column('details', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_index('ix_statement_items_transfer_reference')
        batch_op.drop_column('transfer_reference')
        batch_op.drop_column('category')
    op.drop_table('closed_accounts')
