"""initial tables

Revision ID: 8b4a1dba3d73
Revises: 
Create Date: 2026-11-23 13:15:51.684557
"""
from alembic import op
import sqlalchemy as sa

from shared.messaging_migration import create_messaging_tables_v1, drop_messaging_tables_v1


revision = '8b4a1dba3d73'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables_v1()
    op.create_table('courses',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('track', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('participants',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('pii', sa.Text(), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('livelihood_interest', sa.String(length=60), nullable=True),
    sa.Column('clearance_reference', sa.String(length=60), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('consent_active', sa.Boolean(), nullable=False),
    sa.Column('consent_given_on', sa.Date(), nullable=False),
    sa.Column('consent_recorded_by', sa.String(length=60), nullable=False),
    sa.Column('enrolled_by', sa.String(length=60), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_phase'), ['phase'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('course_code', sa.String(length=40), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_code'], ['courses.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('phase_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('from_phase', sa.String(length=20), nullable=False),
    sa.Column('to_phase', sa.String(length=20), nullable=False),
    sa.Column('changed_by', sa.String(length=60), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phase_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phase_changes_participant_id'), ['participant_id'], unique=False)

    op.create_table('attendance',
    sa.Column('cohort_id', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('cohort_id', 'participant_id', 'session_date')
    )
    op.create_table('cohort_members',
    sa.Column('cohort_id', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=4), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('cohort_id', 'participant_id')
    )


def downgrade():
    op.drop_table('cohort_members')
    op.drop_table('attendance')
    with op.batch_alter_table('phase_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phase_changes_participant_id'))

    op.drop_table('phase_changes')
    op.drop_table('cohorts')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_phase'))
        batch_op.drop_index(batch_op.f('ix_participants_district'))

    op.drop_table('participants')
    op.drop_table('courses')
    drop_messaging_tables_v1()
