"""period close, finance books, account days

Revision ID: a699e6cbec74
Revises: 5f0c2a7d9e41
Create Date: 2026-11-30 20:01:31.691637
"""
from alembic import op
import sqlalchemy as sa


revision = 'a699e6cbec74'
down_revision = '5f0c2a7d9e41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_days',
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('account', 'currency', 'day')
    )
    op.create_table('journal_entries',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('narration', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('legs', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('prepared_by', sa.String(length=80), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('period_closes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('closed_through', sa.Date(), nullable=True),
    sa.Column('statement_id', sa.String(length=12), nullable=True),
    sa.Column('reopen_request', sa.Integer(), nullable=True),
    sa.Column('changed_by', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('reopen_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reopen_from', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('treasury_entries',
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('posted_by', sa.String(length=80), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reference')
    )
    op.create_table('write_offs',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.String(length=80), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['statement_items.id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )


def downgrade():
    op.drop_table('write_offs')
    op.drop_table('treasury_entries')
    op.drop_table('reopen_requests')
    op.drop_table('period_closes')
    op.drop_table('journal_entries')
    op.drop_table('account_days')
