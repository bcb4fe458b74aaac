"""payment accounts and their history: the sealed account of each participant, its
verification, and every change and check (masked values only)

Revision ID: 74e7dea12ba9
Revises: e4c1d393b5e7
Create Date: 2026-11-30 20:06:06.579321
"""
from alembic import op
import sqlalchemy as sa


revision = '74e7dea12ba9'
down_revision = 'e4c1d393b5e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_account_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('masked', sa.String(length=40), nullable=False),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('provider_answer', sa.String(length=30), nullable=True),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payment_account_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_account_events_participant_id'), ['participant_id'], unique=False)

    op.create_table('payment_accounts',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('masked', sa.String(length=40), nullable=False),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_answer', sa.String(length=30), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.String(length=60), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('participant_id')
    )
    with op.batch_alter_table('payment_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_accounts_verification'), ['verification'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_accounts_verification'))

    op.drop_table('payment_accounts')
    with op.batch_alter_table('payment_account_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_account_events_participant_id'))

    op.drop_table('payment_account_events')
