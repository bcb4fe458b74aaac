"""identity claims: one row per blind key, taken by each enrollment so two at once queue

Revision ID: c3d8e1f0a7b2
Revises: a1e5c0d7f301
Create Date: 2026-11-30 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d8e1f0a7b2'
down_revision = 'a1e5c0d7f301'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_claims',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade():
    op.drop_table('identity_claims')
