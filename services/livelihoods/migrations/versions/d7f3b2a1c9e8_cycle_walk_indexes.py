"""payments indexed in the order a cycle's chunks and pages walk them; no index of phases

Revision ID: d7f3b2a1c9e8
Revises: c4e1a9d27b53
Create Date: 2026-11-30 21:00:00

A chunk (`cycle_id`, `status`, after the last `id`, by `id`) and a page (`cycle_id`, after
the last `id`, by `id`) are each a range of one of these indexes: the old ones (`cycle_id`;
`cycle_id, status`) made SQLite sort every remaining payment for each chunk. Phase histories are read by
participant (their primary key): the index by phase drew SQLite into scanning every
participant's history of that phase for each participant a preparation looked at.
"""
from alembic import op

revision = 'd7f3b2a1c9e8'
down_revision = 'c4e1a9d27b53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_allowance_payments_cycle_status_id', 'allowance_payments', ['cycle_id', 'status', 'id'])
    op.create_index('ix_allowance_payments_cycle_id_id', 'allowance_payments', ['cycle_id', 'id'])
    op.drop_index('ix_allowance_payments_cycle_status', table_name='allowance_payments')
    op.drop_index('ix_allowance_payments_cycle_id', table_name='allowance_payments')
    op.drop_index('ix_phase_history_phase', table_name='phase_history')


def downgrade():
    op.create_index('ix_phase_history_phase', 'phase_history', ['phase'])
    op.create_index('ix_allowance_payments_cycle_id', 'allowance_payments', ['cycle_id'])
    op.create_index('ix_allowance_payments_cycle_status', 'allowance_payments', ['cycle_id', 'status'])
    op.drop_index('ix_allowance_payments_cycle_id_id', table_name='allowance_payments')
    op.drop_index('ix_allowance_payments_cycle_status_id', table_name='allowance_payments')
