"""the clearance reference is sealed with the rest of a participant's personal data

Revision ID: f2b9d4c6e8a1
Revises: c3d8e1f0a7b2
Create Date: 2026-12-02 01:20:00

The column is dropped, not copied: sealing needs the service's key, which migrations do not
hold, and the project has no releases whose data must be kept (the README says so).
"""
import sqlalchemy as sa
from alembic import op

revision = 'f2b9d4c6e8a1'
down_revision = 'c3d8e1f0a7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants') as batch:
        batch.drop_column('clearance_reference')


def downgrade():
    with op.batch_alter_table('participants') as batch:
        batch.add_column(sa.Column('clearance_reference', sa.String(length=60), nullable=False, server_default=''))
