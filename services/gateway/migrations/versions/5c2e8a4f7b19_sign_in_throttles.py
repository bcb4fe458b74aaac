"""sign-in throttling per account and address replaces the account lock-out

Revision ID: 5c2e8a4f7b19
Revises: 3f6a2c1d8e47
Create Date: 2026-11-30 20:00:00

Growing delays per account from one client address and per address replace the hard lock
of an account (which anyone knowing a username could trigger): `users.failed_sign_ins`
and `users.locked_until` go.
"""
from alembic import op
import sqlalchemy as sa


revision = '5c2e8a4f7b19'
down_revision = '3f6a2c1d8e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of `users` would drop
    # the table that tokens refer to.
    op.drop_column('users', 'failed_sign_ins')
    op.drop_column('users', 'locked_until')


def downgrade():
    op.add_column('users', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_table('sign_in_throttles')
