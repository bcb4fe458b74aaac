"""payment orders: an index of those not answered yet, in key order

The sender reads the NEW orders and the answers the HELD and RECEIVED ones not answered yet,
each in key order: with only the state indexed, every round read all the answered orders of
a cycle too (a cycle of 100,000 ran 100 rounds each way).

Revision ID: f1c9a2d3b4e5
Revises: 4e7c2a9b1d56
Create Date: 2026-11-30 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1c9a2d3b4e5'
down_revision = '4e7c2a9b1d56'
branch_labels = None
depends_on = None

UNANSWERED = sa.text("answered_at IS NULL")


def upgrade():
    with op.batch_alter_table('payment_orders') as batch_op:
        batch_op.create_index('ix_payment_orders_unanswered', ['state', 'idempotency_key'],
                              sqlite_where=UNANSWERED, postgresql_where=UNANSWERED)


def downgrade():
    with op.batch_alter_table('payment_orders') as batch_op:
        batch_op.drop_index('ix_payment_orders_unanswered')
