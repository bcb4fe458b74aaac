"""payment orders: what the payment adapter sends to the provider and how far each got

Revision ID: e3b1d7c4a9f2
Revises: a699e6cbec74
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e3b1d7c4a9f2'
down_revision = 'a699e6cbec74'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_orders',
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('reference_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('batch_key', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('idempotency_key'),
    sa.UniqueConstraint('reference_id')
    )
    with op.batch_alter_table('payment_orders') as batch_op:
        batch_op.create_index('ix_payment_orders_state', ['state'])
        batch_op.create_index('ix_payment_orders_batch_key', ['batch_key'])
        batch_op.create_index('ix_payment_orders_sent_at', ['sent_at'])
    op.create_table('stray_callback_results',
    sa.Column('callback_id', sa.String(length=64), nullable=False),
    sa.Column('reference_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('callback_id', 'reference_id')
    )


def downgrade():
    op.drop_table('stray_callback_results')
    op.drop_table('payment_orders')
