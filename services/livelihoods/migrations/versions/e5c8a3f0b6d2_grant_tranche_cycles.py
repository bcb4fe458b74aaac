"""grant tranche cycles: a cycle's kind; disbursements of a cycle, with their participant

Revision ID: e5c8a3f0b6d2
Revises: b2f6d1e8a402
Create Date: 2026-11-30 21:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5c8a3f0b6d2'
down_revision = 'b2f6d1e8a402'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('allowance_cycles', sa.Column('kind', sa.String(length=10), server_default='ALLOWANCE',
                                                nullable=False))
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('cycle_id', sa.String(length=12), nullable=True))
        batch_op.create_foreign_key('fk_disbursements_cycle_id_allowance_cycles', 'allowance_cycles',
                                    ['cycle_id'], ['id'])
    op.execute("UPDATE disbursements SET participant_id = (SELECT g.participant_id FROM grant_applications g "
               "WHERE g.id = disbursements.application_id)")
    op.create_index('ix_disbursements_cycle_status_id', 'disbursements', ['cycle_id', 'status', 'id'])
    op.create_index('ix_disbursements_cycle_id_id', 'disbursements', ['cycle_id', 'id'])


def downgrade():
    op.drop_index('ix_disbursements_cycle_id_id', table_name='disbursements')
    op.drop_index('ix_disbursements_cycle_status_id', table_name='disbursements')
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_constraint('fk_disbursements_cycle_id_allowance_cycles', type_='foreignkey')
        batch_op.drop_column('cycle_id')
        batch_op.drop_column('participant_id')
    op.drop_column('allowance_cycles', 'kind')
