"""cycles declare their count and total; left-out list kept for paging; re-issued attempts

Revision ID: c4e1a9d27b53
Revises: 9a3c51e0d2b7
Create Date: 2026-11-30 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e1a9d27b53'
down_revision = '9a3c51e0d2b7'
branch_labels = None
depends_on = None

OLD_LIVE = sa.text("status <> 'FAILED'")
LIVE = sa.text("status NOT IN ('FAILED', 'REISSUED')")


def upgrade():
    with op.batch_alter_table('allowance_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('declared_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('declared_total', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('payment_prefix', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_allowance_cycles_payment_prefix', ['payment_prefix'])
    op.execute("UPDATE allowance_cycles SET "
               "declared_count = (SELECT count(*) FROM allowance_entitlements e WHERE e.cycle_id = allowance_cycles.id), "
               "declared_total = (SELECT coalesce(sum(p.amount), 0) FROM allowance_payments p "
               "WHERE p.cycle_id = allowance_cycles.id AND p.attempt = 1), "
               "currency = (SELECT min(p.currency) FROM allowance_payments p WHERE p.cycle_id = allowance_cycles.id)")
    op.create_table(
        'allowance_left_out',
        sa.Column('cycle_id', sa.String(length=12), nullable=False),
        sa.Column('participant_id', sa.String(length=8), nullable=False),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['allowance_cycles.id'], name=op.f('fk_allowance_left_out_cycle_id_allowance_cycles')),
        sa.PrimaryKeyConstraint('cycle_id', 'participant_id', name=op.f('pk_allowance_left_out')))
    op.drop_index('uq_allowance_payments_live_attempt', table_name='allowance_payments')
    op.create_index('uq_allowance_payments_live_attempt', 'allowance_payments', ['entitlement_id'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index('ix_allowance_payments_cycle_status', 'allowance_payments', ['cycle_id', 'status'])


def downgrade():
    op.drop_index('ix_allowance_payments_cycle_status', table_name='allowance_payments')
    op.execute("UPDATE allowance_payments SET status = 'FAILED' WHERE status = 'REISSUED'")
    op.drop_index('uq_allowance_payments_live_attempt', table_name='allowance_payments')
    op.create_index('uq_allowance_payments_live_attempt', 'allowance_payments', ['entitlement_id'], unique=True,
                    sqlite_where=OLD_LIVE, postgresql_where=OLD_LIVE)
    op.drop_table('allowance_left_out')
    with op.batch_alter_table('allowance_cycles', schema=None) as batch_op:
        batch_op.drop_constraint('uq_allowance_cycles_payment_prefix', type_='unique')
        for column in ('completed_at', 'payment_prefix', 'declared_total', 'declared_count', 'currency'):
            batch_op.drop_column(column)
