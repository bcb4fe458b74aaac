"""each account keeps the language its web pages are shown in

Revision ID: 8b1d4e6f2a93
Revises: 5c2e8a4f7b19
Create Date: 2026-11-30 21:00:00

English unless the person picks Somali on a page (`POST /app/language`).
"""
from alembic import op
import sqlalchemy as sa


revision = '8b1d4e6f2a93'
down_revision = '5c2e8a4f7b19'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))


def downgrade():
    op.drop_column('users', 'language')
