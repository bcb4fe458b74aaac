"""mentor of a participant

Revision ID: 2b88c5383326
Revises: 1bcf60022ebb
Create Date: 2026-11-23 16:14:01.352255
"""
from alembic import op
import sqlalchemy as sa


revision = '2b88c5383326'
down_revision = '1bcf60022ebb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentor_id', sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table('participant_facts', schema=None) as batch_op:
        batch_op.drop_column('mentor_id')

