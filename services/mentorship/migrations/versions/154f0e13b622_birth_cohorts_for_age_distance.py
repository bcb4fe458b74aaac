"""birth cohorts for age distance

Revision ID: 154f0e13b622
Revises: 508e67fa44ed
Create Date: 2026-11-23 16:15:13.333611
"""
from alembic import op
import sqlalchemy as sa


revision = '154f0e13b622'
down_revision = '508e67fa44ed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_cohort', sa.Integer(), nullable=True))

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_cohort', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_column('birth_cohort')

    with op.batch_alter_table('mentees', schema=None) as batch_op:
        batch_op.drop_column('birth_cohort')

