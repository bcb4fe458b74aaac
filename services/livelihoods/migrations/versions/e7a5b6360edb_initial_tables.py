"""initial tables

Revision ID: e7a5b6360edb
Revises: 
Create Date: 2026-11-23 13:18:09.390774
"""
from alembic import op
import sqlalchemy as sa

from shared.messaging_migration import create_messaging_tables_v1, drop_messaging_tables_v1


revision = 'e7a5b6360edb'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables_v1()
    op.create_table('completions',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('cohort_id', sa.String(length=12), nullable=False),
    sa.Column('track', sa.String(length=60), nullable=False),
    sa.Column('result', sa.String(length=4), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('sessions_held', sa.Integer(), nullable=False),
    sa.Column('sessions_attended', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('participant_id', 'cohort_id')
    )
    op.create_table('participant_facts',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('consent_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('participant_id')
    )
    op.create_table('programmes',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('donor', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('grant_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('supervisor_threshold', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('grant_applications',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('business_plan', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=60), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_applications_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_applications_programme'), ['programme'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_applications_status'), ['status'], unique=False)

    op.create_table('disbursements',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('application_id', sa.String(length=12), nullable=False),
    sa.Column('tranche', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=60), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rail_reference', sa.String(length=60), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disbursements_application_id'), ['application_id'], unique=False)



def downgrade():
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disbursements_application_id'))

    op.drop_table('disbursements')
    with op.batch_alter_table('grant_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_applications_status'))
        batch_op.drop_index(batch_op.f('ix_grant_applications_programme'))
        batch_op.drop_index(batch_op.f('ix_grant_applications_participant_id'))

    op.drop_table('grant_applications')
    op.drop_table('programmes')
    op.drop_table('participant_facts')
    op.drop_table('completions')
    drop_messaging_tables_v1()
