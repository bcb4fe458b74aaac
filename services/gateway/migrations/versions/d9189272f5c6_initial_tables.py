"""initial tables

Revision ID: d9189272f5c6
Revises: 
Create Date: 2026-11-23 13:20:33.954551
"""
from alembic import op
import sqlalchemy as sa

from shared.messaging_migration import create_messaging_tables_v1, drop_messaging_tables_v1


revision = 'd9189272f5c6'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_messaging_tables_v1()
    op.create_table('users',
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=True),
    sa.Column('mentor_id', sa.String(length=12), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade():
    op.drop_table('users')
    drop_messaging_tables_v1()
