"""programmes and funding

Revision ID: db81e9d18bd3
Revises: cc4a797fb66c
Create Date: 2026-11-23 14:29:42.275318
"""
from alembic import op
import sqlalchemy as sa


revision = 'db81e9d18bd3'
down_revision = 'cc4a797fb66c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding_postings',
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reference')
    )
    with op.batch_alter_table('funding_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_postings_programme'), ['programme'], unique=False)

    op.create_table('programmes',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('donor', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )


def downgrade():
    op.drop_table('programmes')
    with op.batch_alter_table('funding_postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_postings_programme'))

    op.drop_table('funding_postings')
