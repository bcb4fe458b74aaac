"""closing an account is requested by one finance user and approved by another; a statement
item keeps the ledger's day of a float transfer it shows on another day

Revision ID: 4e7c2a9b1d56
Revises: 8d4e6f1a2b37
Create Date: 2026-11-30 23:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '4e7c2a9b1d56'
down_revision = '8d4e6f1a2b37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'close_requests',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('account', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_by', sa.String(length=80), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_by', sa.String(length=80), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_close_requests_account', 'close_requests', ['account'])
    with op.batch_alter_table('closed_accounts') as batch_op:
        batch_op.add_column(sa.Column('requested_by', sa.String(length=80), nullable=True))
    with op.batch_alter_table('statement_items') as batch_op:
        batch_op.add_column(sa.Column('expected_day', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('statement_items') as batch_op:
        batch_op.drop_column('expected_day')
    with op.batch_alter_table('closed_accounts') as batch_op:
        batch_op.drop_column('requested_by')
    op.drop_index('ix_close_requests_account', table_name='close_requests')
    op.drop_table('close_requests')
