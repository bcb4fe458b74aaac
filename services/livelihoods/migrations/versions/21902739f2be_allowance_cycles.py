"""allowance cycles

Revision ID: 21902739f2be
Revises: 2b88c5383326
Create Date: 2026-11-23 17:21:53.620784
"""
from alembic import op
import sqlalchemy as sa


revision = '21902739f2be'
down_revision = '2b88c5383326'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('allowance_cycles',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('prepared_by', sa.String(length=60), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.String(length=60), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme', 'month')
    )
    op.create_table('allowance_payments',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('cycle_id', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rail_reference', sa.String(length=60), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['allowance_cycles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('allowance_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allowance_payments_cycle_id'), ['cycle_id'], unique=False)

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowance', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('allowance')

    with op.batch_alter_table('allowance_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allowance_payments_cycle_id'))

    op.drop_table('allowance_payments')
    op.drop_table('allowance_cycles')
