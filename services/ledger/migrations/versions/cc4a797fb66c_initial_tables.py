"""initial tables

Revision ID: cc4a797fb66c
Revises: 
Create Date: 2026-11-23 13:19:14.801994
"""
from alembic import op
import sqlalchemy as sa

from shared.messaging_migration import create_messaging_tables_v1, drop_messaging_tables_v1


revision = 'cc4a797fb66c'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables_v1()
    op.create_table('chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('open_accounts',
    sa.Column('account', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('account')
    )
    op.create_table('postings',
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('disbursement_id', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('rail_reference', sa.String(length=60), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key'),
    sa.UniqueConstraint('disbursement_id')
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postings_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_programme'), ['programme'], unique=False)



def downgrade():
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_programme'))
        batch_op.drop_index(batch_op.f('ix_postings_participant_id'))

    op.drop_table('postings')
    op.drop_table('open_accounts')
    op.drop_table('chain_head')
    drop_messaging_tables_v1()
