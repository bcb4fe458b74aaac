"""case notes and visits sealed, personal data corrections

Revision ID: db324238b6a2
Revises: 74e7dea12ba9
Create Date: 2026-11-30 20:19:35.885893
"""
from alembic import op
import sqlalchemy as sa


revision = 'db324238b6a2'
down_revision = '74e7dea12ba9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_participant_id'), ['participant_id'], unique=False)

    op.create_table('personal_data_corrections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('sealed_reason', sa.Text(), nullable=False),
    sa.Column('corrected_by', sa.String(length=60), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('personal_data_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_corrections_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('personal_data_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_data_corrections_participant_id'))

    op.drop_table('personal_data_corrections')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_participant_id'))

    op.drop_table('case_notes')
