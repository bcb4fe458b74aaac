"""offer end

Revision ID: 472ab4f093b5
Revises: bc38f423bec9
Create Date: 2026-11-23 14:09:02.817989
"""
from alembic import op
import sqlalchemy as sa


revision = '472ab4f093b5'
down_revision = 'bc38f423bec9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_at')

