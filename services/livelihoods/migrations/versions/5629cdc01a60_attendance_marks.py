"""attendance marks

Revision ID: 5629cdc01a60
Revises: e7a5b6360edb
Create Date: 2026-11-23 14:08:34.823831
"""
from alembic import op
import sqlalchemy as sa


revision = '5629cdc01a60'
down_revision = 'e7a5b6360edb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_marks',
    sa.Column('participant_id', sa.String(length=8), nullable=False),
    sa.Column('cohort_id', sa.String(length=12), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('track', sa.String(length=60), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('participant_id', 'cohort_id', 'session_date')
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_marks_cohort_id'), ['cohort_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_marks_cohort_id'))

    op.drop_table('attendance_marks')
