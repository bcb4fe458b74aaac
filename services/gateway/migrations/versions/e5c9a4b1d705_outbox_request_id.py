"""outbox rows keep the request id that caused them

Revision ID: e5c9a4b1d705
Revises: 8b1d4e6f2a93
Create Date: 2026-11-30 21:00:00
"""
from shared.messaging_migration import add_outbox_request_id, drop_outbox_request_id

revision = 'e5c9a4b1d705'
down_revision = '8b1d4e6f2a93'
branch_labels = None
depends_on = None


def upgrade():
    add_outbox_request_id()


def downgrade():
    drop_outbox_request_id()
