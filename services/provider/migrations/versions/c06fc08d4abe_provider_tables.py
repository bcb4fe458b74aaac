"""provider tables

Revision ID: c06fc08d4abe
Revises: 
Create Date: 2026-11-30 19:49:26.292703
"""
from alembic import op
import sqlalchemy as sa


revision = 'c06fc08d4abe'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider_batches',
    sa.Column('batch_key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('callback_url', sa.String(length=2048), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('batch_key')
    )
    op.create_table('provider_float',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('currency')
    )
    op.create_table('provider_payments',
    sa.Column('reference_id', sa.String(length=128), nullable=False),
    sa.Column('batch_key', sa.String(length=128), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payee_note', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('receipt', sa.String(length=20), nullable=True),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.Float(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('callbacks_left', sa.Integer(), nullable=False),
    sa.Column('callback_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('reference_id')
    )
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.create_index('ix_provider_payments_batch', ['batch_key'], unique=False)
        batch_op.create_index('ix_provider_payments_callback', ['callbacks_left', 'callback_at'], unique=False)
        batch_op.create_index('ix_provider_payments_due', ['status', 'due_at'], unique=False)

    op.create_table('provider_statement_lines',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('details', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('paid_in_minor', sa.BigInteger(), nullable=False),
    sa.Column('withdrawn_minor', sa.BigInteger(), nullable=False),
    sa.Column('balance_minor', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('provider_statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_statement_lines_completed_at'), ['completed_at'], unique=False)

    op.create_table('provider_topups',
    sa.Column('reference_id', sa.String(length=128), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('reference_id')
    )


def downgrade():
    op.drop_table('provider_topups')
    with op.batch_alter_table('provider_statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_statement_lines_completed_at'))

    op.drop_table('provider_statement_lines')
    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_payments_due')
        batch_op.drop_index('ix_provider_payments_callback')
        batch_op.drop_index('ix_provider_payments_batch')

    op.drop_table('provider_payments')
    op.drop_table('provider_float')
    op.drop_table('provider_batches')
