"""account balances

Revision ID: b4b236ca4ef9
Revises: db81e9d18bd3
Create Date: 2026-11-23 14:56:42.113104
"""
from alembic import op
import sqlalchemy as sa


revision = 'b4b236ca4ef9'
down_revision = 'db81e9d18bd3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_balances',
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('account', 'currency')
    )


def downgrade():
    op.drop_table('account_balances')
