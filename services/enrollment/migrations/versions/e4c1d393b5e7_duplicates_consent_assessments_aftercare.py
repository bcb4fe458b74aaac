"""duplicates consent assessments aftercare

Revision ID: e4c1d393b5e7
Revises: 8b4a1dba3d73
Create Date: 2026-11-23 14:06:13.085269
"""
from alembic import op
import sqlalchemy as sa


revision = 'e4c1d393b5e7'
down_revision = '8b4a1dba3d73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_enrollments',
    sa.Column('id', sa.String(length=8), nullable=False),
    sa.Column('sealed_command', sa.Text(), nullable=False),
    sa.Column('national_id_key', sa.String(length=64), nullable=False),
    sa.Column('phone_key', sa.String(length=64), nullable=False),
    sa.Column('name_dob_key', sa.String(length=64), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('held_by', sa.String(length=60), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=60), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('participant_id', sa.String(length=8), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('held_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_enrollments_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_enrollments_name_dob_key'), ['name_dob_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_enrollments_national_id_key'), ['national_id_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_enrollments_phone_key'), ['phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_enrollments_status'), ['status'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessed_by', sa.String(length=60), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('risk_factors', sa.JSON(), nullable=False),
    sa.Column('protective_factors', sa.JSON(), nullable=False),
    sa.Column('livelihood_plan', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_participant_id'), ['participant_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_key', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('phone_key', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('name_dob_key', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('consent_withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('aftercare_started_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_participants_name_dob_key'), ['name_dob_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_national_id_key'), ['national_id_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_phone_key'), ['phone_key'], unique=False)



def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_phone_key'))
        batch_op.drop_index(batch_op.f('ix_participants_national_id_key'))
        batch_op.drop_index(batch_op.f('ix_participants_name_dob_key'))
        batch_op.drop_column('aftercare_started_on')
        batch_op.drop_column('consent_withdrawn_on')
        batch_op.drop_column('name_dob_key')
        batch_op.drop_column('phone_key')
        batch_op.drop_column('national_id_key')

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('left_at')

    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_participant_id'))

    op.drop_table('consent_records')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_participant_id'))

    op.drop_table('assessments')
    with op.batch_alter_table('held_enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_enrollments_status'))
        batch_op.drop_index(batch_op.f('ix_held_enrollments_phone_key'))
        batch_op.drop_index(batch_op.f('ix_held_enrollments_national_id_key'))
        batch_op.drop_index(batch_op.f('ix_held_enrollments_name_dob_key'))
        batch_op.drop_index(batch_op.f('ix_held_enrollments_district'))

    op.drop_table('held_enrollments')
