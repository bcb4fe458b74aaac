"""float money returned to the bank, keyed by the caller's reference like top-ups

Revision ID: 5b1e9c3d7a20
Revises: c06fc08d4abe
Create Date: 2026-11-30 23:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '5b1e9c3d7a20'
down_revision = 'c06fc08d4abe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider_float_returns',
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
    op.drop_table('provider_float_returns')
