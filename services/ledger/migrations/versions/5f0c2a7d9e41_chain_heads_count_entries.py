"""chain heads count entries: every directive is chained, one head per chain

Revision ID: 5f0c2a7d9e41
Revises: 57523e3fcfe9
Create Date: 2026-11-24 10:00:00
"""
from alembic import op


revision = '5f0c2a7d9e41'
down_revision = '57523e3fcfe9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('chain_head') as batch_op:
        batch_op.alter_column('transactions', new_column_name='entries')


def downgrade():
    with op.batch_alter_table('chain_head') as batch_op:
        batch_op.alter_column('entries', new_column_name='transactions')
